//! A Media Streams session: the carrier streams the line's audio, interviewd does the
//! speech, through the same seams as the candidate's page.
//!
//! - **Inbound.** Each `media` payload (μ-law, 8 kHz) is decoded and resampled to 16 kHz
//!   ([`PhoneDecoder`]: a real resampler, no sample dropped), recorded (left channel) and fed
//!   to the turn detector. A finished turn is transcribed (speech-to-text seam) and answered
//!   by the interviewer; the candidate's audio keeps being heard meanwhile.
//! - **Outbound.** The interviewer's words are cut into sentences, each synthesised
//!   (text-to-speech seam) as soon as it is complete, encoded to μ-law
//!   ([`interviewd_speech::codec::PhoneEncoder`], on the blocking pool, off the calls' runtime
//!   threads) and queued; [`pace`] sends 20 ms frames on a monotonic clock (never more than 50 a second)
//!   with a `mark` after each sentence. The agent's audio is recorded (right channel) at the
//!   offset it starts playing. The greeting was synthesised and encoded before dialling, so
//!   it plays the moment the stream starts.
//! - **Barge-in.** Continuous speech over the agent (the detector's gate) empties the queue,
//!   sends `clear` (the carrier drops what it buffered and echoes the pending marks), cuts
//!   the agent's audio in the recording there, stops the speech of the reply being written,
//!   and keeps in the transcript only the sentences that began playing.
//! - **Ending.** After the closing, the session ends when the carrier has echoed its last
//!   mark (the candidate heard it), or on `stop`, or when the socket closes.

mod pace;
mod reply;
pub mod wire;

use crate::session::{Keypad, SessionResult};
use crate::{Outbound, Socket, Speech, Totals};
use interviewd_speech::SAMPLE_RATE;
use interviewd_speech::codec::PhoneDecoder;
use interviewd_speech::pacer::OutboundAudio;
use interviewd_speech::recorder::{Recorder, RecorderConfig};
use interviewd_speech::spool::{Spool, SpooledFile};
use interviewd_speech::vad::{TurnDetector, VadConfig, VadEvent};
use interviewd_voice::{AgentLine, Dialogue, Role, Turn};
use reply::{Answer, Event};
use std::collections::{BTreeSet, VecDeque};
use std::fs::File;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Where a turn's end sits before the detector reports it: its silence, less the tail kept.
const TURN_END_LAG: Duration = Duration::from_millis(800);
/// How long after the closing's audio the session waits for the carrier's last mark.
const CLOSING_GRACE: Duration = Duration::from_secs(5);

/// The opening, worded and synthesised before dialling.
pub(crate) struct Prepared {
    pub line: AgentLine,
    pub sentences: Vec<reply::Spoken>,
}

/// Words and synthesises the opening.
pub(crate) async fn prepare(
    dialogue: &mut dyn Dialogue,
    speech: &Speech,
) -> Result<Prepared, String> {
    let line = dialogue.opening().await;
    let sentences = reply::synthesise(&line.text, speech).await?;
    Ok(Prepared { line, sentences })
}

/// What a session needs besides its socket and dialogue.
pub(crate) struct Setup {
    pub speech: Speech,
    pub scratch: PathBuf,
    pub attempt: String,
    /// The language hint for speech-to-text (ISO 639-1).
    pub language: Option<String>,
    pub totals: Arc<Mutex<Totals>>,
}

/// The agent turn being spoken.
#[derive(Default)]
struct AgentTurn {
    sentences: Vec<(u64, String)>,
    started: BTreeSet<u64>,
    line: Option<String>,
    start: Option<Duration>,
    end: Duration,
    interrupted: bool,
}

/// A reply being written.
struct Replying {
    task: JoinHandle<()>,
    events: mpsc::UnboundedReceiver<Event>,
    hush: CancellationToken,
    /// Where the answer sits on the audio clock.
    span: (Duration, Duration),
}

struct Session {
    out: mpsc::Sender<Outbound>,
    stream_sid: String,
    setup: Setup,
    decoder: PhoneDecoder,
    detector: TurnDetector,
    recorder: Option<Recorder<SpooledFile>>,
    path: PathBuf,
    /// Inbound samples so far (16 kHz): the call's audio clock.
    heard: u64,
    pcm: Vec<i16>,
    audio: OutboundAudio,
    agent_cursor: Duration,
    next_sentence: u64,
    /// Agent turns begun (the greeting is turn 0); marks are named `<turn>.<sentence>`.
    agent_turns: u64,
    /// End marks sent and not yet echoed: the agent is speaking while any is.
    pending_marks: BTreeSet<u64>,
    turn: Option<AgentTurn>,
    turns: Vec<Turn>,
    dialogue: Option<Box<dyn Dialogue>>,
    replying: Option<Replying>,
    pending: VecDeque<Answer>,
    keypad: Keypad,
    closing: bool,
    close_by: Option<Instant>,
}

