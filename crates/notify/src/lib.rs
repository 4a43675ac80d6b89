//! Outbound delivery primitives of interviewd.
//!
//! Everything the server sends to the outside world goes through this crate:
//! webhooks signed per Standard Webhooks ([`signing`]), retried on a fixed
//! schedule with jitter ([`schedule`]), sent only to public addresses
//! ([`egress`]) by [`sender::WebhookSender`]; and e-mail through
//! [`mail::Mailer`], either over SMTP or into a local outbox directory.
//!
//! The crate holds no state of its own: the caller decides when to send, and
//! records the [`sender::DeliveryResult`] or [`mail::MailError`] it gets back.

pub mod egress;
pub mod mail;
pub mod schedule;
pub mod sender;
pub mod signing;

#[cfg(feature = "testing")]
pub mod testing;

pub use egress::{EgressError, is_forbidden, validate_url};
pub use mail::{MailError, MailTransportConfig, Mailer, OutgoingMail, TlsMode};
pub use schedule::{next_delay, parse_retry_after};
pub use sender::{
    DeliveryResult, Outcome, OutgoingWebhook, SenderConfig, SenderError, WebhookSender,
};
pub use signing::{SecretError, SigningSecret, sign, verify};
