//! The live interview a candidate's page holds over its WebSocket, by voice or by typing.
//!
//! The page's messages arrive as [`Input`]; what the page must show or play leaves as
//! [`Output`] (the HTTP layer maps both to the wire protocol). The conversation itself is the
//! online session of [`super::session`]: every answer and every reply is committed there
//! before the next turn, so a reload or a reconnect (on any node) resumes at the last
//! committed turn.
//!
//! **Voice.** Microphone frames (16 kHz PCM16) go to the recording and the end-of-turn
//! detector. A finished turn is transcribed (speech-to-text seam), shown as a caption and
//! answered; the interviewer's words stream to the page as text while each complete sentence
//! is synthesised (text-to-speech seam) and sent as audio, so the candidate hears the first
//! sentence while the model is still writing the next. Voice heard while the agent speaks
//! starts a turn only as a barge-in (continuous speech, not an "uh-huh" or the agent's own
//! echo): playback is cleared and the agent's words after that point are cut from the
//! recording.
//!
//! **Ending.** The closing is spoken, then the session is recorded with its recording (both
//! voices) and analysed. A candidate who ends early is recorded with what was said. A revoke
//! or a delete made anywhere ends the session at the next check (every few seconds, or at
//! the next write): nothing more is stored, and a deleted interview's slot is already free.
//! Idling for the idle timeout ends the page's session; the interview is not failed for good
//! (see the reaper in `workers::dispatcher`).

use super::Engine;
use super::live_audio::{self, Segment};
use super::session::{self, Expect, Record, SessionError, Step, Watch};
use futures_util::{Stream, StreamExt};
use interviewd_domain::AttemptId;
use interviewd_speech::sentences::SentenceSplitter;
use interviewd_speech::vad::{TurnDetector, VadConfig, VadEvent};
use interviewd_voice::Role;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long a page has to say `hello`.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a live session looks for a revoke, a delete or its idle deadline.
const WATCH_EVERY: Duration = Duration::from_secs(3);
/// Agent audio is sent in pieces of this length (16 kHz samples: 200 ms).
const AUDIO_CHUNK: usize = 3_200;
/// How long the closing may take to play before the session is recorded anyway.
const CLOSING_GRACE: Duration = Duration::from_secs(3);

/// A message from the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Hello {
        voice: bool,
        resume: bool,
    },
    Text(String),
    /// A switch to voice (`true`) or typing.
    Voice(bool),
    Mute(bool),
    /// Utterance `id` finished playing (or was cut) after `ms`.
    Played {
        id: u64,
        ms: u64,
    },
    End,
    /// Microphone audio, 16 kHz mono.
    Audio(Vec<i16>),
    /// A frame that is none of these: answered with an error, and the session goes on.
    Malformed(String),
}

/// Something the page must show or play.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    Session(Opened),
    Listening,
    Thinking,
    Speaking,
    /// A piece of agent utterance `id`.
    Delta {
        id: u64,
        piece: String,
    },
    /// The whole of agent utterance `id`.
    Said {
        id: u64,
        text: String,
    },
    /// The candidate's words, once transcribed.
    Caption(String),
    /// Audio of utterance `id` follows.
    AudioStart(u64),
    /// Agent audio, 16 kHz mono.
    Audio(Vec<i16>),
    /// Utterance `id`'s audio is complete.
    AudioEnd(u64),
    /// Stop playback now (barge-in).
    Clear,
    Ended(Ending),
    /// A message the session could not use; it goes on.
    Error {
        code: &'static str,
        message: String,
    },
}

/// A joined session, as the page learns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    pub session_id: AttemptId,
    pub resumed: bool,
    pub voice: bool,
    pub question_count: usize,
    pub idle_timeout: Duration,
    pub transcript: Vec<(Role, String)>,
}

/// Why a live session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    Completed,
    Revoked,
    Deleted,
    Idle,
    EndedByCandidate,
    /// Every interview slot of the company is taken.
    Busy,
    /// The session could not be opened or went wrong.
    Error,
}