/// Runs the session on `socket` (whose `start` was read) until it ends.
pub(crate) async fn run(
    dialogue: Box<dyn Dialogue>,
    prepared: Prepared,
    socket: Socket,
    stream_sid: String,
    setup: Setup,
    stop: CancellationToken,
) -> SessionResult {
    let Socket {
        mut incoming,
        outgoing,
    } = socket;
    let mut session = match Session::new(dialogue, outgoing, stream_sid, setup) {
        Ok(session) => session,
        Err(e) => {
            tracing::error!(error = %e, "a media session could not start");
            return SessionResult::default();
        }
    };
    let (started_tx, mut started) = mpsc::unbounded_channel();
    let pacing = CancellationToken::new();
    let pacer = tokio::spawn(pace::run(
        session.audio.clone(),
        session.out.clone(),
        session.stream_sid.clone(),
        started_tx,
        pacing.clone(),
    ));
    session.greet(prepared);
    session.serve(&mut incoming, &mut started, &stop).await;
    pacing.cancel();
    let stats = pacer.await.unwrap_or_default();
    session.finish(stats).await
}

impl Session {
    fn new(
        dialogue: Box<dyn Dialogue>,
        out: mpsc::Sender<Outbound>,
        stream_sid: String,
        setup: Setup,
    ) -> Result<Self, String> {
        std::fs::create_dir_all(&setup.scratch).map_err(|e| e.to_string())?;
        let path = setup.scratch.join(format!("carrier-{}.wav", setup.attempt));
        let file = File::create(&path).map_err(|e| e.to_string())?;
        let recorder = Recorder::new(setup.speech.spool.file(file), &RecorderConfig::default())
            .map_err(|e| e.to_string())?;
        Ok(Self {
            out,
            stream_sid,
            decoder: PhoneDecoder::new().map_err(|e| e.to_string())?,
            detector: TurnDetector::new(&VadConfig::default()),
            recorder: Some(recorder),
            path,
            setup,
            heard: 0,
            pcm: Vec::with_capacity(512),
            audio: OutboundAudio::new(),
            agent_cursor: Duration::ZERO,
            next_sentence: 1,
            agent_turns: 0,
            pending_marks: BTreeSet::new(),
            turn: None,
            turns: Vec::new(),
            dialogue: Some(dialogue),
            replying: None,
            pending: VecDeque::new(),
            keypad: Keypad::default(),
            closing: false,
            close_by: None,
        })
    }

    /// The call's audio clock: how much of the candidate's line has been heard.
    fn now(&self) -> Duration {
        Duration::from_micros(self.heard * 1_000_000 / u64::from(SAMPLE_RATE))
    }

    fn greet(&mut self, prepared: Prepared) {
        self.turn = Some(AgentTurn::default());
        for sentence in &prepared.sentences {
            self.speak(sentence);
        }
        self.said(prepared.line);
    }

    async fn serve(
        &mut self,
        incoming: &mut mpsc::Receiver<String>,
        started: &mut mpsc::UnboundedReceiver<u64>,
        stop: &CancellationToken,
    ) {
        loop {
            if self.closing && self.pending_marks.is_empty() {
                return;
            }
            let reply_event = async {
                match self.replying.as_mut() {
                    Some(r) => r.events.recv().await,
                    None => std::future::pending().await,
                }
            };
            let keypad_due = sleep_until(self.keypad.due());
            let close_due = sleep_until(self.close_by);
            tokio::select! {
                frame = incoming.recv() => match frame {
                    Some(frame) => {
                        if !self.on_frame(&frame).await {
                            return;
                        }
                    }
                    None => return,
                },
                event = reply_event => self.on_reply(event).await,
                Some(n) = started.recv() => {
                    if let Some(turn) = self.turn.as_mut() {
                        turn.started.insert(n);
                    }
                }
                () = keypad_due => {
                    if let Some(keys) = self.keypad.take() {
                        self.answer(Answer::Keys(keys));
                    }
                }
                () = close_due => return,
                () = stop.cancelled() => return,
            }
        }
    }

