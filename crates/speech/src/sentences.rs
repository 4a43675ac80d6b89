//! Splits a streamed model reply into sentences, so text-to-speech can start on the first
//! sentence while the model is still writing the rest (the largest single saving in
//! voice-to-voice latency after endpointing).
//!
//! A sentence ends at `.`, `!`, `?` or an ellipsis (with any closing quotes or brackets),
//! followed by whitespace, or at a line break. Not at:
//! - titles and Latin abbreviations (`Dr.`, `Mr.`, `e.g.`, `i.e.`, `vs.`), and initials
//!   (`J. R. R. Tolkien`);
//! - decimals, versions and addresses (`3.14`, `v1.2`, `example.com`): no space follows;
//! - a list number opening a sentence (`1. First`);
//! - `etc.`, `Inc.`, `p.m.` and an ellipsis unless the next word starts with a capital.
//!
//! A decision waits for the character after the boundary, so feeding the text in any pieces
//! gives the same sentences. A sentence longer than `max_chars` with no end in sight is cut
//! after its last comma, semicolon or colon (or space), so a run-on reply still streams.

/// Never end a sentence (compared in lower case, without the final period).
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "e.g", "i.e", "vs", "cf", "approx",
    "fig", "no", "dept", "gen", "gov", "sen", "rep", "rev", "capt", "col", "lt", "sgt",
];
/// End a sentence only when a capitalised word follows.
const MAYBE_END: &[&str] = &[
    "etc", "inc", "ltd", "co", "corp", "llc", "a.m", "p.m", "u.s", "jan", "feb", "aug", "sept",
    "oct", "nov", "dec",
];
const TERMINATORS: &[char] = &['.', '!', '?', '…'];
const CLOSERS: &[char] = &['"', '\'', '”', '’', ')', ']', '»'];

/// Cuts streamed text into speakable sentences.
#[derive(Debug, Clone)]
pub struct SentenceSplitter {
    buffer: String,
    max_chars: usize,
}

impl Default for SentenceSplitter {
    fn default() -> Self {
        Self::new()
    }
}

/// What to do at a possible boundary.
enum Verdict {
    End(usize),
    NotHere,
    /// The next character is not known yet.
    Wait,
}

impl SentenceSplitter {
    /// A splitter that cuts run-on sentences at 250 characters.
    pub fn new() -> Self {
        Self::with_max_chars(250)
    }

    /// A splitter that cuts run-on sentences at `max_chars` characters (at least 20).
    pub fn with_max_chars(max_chars: usize) -> Self {
        Self {
            buffer: String::new(),
            max_chars: max_chars.max(20),
        }
    }

    /// Adds a piece of the reply; returns the sentences it completed, trimmed.
    pub fn push(&mut self, piece: &str) -> Vec<String> {
        self.buffer.push_str(piece);
        let mut sentences = Vec::new();
        loop {
            let cut = match self.find_end() {
                Some(end) => end,
                None => match self.run_on_cut() {
                    Some(cut) => cut,
                    None => break,
                },
            };
            let sentence: String = self.buffer.drain(..cut).collect();
            let sentence = sentence.trim();
            if !sentence.is_empty() {
                sentences.push(sentence.to_owned());
            }
        }
        sentences
    }

    /// Ends the reply: the rest, if it holds any text.
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.buffer);
        let rest = rest.trim();
        (!rest.is_empty()).then(|| rest.to_owned())
    }

    /// The byte index just after the first sentence end, if one is certain.
    fn find_end(&self) -> Option<usize> {
        let text = &self.buffer;
        for (at, c) in text.char_indices() {
            let verdict = if c == '\n' {
                Verdict::End(at + 1)
            } else if TERMINATORS.contains(&c) && !follows_terminator(text, at) {
                judge(text, at)
            } else {
                continue;
            };
            match verdict {
                Verdict::End(end) => return Some(end),
                Verdict::NotHere => {}
                Verdict::Wait => return None,
            }
        }
        None
    }

    /// Where to cut a sentence that has run past `max_chars` without ending.
    fn run_on_cut(&self) -> Option<usize> {
        let (limit, _) = self.buffer.char_indices().nth(self.max_chars)?;
        let head = &self.buffer[..limit];
        let clause = head.rfind([',', ';', ':']).map(|i| i + 1);
        let space = head.rfind(char::is_whitespace);
        Some(clause.or(space).filter(|&i| i > 0).unwrap_or(limit))
    }
}

fn follows_terminator(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_some_and(|p| TERMINATORS.contains(&p))
}

/// Judges the run of terminators starting at byte `at`.
fn judge(text: &str, at: usize) -> Verdict {
    let run: String = text[at..]
        .chars()
        .take_while(|c| TERMINATORS.contains(c))
        .collect();
    let mut end = at + run.len();
    end += text[end..]
        .chars()
        .take_while(|c| CLOSERS.contains(c))
        .map(char::len_utf8)
        .sum::<usize>();
    let Some(next) = text[end..].chars().next() else {
        return Verdict::Wait;
    };
    if !next.is_whitespace() {
        return Verdict::NotHere;
    }
    let ellipsis = run == "..." || run.starts_with('…') || run.len() > 3 && run.starts_with("..");
    let needs_capital = if ellipsis {
        true
    } else if run == "." {
        match word_before(text, at) {
            Word::Never => return Verdict::NotHere,
            Word::Maybe => true,
            Word::Plain => false,
        }
    } else {
        false
    };
    if !needs_capital {
        return Verdict::End(end);
    }
    match text[end..].trim_start().chars().next() {
        None => Verdict::Wait,
        Some(c) if c.is_uppercase() => Verdict::End(end),
        Some(_) => Verdict::NotHere,
    }
}

enum Word {
    Never,
    Maybe,
    Plain,
}

/// Classifies the word that a single period at byte `at` ends.
fn word_before(text: &str, at: usize) -> Word {
    let start = text[..at]
        .rfind(|c: char| c.is_whitespace() || c == '(' || c == '"')
        .map_or(0, |i| i + 1);
    let word = text[start..at].to_lowercase();
    let is_initial = word.chars().count() == 1 && word.chars().all(char::is_alphabetic);
    // A list number opening the sentence: "1. First, ...".
    let list_number = !word.is_empty()
        && word.len() <= 2
        && word.chars().all(|c| c.is_ascii_digit())
        && text[..start].trim().is_empty();
    if is_initial || list_number || TITLES.contains(&word.as_str()) {
        Word::Never
    } else if MAYBE_END.contains(&word.as_str()) {
        Word::Maybe
    } else {
        Word::Plain
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests;
