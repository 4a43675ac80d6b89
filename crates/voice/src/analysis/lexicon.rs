//! The scorer's word lists: which words carry no meaning, which negate, and the other names a
//! skill goes by. Kept in one place so that a reviewer can read (and extend) every list the
//! score depends on.

/// Short words that glue a sentence together. A "sentence" without any is a keyword list.
pub(super) const FUNCTION_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "because", "been", "before", "both", "but", "by", "can", "could", "did", "do", "does", "each",
    "for", "from", "had", "has", "have", "he", "her", "him", "his", "how", "i", "i'm", "i've",
    "if", "in", "into", "is", "it", "it's", "its", "just", "me", "more", "most", "my", "no", "not",
    "of", "on", "once", "one", "or", "our", "out", "she", "so", "some", "than", "that", "the",
    "their", "them", "then", "there", "these", "they", "this", "those", "to", "too", "up", "us",
    "very", "was", "we", "we're", "were", "what", "when", "where", "which", "while", "who", "why",
    "will", "with", "would", "you", "your",
];

/// Words too common to say what an answer or a question is about (beyond the function words).
pub(super) const STOPWORDS: &[&str] = &[
    "also",
    "been",
    "being",
    "could",
    "describe",
    "does",
    "doing",
    "done",
    "got",
    "get",
    "going",
    "just",
    "kind",
    "like",
    "lot",
    "lots",
    "make",
    "made",
    "many",
    "much",
    "only",
    "other",
    "over",
    "really",
    "should",
    "something",
    "such",
    "tell",
    "thing",
    "things",
    "think",
    "time",
    "use",
    "used",
    "using",
    "want",
    "way",
    "well",
    "yeah",
    "yes",
    "yourself",
];

/// Words that negate what follows them in the same clause.
pub(super) const NEGATIONS: &[&str] = &[
    "no", "not", "never", "without", "none", "neither", "nor", "lack", "lacking", "zero", "cannot",
    "hardly", "barely",
];

/// Words (and the tokens left by commas are handled by sentence cuts) that start a new clause,
/// so a negation before them does not reach a skill after them.
pub(super) const CLAUSE_BREAKS: &[&str] = &[
    "but", "and", "although", "though", "however", "whereas", "while", "instead", "except",
];

/// Another name of a skill, and whether it only counts when written with the same case (`Go`
/// the language, not "go" the verb).
#[derive(Clone, Copy, Debug)]
pub(super) struct Alias {
    pub(super) text: &'static str,
    pub(super) exact_case: bool,
}

const fn a(text: &'static str) -> Alias {
    Alias {
        text,
        exact_case: false,
    }
}

const fn exact(text: &'static str) -> Alias {
    Alias {
        text,
        exact_case: true,
    }
}

/// A skill's names (any of which may be the name the job uses) and further terms that show it.
pub(super) struct Variant {
    pub(super) names: &'static [Alias],
    pub(super) shows: &'static [Alias],
}

/// The table of skill names. A job asking for `Postgres` finds `PostgreSQL`, one asking for
/// `SQL` also finds `PostgreSQL` or `MySQL` (but not the reverse). Stemming handles plurals
/// and verb forms, so they need no entry.
pub(super) const VARIANTS: &[Variant] = &[
    v(&[a("postgresql"), a("postgres"), a("psql")], &[]),
    v(
        &[a("sql")],
        &[
            a("postgresql"),
            a("postgres"),
            a("mysql"),
            a("mariadb"),
            a("sqlite"),
            a("t-sql"),
            a("query"),
            a("schema"),
            a("index"),
        ],
    ),
    v(
        &[
            a("javascript"),
            a("js"),
            a("node.js"),
            a("nodejs"),
            a("ecmascript"),
        ],
        &[],
    ),
    v(&[a("typescript"), exact("TS")], &[]),
    v(&[a("kubernetes"), a("k8s"), a("kube")], &[]),
    v(
        &[
            a("ci/cd"),
            a("ci cd"),
            a("ci"),
            a("continuous integration"),
            a("continuous delivery"),
            a("continuous deployment"),
        ],
        &[a("github actions"), a("gitlab ci"), a("jenkins")],
    ),
    v(&[a("golang"), exact("Go")], &[]),
    v(&[a("python"), a("python3")], &[]),
    v(&[a("c#"), a("csharp"), a("c sharp")], &[]),
    v(&[a("c++"), a("cpp")], &[]),
    v(&[a("aws"), a("amazon web services")], &[]),
    v(
        &[a("gcp"), a("google cloud"), a("google cloud platform")],
        &[],
    ),
    v(&[a("azure"), a("microsoft azure")], &[]),
    v(&[a("machine learning"), exact("ML")], &[]),
    v(&[a("artificial intelligence"), exact("AI")], &[]),
    v(&[exact("React"), a("react.js"), a("reactjs")], &[]),
    v(&[a("vue"), a("vue.js"), a("vuejs")], &[]),
    v(&[a("kafka"), a("apache kafka")], &[]),
    v(&[a("rabbitmq"), a("rabbit mq")], &[]),
    v(&[a("elasticsearch"), a("elastic search")], &[]),
    v(&[exact("REST"), a("rest api"), a("restful")], &[]),
    v(
        &[
            a("object-oriented programming"),
            a("oop"),
            a("object oriented"),
        ],
        &[],
    ),
    v(&[a("test-driven development"), a("tdd")], &[]),
    v(&[a("site reliability engineering"), a("sre")], &[]),
    v(&[a("natural language processing"), a("nlp")], &[]),
    v(&[a("large language models"), a("llm")], &[]),
    v(&[a("user experience"), exact("UX")], &[]),
    v(&[a("customer service"), a("customer support")], &[]),
    v(&[a("sales"), a("selling")], &[]),
    v(
        &[exact("Excel"), a("microsoft excel"), a("spreadsheets")],
        &[],
    ),
    v(&[a("infrastructure as code"), a("iac")], &[a("terraform")]),
];

const fn v(names: &'static [Alias], shows: &'static [Alias]) -> Variant {
    Variant { names, shows }
}
