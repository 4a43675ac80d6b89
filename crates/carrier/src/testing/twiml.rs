//! The fake carrier reads the TwiML it is sent as XML, as the carrier does: what to connect
//! the call to, where to report the end of the session, and the custom parameters.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;

/// What a call's TwiML asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Connect {
    /// `ConversationRelay` or `Stream`.
    pub noun: String,
    /// The WebSocket URL.
    pub url: String,
    /// `<Connect action>`, if any.
    pub action: Option<String>,
    /// `<Parameter>`s, by name.
    pub parameters: HashMap<String, String>,
    /// The noun's other attributes.
    pub attributes: HashMap<String, String>,
}

fn attributes(element: &BytesStart<'_>) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|e| e.to_string())?;
        let name = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?
            .into_owned();
        out.insert(name, value);
    }
    Ok(out)
}

/// Reads `<Response><Connect …><ConversationRelay|Stream …><Parameter …/></…></Connect></Response>`.
pub fn parse(twiml: &str) -> Result<Connect, String> {
    let mut reader = quick_xml::Reader::from_str(twiml);
    let mut connect = Connect::default();
    let mut seen_response = false;
    loop {
        let event = reader.read_event().map_err(|e| format!("not XML: {e}"))?;
        let element = match &event {
            Event::Start(e) | Event::Empty(e) => e,
            Event::Eof => break,
            _ => continue,
        };
        let name = String::from_utf8_lossy(element.name().as_ref()).into_owned();
        let attrs = attributes(element)?;
        match name.as_str() {
            "Response" => seen_response = true,
            "Connect" => connect.action = attrs.get("action").cloned(),
            "ConversationRelay" | "Stream" => {
                connect.noun = name;
                connect.url = attrs.get("url").cloned().ok_or("a noun without url")?;
                connect.attributes = attrs;
            }
            "Parameter" => {
                let key = attrs
                    .get("name")
                    .cloned()
                    .ok_or("a Parameter without name")?;
                connect
                    .parameters
                    .insert(key, attrs.get("value").cloned().unwrap_or_default());
            }
            other => return Err(format!("unexpected element <{other}>")),
        }
    }
    if !seen_response || connect.url.is_empty() {
        return Err("no <Response><Connect> with a WebSocket".into());
    }
    Ok(connect)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_provider_writes() {
        let config =
            crate::CarrierConfig::new("http://x", "AC1", "t", "+1", "https://i.example.com");
        let c = parse(&crate::twiml::relay(&config, "a&1", "tok", "en-US")).unwrap();
        assert_eq!(c.noun, "ConversationRelay");
        assert_eq!(c.url, "wss://i.example.com/carrier/relay");
        assert_eq!(
            c.action.as_deref(),
            Some("https://i.example.com/carrier/relay-action?attempt=a%261")
        );
        assert_eq!(c.parameters["attemptId"], "a&1");
        assert_eq!(c.attributes["language"], "en-US");
        let s = parse(&crate::twiml::stream(&config, "a", "tok")).unwrap();
        assert_eq!(s.noun, "Stream");
        assert!(parse("<Response><Say>hi</Say></Response>").is_err());
    }
}