impl Ending {
    /// The wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Revoked => "revoked",
            Self::Deleted => "deleted",
            Self::Idle => "idle",
            Self::EndedByCandidate => "ended_by_candidate",
            Self::Busy => "busy",
            Self::Error => "error",
        }
    }

    fn of(error: &SessionError) -> Self {
        match error {
            SessionError::Revoked | SessionError::Expired => Self::Revoked,
            SessionError::NotFound => Self::Deleted,
            SessionError::SessionExpired => Self::Idle,
            SessionError::Finished => Self::Completed,
            SessionError::NoFreeSlot => Self::Busy,
            _ => Self::Error,
        }
    }
}

/// Runs the live session of the invite `token` until it ends or the page goes away.
pub async fn run(
    engine: Arc<Engine>,
    token: String,
    mut input: impl Stream<Item = Input> + Unpin,
    out: mpsc::Sender<Output>,
) {
    let deadline = tokio::time::Instant::now() + HELLO_TIMEOUT;
    let voice = loop {
        match tokio::time::timeout_at(deadline, input.next()).await {
            Ok(Some(Input::Hello { voice, .. })) => break voice,
            Ok(Some(Input::Malformed(message))) => {
                let _ = out.send(bad_message(message)).await;
            }
            _ => {
                let _ = out
                    .send(bad_message("the first message must be hello".into()))
                    .await;
                let _ = out.send(Output::Ended(Ending::Error)).await;
                return;
            }
        }
    };
    let joined = match session::join(&engine, &token).await {
        Ok(joined) => joined,
        Err(e) => {
            let _ = out.send(Output::Ended(Ending::of(&e))).await;
            return;
        }
    };
    let voice = voice && engine.models.voice_available();
    let attempt = joined.progress.session_id;
    let mut live = Live::new(engine, token, out, attempt, voice);
    live.language = joined
        .language
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    live.open(&joined).await;
    live.serve(&mut input).await;
}

/// A turn being answered: the task, and how to silence its audio.
struct Turn {
    task: JoinHandle<Result<Step, SessionError>>,
    hush: CancellationToken,
}

/// What the page is playing.
struct Playing {
    id: u64,
    /// Where in the recording this utterance's audio began.
    started: Duration,
}

struct Live {
    engine: Arc<Engine>,
    token: String,
    out: mpsc::Sender<Output>,
    attempt: AttemptId,
    /// The interview's language as an ISO 639-1 code, for speech-to-text.
    language: String,
    voice: bool,
    muted: bool,
    detector: Option<TurnDetector>,
    segment: Option<Arc<Mutex<Segment>>>,
    next_id: u64,
    turn: Option<Turn>,
    playing: Option<Playing>,
    /// Spoken answers that arrived while a turn was being answered.
    queued: Vec<Queued>,
    /// The closing was said: record once it has played.
    closing: Option<tokio::time::Instant>,
    /// The session as the last turn left it (see [`session::Held`]).
    held: Arc<tokio::sync::Mutex<session::Held>>,
}

enum Queued {
    Typed(String),
    Spoken(Vec<i16>),
}

impl Live {
    fn new(
        engine: Arc<Engine>,
        token: String,
        out: mpsc::Sender<Output>,
        attempt: AttemptId,
        voice: bool,
    ) -> Self {
        let mut live = Self {
            engine,
            token,
            out,
            attempt,
            language: String::new(),
            voice: false,
            muted: false,
            detector: None,
            segment: None,
            next_id: 1,
            turn: None,
            playing: None,
            queued: Vec::new(),
            closing: None,
            held: Arc::default(),
        };
        live.set_voice(voice);
        live
    }

    async fn send(&self, output: Output) {
        let _ = self.out.send(output).await;
    }

