//! Test support for the recruiter console: console users made the way `interviewd users
//! create` makes them, and a small browser-like client that keeps cookies, does not follow
//! redirects (the tests look at them) and finds the CSRF token in a page.

use crate::support::TestServer;
use interviewd::core::users::{self, Role};
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// A console user of a new company.
pub struct Person {
    pub company: String,
    /// An all-scopes API key of the company.
    pub key: String,
    pub email: String,
    pub link: String,
}

/// A company named `company` with one console user `email` of `role`.
pub async fn person(server: &TestServer, company: &str, email: &str, role: Role) -> Person {
    let c = server.company(company).await;
    let link = user_of(server, &c.id, email, role).await;
    Person {
        company: c.id,
        key: c.key,
        email: email.to_owned(),
        link,
    }
}

/// Another user of `company`; returns their sign-in link.
pub async fn user_of(server: &TestServer, company: &str, email: &str, role: Role) -> String {
    let company = company.parse::<uuid::Uuid>().unwrap().into();
    let now = server.clock().now();
    users::create(
        server.store.as_ref(),
        &server.config.public_url(),
        company,
        email,
        role,
        now,
    )
    .await
    .expect("user")
    .url
}

/// An answer of the console.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Page {
    /// Asserts the status, showing the page when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status, status,
            "unexpected status; page:\n{}",
            self.text
        );
        self
    }

    /// The `Location` of a redirect.
    #[track_caller]
    pub fn location(&self) -> String {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no Location; status {}", self.status))
            .to_owned()
    }

    /// The value of the first `name="_csrf"` field of the page.
    #[track_caller]
    pub fn csrf(&self) -> String {
        let at = self
            .text
            .find("name=\"_csrf\" value=\"")
            .unwrap_or_else(|| panic!("no CSRF field in:\n{}", self.text));
        let rest = &self.text[at + "name=\"_csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    /// The `Set-Cookie` headers.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    /// Whether the page is an HTML page (never JSON).
    pub fn is_html(&self) -> bool {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"))
    }
}

/// A browser stand-in: cookies kept by name, redirects not followed.
pub struct Browser {
    http: reqwest::Client,
    pub base: String,
    cookies: Mutex<BTreeMap<String, String>>,
}

impl Browser {
    pub fn new(server: &TestServer) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: server.base.clone(),
            cookies: Mutex::default(),
        }
    }

    fn cookie_header(&self) -> String {
        let cookies = self.cookies.lock().unwrap();
        cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Page {
        let req = req.header("cookie", self.cookie_header());
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        for value in headers.get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (pair, attrs) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            let mut cookies = self.cookies.lock().unwrap();
            if attrs.contains("Max-Age=0") {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let text = res.text().await.expect("body");
        Page {
            status,
            headers,
            text,
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(self.http.get(self.url(path)).header("accept", "text/html"))
            .await
    }

    /// A GET with a `Range` header.
    pub async fn get_range(&self, path: &str, range: &str) -> Page {
        self.send(self.http.get(self.url(path)).header("range", range))
            .await
    }

    /// A GET as htmx sends it (a fragment is expected).
    pub async fn get_fragment(&self, path: &str) -> Page {
        self.send(
            self.http
                .get(self.url(path))
                .header("accept", "text/html")
                .header("hx-request", "true"),
        )
        .await
    }

    /// Posts a URL-encoded form as given (with or without `_csrf`).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(
            self.http
                .post(self.url(path))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        )
        .await
    }

    /// Posts a form with extra headers.
    pub async fn post_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut req = self
            .http
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req).await
    }

    /// Posts a `multipart/form-data` form (the CSV import): `(name, file name, value)`.
    pub async fn post_multipart(&self, path: &str, parts: &[(&str, Option<&str>, &str)]) -> Page {
        let boundary = "----interviewd-test-boundary";
        let mut body = String::new();
        for (name, file, value) in parts {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\""
            ));
            if let Some(file) = file {
                body.push_str(&format!("; filename=\"{file}\"\r\nContent-Type: text/csv"));
            }
            body.push_str(&format!("\r\n\r\n{value}\r\n"));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        self.send(
            self.http
                .post(self.url(path))
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body),
        )
        .await
    }

    /// GETs `form_page`, then posts `fields` with the page's CSRF token.
    pub async fn submit(&self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get(form_page).await.expect(200).csrf();
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// Opens a sign-in link, chooses `password`, and is signed in.
    pub async fn accept_link(&self, link: &str, password: &str) {
        let page = self.get(link).await.expect(200);
        assert!(page.text.contains("Choose your password"), "{}", page.text);
        let fields = [
            ("_csrf", page.csrf()),
            ("password", password.to_owned()),
            ("confirmation", password.to_owned()),
        ];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let done = self.post(link, &fields).await.expect(303);
        assert_eq!(done.location(), "/app?done=password-set");
    }

    /// Signs in with e-mail and password; the answer (303 on success).
    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        self.submit(
            "/app/sign-in",
            "/app/sign-in",
            &[("email", email), ("password", password)],
        )
        .await
    }
}

/// The password every test user chooses.
pub const PASSWORD: &str = "correct horse battery staple";

/// A signed-in browser of a new company's user.
pub async fn signed_in(server: &TestServer, company: &str, role: Role) -> (Person, Browser) {
    let email = format!("{}@example.com", company.to_lowercase().replace(' ', "-"));
    let p = person(server, company, &email, role).await;
    let browser = Browser::new(server);
    browser.accept_link(&p.link, PASSWORD).await;
    (p, browser)
}
