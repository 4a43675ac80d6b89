//! Everything the code itself says during an interview, in one table keyed by language, so
//! that a translation is one more row. Questions come from the agent; these are only the
//! frame around them.

/// The fixed lines of one language.
#[derive(Debug)]
pub struct Phrases {
    /// BCP-47 primary language subtag (`en`, `de`).
    pub language: &'static str,
    /// Said before the first question when the candidate's name is unknown.
    pub greeting: &'static str,
    /// Said before the first question; `{name}` is replaced by the candidate's name.
    pub greeting_named: &'static str,
    /// Said after the last question.
    pub closing: &'static str,
    /// Said when the time budget ran out before the last question.
    pub closing_out_of_time: &'static str,
}

/// The table. English first: it is the fallback for a language without a row.
pub const PHRASES: &[Phrases] = &[
    Phrases {
        language: "en",
        greeting: "Hello, thank you for taking the time for this interview. I will ask you a \
                   few questions; take your time with each answer.",
        greeting_named: "Hello {name}, thank you for taking the time for this interview. I \
                         will ask you a few questions; take your time with each answer.",
        closing: "Thank you, that was the last question. The team will review the interview \
                  and be in touch about the next steps.",
        closing_out_of_time: "Thank you, we have reached the time we have for this interview. \
                              The team will review it and be in touch about the next steps.",
    },
    Phrases {
        language: "de",
        greeting: "Hallo, vielen Dank, dass Sie sich Zeit für dieses Gespräch nehmen. Ich \
                   stelle Ihnen einige Fragen; nehmen Sie sich für jede Antwort Zeit.",
        greeting_named: "Hallo {name}, vielen Dank, dass Sie sich Zeit für dieses Gespräch \
                         nehmen. Ich stelle Ihnen einige Fragen; nehmen Sie sich für jede \
                         Antwort Zeit.",
        closing: "Vielen Dank, das war die letzte Frage. Das Team sieht sich das Gespräch an \
                  und meldet sich wegen der nächsten Schritte.",
        closing_out_of_time: "Vielen Dank, die Zeit für dieses Gespräch ist um. Das Team \
                              sieht es sich an und meldet sich wegen der nächsten Schritte.",
    },
    Phrases {
        language: "fr",
        greeting: "Bonjour, merci de prendre le temps de passer cet entretien. Je vais vous \
                   poser quelques questions ; prenez votre temps pour chaque réponse.",
        greeting_named: "Bonjour {name}, merci de prendre le temps de passer cet entretien. Je \
                         vais vous poser quelques questions ; prenez votre temps pour chaque \
                         réponse.",
        closing: "Merci, c'était la dernière question. L'équipe va examiner l'entretien et \
                  reviendra vers vous pour la suite.",
        closing_out_of_time: "Merci, nous avons atteint le temps prévu pour cet entretien. \
                              L'équipe va l'examiner et reviendra vers vous pour la suite.",
    },
    Phrases {
        language: "es",
        greeting: "Hola, gracias por dedicar tiempo a esta entrevista. Le haré algunas \
                   preguntas; tómese su tiempo para cada respuesta.",
        greeting_named: "Hola {name}, gracias por dedicar tiempo a esta entrevista. Le haré \
                         algunas preguntas; tómese su tiempo para cada respuesta.",
        closing: "Gracias, esa era la última pregunta. El equipo revisará la entrevista y se \
                  pondrá en contacto sobre los próximos pasos.",
        closing_out_of_time: "Gracias, hemos llegado al tiempo previsto para esta entrevista. \
                              El equipo la revisará y se pondrá en contacto sobre los próximos \
                              pasos.",
    },
];

/// The row for a BCP-47 tag (`en-US`, `de`, `fr-CA`), by its primary subtag; English when
/// there is no row for it.
pub fn phrases(language: &str) -> &'static Phrases {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    PHRASES
        .iter()
        .find(|p| p.language == primary)
        .unwrap_or(&PHRASES[0])
}

impl Phrases {
    /// The greeting, with the candidate's name when it is known.
    pub fn greet(&self, name: Option<&str>) -> String {
        match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => self.greeting_named.replace("{name}", name),
            None => self.greeting.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_by_primary_subtag_with_english_fallback() {
        assert_eq!(phrases("en-US").language, "en");
        assert_eq!(phrases("DE-at").language, "de");
        assert_eq!(phrases("fr_CA").language, "fr");
        assert_eq!(phrases("xx").language, "en");
        assert_eq!(phrases("").language, "en");
    }

    #[test]
    fn every_row_is_complete() {
        for p in PHRASES {
            assert!(p.greeting_named.contains("{name}"), "{}", p.language);
            for line in [p.greeting, p.closing, p.closing_out_of_time] {
                assert!(!line.is_empty() && !line.contains('{'), "{}", p.language);
            }
        }
        assert_eq!(
            phrases("en").greet(Some(" Ada ")).split(',').next(),
            Some("Hello Ada")
        );
    }
}