    /// Tells the page where the session stands; a new session's opening is said.
    async fn open(&mut self, joined: &session::Joined) {
        let transcript: Vec<(Role, String)> = joined
            .turns
            .iter()
            .map(|t| (t.role, t.text.clone()))
            .collect();
        let fresh = !joined.resumed && joined.progress.turn == 0 && transcript.len() == 1;
        self.send(Output::Session(Opened {
            session_id: joined.progress.session_id,
            resumed: joined.resumed,
            voice: self.engine.models.voice_available(),
            question_count: joined.progress.count,
            idle_timeout: self.engine.settings.idle_timeout,
            transcript: if fresh { Vec::new() } else { transcript },
        }))
        .await;
        if fresh {
            // The opening streams like any reply.
            let id = self.next_id();
            let text = joined.progress.prompt.clone();
            let hush = CancellationToken::new();
            let speaker = self.speaker(id, hush.clone());
            let task = tokio::spawn(async move {
                let (sink, pieces) = mpsc::unbounded_channel();
                let _ = sink.send(text);
                drop(sink);
                speaker.speak(pieces).await;
                // Nothing was answered: the turn ends without a step.
                Err(SessionError::Stale)
            });
            self.turn = Some(Turn { task, hush });
        } else {
            self.send(Output::Listening).await;
        }
    }

    fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn set_voice(&mut self, voice: bool) {
        self.voice = voice;
        if voice && self.detector.is_none() {
            self.detector = Some(TurnDetector::new(&VadConfig::default()));
            match Segment::start(&self.engine.scratch, &self.engine.spool, self.attempt) {
                Ok(segment) => self.segment = Some(Arc::new(Mutex::new(segment))),
                Err(e) => tracing::warn!(error = %e, "starting a recording failed; no recording"),
            }
        } else if !voice {
            self.detector = None;
            self.close_segment();
        }
    }

    fn close_segment(&mut self) {
        if let Some(segment) = self.take_segment() {
            segment.finish();
        }
    }

    /// This connection's segment, to finish; `None` when there is none or a turn task still
    /// holds it (it finishes when the task drops it).
    fn take_segment(&mut self) -> Option<Segment> {
        match Arc::try_unwrap(self.segment.take()?) {
            Ok(segment) => Some(segment.into_inner().unwrap_or_else(PoisonError::into_inner)),
            Err(_) => {
                tracing::debug!("recording segment still in use");
                None
            }
        }
    }

