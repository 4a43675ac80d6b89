//! One reply of a Media Streams session, written off the session's loop so that the
//! candidate's audio keeps being heard (and can barge in) while it is: speech-to-text of the
//! answer, the interviewer's streamed words cut into sentences, each sentence synthesised as
//! soon as it is complete. Everything goes back to the session, in order, on one channel,
//! ending with the dialogue itself.

use crate::Speech;
use interviewd_speech::codec::PhoneEncoder;
use interviewd_speech::sentences::SentenceSplitter;
use interviewd_voice::{AgentLine, Dialogue};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The candidate's answer.
pub(crate) enum Answer {
    /// A spoken turn (16 kHz), and where it sits on the call's audio clock.
    Spoken {
        pcm: Vec<i16>,
        start: Duration,
        end: Duration,
    },
    /// Keys.
    Keys(String),
}

/// What a reply reports, in order.
pub(crate) enum Event {
    /// What the candidate said (`None`: nothing was recognised; no reply follows).
    Heard(Option<String>),
    /// A sentence of the reply, ready to be played.
    Sentence(Spoken),
    /// The whole reply.
    Line(AgentLine),
    /// The dialogue, back for the next turn.
    Done(Box<dyn Dialogue>),
}

/// A sentence ready to be played: its text, its audio at 16 kHz (for the recording) and the
/// same as μ-law 8 kHz for the line.
pub(crate) struct Spoken {
    pub text: String,
    pub pcm: Vec<i16>,
    pub ulaw: Vec<u8>,
}

/// Synthesises `sentence` and encodes it for the line. The encoding (resampling the whole
/// sentence) runs on the blocking pool: a few milliseconds of CPU per sentence that, on the
/// runtime's threads, would hold up the frames of every call sharing the thread.
async fn voiced(sentence: String, speech: &Speech) -> Result<Spoken, String> {
    let audio = speech
        .tts
        .synthesize(&sentence, None)
        .await
        .map_err(|e| format!("text-to-speech failed: {e}"))?;
    let pcm = audio.pcm;
    let (pcm, ulaw) = tokio::task::spawn_blocking(move || {
        let ulaw = PhoneEncoder::new().and_then(|mut encoder| encoder.encode_utterance(&pcm));
        (pcm, ulaw)
    })
    .await
    .map_err(|e| format!("encoding a sentence stopped: {e}"))?;
    let ulaw = ulaw.map_err(|e| format!("encoding a sentence failed: {e}"))?;
    Ok(Spoken {
        text: sentence,
        pcm,
        ulaw,
    })
}

/// Writes the reply to `answer`; `hush` (barge-in) stops the speech, not the writing.
pub(crate) async fn run(
    mut dialogue: Box<dyn Dialogue>,
    answer: Answer,
    elapsed: Duration,
    speech: Speech,
    language: Option<String>,
    tx: mpsc::UnboundedSender<Event>,
    hush: CancellationToken,
) {
    let text = match answer {
        Answer::Keys(text) => Some(text),
        Answer::Spoken { pcm, .. } => {
            match speech.stt.transcribe(&pcm, language.as_deref()).await {
                Ok(t) if !t.text.trim().is_empty() => Some(t.text.trim().to_owned()),
                Ok(_) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "speech-to-text failed; the answer is not heard");
                    None
                }
            }
        }
    };
    let _ = tx.send(Event::Heard(text.clone()));
    if let Some(text) = text {
        let (sink, pieces) = mpsc::unbounded_channel();
        let speak = speak(pieces, &speech, &tx, &hush);
        let (line, ()) = tokio::join!(dialogue.reply(&text, elapsed, sink), speak);
        let _ = tx.send(Event::Line(line));
    }
    let _ = tx.send(Event::Done(dialogue));
}

/// Synthesises the reply sentence by sentence as its pieces arrive.
async fn speak(
    mut pieces: mpsc::UnboundedReceiver<String>,
    speech: &Speech,
    tx: &mpsc::UnboundedSender<Event>,
    hush: &CancellationToken,
) {
    let mut splitter = SentenceSplitter::new();
    while let Some(piece) = pieces.recv().await {
        for sentence in splitter.push(&piece) {
            say(sentence, speech, tx, hush).await;
        }
    }
    if let Some(rest) = splitter.finish() {
        say(rest, speech, tx, hush).await;
    }
}

async fn say(
    sentence: String,
    speech: &Speech,
    tx: &mpsc::UnboundedSender<Event>,
    hush: &CancellationToken,
) {
    if hush.is_cancelled() || sentence.trim().is_empty() {
        return;
    }
    match voiced(sentence, speech).await {
        Ok(spoken) => {
            let _ = tx.send(Event::Sentence(spoken));
        }
        Err(e) => tracing::warn!(error = %e, "a sentence is not spoken"),
    }
}

/// Synthesises and encodes `text` sentence by sentence (the greeting, before dialling).
pub(crate) async fn synthesise(text: &str, speech: &Speech) -> Result<Vec<Spoken>, String> {
    let mut splitter = SentenceSplitter::new();
    let mut sentences = splitter.push(text);
    sentences.extend(splitter.finish());
    let mut out = Vec::new();
    for sentence in sentences {
        out.push(voiced(sentence, speech).await?);
    }
    Ok(out)
}
