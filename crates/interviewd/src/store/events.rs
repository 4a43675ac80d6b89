//! The event outbox contract. A domain event is a row written **in the same transaction**
//! as the state change it reports (`events::insert` in `store/sql/events.rs`); the webhook worker later fans
//! it out to the company's subscribed endpoints. Names are the dotted wire names.

pub use interviewd_domain::events::{NewEvent, kinds};
