//! The deployment's keys (`server_keys`): created on first use, shared by every node through
//! the database. `asset-links` signs the links to recordings and report PDFs
//! (`interviewd_domain::assets`).

use super::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The name of the key that signs asset links.
pub const ASSET_LINKS: &str = "asset-links";

/// Keys of the deployment (implemented per backend).
#[async_trait]
pub trait KeyStore: Send + Sync {
    /// The key called `name`; when there is none yet, `fresh` is stored and returned (the first
    /// of several nodes to store one wins, and all then read it).
    async fn server_key(
        &self,
        name: &str,
        fresh: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<u8>>;
}
