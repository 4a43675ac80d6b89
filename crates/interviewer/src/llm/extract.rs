//! An incremental reader of the top-level string fields of one JSON object, fed the model's
//! output a chunk at a time.
//!
//! A language model writes its verdict as `{"action": "...", "utterance": "..."}` a few
//! characters per chunk. To speak the utterance while it is being written, the decoded
//! characters of each string value are handed out as soon as they arrive, escapes (`\n`,
//! `\"`, `\u00e9`, surrogate pairs) included, even when a chunk ends in the middle of one.
//! Text before the object (a "```json" fence, a preamble) is skipped; values that are not
//! strings are skipped whole; anything after the object is ignored.

/// What a chunk of input revealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldEvent {
    /// More decoded characters of the string value of `key`.
    Text {
        /// The field's name.
        key: String,
        /// The characters (never empty).
        text: String,
    },
    /// The string value of `key` is complete.
    End {
        /// The field's name.
        key: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    BeforeObject,
    /// Inside the object, expecting a key (or `}`).
    ExpectKey,
    InKey,
    /// After a key, expecting `:`.
    ExpectColon,
    /// After `:`, expecting the value.
    ExpectValue,
    InString,
    /// A value that is not a string: skipped, tracking nesting and strings inside it.
    InOther {
        depth: u32,
        in_string: bool,
    },
    /// After a value, expecting `,` or `}`.
    AfterValue,
    Done,
}

/// The reader. Feed it with [`FieldStream::feed`]; ask [`FieldStream::is_complete`] at the end.
#[derive(Clone, Debug)]
pub struct FieldStream {
    state: State,
    key: String,
    /// An escape in progress: the characters after the backslash seen so far.
    escape: Option<String>,
    /// A high surrogate waiting for its low half.
    high_surrogate: Option<u16>,
    /// Inside a skipped value's string: the previous character was a backslash.
    skip_escape: bool,
}

impl Default for FieldStream {
    fn default() -> Self {
        Self::new()
    }
}

impl FieldStream {
    /// A reader that has seen nothing.
    pub fn new() -> Self {
        Self {
            state: State::BeforeObject,
            key: String::new(),
            escape: None,
            high_surrogate: None,
            skip_escape: false,
        }
    }

    /// Whether the object's closing brace has been read.
    pub fn is_complete(&self) -> bool {
        self.state == State::Done
    }

    /// Whether the reader is in the middle of the string value of `key`.
    pub fn in_string_of(&self, key: &str) -> bool {
        self.state == State::InString && self.key == key
    }

    /// Reads one chunk and returns what it revealed, in order.
    pub fn feed(&mut self, chunk: &str) -> Vec<FieldEvent> {
        let mut events = Vec::new();
        let mut text = String::new();
        for c in chunk.chars() {
            if self.state == State::InString {
                if let Some(done) = self.string_char(c, &mut text) {
                    flush(&mut events, &self.key, &mut text);
                    if done {
                        events.push(FieldEvent::End {
                            key: self.key.clone(),
                        });
                    }
                }
            } else {
                self.structural(c);
            }
        }
        flush(&mut events, &self.key, &mut text);
        events
    }

    /// One character inside a string value; `Some(true)` when it closed the string.
    fn string_char(&mut self, c: char, out: &mut String) -> Option<bool> {
        if let Some(mut esc) = self.escape.take() {
            esc.push(c);
            match self.finish_escape(&esc) {
                Escape::Pending => self.escape = Some(esc),
                Escape::Char(d) => out.push(d),
                Escape::Nothing => {}
            }
            return None;
        }
        match c {
            '\\' => self.escape = Some(String::new()),
            '"' => {
                self.state = State::AfterValue;
                return Some(true);
            }
            c => out.push(c),
        }
        None
    }

    fn finish_escape(&mut self, esc: &str) -> Escape {
        let mut chars = esc.chars();
        let simple = match chars.next() {
            Some('u') => None,
            Some('n') => Some('\n'),
            Some('t') => Some('\t'),
            Some('r') => Some('\r'),
            Some('b') => Some('\u{8}'),
            Some('f') => Some('\u{c}'),
            Some(other) => Some(other),
            None => return Escape::Pending,
        };
        if let Some(c) = simple {
            return Escape::Char(c);
        }
        if esc.chars().count() < 5 {
            return Escape::Pending;
        }
        let hex: String = esc.chars().skip(1).take(4).collect();
        let Ok(unit) = u16::from_str_radix(&hex, 16) else {
            return Escape::Char(char::REPLACEMENT_CHARACTER);
        };
        match (self.high_surrogate.take(), unit) {
            (None, 0xD800..=0xDBFF) => {
                self.high_surrogate = Some(unit);
                Escape::Nothing
            }
            (Some(high), 0xDC00..=0xDFFF) => {
                let code =
                    0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                Escape::Char(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER))
            }
            (_, unit) => {
                Escape::Char(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER))
            }
        }
    }

    /// One character outside any string value.
    fn structural(&mut self, c: char) {
        self.state = match (&self.state, c) {
            (State::BeforeObject, '{') => State::ExpectKey,
            (State::ExpectKey, '"') => {
                self.key.clear();
                State::InKey
            }
            (State::ExpectKey | State::AfterValue, '}') => State::Done,
            (State::InKey, '"') if !self.skip_escape => State::ExpectColon,
            (State::InKey, c) => {
                self.skip_escape = c == '\\' && !self.skip_escape;
                self.key.push(c);
                State::InKey
            }
            (State::ExpectColon, ':') => State::ExpectValue,
            (State::ExpectValue, '"') => State::InString,
            (State::ExpectValue, c) if c.is_whitespace() => State::ExpectValue,
            (State::ExpectValue, '{' | '[') => State::InOther {
                depth: 1,
                in_string: false,
            },
            (State::ExpectValue, _) => State::InOther {
                depth: 0,
                in_string: false,
            },
            (State::InOther { .. }, _) => return self.skip(c),
            (State::AfterValue, ',') => State::ExpectKey,
            (state, _) => state.clone(),
        };
    }

    /// One character of a skipped (non-string) value.
    fn skip(&mut self, c: char) {
        let State::InOther { depth, in_string } = self.state else {
            return;
        };
        if in_string {
            let closes = c == '"' && !self.skip_escape;
            self.skip_escape = c == '\\' && !self.skip_escape;
            self.state = State::InOther {
                depth,
                in_string: !closes,
            };
            return;
        }
        self.state = match (c, depth) {
            ('"', _) => State::InOther {
                depth,
                in_string: true,
            },
            ('{' | '[', _) => State::InOther {
                depth: depth + 1,
                in_string: false,
            },
            ('}' | ']', 1) => State::AfterValue,
            ('}' | ']', 0) => State::Done,
            ('}' | ']', _) => State::InOther {
                depth: depth - 1,
                in_string: false,
            },
            (',', 0) => State::ExpectKey,
            _ => State::InOther { depth, in_string },
        };
    }
}

