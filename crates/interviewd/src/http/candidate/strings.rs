//! The candidate pages' words, one file per language (`i18n/<lang>.json`, embedded in the
//! binary): a translation is a file. [`Strings`] has one field per key, so a template that
//! names a missing key does not compile, and a language file that lacks a key (or has an
//! unknown one) fails the unit test below. A language without a file is shown in English.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Every user-visible string of the candidate pages (the keys of `i18n/en.json`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strings {
    pub start_page_title: String,
    pub start_heading: String,
    pub start_label_position: String,
    pub start_label_language: String,
    pub start_label_duration: String,
    pub start_duration: String,
    pub start_duration_one: String,
    pub start_what_heading: String,
    pub start_what_questions: String,
    pub start_what_questions_one: String,
    pub start_what_answer: String,
    pub start_what_pause: String,
    pub start_disclosure_heading: String,
    pub start_disclosure_ai: String,
    pub start_disclosure_recording: String,
    pub start_disclosure_contact: String,
    pub start_consent_label: String,
    pub start_consent_hint: String,
    pub start_mic_heading: String,
    pub start_mic_intro: String,
    pub start_mode_heading: String,
    pub start_voice_button: String,
    pub start_text_button: String,
    pub voice_unavailable: String,
    pub noscript: String,
    pub mic_test_button: String,
    pub mic_level_label: String,
    pub mic_asking: String,
    pub mic_ready: String,
    pub mic_heard: String,
    pub mic_denied: String,
    pub mic_absent: String,
    pub mic_failed: String,
    pub mic_unsupported: String,
    pub interview_heading: String,
    pub transcript_label: String,
    pub speaker_agent: String,
    pub speaker_you: String,
    pub status_connecting: String,
    pub status_listening: String,
    pub status_your_turn: String,
    pub status_thinking: String,
    pub status_speaking: String,
    pub status_writing: String,
    pub status_reconnecting: String,
    pub status_reconnected: String,
    pub status_ending: String,
    pub answer_label: String,
    pub answer_hint: String,
    pub send_button: String,
    pub send_wait: String,
    pub send_offline: String,
    pub answer_empty: String,
    pub mute_button: String,
    pub muted_notice: String,
    pub unmuted_notice: String,
    pub switch_to_text: String,
    pub switch_to_voice: String,
    pub end_button: String,
    pub end_confirm_title: String,
    pub end_confirm_body: String,
    pub end_confirm_yes: String,
    pub end_confirm_no: String,
    pub voice_off_server: String,
    pub reconnect_failed: String,
    pub reload_link: String,
    pub error_message: String,
    pub ended_heading: String,
    pub ended_completed: String,
    pub ended_by_candidate: String,
    pub ended_revoked: String,
    pub ended_deleted: String,
    pub ended_idle: String,
    pub ended_error: String,
    pub continue_link: String,
    pub state_contact_label: String,
    pub state_check_again: String,
    pub state_try_now: String,
    pub state_try_again: String,
    pub state_not_open_title: String,
    pub state_not_open_body: String,
    pub state_revoked_title: String,
    pub state_revoked_body: String,
    pub state_expired_title: String,
    pub state_expired_body: String,
    pub state_not_found_title: String,
    pub state_not_found_body: String,
    pub state_finished_title: String,
    pub state_finished_body: String,
    pub state_phone_title: String,
    pub state_phone_body: String,
    pub state_phone_when: String,
    pub state_busy_title: String,
    pub state_busy_body: String,
    pub state_busy_nojs: String,
    pub state_busy_countdown: String,
    pub state_busy_checking: String,
    pub state_busy_still: String,
    pub state_unavailable_title: String,
    pub state_unavailable_body: String,
    pub opening_page_title: String,
    pub opening_heading: String,
    pub opening_intro: String,
    pub opening_disclosure: String,
    pub opening_label_first_name: String,
    pub opening_label_last_name: String,
    pub opening_label_email: String,
    pub opening_label_phone: String,
    pub opening_phone_note: String,
    pub opening_submit: String,
    pub opening_error: String,
    pub opening_mailed: String,
}

/// The language files: BCP 47 primary tag and contents.
const FILES: &[(&str, &str)] = &[("en", include_str!("../../../i18n/en.json"))];

fn loaded() -> &'static HashMap<&'static str, Strings> {
    static LOADED: OnceLock<HashMap<&'static str, Strings>> = OnceLock::new();
    LOADED.get_or_init(|| {
        FILES
            .iter()
            .filter_map(|(lang, json)| match serde_json::from_str::<Strings>(json) {
                Ok(strings) => Some((*lang, strings)),
                Err(e) => {
                    tracing::error!(lang, error = %e, "a language file does not parse; skipped");
                    None
                }
            })
            .collect()
    })
}

/// The page language for an agent language code (`EN`, `de-DE`, …): the BCP 47 tag of the
/// file used, its strings, and the language's own name.
pub fn for_language(code: &str) -> (&'static str, &'static Strings, String) {
    let primary = code
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let name = interviewd_domain::language::of(code)
        .map_or_else(|| code.to_owned(), |l| l.native.to_owned());
    let files = loaded();
    match files
        .get_key_value(primary.as_str())
        .or_else(|| files.get_key_value("en"))
    {
        Some((lang, strings)) => (lang, strings, name),
        // Unreachable while en.json parses (a unit test checks it).
        None => ("en", fallback(), name),
    }
}

fn fallback() -> &'static Strings {
    static EMPTY: OnceLock<Strings> = OnceLock::new();
    EMPTY.get_or_init(Strings::default)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_language_file_has_exactly_the_keys() {
        for (lang, json) in FILES {
            let parsed: Result<Strings, _> = serde_json::from_str(json);
            assert!(parsed.is_ok(), "i18n/{lang}.json: {:?}", parsed.err());
        }
    }

    #[test]
    fn agent_languages_map_to_a_file_and_a_name() {
        let (lang, _, name) = for_language("EN");
        assert_eq!((lang, name.as_str()), ("en", "English"));
        let (lang, _, name) = for_language("de-DE");
        assert_eq!((lang, name.as_str()), ("en", "Deutsch"));
    }
}