    /// One frame from the carrier; false when the stream stopped.
    async fn on_frame(&mut self, frame: &str) -> bool {
        match wire::Incoming::parse(frame) {
            Some(wire::Incoming::Media { media }) => {
                if media.track.as_deref().is_none_or(|t| t == "inbound") {
                    self.hear(&media.payload).await;
                }
            }
            Some(wire::Incoming::Mark { mark }) => {
                let sentence = mark.name.rsplit('.').next().unwrap_or_default();
                if let Ok(n) = sentence.parse::<u64>() {
                    self.pending_marks.remove(&n);
                }
                if self.pending_marks.is_empty() {
                    self.detector.set_agent_speaking(false);
                }
            }
            Some(wire::Incoming::Dtmf { dtmf }) => {
                if let Some(keys) = self.keypad.press(&dtmf.digit) {
                    self.answer(Answer::Keys(keys));
                }
            }
            Some(wire::Incoming::Stop {}) => return false,
            Some(_) => {}
            None => tracing::debug!("an unreadable media frame"),
        }
        true
    }

    /// The candidate's audio: recorded, and watched for a turn or a barge-in.
    async fn hear(&mut self, payload: &str) {
        let Some(ulaw) = wire::decode_payload(payload) else {
            return;
        };
        self.pcm.clear();
        if let Err(e) = self.decoder.push(&ulaw, &mut self.pcm) {
            tracing::warn!(error = %e, "decoding the line failed");
            return;
        }
        self.heard += self.pcm.len() as u64;
        if let Some(recorder) = self.recorder.as_mut()
            && let Err(e) = recorder.push_candidate(&self.pcm)
        {
            tracing::warn!(error = %e, "recording the call failed; recording stops");
            self.recorder = None;
        }
        for event in self.detector.push(&self.pcm) {
            match event {
                VadEvent::BargeIn => self.barge_in().await,
                VadEvent::TurnEnded { audio } => {
                    let end = self.now().saturating_sub(TURN_END_LAG);
                    let length = Duration::from_micros(
                        audio.len() as u64 * 1_000_000 / u64::from(SAMPLE_RATE),
                    );
                    let start = end.saturating_sub(length);
                    self.answer(Answer::Spoken {
                        pcm: audio,
                        start,
                        end,
                    });
                }
                VadEvent::SpeechStarted => {}
            }
        }
    }

    /// The candidate spoke over the agent: stop playing, here and at the carrier.
    async fn barge_in(&mut self) {
        if self.pending_marks.is_empty() && self.replying.is_none() {
            return;
        }
        self.audio.clear();
        let _ = self
            .out
            .send(Outbound::Text(wire::clear(&self.stream_sid)))
            .await;
        self.pending_marks.clear();
        let now = self.now();
        if let Some(recorder) = self.recorder.as_mut() {
            recorder.truncate_agent(now);
        }
        self.agent_cursor = now;
        if let Some(replying) = &self.replying {
            replying.hush.cancel();
        }
        if let Some(turn) = self.turn.as_mut() {
            turn.interrupted = true;
            turn.end = turn.end.min(now);
        }
        self.detector.set_agent_speaking(false);
    }

    /// Replies now, or after the reply being written.
    fn answer(&mut self, answer: Answer) {
        if self.closing {
            return;
        }
        if self.replying.is_some() {
            self.pending.push_back(answer);
            return;
        }
        let Some(dialogue) = self.dialogue.take() else {
            return;
        };
        let now = self.now();
        let span = match &answer {
            Answer::Spoken { start, end, .. } => (*start, *end),
            Answer::Keys(_) => (now, now),
        };
        let (tx, events) = mpsc::unbounded_channel();
        let hush = CancellationToken::new();
        let task = tokio::spawn(reply::run(
            dialogue,
            answer,
            now,
            self.setup.speech.clone(),
            self.setup.language.clone(),
            tx,
            hush.clone(),
        ));
        self.replying = Some(Replying {
            task,
            events,
            hush,
            span,
        });
    }

    async fn on_reply(&mut self, event: Option<Event>) {
        match event {
            Some(Event::Heard(Some(text))) => {
                self.finish_turn();
                let (start, end) = self
                    .replying
                    .as_ref()
                    .map_or((self.now(), self.now()), |r| r.span);
                self.turns.push(Turn {
                    role: Role::Participant,
                    text,
                    start_ms: ms(start),
                    end_ms: ms(end),
                });
                self.turn = Some(AgentTurn::default());
                self.agent_turns += 1;
            }
            Some(Event::Heard(None)) => {}
            Some(Event::Sentence(sentence)) => {
                if self
                    .replying
                    .as_ref()
                    .is_some_and(|r| !r.hush.is_cancelled())
                {
                    self.speak(&sentence);
                }
            }
            Some(Event::Line(line)) => self.said(line),
            Some(Event::Done(dialogue)) => {
                self.dialogue = Some(dialogue);
                self.replying = None;
                if let Some(next) = self.pending.pop_front() {
                    self.answer(next);
                }
            }
            None => {
                tracing::error!("a reply failed; the call is ended");
                self.replying = None;
                self.closing = true;
                self.close_by = Some(Instant::now());
            }
        }
    }

