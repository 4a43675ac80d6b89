//! The deployment's keys.

use super::DbStore;
use crate::store::StoreResult;
use crate::store::server_keys::KeyStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::time::to_millis;

#[async_trait]
impl KeyStore for DbStore {
    async fn server_key(
        &self,
        name: &str,
        fresh: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<u8>> {
        let stored: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT secret FROM server_keys WHERE name = $1")
                .bind(name)
                .fetch_optional(self.pool())
                .await?;
        if let Some(secret) = stored {
            return Ok(secret);
        }
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO server_keys (name, secret, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(fresh)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        let secret = sqlx::query_scalar("SELECT secret FROM server_keys WHERE name = $1")
            .bind(name)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(secret)
    }
}
