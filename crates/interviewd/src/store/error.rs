//! Storage errors, already classified for the layers above: a unique violation names the
//! field it is about, and an unreachable database is distinguishable from a bug.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was violated; `field` is the API-facing field name.
    #[error("a record with this {field} already exists")]
    Conflict {
        /// The field that collided (`email`, `phoneNumber`, `externalId`, …).
        field: &'static str,
    },
    /// The database could not be reached or refused service (retrying may succeed).
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// A test-armed fault point fired (see `FaultInjector`); behaves like an outage.
    #[error("injected fault at {0}")]
    Injected(&'static str),
    /// Stored data could not be understood, or an unexpected database error.
    #[error("storage error: {0}")]
    Internal(String),
}

impl StoreError {
    /// Classifies a driver error, mapping named unique constraints to fields.
    pub fn from_sqlx(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            if db.is_unique_violation() {
                return StoreError::Conflict {
                    field: conflict_field(db.constraint(), db.message()),
                };
            }
            let postgres = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>();
            if postgres.is_some_and(|pg| is_transient_sqlstate(pg.code())) {
                return StoreError::Unavailable(err);
            }
            return StoreError::Internal(db.message().to_owned());
        }
        match err {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(err),
            other => StoreError::Internal(other.to_string()),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        Self::from_sqlx(err)
    }
}

/// PostgreSQL SQLSTATEs that mean "the database is not serving right now; retrying may
/// succeed": connection exceptions (class 08), insufficient resources such as too many
/// connections (53), operator intervention — an administrator shutdown or a server that is
/// starting up or shutting down (57) — and a transaction aborted as a deadlock or
/// serialization victim (40001, 40P01).
fn is_transient_sqlstate(code: &str) -> bool {
    ["08", "53", "57"]
        .iter()
        .any(|class| code.starts_with(class))
        || code == "40001"
        || code == "40P01"
}

/// PostgreSQL names the constraint; SQLite names the columns in its message
/// (`UNIQUE constraint failed: candidates.company_id, candidates.email`).
fn conflict_field(constraint: Option<&str>, message: &str) -> &'static str {
    let text = constraint.unwrap_or(message);
    if text.contains("email") {
        "email"
    } else if text.contains("phone") {
        "phoneNumber"
    } else if text.contains("ext_id") {
        "externalId"
    } else if text.contains("name") {
        "name"
    } else {
        "id"
    }
}
