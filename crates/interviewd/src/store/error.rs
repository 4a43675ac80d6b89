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
    /// What the write refers to is gone: another request removed it first (a foreign key
    /// found no row, or the row to change no longer exists). `resource` names it when known.
    #[error("the {0} this request refers to no longer exists")]
    Gone(&'static str),
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
            if db.is_foreign_key_violation() {
                return StoreError::Gone(referenced(db.constraint()));
            }
            let postgres = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>();
            if postgres.is_some_and(|pg| is_transient_sqlstate(pg.code())) {
                return StoreError::Unavailable(err);
            }
            if postgres.is_none() && is_sqlite_busy(db.code().as_deref()) {
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

    /// Whether the transaction lost a race with another and may simply be run again: a
    /// PostgreSQL deadlock or serialization victim (40P01, 40001), or SQLite still finding the
    /// database locked after its busy timeout. Both roll back everything the transaction did.
    pub fn is_contention(&self) -> bool {
        let StoreError::Unavailable(sqlx::Error::Database(db)) = self else {
            return false;
        };
        if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
            return matches!(pg.code(), "40001" | "40P01");
        }
        is_sqlite_busy(db.code().as_deref())
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

/// SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
fn is_sqlite_busy(code: Option<&str>) -> bool {
    code.and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| matches!(code & 0xff, 5 | 6))
}

/// What a foreign-key violation found missing, from the constraint's name where the database
/// gives one (PostgreSQL: `interviews_candidate_id_fkey`); SQLite names none.
fn referenced(constraint: Option<&str>) -> &'static str {
    let Some(name) = constraint else {
        return "referenced record";
    };
    let column = name.trim_end_matches("_fkey");
    for (needle, resource) in [
        ("candidate_id", "candidate"),
        ("job_id", "job"),
        ("agent_id", "agent"),
        ("interview_id", "interview"),
        ("attempt_id", "call attempt"),
        ("webhook_id", "webhook"),
        ("company_id", "company"),
    ] {
        if column.ends_with(needle) {
            return resource;
        }
    }
    "referenced record"
}
