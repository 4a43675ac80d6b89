//! Pacing on tokio's paused clock: time advances only when every task waits, so the
//! timestamps below are exact.

use super::*;

/// `n` frames, each filled with its own index so order and identity can be checked.
fn frames(n: usize, first: u8) -> Vec<u8> {
    (0..n)
        .flat_map(|i| [first.wrapping_add(i as u8); FRAME_BYTES])
        .collect()
}

fn id(paced: &Paced) -> u8 {
    match paced {
        Paced::Frame(frame) => frame[0],
        Paced::Mark(name) => panic!("expected a frame, got mark {name}"),
    }
}

/// Most frames handed out in any one-second window.
fn max_per_second(times: &[Instant]) -> usize {
    (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|t| t.duration_since(times[i]) < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(start_paused = true)]
async fn frames_go_out_every_20_ms_without_drift_even_when_sending_takes_time() {
    let audio = OutboundAudio::new();
    audio.push_audio(&frames(150, 0));
    let mut pacer = Pacer::new(audio.clone());
    let start = Instant::now();
    let mut times = Vec::new();
    for i in 0..150 {
        let paced = pacer.next().await;
        assert_eq!(id(&paced), i as u8);
        times.push(Instant::now());
        // Sending (base64, JSON, socket) takes time; the grid must absorb it.
        tokio::time::sleep(Duration::from_millis(7)).await;
    }
    for (i, at) in times.iter().enumerate() {
        assert_eq!(
            at.duration_since(start),
            FRAME_PERIOD * i as u32,
            "frame {i}"
        );
    }
    assert_eq!(max_per_second(&times), 50);
    assert_eq!(pacer.stats().busiest_second, 50);
    assert_eq!(pacer.stats().late_frames, 0);
    assert_eq!(audio.queued_frames(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_stalled_sender_catches_up_by_two_frames_at_most() {
    let audio = OutboundAudio::new();
    audio.push_audio(&frames(200, 0));
    let mut pacer = Pacer::new(audio);
    let mut times = Vec::new();
    for i in 0..200 {
        pacer.next().await;
        times.push(Instant::now());
        if i == 20 {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    let bursts = times.windows(2).filter(|w| w[1] == w[0]).count();
    assert!(bursts <= 2, "{bursts} frames sent back to back");
    assert!(max_per_second(&times) <= 50);
    let stats = pacer.stats();
    assert_eq!(stats.busiest_second, 50);
    assert_eq!(stats.late_frames, 1, "the frame after the stall was late");
    assert!(stats.max_lateness >= Duration::from_millis(280));
}

#[tokio::test(start_paused = true)]
async fn speech_resumed_right_after_the_queue_ran_empty_keeps_to_50_frames_a_second() {
    // A sentence of 50 frames, the queue empty for 10 ms, the next sentence: the grid
    // restarts at the present, and the window keeps the next frame to a second after the
    // first one.
    let audio = OutboundAudio::new();
    audio.push_audio(&frames(50, 0));
    let mut pacer = Pacer::new(audio.clone());
    let start = Instant::now();
    let mut times = Vec::new();
    for _ in 0..50 {
        pacer.next().await;
        times.push(Instant::now());
    }
    tokio::time::sleep_until(start + Duration::from_millis(990)).await;
    audio.push_audio(&frames(60, 100));
    for _ in 0..60 {
        pacer.next().await;
        times.push(Instant::now());
    }
    assert_eq!(times[50].duration_since(start), Duration::from_secs(1));
    assert_eq!(max_per_second(&times), 50);
    assert_eq!(pacer.stats().busiest_second, 50);
}

#[tokio::test(start_paused = true)]
async fn a_late_tick_is_caught_up_within_50_frames_a_second() {
    let audio = OutboundAudio::new();
    audio.push_audio(&frames(150, 0));
    let mut pacer = Pacer::new(audio);
    let start = Instant::now();
    let mut times = Vec::new();
    for i in 0..150 {
        pacer.next().await;
        times.push(Instant::now());
        if i == 60 {
            // 45 ms instead of 20: the next two frames are due, within the 40 ms catch-up.
            tokio::time::sleep(Duration::from_millis(45)).await;
        }
    }
    assert_eq!(times[61], times[62], "caught up: two frames back to back");
    assert_eq!(
        times[63].duration_since(start),
        FRAME_PERIOD * 63,
        "back on the grid"
    );
    assert_eq!(max_per_second(&times), 50);
    assert_eq!(pacer.stats().busiest_second, 50);
}

#[tokio::test(start_paused = true)]
async fn trickled_audio_never_goes_out_faster_than_the_grid() {
    let audio = OutboundAudio::new();
    let mut pacer = Pacer::new(audio.clone());
    let producer = {
        let audio = audio.clone();
        tokio::spawn(async move {
            // One frame every 5 ms: a producer faster than real time.
            for i in 0..100 {
                audio.push_audio(&frames(1, i));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let mut times = Vec::new();
    for _ in 0..100 {
        pacer.next().await;
        times.push(Instant::now());
    }
    producer.await.unwrap();
    assert!(
        times
            .windows(2)
            .all(|w| w[1].duration_since(w[0]) == FRAME_PERIOD)
    );
}

#[tokio::test(start_paused = true)]
async fn clear_empties_the_queue_before_the_next_frame() {
    let audio = OutboundAudio::new();
    audio.push_audio(&frames(50, 0));
    audio.push_mark("sentence-1");
    audio.push_audio(&frames(50, 100));
    audio.push_mark("sentence-2");
    let mut pacer = Pacer::new(audio.clone());
    for i in 0..5 {
        assert_eq!(id(&pacer.next().await), i);
    }
    assert_eq!(audio.clear(), ["sentence-1", "sentence-2"]);
    assert_eq!(audio.queued_frames(), 0);
    audio.push_audio(&frames(3, 200));
    assert_eq!(
        id(&pacer.next().await),
        200,
        "the first frame after the clear is new audio"
    );
}

#[tokio::test(start_paused = true)]
async fn clear_during_the_wait_for_a_deadline_is_honoured() {
    let audio = OutboundAudio::new();
    audio.push_audio(&frames(100, 0));
    let (sent, mut received) = tokio::sync::mpsc::unbounded_channel();
    let mut pacer = Pacer::new(audio.clone());
    let task = tokio::spawn(async move {
        loop {
            let paced = pacer.next().await;
            if sent.send((Instant::now(), id(&paced))).is_err() {
                break;
            }
        }
    });
    for i in 0..3 {
        assert_eq!(received.recv().await.unwrap().1, i);
    }
    // The pacer now sleeps until frame 3's deadline; clear and queue something else.
    tokio::time::sleep(Duration::from_millis(10)).await;
    audio.clear();
    audio.push_audio(&frames(2, 50));
    assert_eq!(received.recv().await.unwrap().1, 50);
    assert_eq!(received.recv().await.unwrap().1, 51);
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn marks_follow_the_frame_before_them_at_once() {
    let audio = OutboundAudio::new();
    audio.push_mark("nothing-before");
    audio.push_audio(&frames(3, 0));
    audio.push_mark("greeting");
    audio.push_audio(&frames(2, 10));
    audio.push_mark("question");
    let mut pacer = Pacer::new(audio.clone());
    let start = Instant::now();
    let mut log = Vec::new();
    for _ in 0..8 {
        let paced = pacer.next().await;
        let at = Instant::now().duration_since(start).as_millis();
        log.push(match paced {
            Paced::Frame(f) => format!("{at}:f{}", f[0]),
            Paced::Mark(name) => format!("{at}:{name}"),
        });
    }
    assert_eq!(
        log,
        [
            "0:nothing-before",
            "0:f0",
            "20:f1",
            "40:f2",
            "40:greeting",
            "60:f10",
            "80:f11",
            "80:question"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn partial_frames_are_joined_and_padded_with_silence_at_a_mark() {
    let audio = OutboundAudio::new();
    audio.push_audio(&[1; 100]);
    audio.push_audio(&[2; 100]);
    assert_eq!(audio.queued_frames(), 1);
    audio.push_mark("end");
    assert_eq!(audio.queued_frames(), 2);
    assert_eq!(audio.queued_duration(), Duration::from_millis(40));
    let mut pacer = Pacer::new(audio);
    let Paced::Frame(first) = pacer.next().await else {
        panic!()
    };
    assert_eq!(
        (&first[..100], &first[100..]),
        (&[1; 100][..], &[2; 60][..])
    );
    let Paced::Frame(second) = pacer.next().await else {
        panic!()
    };
    assert_eq!(
        (&second[..40], &second[40..]),
        (&[2; 40][..], &[ULAW_SILENCE; 120][..])
    );
    assert_eq!(pacer.next().await, Paced::Mark("end".into()));
}
