//! The SQL side of [`crate::store::users::UserStore`], for both backends: console users,
//! sign-in links, sessions and the sign-in throttle.

use super::{DbStore, Pool};
use crate::store::users::{
    ConsoleUser, LinkRecord, NewSession, NewSignInLink, Redemption, Role, SessionRecord,
    ThrottleRule, ThrottleState, UserStore,
};
use crate::store::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::time::{from_millis, to_millis};
use interviewd_domain::{CompanyId, Email};
use uuid::Uuid;

/// The user columns, `u.`-qualified, in [`UserRow`]'s order (a macro, so that statements
/// built with `concat!` stay `&'static str`).
macro_rules! user_cols {
    () => {
        "u.id, u.company_id, u.email, u.role, u.password_hash, u.disabled_at, u.last_sign_in_at, u.created_at"
    };
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    company_id: Uuid,
    email: String,
    role: String,
    password_hash: Option<String>,
    disabled_at: Option<i64>,
    last_sign_in_at: Option<i64>,
    created_at: i64,
}

impl UserRow {
    fn into_user(self) -> StoreResult<(ConsoleUser, Option<String>)> {
        let role: Role = self
            .role
            .parse()
            .map_err(|e| StoreError::Internal(format!("bad console_users.role: {e}")))?;
        let user = ConsoleUser {
            id: self.id,
            company_id: CompanyId::from(self.company_id),
            email: Email::from_trusted(self.email),
            role,
            has_password: self.password_hash.is_some(),
            disabled_at: self.disabled_at.map(from_millis),
            last_sign_in_at: self.last_sign_in_at.map(from_millis),
            created_at: from_millis(self.created_at),
        };
        Ok((user, self.password_hash))
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    session_id: Uuid,
    token_hash: Vec<u8>,
    session_created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    #[sqlx(flatten)]
    user: UserRow,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    token_hash: Vec<u8>,
    expires_at: i64,
    #[sqlx(flatten)]
    user: UserRow,
}

async fn insert_link(conn: &mut super::Conn, link: &NewSignInLink) -> StoreResult<()> {
    // A new link replaces the unused ones: only the latest one printed works.
    sqlx::query("DELETE FROM console_sign_in_links WHERE user_id = $1 AND used_at IS NULL")
        .bind(link.user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO console_sign_in_links (token_hash, user_id, expires_at, used_at, created_at) \
         VALUES ($1, $2, $3, NULL, $4)",
    )
    .bind(&link.token_hash)
    .bind(link.user_id)
    .bind(to_millis(link.expires_at))
    .bind(to_millis(link.created_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_session(conn: &mut super::Conn, s: &NewSession) -> StoreResult<()> {
    let created = to_millis(s.created_at);
    sqlx::query(
        "INSERT INTO console_sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(s.id)
    .bind(&s.token_hash)
    .bind(s.user_id)
    .bind(created)
    .bind(to_millis(s.expires_at))
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE console_users SET last_sign_in_at = $2 WHERE id = $1")
        .bind(s.user_id)
        .bind(created)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn users_where(pool: &Pool, company: Option<CompanyId>) -> StoreResult<Vec<UserRow>> {
    let rows = match company {
        Some(c) => {
            sqlx::query_as(concat!(
                "SELECT ",
                user_cols!(),
                " FROM console_users u WHERE u.company_id = $1 ORDER BY u.email"
            ))
            .bind(c.uuid())
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query_as(concat!(
                "SELECT ",
                user_cols!(),
                " FROM console_users u ORDER BY u.email"
            ))
            .fetch_all(pool)
            .await?
        }
    };
    Ok(rows)
}

#[async_trait]
impl UserStore for DbStore {
    async fn create_user(
        &self,
        user: &ConsoleUser,
        link: &NewSignInLink,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO console_users (id, company_id, email, role, password_hash, disabled_at, \
             last_sign_in_at, created_at, updated_at) VALUES ($1, $2, $3, $4, NULL, NULL, NULL, $5, $5)",
        )
        .bind(user.id)
        .bind(user.company_id.uuid())
        .bind(user.email.as_str())
        .bind(user.role.as_str())
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        insert_link(&mut tx, link).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_user(&self, id: Uuid) -> StoreResult<Option<ConsoleUser>> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_cols!(),
            " FROM console_users u WHERE u.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| r.into_user().map(|(u, _)| u)).transpose()
    }

    async fn list_users(&self, company: Option<CompanyId>) -> StoreResult<Vec<ConsoleUser>> {
        users_where(&self.pool, company)
            .await?
            .into_iter()
            .map(|r| r.into_user().map(|(u, _)| u))
            .collect()
    }

    async fn user_by_email(
        &self,
        email: &Email,
    ) -> StoreResult<Option<(ConsoleUser, Option<String>)>> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_cols!(),
            " FROM console_users u WHERE u.email = $1"
        ))
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(UserRow::into_user).transpose()
    }

    async fn add_sign_in_link(&self, link: &NewSignInLink) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        insert_link(&mut tx, link).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn sign_in_link(
        &self,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<LinkRecord>> {
        let row: Option<LinkRow> = sqlx::query_as(concat!(
            "SELECT l.token_hash, l.expires_at, ",
            user_cols!(),
            " FROM console_sign_in_links l \
             JOIN console_users u ON u.id = l.user_id \
             WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2 \
             AND u.disabled_at IS NULL"
        ))
        .bind(token_hash)
        .bind(to_millis(now))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let (user, _) = r.user.into_user()?;
            Ok(LinkRecord {
                token_hash: r.token_hash,
                user,
                expires_at: from_millis(r.expires_at),
            })
        })
        .transpose()
    }

    async fn redeem_sign_in_link(&self, r: &Redemption) -> StoreResult<bool> {
        let now = to_millis(r.now);
        let mut tx = self.write_tx().await?;
        // The consuming update is the check: a link used or expired meanwhile matches nothing.
        let user: Option<Uuid> = sqlx::query_scalar(
            "UPDATE console_sign_in_links SET used_at = $2 WHERE token_hash = $1 \
             AND used_at IS NULL AND expires_at > $2 \
             AND user_id IN (SELECT id FROM console_users WHERE disabled_at IS NULL) \
             RETURNING user_id",
        )
        .bind(&r.token_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user) = user.filter(|u| *u == r.session.user_id) else {
            return Ok(false);
        };
        sqlx::query("UPDATE console_users SET password_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(user)
            .bind(&r.password_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM console_sessions WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        insert_session(&mut tx, &r.session).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn disable_user(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE console_users SET disabled_at = COALESCE(disabled_at, $2), updated_at = $2 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        for sql in [
            "DELETE FROM console_sessions WHERE user_id = $1",
            "DELETE FROM console_sign_in_links WHERE user_id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn open_session(
        &self,
        session: &NewSession,
        idle_before: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM console_sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(to_millis(session.created_at))
            .bind(to_millis(idle_before))
            .execute(&mut *tx)
            .await?;
        insert_session(&mut tx, session).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn console_session(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRecord>> {
        let row: Option<SessionRow> = sqlx::query_as(concat!(
            "SELECT s.id AS session_id, s.token_hash, s.created_at AS session_created_at, \
             s.last_seen_at, s.expires_at, ",
            user_cols!(),
            " FROM console_sessions s \
             JOIN console_users u ON u.id = s.user_id WHERE s.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let (user, _) = r.user.into_user()?;
            Ok(SessionRecord {
                id: r.session_id,
                token_hash: r.token_hash,
                user,
                created_at: from_millis(r.session_created_at),
                last_seen_at: from_millis(r.last_seen_at),
                expires_at: from_millis(r.expires_at),
            })
        })
        .transpose()
    }

    async fn touch_session(&self, id: Uuid, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE console_sessions SET last_seen_at = $2 WHERE id = $1")
            .bind(id)
            .bind(to_millis(at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn end_session(&self, id: Uuid) -> StoreResult<()> {
        sqlx::query("DELETE FROM console_sessions WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn throttle_state(&self, key: &str) -> StoreResult<ThrottleState> {
        let row: Option<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT failures, locked_until FROM console_sign_in_throttle WHERE key = $1",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(state).unwrap_or_default())
    }

    async fn record_sign_in_failure(
        &self,
        key: &str,
        rule: ThrottleRule,
        now: DateTime<Utc>,
    ) -> StoreResult<ThrottleState> {
        let now = to_millis(now);
        // One statement counts and locks: a window older than `window_ms` starts again at 1.
        // Every SET expression sees the row as it was, so the new count is spelled twice.
        let row: (i64, Option<i64>) = sqlx::query_as(
            "INSERT INTO console_sign_in_throttle (key, failures, window_start, locked_until) \
             VALUES ($1, 1, $2, CASE WHEN $4 <= 1 THEN $2 + $5 ELSE NULL END) \
             ON CONFLICT (key) DO UPDATE SET \
             failures = CASE WHEN console_sign_in_throttle.window_start <= $3 THEN 1 \
                        ELSE console_sign_in_throttle.failures + 1 END, \
             window_start = CASE WHEN console_sign_in_throttle.window_start <= $3 THEN $2 \
                            ELSE console_sign_in_throttle.window_start END, \
             locked_until = CASE WHEN (CASE WHEN console_sign_in_throttle.window_start <= $3 THEN 1 \
                            ELSE console_sign_in_throttle.failures + 1 END) >= $4 THEN $2 + $5 \
                            ELSE console_sign_in_throttle.locked_until END \
             RETURNING failures, locked_until",
        )
        .bind(key)
        .bind(now)
        .bind(now - rule.window_ms)
        .bind(rule.max_failures)
        .bind(rule.lock_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(state(row))
    }

    async fn clear_sign_in_failures(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM console_sign_in_throttle WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn state((failures, locked_until): (i64, Option<i64>)) -> ThrottleState {
    ThrottleState {
        failures,
        locked_until: locked_until.map(from_millis),
    }
}
