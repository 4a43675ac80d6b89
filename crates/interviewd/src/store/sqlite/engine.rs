//! SQLite side of [`crate::store::engine::EngineStore`].

use super::SqliteStore;
use crate::store::engine::EngineStore;
use async_trait::async_trait;

#[async_trait]
impl EngineStore for SqliteStore {}