    /// The loop: the page's messages, the turn being answered, and the periodic check.
    async fn serve(&mut self, input: &mut (impl Stream<Item = Input> + Unpin)) {
        let mut watch = tokio::time::interval(WATCH_EVERY);
        watch.tick().await;
        loop {
            let turn_done = async {
                match self.turn.as_mut() {
                    Some(turn) => (&mut turn.task).await,
                    None => std::future::pending().await,
                }
            };
            let closing_due = async {
                match self.closing {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                message = input.next() => match message {
                    Some(message) => {
                        if let Some(ending) = self.on_input(message).await {
                            return self.end(ending).await;
                        }
                    }
                    // The page went away: the session stays live for a reconnect.
                    None => return self.detach(),
                },
                result = turn_done => {
                    self.turn = None;
                    let result = result.unwrap_or(Err(SessionError::Stale));
                    if let Some(ending) = self.on_turn(result).await {
                        return self.end(ending).await;
                    }
                }
                () = closing_due => return self.end(Ending::Completed).await,
                _ = watch.tick() => {
                    if let Some(ending) = self.check().await {
                        return self.end(ending).await;
                    }
                }
            }
        }
    }

    async fn on_input(&mut self, input: Input) -> Option<Ending> {
        match input {
            Input::Hello { .. } => {
                self.send(Output::Error {
                    code: "NOT_ALLOWED",
                    message: "hello was already received".into(),
                })
                .await;
            }
            Input::Text(text) => match session::check_answer(&text) {
                Ok(text) => self.answer(Queued::Typed(text.to_owned())).await,
                Err(e) => self.send(bad_message(e.to_string())).await,
            },
            Input::Voice(voice) => {
                let voice = voice && self.engine.models.voice_available();
                self.set_voice(voice);
            }
            Input::Mute(muted) => self.muted = muted,
            Input::Played { id, ms } => self.played(id, ms).await,
            Input::End => return Some(Ending::EndedByCandidate),
            Input::Audio(pcm) => self.hear(&pcm).await,
            Input::Malformed(message) => self.send(bad_message(message)).await,
        }
        None
    }

    /// Microphone audio: recorded, and watched for the end of a turn or a barge-in.
    async fn hear(&mut self, pcm: &[i16]) {
        if !self.voice {
            return;
        }
        if let Some(segment) = &self.segment {
            lock(segment).candidate(pcm);
        }
        let Some(detector) = self.detector.as_mut() else {
            return;
        };
        let silence;
        let pcm = if self.muted {
            silence = vec![0; pcm.len()];
            &silence[..]
        } else {
            pcm
        };
        for event in detector.push(pcm) {
            match event {
                VadEvent::BargeIn => self.barge_in().await,
                VadEvent::TurnEnded { audio } => self.answer(Queued::Spoken(audio)).await,
                VadEvent::SpeechStarted => {}
            }
        }
    }

    /// The candidate interrupts: playback stops and the rest of the reply is not spoken.
    async fn barge_in(&mut self) {
        if let Some(turn) = &self.turn {
            turn.hush.cancel();
        }
        if self.playing.is_some() {
            self.send(Output::Clear).await;
        }
        if let Some(detector) = self.detector.as_mut() {
            detector.set_agent_speaking(false);
        }
    }

    async fn played(&mut self, id: u64, ms: u64) {
        let Some(playing) = self.playing.as_ref().filter(|p| p.id == id) else {
            return;
        };
        if let Some(segment) = &self.segment {
            let heard = playing.started + Duration::from_millis(ms);
            let mut segment = lock(segment);
            if heard < segment.agent_end() {
                segment.cut_agent(heard);
            }
        }
        self.playing = None;
        if let Some(detector) = self.detector.as_mut() {
            detector.set_agent_speaking(false);
        }
        if self.closing.is_some() {
            self.closing = Some(tokio::time::Instant::now());
        } else if self.turn.is_none() {
            self.send(Output::Listening).await;
        }
    }

    /// Answers now, or after the turn being answered.
    async fn answer(&mut self, answer: Queued) {
        if self.turn.is_some() || self.closing.is_some() {
            self.queued.push(answer);
            return;
        }
        self.send(Output::Thinking).await;
        let id = self.next_id();
        let hush = CancellationToken::new();
        let speaker = self.speaker(id, hush.clone());
        let engine = Arc::clone(&self.engine);
        let token = self.token.clone();
        let language = self.language.clone();
        let held = Arc::clone(&self.held);
        let task = tokio::spawn(async move {
            let text = match answer {
                Queued::Typed(text) => text,
                Queued::Spoken(audio) => match transcribe(&engine, &audio, &language).await {
                    Some(text) => {
                        let _ = speaker.out.send(Output::Caption(text.clone())).await;
                        text
                    }
                    None => return Err(SessionError::InvalidAnswer("nothing was heard")),
                },
            };
            let (sink, pieces) = mpsc::unbounded_channel();
            // One turn at a time: the lock is never contended.
            let mut held = held.lock().await;
            let replying = session::answer_held(
                &engine,
                &mut held,
                &token,
                &text,
                Expect::default(),
                sink,
                Record::Later,
            );
            let (step, ()) = tokio::join!(replying, speaker.speak(pieces));
            step
        });
        self.turn = Some(Turn { task, hush });
    }

    fn speaker(&mut self, id: u64, hush: CancellationToken) -> Speaker {
        self.playing = None;
        Speaker {
            id,
            out: self.out.clone(),
            voice: self.voice,
            engine: Arc::clone(&self.engine),
            segment: self.segment.clone(),
            hush,
        }
    }

    /// A turn was answered.
    async fn on_turn(&mut self, result: Result<Step, SessionError>) -> Option<Ending> {
        match result {
            Ok(Step::Next(_)) | Err(SessionError::Stale) => {}
            Ok(Step::Finished { .. }) => {
                // Recorded once the closing has played (or could have).
                let grace = self.audio_left() + CLOSING_GRACE;
                self.closing = Some(tokio::time::Instant::now() + grace);
                return None;
            }
            Err(SessionError::InvalidAnswer(_)) => {}
            Err(e @ (SessionError::OutOfOrder { .. } | SessionError::Store(_))) => {
                tracing::warn!(error = %e, "a live answer was not stored");
                self.send(Output::Error {
                    code: "NOT_STORED",
                    message: "the answer could not be stored; please say it again".into(),
                })
                .await;
            }
            Err(e) => return Some(Ending::of(&e)),
        }
        self.mark_playing();
        if let Some(next) = (!self.queued.is_empty()).then(|| self.queued.remove(0)) {
            Box::pin(self.answer(next)).await;
        } else if self.playing.is_none() {
            self.send(Output::Listening).await;
        }
        None
    }

    /// After a reply with audio, the page plays it until it reports `played`.
    fn mark_playing(&mut self) {
        let Some(segment) = &self.segment else { return };
        let segment = lock(segment);
        if segment.agent_end() > segment.elapsed() {
            self.playing = Some(Playing {
                id: self.next_id - 1,
                started: segment.elapsed(),
            });
            if let Some(detector) = self.detector.as_mut() {
                detector.set_agent_speaking(true);
            }
        }
    }

    /// Agent audio not yet played, by the recording's clock.
    fn audio_left(&self) -> Duration {
        self.segment.as_ref().map_or(Duration::ZERO, |s| {
            let s = lock(s);
            s.agent_end().saturating_sub(s.elapsed())
        })
    }

    /// A revoke, a delete or the idle deadline, made anywhere.
    async fn check(&mut self) -> Option<Ending> {
        match session::watch(&self.engine, &self.token).await {
            Ok(Watch::Live) => None,
            Ok(Watch::Revoked) => Some(Ending::Revoked),
            Ok(Watch::Deleted) => Some(Ending::Deleted),
            Ok(Watch::Idle) => Some(Ending::Idle),
            // Recorded meanwhile (the closing of another connection), or closed.
            Ok(Watch::Over) if self.closing.is_none() => Some(Ending::Completed),
            Ok(Watch::Over) => None,
            Err(e) => {
                tracing::warn!(error = %e, "checking a live session failed");
                None
            }
        }
    }

    /// Ends the session for good: records it when it completed, tells the page.
    async fn end(&mut self, ending: Ending) {
        if let Some(turn) = self.turn.take() {
            turn.hush.cancel();
            // A reply being written is stored; then the session is recorded with it.
            let _ = turn.task.await;
        }
        self.detector = None;
        // The files are finished, joined and deleted on the blocking pool: a whole session's
        // audio read and copied on a runtime thread would hold up the turns of every other
        // session sharing the thread.
        let segment = self.take_segment();
        let (scratch, attempt) = (self.engine.scratch.clone(), self.attempt);
        let spool = self.engine.spool.clone();
        let keep = matches!(ending, Ending::Completed | Ending::EndedByCandidate);
        let files = tokio::task::spawn_blocking(move || {
            if let Some(segment) = segment {
                segment.finish();
            }
            if !keep {
                live_audio::discard(&scratch, &spool, attempt);
                return Vec::new();
            }
            live_audio::join(&scratch, &spool, attempt).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "joining the recording failed; none is kept");
                live_audio::discard(&scratch, &spool, attempt);
                Vec::new()
            })
        });
        let wav = match files.await {
            Ok(wav) => wav,
            Err(e) => {
                tracing::warn!(error = %e, "finishing the recording stopped; none is kept");
                Vec::new()
            }
        };
        if keep && let Err(e) = session::complete(&self.engine, &self.token, wav).await {
            tracing::info!(error = %e, "the live session was not recorded");
        }
        self.send(Output::Ended(ending)).await;
    }

    /// The page went away without ending: the session stays live (a reconnect resumes it);
    /// this connection's recording segment is kept for it.
    fn detach(&mut self) {
        if let Some(turn) = self.turn.take() {
            turn.hush.cancel();
        }
        self.detector = None;
        self.close_segment();
    }
}

