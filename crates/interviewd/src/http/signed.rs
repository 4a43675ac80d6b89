//! Signed asset links in every dialect: writing them into objects ([`Signer`]) and serving the
//! routes they point at to either the dialect's own credential or a valid signature
//! ([`asset_company`]). The link format and its rules are `core::links`'.

use crate::app::AppState;
use crate::core::error::CoreError;
use crate::core::links::{self, Signed};
use crate::http::context::{Context, KeyedDialect};
use crate::http::extract::QueryParams;
use crate::wire::Links;
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use interviewd_domain::assets::{LinkError, LinkKey};
use interviewd_domain::{CompanyId, Scope};

/// What a handler writes signed links with.
pub struct Signer {
    base: String,
    key: LinkKey,
    expires: DateTime<Utc>,
}

impl Signer {
    /// The deployment's key and the expiry of links made now.
    pub async fn load(state: &AppState) -> Result<Self, CoreError> {
        let (key, expires) = links::signer(state).await?;
        Ok(Self {
            base: state.config.public_url(),
            key,
            expires,
        })
    }

    /// The same key with another expiry (a share link's own).
    pub fn until(mut self, expires: DateTime<Utc>) -> Self {
        self.expires = expires;
        self
    }

    /// Signed links.
    pub fn links(&self) -> Links<'_> {
        Links {
            base: &self.base,
            signer: Some((&self.key, self.expires)),
        }
    }
}

/// The company whose asset at `uri` may be served: the one a signature in the query names,
/// when it is valid and unexpired (a request with a signature is judged by it alone; a bad one
/// without a credential answers as a request without a credential does); else the
/// acting company of the dialect's credential, with `scopes` — then with the context, for the
/// handler's "another company's" answers.
pub async fn asset_company<D: KeyedDialect>(
    state: &AppState,
    uri: &Uri,
    ctx: Result<Context<D>, D::Error>,
    scopes: &[Scope],
) -> Result<(CompanyId, Option<Context<D>>), D::Error> {
    let query = QueryParams::parse(uri.query());
    if let Some(signature) = query.non_empty("signature") {
        let signed = Signed {
            company: query.non_empty("company").unwrap_or_default(),
            expires: query.non_empty("expires").unwrap_or_default(),
            signature,
        };
        return match (links::verify(state, uri.path(), signed).await?, ctx) {
            (Ok(company), _) => Ok((company, None)),
            // A signature that is not ours, without a credential: asked to authenticate
            // (401), as any request without one is. An expired link says so (403).
            (Err(LinkError::Invalid), Err(unauthenticated)) => Err(unauthenticated),
            (Err(refused), _) => Err(CoreError::Forbidden(refused.to_string()).into()),
        };
    }
    let ctx = ctx?;
    Ok((ctx.company(scopes)?, Some(ctx)))
}

/// A file an asset route serves: its media type and `Content-Disposition`.
pub fn asset_file(content_type: &'static str, disposition: String, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}
