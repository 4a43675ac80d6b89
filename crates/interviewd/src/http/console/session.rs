//! Who is signed in. [`resolve`] (a middleware over every `/app` route) turns the session
//! cookie into the signed-in user once per request — or into nobody, clearing a cookie whose
//! session expired, was signed out or belongs to a disabled user. Handlers then say what they
//! need in their signature: [`User`] (anyone signed in; everyone else is sent to the sign-in
//! page and back) or [`Admin`] (an administrator; a member gets a 403 page).

use super::cookies::{self, SameSite};
use super::csrf;
use super::errors::PageError;
use crate::app::AppState;
use crate::core::users::{self, Role, SignedIn};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use interviewd_domain::CompanyId;
use std::net::{IpAddr, SocketAddr};

/// What [`resolve`] found: the signed-in user and their session token, or nobody.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub signed_in: Option<SignedIn>,
    /// The session token of a valid session (the CSRF token is derived from it).
    pub token: Option<String>,
}

/// Whether cookies must be `Secure` (the console is reached over HTTPS).
pub fn secure(state: &AppState) -> bool {
    state.config.public_url().starts_with("https://")
}

/// The session cookie's name on this deployment.
pub fn cookie_name(state: &AppState) -> String {
    cookies::name(cookies::SESSION, secure(state))
}

/// The `Set-Cookie` value of a session just opened, living until the session's absolute end.
pub fn session_cookie(
    state: &AppState,
    token: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> HeaderValue {
    let max_age = (expires_at - state.now()).num_seconds().max(0);
    cookies::set(
        &cookie_name(state),
        token,
        SameSite::Lax,
        secure(state),
        max_age,
    )
}

/// Middleware: resolves the session cookie into a [`Resolved`] in the request's extensions.
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let name = cookie_name(&state);
    let token = cookies::get(req.headers(), &name);
    let mut resolved = Resolved::default();
    if let Some(token) = token.as_deref() {
        match users::authenticate(state.store.as_ref(), token, state.now()).await {
            Ok(Some(signed_in)) => {
                resolved.signed_in = Some(signed_in);
                resolved.token = Some(token.to_owned());
            }
            Ok(None) => {}
            Err(e) => return PageError::from(e).into_response(),
        }
    }
    let stale = token.is_some() && resolved.signed_in.is_none();
    req.extensions_mut().insert(resolved);
    let mut res = next.run(req).await;
    let sets_it = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(format!("{name}=").as_bytes()));
    if stale && !sets_it {
        let clear = cookies::clear(&name, SameSite::Lax, secure(&state));
        res.headers_mut().append(header::SET_COOKIE, clear);
    }
    res
}

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct User {
    pub signed_in: SignedIn,
    /// The token forms and htmx requests carry (see [`csrf`]).
    pub csrf: String,
}

impl User {
    /// The user's company: every read and write of the console is scoped by it.
    pub fn company(&self) -> CompanyId {
        self.signed_in.user.company_id
    }

    /// Whether the user is an administrator.
    pub fn is_admin(&self) -> bool {
        self.signed_in.user.role == Role::Admin
    }

    /// Fails with a 403 page unless the user is an administrator.
    pub fn require_admin(&self) -> Result<(), PageError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(PageError::Forbidden(
                "Only administrators of your company can do this.",
            ))
        }
    }
}

impl FromRequestParts<AppState> for User {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        match parts.extensions.get::<Resolved>() {
            Some(Resolved {
                signed_in: Some(signed_in),
                token: Some(token),
            }) => Ok(User {
                signed_in: signed_in.clone(),
                csrf: csrf::token_for(token),
            }),
            _ => Err(to_sign_in(parts)),
        }
    }
}

/// An administrator of the request's company.
#[derive(Clone, Debug)]
pub struct Admin(pub User);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let user = User::from_request_parts(parts, state).await?;
        user.require_admin().map_err(IntoResponse::into_response)?;
        Ok(Admin(user))
    }
}

/// Sends someone who is not signed in to the sign-in page, to come back to this page (for a
/// GET) afterwards. An htmx request is told to load the sign-in page as a whole.
fn to_sign_in(parts: &Parts) -> Response {
    let back = (parts.method == Method::GET)
        .then(|| parts.uri.path_and_query().map(|p| p.as_str().to_owned()))
        .flatten()
        .filter(|p| safe_next(p));
    let location = match back {
        Some(p) => format!(
            "/app/sign-in?next={}",
            form_urlencoded::byte_serialize(p.as_bytes()).collect::<String>()
        ),
        None => "/app/sign-in".to_owned(),
    };
    let value =
        HeaderValue::from_str(&location).unwrap_or(HeaderValue::from_static("/app/sign-in"));
    if super::page::is_partial(&parts.headers) {
        return (StatusCode::OK, [("hx-redirect", value)]).into_response();
    }
    (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response()
}

/// Whether `next` may be redirected to after signing in: a path of the console, never
/// another site (`//host`, `/\host`) and never the sign-in pages themselves.
pub fn safe_next(next: &str) -> bool {
    next.starts_with("/app")
        && !next.starts_with("/app/sign-")
        && !next.contains("//")
        && !next.contains('\\')
        && next.bytes().all(|b| (0x21..0x7f).contains(&b))
}

/// The client's address (the peer of the connection), when the server knows it.
pub fn client_ip(req_extensions: &axum::http::Extensions) -> Option<IpAddr> {
    req_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_console_paths_are_returned_to() {
        assert!(safe_next("/app/interviews?status=COMPLETED"));
        assert!(safe_next("/app"));
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/app//evil",
            "/app/\\evil",
            "/v1/jobs",
            "/app/sign-in",
            "/app/x y",
        ] {
            assert!(!safe_next(bad), "{bad}");
        }
    }
}