enum Escape {
    Pending,
    Char(char),
    Nothing,
}

fn flush(events: &mut Vec<FieldEvent>, key: &str, text: &mut String) {
    if !text.is_empty() {
        events.push(FieldEvent::Text {
            key: key.to_owned(),
            text: std::mem::take(text),
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::*;

    /// Feeds `chunks` and returns each field's decoded value and whether it was closed.
    fn read(chunks: &[&str]) -> (Vec<(String, String, bool)>, bool) {
        let mut reader = FieldStream::new();
        let mut fields: Vec<(String, String, bool)> = Vec::new();
        for chunk in chunks {
            for event in reader.feed(chunk) {
                match event {
                    FieldEvent::Text { key, text } => match fields.last_mut() {
                        Some(last) if last.0 == key && !last.2 => last.1.push_str(&text),
                        _ => fields.push((key, text, false)),
                    },
                    FieldEvent::End { key } => match fields.last_mut() {
                        Some(last) if last.0 == key && !last.2 => last.2 = true,
                        _ => fields.push((key, String::new(), true)),
                    },
                }
            }
        }
        (fields, reader.is_complete())
    }

    fn field(key: &str, value: &str) -> (String, String, bool) {
        (key.to_owned(), value.to_owned(), true)
    }

    #[test]
    fn reads_fields_in_one_chunk() {
        let (fields, done) = read(&[r#"{"action": "move_on", "utterance": "Thanks."}"#]);
        assert_eq!(
            fields,
            [field("action", "move_on"), field("utterance", "Thanks.")]
        );
        assert!(done);
    }

    #[test]
    fn every_split_point_gives_the_same_result() {
        let json = r#"```json
{"action":"follow_up", "n": [1, {"x": "}\""}], "utterance": "Say \"why\",\n\u00e9 \ud83d\ude00 \\ \/ ok"} trailing"#;
        let whole = read(&[json]);
        assert_eq!(
            whole.0,
            [
                field("action", "follow_up"),
                field("utterance", "Say \"why\",\né 😀 \\ / ok")
            ]
        );
        assert!(whole.1);
        let chars: Vec<char> = json.chars().collect();
        for cut in 0..chars.len() {
            let a: String = chars[..cut].iter().collect();
            let b: String = chars[cut..].iter().collect();
            assert_eq!(read(&[&a, &b]), whole, "cut at {cut}");
        }
        let singles: Vec<String> = chars.iter().map(char::to_string).collect();
        let singles: Vec<&str> = singles.iter().map(String::as_str).collect();
        assert_eq!(read(&singles), whole);
    }

    #[test]
    fn text_is_handed_out_as_it_arrives() {
        let mut reader = FieldStream::new();
        assert!(
            reader
                .feed(r#"{"utterance": "Hel"#)
                .contains(&FieldEvent::Text {
                    key: "utterance".into(),
                    text: "Hel".into()
                })
        );
        assert!(reader.in_string_of("utterance"));
        // An escape cut in half yields nothing until it is complete.
        assert_eq!(
            reader.feed("lo\\u00"),
            [FieldEvent::Text {
                key: "utterance".into(),
                text: "lo".into()
            }]
        );
        assert_eq!(
            reader.feed("e9"),
            [FieldEvent::Text {
                key: "utterance".into(),
                text: "é".into()
            }]
        );
        assert!(!reader.is_complete());
    }

    #[test]
    fn numbers_and_literals_are_skipped() {
        let (fields, done) = read(&[r#"{"score": 4, "ok": true, "none": null, "s": "x"}"#]);
        assert_eq!(fields, [field("s", "x")]);
        assert!(done);
    }

    #[test]
    fn a_broken_escape_never_panics() {
        let (fields, _) = read(&[r#"{"u": "a\u0éé b"}"#]);
        assert_eq!(fields[0].1, "a\u{fffd}b");
    }

    #[test]
    fn garbage_yields_nothing() {
        assert_eq!(read(&["I cannot answer that."]), (vec![], false));
        let (fields, done) = read(&[r#"{"action": "move"#]);
        assert_eq!(fields, [("action".into(), "move".into(), false)]);
        assert!(!done);
    }
}
