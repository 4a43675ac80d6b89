//! The outbound side of a Media Streams session: the call's queue of μ-law frames sent on the
//! 20 ms clock of [`interviewd_speech::pacer`], as `media` messages, and its marks.
//!
//! Two kinds of mark sit in the queue. A sentence's *start* mark (named `@n`) never leaves
//! the process: the session learns from it that the sentence began playing (the transcript
//! of an interrupted turn keeps only what was played). Its *end* mark (`<turn>.<n>`) goes to
//! the carrier, which echoes it when the audio before it has played (or was cleared).

use super::wire;
use crate::Outbound;
use interviewd_speech::pacer::{OutboundAudio, Paced, Pacer, PacerStats};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The start mark of sentence `n`.
pub(crate) fn start_mark(n: u64) -> String {
    format!("@{n}")
}

/// Sends the queue's frames and marks until `stop` or the socket goes; returns the pacing
/// counters.
pub(crate) async fn run(
    audio: OutboundAudio,
    out: mpsc::Sender<Outbound>,
    stream_sid: String,
    started: mpsc::UnboundedSender<u64>,
    stop: CancellationToken,
) -> PacerStats {
    let mut pacer = Pacer::new(audio);
    loop {
        let paced = tokio::select! {
            paced = pacer.next() => paced,
            () = stop.cancelled() => break,
        };
        let frame = match paced {
            Paced::Frame(frame) => wire::media(&stream_sid, &frame),
            Paced::Mark(name) => match name.strip_prefix('@') {
                Some(n) => {
                    if let Ok(n) = n.parse() {
                        let _ = started.send(n);
                    }
                    continue;
                }
                None => wire::mark(&stream_sid, &name),
            },
        };
        if out.send(Outbound::Text(frame)).await.is_err() {
            break;
        }
    }
    pacer.stats()
}
