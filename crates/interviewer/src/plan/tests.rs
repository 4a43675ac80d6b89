//! The state machine: order, the follow-up limit, the time budget, resuming.

use super::*;
use interviewd_voice::Turn;

const QUESTIONS: [&str; 3] = [
    "Tell me about a system you built.",
    "How do you test your code?",
    "Why this role?",
];

fn plan(max_follow_ups: u8) -> Plan {
    Plan {
        max_follow_ups,
        max_duration: Duration::from_secs(600),
        ..Plan::new(QUESTIONS.iter().map(|q| (*q).to_owned()).collect())
    }
}

fn started(max_follow_ups: u8) -> Conversation {
    let mut c = Conversation::new(plan(max_follow_ups), Context::default());
    c.opening();
    c
}

fn follow_up(text: &str) -> Decision {
    Decision {
        action: Action::FollowUp,
        utterance: text.to_owned(),
        usage: None,
    }
}

const MINUTE: Duration = Duration::from_secs(60);

/// Answers with `answer` and applies the decision the interviewer would make.
fn step(
    c: &mut Conversation,
    answer: &str,
    decide: impl Fn(&TurnRequest) -> Decision,
) -> Utterance {
    let req = c.next_request(answer, MINUTE).unwrap();
    c.apply(&req, &decide(&req)).unwrap()
}

#[test]
fn opening_greets_and_asks_the_first_question() {
    let mut c = Conversation::new(
        plan(1),
        Context {
            candidate_name: Some("Ada".into()),
            ..Context::default()
        },
    );
    assert_eq!(c.next_request("hi", MINUTE), Err(PlanError::NotStarted));
    let opening = c.opening();
    assert!(opening.text.starts_with("Hello Ada, thank you"));
    assert!(opening.text.ends_with(QUESTIONS[0]));
    assert!(!opening.ends_interview);
    // Asking again (a reconnect) repeats it and changes nothing.
    assert_eq!(c.opening(), opening);
    assert_eq!(c.transcript().len(), 1);
}

#[test]
fn scripted_goes_through_the_questions_in_order_then_closes() {
    let mut c = started(1);
    let said: Vec<Utterance> = (0..3)
        .map(|i| step(&mut c, &format!("answer {i}"), TurnRequest::scripted))
        .collect();
    assert_eq!(said[0].text, QUESTIONS[1]);
    assert_eq!(said[1].text, QUESTIONS[2]);
    assert_eq!(said[2].text, phrases("en").closing);
    assert!(said[2].ends_interview && c.is_finished());
    assert_eq!(c.next_request("more", MINUTE), Err(PlanError::Finished));
    let roles: Vec<Role> = c.transcript().iter().map(|l| l.role).collect();
    use Role::{Agent as A, Participant as P};
    assert_eq!(roles, [A, P, A, P, A, P, A]);
}

#[test]
fn follow_ups_are_limited_per_question() {
    let mut c = started(2);
    for expected in [true, true, false] {
        let req = c.next_request("an answer", MINUTE).unwrap();
        assert_eq!(req.follow_up_allowed, expected);
        assert_eq!(req.question_index, 0);
        if expected {
            c.apply(&req, &follow_up("Can you say more?")).unwrap();
        } else {
            assert_eq!(
                c.apply(&req, &follow_up("And more?")),
                Err(PlanError::NotAllowed("no follow-up is allowed now"))
            );
            c.apply(&req, &req.scripted()).unwrap();
        }
    }
    // The count starts again with the next question.
    let req = c.next_request("x", MINUTE).unwrap();
    assert_eq!((req.question_index, req.follow_ups_asked), (1, 0));
    assert!(req.follow_up_allowed);
    assert!(
        !started(0)
            .next_request("x", MINUTE)
            .unwrap()
            .follow_up_allowed
    );
}

#[test]
fn the_time_budget_makes_the_next_utterance_the_closing() {
    let mut c = started(1);
    let req = c.next_request("answer", Duration::from_secs(600)).unwrap();
    assert!(req.out_of_time && !req.follow_up_allowed);
    assert_eq!(
        req.next,
        Next::Close {
            text: phrases("en").closing_out_of_time.to_owned()
        }
    );
    let said = c.apply(&req, &req.scripted()).unwrap();
    assert!(said.ends_interview && c.is_finished());
    // Just under the budget the plan goes on.
    let c = started(1);
    let req = c.next_request("a", Duration::from_secs(599)).unwrap();
    assert!(!req.out_of_time);
}

#[test]
fn the_plan_refuses_stale_requests_and_early_closes() {
    let mut c = started(1);
    let req = c.next_request("a", MINUTE).unwrap();
    let close = Decision {
        action: Action::Close,
        utterance: "Bye".into(),
        usage: None,
    };
    assert!(matches!(
        c.apply(&req, &close),
        Err(PlanError::NotAllowed(_))
    ));
    c.apply(&req, &req.scripted()).unwrap();
    assert_eq!(c.apply(&req, &req.scripted()), Err(PlanError::Stale));
}

