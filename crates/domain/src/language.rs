//! The languages an agent can interview in: the codes InstaView's agent pages accept
//! (<https://docs.instaview.sk/api-reference/agents/create-agent>), each with the BCP 47 tag
//! the candidate's page and the speech engines use, its English name (the console) and its
//! own name (the candidate's page). One table serves every surface.

/// One interview language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Language {
    /// The agent's `language` code (`EN`, `FIL`, …).
    pub code: &'static str,
    /// The BCP 47 primary tag (`en`, `fil`, …).
    pub tag: &'static str,
    /// Its name in English.
    pub english: &'static str,
    /// Its name in itself.
    pub native: &'static str,
}

const fn lang(
    code: &'static str,
    tag: &'static str,
    english: &'static str,
    native: &'static str,
) -> Language {
    Language {
        code,
        tag,
        english,
        native,
    }
}

/// Every language, English first, then in the vendor's order.
pub const LANGUAGES: &[Language] = &[
    lang("EN", "en", "English", "English"),
    lang("JA", "ja", "Japanese", "日本語"),
    lang("ZH", "zh", "Chinese", "中文"),
    lang("DE", "de", "German", "Deutsch"),
    lang("HI", "hi", "Hindi", "हिन्दी"),
    lang("FR", "fr", "French", "Français"),
    lang("KO", "ko", "Korean", "한국어"),
    lang("PT", "pt", "Portuguese", "Português"),
    lang("IT", "it", "Italian", "Italiano"),
    lang("ES", "es", "Spanish", "Español"),
    lang("ID", "id", "Indonesian", "Bahasa Indonesia"),
    lang("NL", "nl", "Dutch", "Nederlands"),
    lang("TR", "tr", "Turkish", "Türkçe"),
    lang("FIL", "fil", "Filipino", "Filipino"),
    lang("PL", "pl", "Polish", "Polski"),
    lang("SV", "sv", "Swedish", "Svenska"),
    lang("BG", "bg", "Bulgarian", "Български"),
    lang("RO", "ro", "Romanian", "Română"),
    lang("AR", "ar", "Arabic", "العربية"),
    lang("CS", "cs", "Czech", "Čeština"),
    lang("EL", "el", "Greek", "Ελληνικά"),
    lang("FI", "fi", "Finnish", "Suomi"),
    lang("HR", "hr", "Croatian", "Hrvatski"),
    lang("MS", "ms", "Malay", "Bahasa Melayu"),
    lang("SK", "sk", "Slovak", "Slovenčina"),
    lang("DA", "da", "Danish", "Dansk"),
    lang("TA", "ta", "Tamil", "தமிழ்"),
    lang("UK", "uk", "Ukrainian", "Українська"),
    lang("RU", "ru", "Russian", "Русский"),
    lang("HU", "hu", "Hungarian", "Magyar"),
    lang("NO", "no", "Norwegian", "Norsk"),
    lang("VI", "vi", "Vietnamese", "Tiếng Việt"),
];

/// The language of an agent `code` (`EN`, `en`, `de-DE`: the primary subtag decides).
pub fn of(code: &str) -> Option<&'static Language> {
    let primary = code.split(['-', '_']).next().unwrap_or_default();
    LANGUAGES
        .iter()
        .find(|l| l.code.eq_ignore_ascii_case(primary) || l.tag.eq_ignore_ascii_case(primary))
}

/// Every code, for validation and documents.
pub fn codes() -> Vec<&'static str> {
    LANGUAGES.iter().map(|l| l.code).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_tags_are_found_in_any_case() {
        assert_eq!(of("EN").map(|l| l.native), Some("English"));
        assert_eq!(of("de-DE").map(|l| l.english), Some("German"));
        assert_eq!(of("fil").map(|l| l.code), Some("FIL"));
        assert_eq!(of("XX"), None);
        assert_eq!(codes().len(), 32);
        let mut seen = std::collections::HashSet::new();
        assert!(
            LANGUAGES.iter().all(|l| seen.insert(l.code)),
            "codes repeat"
        );
    }
}