/// A frame the session could not use; it goes on.
fn bad_message(message: String) -> Output {
    Output::Error {
        code: "BAD_MESSAGE",
        message,
    }
}

fn lock(segment: &Mutex<Segment>) -> std::sync::MutexGuard<'_, Segment> {
    segment.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The text of a spoken answer; `None` when nothing was recognised (or the engine failed).
async fn transcribe(engine: &Engine, audio: &[i16], language: &str) -> Option<String> {
    let speech = engine.models.speech.as_ref()?;
    let hint = Some(language).filter(|l| l.len() == 2);
    match speech.stt.transcribe(audio, hint).await {
        Ok(t) if !t.text.trim().is_empty() => Some(t.text.trim().to_owned()),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(error = %e, "speech-to-text failed");
            None
        }
    }
}

/// Streams one agent utterance to the page: its text as it comes, and in voice mode each
/// complete sentence as audio, placed in the recording.
struct Speaker {
    id: u64,
    out: mpsc::Sender<Output>,
    voice: bool,
    engine: Arc<Engine>,
    segment: Option<Arc<Mutex<Segment>>>,
    hush: CancellationToken,
}

impl Speaker {
    async fn speak(&self, mut pieces: mpsc::UnboundedReceiver<String>) {
        let (sentences_tx, sentences) = mpsc::unbounded_channel();
        let text = async {
            let mut splitter = SentenceSplitter::new();
            let mut said = String::new();
            while let Some(piece) = pieces.recv().await {
                said.push_str(&piece);
                for sentence in splitter.push(&piece) {
                    let _ = sentences_tx.send(sentence);
                }
                let _ = self.out.send(Output::Delta { id: self.id, piece }).await;
            }
            if let Some(rest) = splitter.finish() {
                let _ = sentences_tx.send(rest);
            }
            drop(sentences_tx);
            said
        };
        let (said, ()) = tokio::join!(text, self.voice(sentences));
        let _ = self
            .out
            .send(Output::Said {
                id: self.id,
                text: said,
            })
            .await;
    }

    async fn voice(&self, mut sentences: mpsc::UnboundedReceiver<String>) {
        let speech = match (&self.engine.models.speech, self.voice) {
            (Some(speech), true) => speech,
            _ => {
                while sentences.recv().await.is_some() {}
                return;
            }
        };
        let mut started = false;
        while let Some(sentence) = sentences.recv().await {
            if self.hush.is_cancelled() {
                continue;
            }
            let audio = match speech.tts.synthesize(&sentence, None).await {
                Ok(audio) => audio.pcm,
                Err(e) => {
                    tracing::warn!(error = %e, "text-to-speech failed; the sentence is only shown");
                    continue;
                }
            };
            for chunk in audio.chunks(AUDIO_CHUNK) {
                if self.hush.is_cancelled() {
                    break;
                }
                if !started {
                    started = true;
                    let _ = self.out.send(Output::AudioStart(self.id)).await;
                    let _ = self.out.send(Output::Speaking).await;
                }
                if let Some(segment) = &self.segment {
                    lock(segment).agent(chunk);
                }
                let _ = self.out.send(Output::Audio(chunk.to_vec())).await;
            }
        }
        if started {
            let _ = self.out.send(Output::AudioEnd(self.id)).await;
        }
    }
}
