//! Contact identifiers that can only be built valid: E.164 phone numbers, normalised
//! e-mail addresses and external ids. Parsing happens at the edge; everything past it
//! compares normalised values, so `+1 (415) 555-0100` and `+14155550100` are one number
//! and `Ann@Example.com` is `ann@example.com`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a value was refused; the message is safe to return to the client (it never echoes
/// the value itself, which may be personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

/// A phone number in E.164 form (`+` and digits).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses an international number (leading `+` required, punctuation allowed) and
    /// normalises it to E.164. Numbers that libphonenumber does not consider valid are refused.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let trimmed = input.trim();
        if trimmed.is_empty() || trimmed.len() > 40 {
            return Err(InvalidValue(
                "phone number must be 1 to 40 characters".into(),
            ));
        }
        // Only one leading `+`, then digits and common punctuation; libphonenumber alone is
        // more lenient than an API contract should be (it accepts `++1…`, letters as keypad
        // digits, and extensions).
        let body = trimmed.strip_prefix('+').unwrap_or(trimmed);
        if !body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.'))
        {
            return Err(InvalidValue(
                "phone number is not a valid international (E.164) number".into(),
            ));
        }
        let candidate = if trimmed.starts_with('+') || trimmed.starts_with("00") {
            trimmed.to_owned()
        } else if trimmed.chars().all(|c| c.is_ascii_digit()) {
            // A bare run of digits is taken as an international number without its `+`.
            format!("+{trimmed}")
        } else {
            trimmed.to_owned()
        };
        let parsed = phonenumber::parse(None, &candidate).map_err(|_| {
            InvalidValue("phone number is not a valid international (E.164) number".into())
        })?;
        if !phonenumber::is_valid(&parsed) {
            return Err(InvalidValue(
                "phone number is not a valid international (E.164) number".into(),
            ));
        }
        let e164 = parsed.format().mode(phonenumber::Mode::E164).to_string();
        Ok(Self(e164))
    }

    /// Wraps a value already stored in E.164 form.
    pub fn from_trusted(e164: String) -> Self {
        Self(e164)
    }

    /// The E.164 string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PhoneNumber {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// An e-mail address, syntax-checked and lower-cased (matching is case-insensitive).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Checks RFC 5322 address syntax (no display name) and normalises to lower case.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let trimmed = input.trim();
        if trimmed.is_empty() || trimmed.len() > 254 {
            return Err(InvalidValue("email must be 1 to 254 characters".into()));
        }
        let ok = email_address::EmailAddress::parse_with_options(
            trimmed,
            email_address::Options::default().without_display_text(),
        )
        .is_ok();
        // Require a dot in the domain: `user@localhost` is valid syntax but never a
        // candidate's address, and accepting it would only defer the failure to delivery.
        let has_dotted_domain = trimmed
            .rsplit_once('@')
            .is_some_and(|(_, d)| d.contains('.') && !d.starts_with('.') && !d.ends_with('.'));
        if !ok || !has_dotted_domain {
            return Err(InvalidValue("email is not a valid address".into()));
        }
        Ok(Self(trimmed.to_lowercase()))
    }

    /// Wraps a value already stored normalised.
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A caller-defined external id (Alpharun `ext_id`, InstaView `metadata.externalId`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExtId(String);

impl ExtId {
    /// 1 to 255 characters after trimming, no control characters.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let trimmed = input.trim();
        if trimmed.is_empty() || trimmed.chars().count() > 255 {
            return Err(InvalidValue(
                "external id must be 1 to 255 characters".into(),
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(InvalidValue(
                "external id must not contain control characters".into(),
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// Wraps a stored value.
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_formats_normalise_to_one_number() {
        let a = PhoneNumber::parse("+1 (415) 555-0100").unwrap();
        let b = PhoneNumber::parse("+14155550100").unwrap();
        let c = PhoneNumber::parse("14155550100").unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(a.as_str(), "+14155550100");
        assert_eq!(
            PhoneNumber::parse("+421 905 123 456").unwrap().as_str(),
            "+421905123456"
        );
    }

    #[test]
    fn malformed_phones_are_refused() {
        for bad in [
            "",
            "abc",
            "+1",
            "+1 415 555",
            "12",
            "+99999999999999999",
            "++14155550100",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn emails_are_checked_and_lowercased() {
        assert_eq!(
            Email::parse(" Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@localhost",
            "a b@example.com",
            "Ann <ann@example.com>",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn ext_ids_are_bounded() {
        assert!(ExtId::parse("ext-1").is_ok());
        assert!(ExtId::parse("  ").is_err());
        assert!(ExtId::parse(&"x".repeat(256)).is_err());
    }
}
