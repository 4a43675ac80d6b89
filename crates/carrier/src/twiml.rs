//! The TwiML a call is created with (inline, in the create-call request's `Twiml` field, so
//! the carrier fetches nothing from interviewd before the call is connected).
//!
//! - ConversationRelay: `<Connect action><ConversationRelay url><Parameter/></ConversationRelay></Connect>`
//!   (<https://www.twilio.com/docs/voice/twiml/connect/conversationrelay>). No `welcomeGreeting`:
//!   the greeting is streamed as the first `text` message, so the candidate's name never sits
//!   in the carrier's call-event log. Barge-in by speech; no input reported while the agent
//!   speaks; DTMF reported. Never `intelligenceService` (which would keep a transcript).
//! - Media Streams: `<Connect><Stream url><Parameter/></Stream></Connect>`, a bidirectional
//!   stream (<https://www.twilio.com/docs/voice/twiml/stream>); its URL may not carry a query.
//!
//! The attempt travels as a `<Parameter>` (it arrives in `setup.customParameters` /
//! `start.customParameters`) with a token only this process can make, so a socket is bound to
//! its call before anything is processed. Attribute values are XML-escaped; the whole
//! document stays far below the 4 000 characters the `Twiml` field allows.

use crate::config::{CarrierConfig, paths};

/// The `<Parameter>` name of the attempt id.
pub const ATTEMPT_PARAM: &str = "attemptId";
/// The `<Parameter>` name of the attempt's socket token.
pub const TOKEN_PARAM: &str = "attemptToken";

/// The TwiML of a ConversationRelay call.
pub fn relay(config: &CarrierConfig, attempt: &str, token: &str, language: &str) -> String {
    let action = config.callback_url(&format!(
        "{}?attempt={}",
        paths::RELAY_ACTION,
        query(attempt)
    ));
    let mut attributes = vec![
        ("url", config.socket_url(paths::RELAY)),
        ("language", language.to_owned()),
        ("interruptible", "speech".to_owned()),
        ("reportInputDuringAgentSpeech", "none".to_owned()),
        ("dtmfDetection", "true".to_owned()),
    ];
    for (name, value) in [
        ("ttsProvider", &config.relay_tts_provider),
        ("voice", &config.relay_voice),
        (
            "transcriptionProvider",
            &config.relay_transcription_provider,
        ),
    ] {
        if !value.trim().is_empty() {
            attributes.push((name, value.trim().to_owned()));
        }
    }
    format!(
        "<Response><Connect action=\"{}\"><ConversationRelay{}>{}</ConversationRelay></Connect></Response>",
        escape(&action),
        attrs(&attributes),
        parameters(attempt, token)
    )
}

/// The TwiML of a Media Streams call.
pub fn stream(config: &CarrierConfig, attempt: &str, token: &str) -> String {
    format!(
        "<Response><Connect><Stream url=\"{}\">{}</Stream></Connect></Response>",
        escape(&config.socket_url(paths::MEDIA)),
        parameters(attempt, token)
    )
}

/// The answer to the `<Connect action>` request: hang up.
pub const HANGUP: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Hangup/></Response>";

fn parameters(attempt: &str, token: &str) -> String {
    format!(
        "<Parameter name=\"{ATTEMPT_PARAM}\" value=\"{}\"/><Parameter name=\"{TOKEN_PARAM}\" value=\"{}\"/>",
        escape(attempt),
        escape(token)
    )
}

fn attrs(attributes: &[(&str, String)]) -> String {
    attributes
        .iter()
        .map(|(name, value)| format!(" {name}=\"{}\"", escape(value)))
        .collect()
}

/// A value made safe for a query string.
pub fn query(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Text made safe for an XML attribute value or element.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::*;

    fn config() -> CarrierConfig {
        CarrierConfig::new(
            "https://api.twilio.com",
            "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
            "12345",
            "+18005550100",
            "https://interviewd.example.com/",
        )
    }

    #[test]
    fn relay_connects_the_socket_with_the_attempt() {
        let twiml = relay(&config(), "0197a-att", "t<o>k", "en-US");
        assert!(twiml.starts_with("<Response><Connect action=\"https://interviewd.example.com/carrier/relay-action?attempt=0197a-att\">"));
        assert!(twiml.contains("<ConversationRelay url=\"wss://interviewd.example.com/carrier/relay\" language=\"en-US\""));
        assert!(twiml.contains("<Parameter name=\"attemptId\" value=\"0197a-att\"/>"));
        assert!(twiml.contains("value=\"t&lt;o&gt;k\""));
        assert!(!twiml.contains("welcomeGreeting"));
        assert!(!twiml.contains("intelligenceService"));
        assert!(twiml.len() < 4_000);
    }

    #[test]
    fn stream_urls_carry_no_query() {
        let twiml = stream(&config(), "a", "t");
        assert!(twiml.contains("<Stream url=\"wss://interviewd.example.com/carrier/media\">"));
        let url = twiml.split('"').nth(1).unwrap();
        assert!(!url.contains('?'));
    }

    #[test]
    fn escaping_covers_the_five_entities() {
        assert_eq!(escape(r#"a&b<c>d"e'f"#), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
    }
}