    /// The whole of an agent line is known.
    fn said(&mut self, line: AgentLine) {
        if let Some(turn) = self.turn.as_mut() {
            turn.line = Some(line.text);
        }
        if line.ends {
            self.closing = true;
            self.close_by = Some(Instant::now() + self.audio.queued_duration() + CLOSING_GRACE);
        }
    }

    /// Queues a sentence's audio with its marks, and records it where it will play.
    fn speak(&mut self, sentence: &reply::Spoken) {
        let reply::Spoken { text, pcm, ulaw } = sentence;
        let n = self.next_sentence;
        self.next_sentence += 1;
        self.audio.push_mark(pace::start_mark(n));
        self.audio.push_audio(ulaw);
        self.audio.push_mark(format!("{}.{n}", self.agent_turns));
        self.pending_marks.insert(n);
        let at = self.agent_cursor.max(self.now());
        if let Some(recorder) = self.recorder.as_mut() {
            recorder.push_agent(at, pcm);
        }
        let length = Duration::from_micros(pcm.len() as u64 * 1_000_000 / u64::from(SAMPLE_RATE));
        self.agent_cursor = at + length;
        let turn = self.turn.get_or_insert_with(AgentTurn::default);
        turn.sentences.push((n, text.to_owned()));
        turn.start.get_or_insert(at);
        turn.end = self.agent_cursor;
        self.detector.set_agent_speaking(true);
    }

    /// Puts the agent turn being spoken into the transcript: all of it, or when it was
    /// interrupted, the sentences that began playing.
    fn finish_turn(&mut self) {
        let Some(turn) = self.turn.take() else {
            return;
        };
        let played: Vec<&str> = turn
            .sentences
            .iter()
            .filter(|(n, _)| turn.started.contains(n))
            .map(|(_, text)| text.as_str())
            .collect();
        let all: Vec<&str> = turn.sentences.iter().map(|(_, t)| t.as_str()).collect();
        let text = match (&turn.line, turn.interrupted) {
            (_, true) if !played.is_empty() => played.join(" "),
            (Some(line), _) => line.clone(),
            (None, _) => all.join(" "),
        };
        if text.trim().is_empty() {
            return;
        }
        let start = turn.start.unwrap_or_else(|| self.now());
        self.turns.push(Turn {
            role: Role::Agent,
            text: text.trim().to_owned(),
            start_ms: ms(start),
            end_ms: ms(turn.end.max(start)),
        });
    }

    /// Ends the session: the recording and the transcript.
    async fn finish(mut self, stats: interviewd_speech::pacer::PacerStats) -> SessionResult {
        if let Some(replying) = self.replying.take() {
            replying.task.abort();
        }
        self.finish_turn();
        {
            let mut totals = self
                .setup
                .totals
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            totals.sessions += 1;
            totals.pacer.frames += stats.frames;
            totals.pacer.late_frames += stats.late_frames;
            totals.pacer.max_lateness = totals.pacer.max_lateness.max(stats.max_lateness);
            totals.pacer.busiest_second = totals.pacer.busiest_second.max(stats.busiest_second);
        }
        let recording = match self.recorder.take() {
            Some(recorder) => {
                let path = self.path.clone();
                let spool = self.setup.speech.spool.clone();
                tokio::task::spawn_blocking(move || read_recording(recorder, &spool, &path))
                    .await
                    .unwrap_or_default()
            }
            None => Vec::new(),
        };
        let _ = std::fs::remove_file(&self.path);
        SessionResult {
            turns: self.turns,
            recording,
            closed: self.closing,
        }
    }
}

/// Finishes the recording file and reads it back; empty when that fails.
fn read_recording(
    recorder: Recorder<SpooledFile>,
    spool: &Spool,
    path: &std::path::Path,
) -> Vec<u8> {
    let finished = recorder.finish().map(|(writer, _)| writer);
    spool.drain();
    match finished.map_err(|e| e.to_string()).and_then(|writer| {
        if writer.failed() {
            return Err("a write to the file failed".to_owned());
        }
        std::fs::read(path).map_err(|e| e.to_string())
    }) {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::warn!(error = %e, "finishing the call's recording failed; none is kept");
            Vec::new()
        }
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The language hint for speech-to-text: the primary subtag of a BCP 47 tag.
pub(crate) fn language_hint(tag: &str) -> Option<String> {
    let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
    (primary.len() == 2).then_some(primary)
}
