//! SQLite side of [`crate::store::delivery::DeliveryStore`].

use super::SqliteStore;
use crate::store::delivery::DeliveryStore;
use async_trait::async_trait;

#[async_trait]
impl DeliveryStore for SqliteStore {}
