//! The static files of the pages (styles, scripts, worklets), compiled into the binary and
//! served at `GET /assets/{name}`.
//!
//! Why this shape: the server is one binary with nothing to install beside it, so every file
//! under `crates/interviewd/assets/` is embedded with `include_bytes!` (a unit test fails when
//! one is missing from [`ASSETS`]). Pages link them as `/assets/<name>?v=<asset_version()>`:
//! a request whose `v` matches the current version is cached for a year as immutable, since
//! a new build with other bytes has another version and so other URLs. Without a matching
//! `v` the answer must be revalidated (`no-cache`) with its `ETag`, a hash of the file.

use axum::Router;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// One embedded file.
struct Asset {
    name: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal) => {
        Asset {
            name: $name,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $name)),
        }
    };
}

/// Every file of `assets/`, by name.
static ASSETS: &[Asset] = &[
    asset!("console.css"),
    asset!("console.js"),
    asset!("htmx.min.js"),
    asset!("interview.css"),
    asset!("interview.js"),
    asset!("pcm-worklet.js"),
    asset!("playback-worklet.js"),
];

/// `Cache-Control` of a request that names the current version.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The content hashes, computed once: one per asset (its `ETag`) and one of them all.
struct Hashes {
    per_asset: Vec<String>,
    version: String,
}

fn hashes() -> &'static Hashes {
    static HASHES: OnceLock<Hashes> = OnceLock::new();
    HASHES.get_or_init(|| {
        let mut all = Sha256::new();
        let per_asset = ASSETS
            .iter()
            .map(|a| {
                all.update(a.name.as_bytes());
                all.update((a.bytes.len() as u64).to_le_bytes());
                all.update(a.bytes);
                short_hex(&Sha256::digest(a.bytes))
            })
            .collect();
        Hashes {
            per_asset,
            version: short_hex(&all.finalize()),
        }
    })
}

/// The first 16 hex digits (64 bits) of a digest: plenty to tell builds apart.
fn short_hex(digest: &[u8]) -> String {
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// A hash of every embedded asset: the `v` query value pages put on their asset links.
pub fn asset_version() -> &'static str {
    &hashes().version
}

/// The `GET /assets/{name}` route (it needs no state).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/assets/{name}", get(serve))
}

#[derive(Deserialize)]
struct Version {
    v: Option<String>,
}

async fn serve(
    Path(name): Path<String>,
    Query(query): Query<Version>,
    headers: HeaderMap,
) -> Response {
    let Some(index) = ASSETS.iter().position(|a| a.name == name) else {
        return (StatusCode::NOT_FOUND, "no such asset\n").into_response();
    };
    let asset = &ASSETS[index];
    let etag = format!("\"{}\"", hashes().per_asset[index]);
    let cache = if query.v.as_deref() == Some(asset_version()) {
        IMMUTABLE
    } else {
        "no-cache"
    };
    let common = [
        (header::ETAG, header_value(&etag)),
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    if matches_etag(&headers, &etag) {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    let kind = [(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(asset.name)),
    )];
    (StatusCode::OK, common, kind, asset.bytes).into_response()
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// Whether `If-None-Match` names `etag` (or is `*`).
fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// The media type of a file, by its extension.
fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("wav") => "audio/wav",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    #[test]
    fn every_file_of_the_folder_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = ASSETS.iter().map(|a| a.name).collect();
        assert_eq!(
            on_disk, embedded,
            "assets/ and ASSETS differ (keep ASSETS sorted)"
        );
        for name in &embedded {
            assert_ne!(content_type(name), "application/octet-stream", "{name}");
        }
    }

    #[test]
    fn the_version_is_a_stable_hash() {
        assert_eq!(asset_version().len(), 16);
        assert!(asset_version().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(asset_version(), asset_version());
    }

    async fn get(uri: &str, if_none_match: Option<&str>) -> Response {
        let app: Router = routes();
        let mut req = Request::get(uri);
        if let Some(tag) = if_none_match {
            req = req.header(header::IF_NONE_MATCH, tag);
        }
        app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap()
    }

    #[tokio::test]
    async fn a_versioned_request_is_immutable_and_an_etag_gives_304() {
        let v = asset_version();
        let res = get(&format!("/assets/console.css?v={v}"), None).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CACHE_CONTROL], IMMUTABLE);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "text/css; charset=utf-8"
        );
        let etag = res.headers()[header::ETAG].to_str().unwrap().to_owned();

        let stale = get("/assets/console.css?v=0000", None).await;
        assert_eq!(stale.headers()[header::CACHE_CONTROL], "no-cache");
        let again = get("/assets/console.css", Some(&etag)).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let other = get("/assets/console.css", Some("\"nope\"")).await;
        assert_eq!(other.status(), StatusCode::OK);
        assert_eq!(get("/assets/nope.js", None).await.status(), 404);
        assert_eq!(get("/assets/..%2Fsecret", None).await.status(), 404);
    }
}