#[test]
fn the_request_carries_the_whole_history_and_the_bounds() {
    let mut c = started(1);
    step(&mut c, "first answer", |_| follow_up("Which part?"));
    let req = c.next_request("the second part", MINUTE).unwrap();
    assert_eq!(req.transcript.len(), 4);
    assert_eq!(req.answer(), "the second part");
    assert_eq!(req.current_question, QUESTIONS[0]);
    assert_eq!((req.follow_ups_asked, req.follow_up_allowed), (1, false));
    assert_eq!(
        req.next,
        Next::Question {
            index: 1,
            text: QUESTIONS[1].to_owned()
        }
    );
}

#[test]
fn a_plan_without_questions_greets_and_closes() {
    let mut c = Conversation::new(Plan::new(vec![]), Context::default());
    let opening = c.opening();
    assert!(opening.ends_interview && c.is_finished());
    assert!(opening.text.ends_with(phrases("en").closing));
}

#[test]
fn the_language_picks_the_phrases() {
    let mut c = Conversation::new(
        Plan {
            language: "de-DE".into(),
            ..plan(0)
        },
        Context::default(),
    );
    assert!(c.opening().text.starts_with("Hallo,"));
}

fn as_turns(lines: &[Line]) -> Vec<Turn> {
    lines
        .iter()
        .map(|l| Turn {
            role: l.role,
            text: l.text.clone(),
            start_ms: 0,
            end_ms: 0,
        })
        .collect()
}

#[test]
fn resume_rebuilds_the_position_at_every_point() {
    let mut c = started(1);
    let mut snapshots = vec![c.clone()];
    step(&mut c, "a0", |_| {
        follow_up("Tell me more about the system?")
    });
    snapshots.push(c.clone());
    step(&mut c, "a0 more", |req| Decision {
        action: Action::MoveOn,
        utterance: format!("Thanks. {}", req.next.text()),
        usage: None,
    });
    snapshots.push(c.clone());
    step(&mut c, "a1", TurnRequest::scripted);
    snapshots.push(c.clone());
    step(&mut c, "a2", TurnRequest::scripted);
    snapshots.push(c.clone());
    assert!(c.is_finished());
    for snapshot in snapshots {
        let turns = as_turns(snapshot.transcript());
        let resumed = Conversation::resume(plan(1), Context::default(), &turns);
        assert_eq!(resumed, snapshot);
    }
}

#[test]
fn resume_keeps_an_unanswered_candidate_turn_pending() {
    let mut c = started(1);
    step(&mut c, "a0", TurnRequest::scripted);
    let mut turns = as_turns(c.transcript());
    turns.push(Turn {
        role: Role::Participant,
        text: "I test with".into(),
        start_ms: 0,
        end_ms: 0,
    });
    turns.push(Turn {
        role: Role::Participant,
        text: "property tests.".into(),
        start_ms: 0,
        end_ms: 0,
    });
    let mut resumed = Conversation::resume(plan(1), Context::default(), &turns);
    assert_eq!(resumed.stage(), c.stage());
    assert_eq!(
        resumed.pending_answer(),
        Some("I test with property tests.")
    );
    let answer = resumed.pending_answer().unwrap().to_owned();
    let req = resumed.next_request(&answer, MINUTE).unwrap();
    resumed.apply(&req, &req.scripted()).unwrap();
    assert_eq!(resumed.pending_answer(), None);
    assert_eq!(resumed.transcript().len(), 5);
}

#[test]
fn resume_reads_transcripts_with_a_separate_greeting() {
    let text = |role, text: &str| Turn {
        role,
        text: text.to_owned(),
        start_ms: 0,
        end_ms: 0,
    };
    let turns = vec![
        text(Role::Agent, phrases("en").greeting),
        text(Role::Agent, QUESTIONS[0]),
        text(Role::Participant, "answer"),
        text(Role::Agent, QUESTIONS[1]),
    ];
    let resumed = Conversation::resume(plan(1), Context::default(), &turns);
    assert_eq!(
        resumed.stage(),
        Stage::Asking {
            question: 1,
            follow_ups: 0
        }
    );
}

#[test]
fn the_state_round_trips_through_json() {
    let mut c = started(1);
    step(&mut c, "a0", |_| follow_up("More?"));
    let json = serde_json::to_string(&c).unwrap();
    let back: Conversation = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c);
    let stage = serde_json::to_value(c.stage()).unwrap();
    assert_eq!(
        stage,
        serde_json::json!({"stage": "asking", "question": 0, "follow_ups": 1})
    );
}
