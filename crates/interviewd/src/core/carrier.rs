//! The phone carrier in the server: its settings from the configuration, and the ledger
//! through which the provider tells the database what the carrier keeps (docs/carrier.md).
//!
//! With `voice_provider = "twilio"` the engine's calls go to [`interviewd_carrier::Carrier`]
//! instead of the simulator. The provider is built before the engine (it is the engine's
//! voice provider) and shared with the HTTP routes (callbacks, WebSockets) and the erasure
//! worker.

use crate::clock::Clock;
use crate::config::Config;
use crate::core::engine::models::{DoctorLine, Speech};
use crate::core::engine::until_available;
use crate::store::DynStore;
use anyhow::{Context, bail};
use interviewd_carrier::{Carrier, CarrierConfig, Credentials, Ledger, Mode};
use interviewd_domain::AttemptId;
use interviewd_speech::spool::Spool;
use interviewd_voice::BoxFuture;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The carrier settings in `config`; `None` with the simulator.
pub fn carrier_config(config: &Config) -> anyhow::Result<Option<CarrierConfig>> {
    match config.voice_provider.trim().to_ascii_lowercase().as_str() {
        "" | "simulator" => return Ok(None),
        "twilio" => {}
        other => {
            bail!("voice_provider (INTERVIEWD_VOICE_PROVIDER) is {other:?}: simulator or twilio")
        }
    }
    let required = |value: &Option<String>, name: &str| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .with_context(|| {
                format!(
                    "{name} (INTERVIEWD_{}) must be set for a carrier",
                    name.to_uppercase()
                )
            })
    };
    let account = required(&config.carrier_account_sid, "carrier_account_sid")?;
    let token = config
        .carrier_auth_token
        .as_ref()
        .map(|t| t.expose().trim().to_owned())
        .filter(|t| !t.is_empty())
        .context("carrier_auth_token (INTERVIEWD_CARRIER_AUTH_TOKEN) must be set: it verifies the carrier's signatures")?;
    let from = required(&config.carrier_from, "carrier_from")?;
    if !from.starts_with('+') {
        bail!(
            "carrier_from (INTERVIEWD_CARRIER_FROM) must be an E.164 number such as +14155550100"
        );
    }
    let public = config
        .carrier_public_url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| config.public_url());
    if !public.starts_with("https://") && !public.starts_with("http://") {
        bail!("carrier_public_url (INTERVIEWD_CARRIER_PUBLIC_URL) must be an https:// URL");
    }
    if !public.starts_with("https://") {
        tracing::warn!(
            public,
            "the carrier's public URL is not https: a real carrier will refuse its ws:// sockets"
        );
    }
    let mut carrier = CarrierConfig::new(
        &config.carrier_api_url,
        &account,
        &token,
        &from,
        public.trim(),
    );
    if let (Some(key), Some(secret)) = (&config.carrier_api_key_sid, &config.carrier_api_key_secret)
    {
        carrier.credentials = Credentials::Basic {
            user: key.trim().to_owned(),
            password: secret.expose().to_owned(),
        };
    }
    carrier.mode = Mode::from_str(&config.carrier_mode)
        .map_err(|e| anyhow::anyhow!("carrier_mode (INTERVIEWD_CARRIER_MODE): {e}"))?;
    carrier.machine_detection = config.carrier_machine_detection;
    carrier.ring_timeout =
        Duration::from_secs(u64::from(config.carrier_ring_timeout_secs.clamp(5, 600)));
    carrier.record = config.carrier_record;
    carrier.recording_wait = Duration::from_millis(config.carrier_recording_wait_ms);
    carrier.closing_pace = Duration::from_millis(config.carrier_closing_pace_ms);
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    carrier.relay_tts_provider = text(&config.carrier_relay_tts_provider);
    carrier.relay_voice = text(&config.carrier_relay_voice);
    carrier.relay_transcription_provider = text(&config.carrier_relay_transcription_provider);
    carrier.scratch = config.data_dir.join("sessions");
    Ok(Some(carrier))
}

