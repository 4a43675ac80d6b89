//! Operator commands (`companies …`, `keys …`). Each returns the JSON object it prints, so
//! scripts can read the output; a key's secret is shown only in the result of `keys create`.

use crate::core::keys;
use crate::store::DynStore;
use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use interviewd_domain::model::{ApiKey, Company, KeyKind};
use interviewd_domain::time::rfc3339;
use interviewd_domain::{CompanyId, KeyId, PageRequest, Plan, ScopeSet};
use serde_json::{Value, json};

/// The JSON form of a company for admin output.
pub fn company_json(c: &Company) -> Value {
    json!({
        "id": c.id.to_string(),
        "number": c.number,
        "name": c.name,
        "plan": c.plan.as_str(),
        "planChangedAt": c.plan_changed_at.map(rfc3339),
        "concurrencyLimit": c.concurrency_limit,
        "createdAt": rfc3339(c.created_at),
    })
}

/// The JSON form of a key (never the secret).
pub fn key_json(k: &ApiKey) -> Value {
    json!({
        "id": k.id.to_string(),
        "name": k.name,
        "prefix": k.prefix,
        "kind": k.kind.as_str(),
        "companyId": k.company_id.map(|c| c.to_string()),
        "companies": k.managed_companies.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "scopes": k.scopes.names(),
        "expiresAt": k.expires_at.map(rfc3339),
        "revokedAt": k.revoked_at.map(rfc3339),
        "createdAt": rfc3339(k.created_at),
    })
}

/// `companies create`.
pub async fn create_company(
    store: &DynStore,
    name: &str,
    plan: Plan,
    concurrency: Option<u32>,
) -> anyhow::Result<Company> {
    let name =
        crate::core::validate::text("name", name, 2, 100).map_err(|e| anyhow::anyhow!("{e}"))?;
    let limit = concurrency.unwrap_or_else(|| plan.default_concurrency());
    if !(1..=1000).contains(&limit) {
        bail!("--concurrency must be from 1 to 1000");
    }
    let now = Utc::now();
    let company = Company {
        id: CompanyId::new(),
        number: 0,
        name,
        description: None,
        owner_email: None,
        metadata: Default::default(),
        plan,
        plan_changed_at: None,
        concurrency_limit: limit,
        created_at: now,
        updated_at: now,
    };
    Ok(store.create_company(&company, None).await?)
}

/// `companies list`.
pub async fn list_companies(store: &DynStore) -> anyhow::Result<Vec<Company>> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = PageRequest { page, limit: 100 };
        let found = store.list_all_companies(p).await?;
        let done = found.items.len() < 100;
        out.extend(found.items);
        if done {
            return Ok(out);
        }
        page += 1;
    }
}

/// `companies set-plan`.
pub async fn set_plan(store: &DynStore, id: &str, plan: Plan) -> anyhow::Result<Company> {
    let id: CompanyId = id.parse().context("company id must be a UUID")?;
    store
        .set_plan(id, plan, Utc::now())
        .await?
        .context("no such company")
}

/// Parameters of `keys create`.
pub struct NewKeyArgs {
    pub company: Vec<String>,
    pub ats: bool,
    pub scopes: String,
    pub name: Option<String>,
    pub expires_at: Option<String>,
}

/// `keys create`: returns the stored key and the secret (shown once).
pub async fn create_key(store: &DynStore, args: NewKeyArgs) -> anyhow::Result<(ApiKey, String)> {
    let scopes =
        ScopeSet::parse_list(&args.scopes).map_err(|e| anyhow::anyhow!("--scopes: {e}"))?;
    let expires_at = args
        .expires_at
        .as_deref()
        .map(|s| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)))
        .transpose()
        .context("--expires-at must be RFC 3339")?;
    let mut companies = Vec::new();
    for raw in &args.company {
        let id: CompanyId = raw.parse().context("--company must be a UUID")?;
        store
            .get_company(id)
            .await?
            .with_context(|| format!("no company {id}"))?;
        companies.push(id);
    }
    let (kind, company_id) = match (args.ats, companies.as_slice()) {
        (true, _) => (KeyKind::Ats, None),
        (false, [one]) => (KeyKind::Company, Some(*one)),
        (false, _) => bail!("a company key needs exactly one --company (or pass --ats)"),
    };
    let secret = keys::generate().map_err(|e| anyhow::anyhow!("generating a key: {e}"))?;
    let key = ApiKey {
        id: KeyId::new(),
        name: args.name,
        prefix: secret.prefix.clone(),
        kind,
        company_id,
        scopes,
        expires_at,
        revoked_at: None,
        created_at: Utc::now(),
        managed_companies: if args.ats { companies } else { Vec::new() },
    };
    store.create_key(&key, &secret.hash).await?;
    Ok((key, secret.secret))
}

/// `keys revoke`.
pub async fn revoke_key(store: &DynStore, id: &str) -> anyhow::Result<()> {
    let id: KeyId = id.parse().context("key id must be a UUID")?;
    if !store.revoke_key(id, Utc::now()).await? {
        bail!("no such key");
    }
    Ok(())
}