/// The carrier's line of `interviewd doctor`: the simulator, or the carrier's account as its
/// REST API reports it with the configured credentials.
pub async fn doctor(config: &Config) -> anyhow::Result<DoctorLine> {
    let Some(settings) = carrier_config(config)? else {
        return Ok(DoctorLine {
            part: "carrier",
            what: "simulator".into(),
            answers: None,
            detail: String::new(),
        });
    };
    let mode = match settings.mode {
        Mode::Relay => "ConversationRelay",
        Mode::Media => "Media Streams",
    };
    let what = format!(
        "twilio at {}, {mode}, calling from {}, reached at {}",
        settings.api_base, settings.from, settings.public_url
    );
    let started = std::time::Instant::now();
    let status = match interviewd_carrier::rest::Rest::new(&settings) {
        Ok(rest) => rest.account_status().await,
        Err(e) => Err(e),
    };
    let (answers, mut detail) = match status {
        Ok(status) if status == "active" => (
            true,
            format!("account active, {} ms", started.elapsed().as_millis()),
        ),
        Ok(status) => (false, format!("the account is {status:?}, not active")),
        Err(e) => (false, e.to_string()),
    };
    if !settings.public_url.starts_with("https://") {
        detail.push_str("; the public URL is not https: a real carrier refuses its ws:// sockets");
    }
    Ok(DoctorLine {
        part: "carrier",
        what,
        answers: Some(answers),
        detail,
    })
}

/// The carrier provider of `config`, if one is configured. Media Streams needs `speech`.
pub fn build(
    config: &Config,
    store: DynStore,
    clock: Clock,
    speech: Option<&Speech>,
) -> anyhow::Result<Option<Arc<Carrier>>> {
    let Some(settings) = carrier_config(config)? else {
        return Ok(None);
    };
    let speech = match speech {
        Some(s) => Some(interviewd_carrier::Speech {
            stt: s.stt.clone(),
            tts: s.tts.clone(),
            spool: Spool::start().context("starting the thread that writes call recordings")?,
        }),
        None => None,
    };
    if settings.mode == Mode::Media && speech.is_none() {
        bail!(
            "carrier_mode = media needs speech engines (INTERVIEWD_STT_BASE_URL and INTERVIEWD_TTS_BASE_URL)"
        );
    }
    let ledger = Arc::new(StoreLedger {
        store,
        clock,
        carrier: settings.name.clone(),
    });
    let carrier = Carrier::new(settings, ledger, speech).context("the carrier's REST client")?;
    Ok(Some(Arc::new(carrier)))
}

/// The ledger over the store.
struct StoreLedger {
    store: DynStore,
    clock: Clock,
    carrier: String,
}

fn attempt_id(attempt: &str) -> Option<AttemptId> {
    attempt.parse().ok()
}

impl Ledger for StoreLedger {
    fn placed<'a>(&'a self, attempt: &'a str, call_sid: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let Some(id) = attempt_id(attempt) else {
                return;
            };
            let (done, _) = until_available("recording a carrier call", || {
                self.store
                    .carrier_call_placed(id, &self.carrier, call_sid, self.clock.now())
            })
            .await;
            if let Err(e) = done {
                tracing::error!(error = %e, attempt, "recording a carrier call failed; erase it by hand");
            }
        })
    }

    fn wanted<'a>(&'a self, attempt: &'a str) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            let Some(id) = attempt_id(attempt) else {
                return false;
            };
            let (exists, _) = until_available("checking an attempt", || {
                self.store.carrier_attempt_exists(id)
            })
            .await;
            // Unknown: fetch anyway; the engine checks again before recording anything.
            exists.unwrap_or(true)
        })
    }

    fn recording<'a>(&'a self, attempt: &'a str, recording_sid: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let Some(id) = attempt_id(attempt) else {
                return;
            };
            let (done, _) = until_available("recording a carrier recording", || {
                self.store.carrier_recording_fetched(
                    id,
                    &self.carrier,
                    recording_sid,
                    self.clock.now(),
                )
            })
            .await;
            if let Err(e) = done {
                tracing::error!(error = %e, attempt, "queueing a carrier recording's deletion failed");
            }
        })
    }
}
