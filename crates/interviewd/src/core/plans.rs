//! The AI-interview plan generated from a job description, deterministically: the same role
//! and description always give the same questions and skills, so a plan can be regenerated
//! and tested without a language model.
//!
//! The description is cut into statements (lines, bullets, sentences). Statements that read
//! like a responsibility or a requirement are preferred, in their original order; each
//! becomes one question, between an opening and a closing question (3 to 8 in all). Skills
//! are the phrases after "experience with", "knowledge of", … and are nice-to-haves when
//! their statement (or its section heading) says "nice to have", "bonus", "preferred", ….
//!
//! With a language model configured, [`plan_for`] asks it instead ([`interviewd_interviewer::planner`]):
//! the same number of questions, validated (count, duplicates, length, on topic by the job's
//! words) and retried once; the deterministic plan stays the fallback, and the agent records
//! which one it got (`attrs.planMethod`, `attrs.planModel`).

use chrono::{DateTime, Utc};
use interviewd_domain::model::{Agent, Job};
use interviewd_domain::views::Generation;
use interviewd_domain::{AgentChannel, AgentId, JobId};
use serde_json::{Map, json};

/// What a generation produces for the job and its agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterviewPlan {
    pub questions: Vec<String>,
    pub must_haves: Vec<String>,
    pub nice_to_haves: Vec<String>,
}

/// Most statements turned into questions (plus the opening and closing ones).
const MAX_TOPICS: usize = 6;
/// Most skills kept per list.
const MAX_SKILLS: usize = 10;
/// Longest statement quoted in a question, in characters.
const MAX_STATEMENT: usize = 300;

const TOPIC_WORDS: &[&str] = &[
    "experience",
    "responsib",
    "skill",
    "knowledge",
    "proficien",
    "familiar",
    "expert",
    "ability",
    "able to",
    "design",
    "build",
    "develop",
    "manage",
    "lead",
    "maintain",
    "implement",
    "collaborat",
    "own ",
    "deliver",
    "write",
    "test",
    "deploy",
    "analy",
    "support",
    "communicat",
    "understand",
    "required",
    "must",
];
const SKILL_MARKERS: &[&str] = &[
    "experience with ",
    "experience in ",
    "experience of ",
    "knowledge of ",
    "proficiency in ",
    "proficiency with ",
    "proficient in ",
    "proficient with ",
    "familiarity with ",
    "familiar with ",
    "expertise in ",
    "expertise with ",
    "skilled in ",
    "skills in ",
    "understanding of ",
];
const NICE_WORDS: &[&str] = &[
    "nice to have",
    "nice-to-have",
    "bonus",
    "preferred",
    "a plus",
    "desirable",
    "optional",
];
const NICE_SUFFIXES: &[&str] = &[
    " is a big plus",
    " is a plus",
    " a plus",
    " is preferred",
    " preferred",
    " is desirable",
    " is a bonus",
    " a bonus",
    " is nice to have",
    " nice to have",
];
const PHRASE_ENDS: &[&str] = &[
    " to ", " for ", " that ", " which ", " where ", " when ", " (", " - ",
];

/// One statement of the description and whether it sits under a nice-to-have heading.
struct Statement {
    text: String,
    nice_section: bool,
}

/// Builds the plan for `role` from `description`.
pub fn generate(role: &str, description: &str) -> InterviewPlan {
    let statements = statements(description);
    let topics = topics(&statements);

    let mut questions = vec![format!(
        "To start, please walk me through your background and what draws you to the {role} role."
    )];
    questions.extend(topics.iter().map(|s| question_for(&s.text)));
    if topics.is_empty() {
        questions.push(format!(
            "Describe the project you are proudest of that is relevant to the {role} role, and your part in it."
        ));
    }
    questions.push(format!(
        "Is there anything else about your experience that we should know for the {role} role?"
    ));

    let (mut must_haves, mut nice_to_haves) = (Vec::new(), Vec::new());
    for statement in &statements {
        let nice = statement.nice_section || contains_any(&statement.text, NICE_WORDS);
        let list = if nice {
            &mut nice_to_haves
        } else {
            &mut must_haves
        };
        for skill in skills_in(&statement.text) {
            push_unique(list, skill);
        }
    }
    must_haves.truncate(MAX_SKILLS);
    nice_to_haves.retain(|n| !must_haves.iter().any(|m| m.eq_ignore_ascii_case(n)));
    nice_to_haves.truncate(MAX_SKILLS);
    InterviewPlan {
        questions,
        must_haves,
        nice_to_haves,
    }
}

/// The statements to ask about: those that read like a responsibility or requirement,
/// topped up with the earliest others, in the description's order.
fn topics(statements: &[Statement]) -> Vec<&Statement> {
    let preferred = statements.iter().filter(|s| is_topic(&s.text)).count();
    let mut fill = MAX_TOPICS.saturating_sub(preferred);
    let mut topics: Vec<&Statement> = statements
        .iter()
        .filter(|s| {
            if is_topic(&s.text) {
                return true;
            }
            let take = fill > 0 && !is_about_the_company(&s.text);
            fill -= usize::from(take);
            take
        })
        .collect();
    topics.truncate(MAX_TOPICS);
    topics
}

fn question_for(statement: &str) -> String {
    match skills_in(statement).as_slice() {
        [] => format!(
            "This role involves: \"{statement}\". Tell me about a time you did this: what you did and what the outcome was."
        ),
        skills => format!(
            "Describe your hands-on experience with {}. Give a concrete example from your work.",
            join_list(skills)
        ),
    }
}

fn statements(description: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut nice_section = false;
    for line in description.lines() {
        let line = strip_bullet(line.trim());
        if line.is_empty() {
            continue;
        }
        // A heading ("Nice to have:") opens a section; "Requirements: Rust" carries content.
        let body = match line.split_once(':') {
            Some((head, rest)) if head.split_whitespace().count() <= 5 => {
                nice_section = contains_any(head, NICE_WORDS);
                rest.trim()
            }
            _ => line,
        };
        for sentence in body.split_inclusive(['.', '!', '?', ';']) {
            let text = clean(sentence);
            let words = text.split_whitespace().count();
            if (3..=40).contains(&words) {
                out.push(Statement { text, nice_section });
            }
        }
    }
    out
}

fn strip_bullet(line: &str) -> &str {
    let line = line.trim_start_matches(['-', '*', '•', '·', '–', '—', '>', ' ']);
    // "1." / "2)" numbering.
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    match line[digits..].chars().next() {
        Some('.' | ')') if digits > 0 => line[digits + 1..].trim_start(),
        _ => line,
    }
}

fn clean(sentence: &str) -> String {
    let text = sentence.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = text.trim_end_matches(['.', '!', '?', ';', ',', ':']).trim();
    truncate_chars(text, MAX_STATEMENT)
}

fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => text[..i].trim_end().to_owned(),
        None => text.to_owned(),
    }
}

fn is_topic(text: &str) -> bool {
    contains_any(text, TOPIC_WORDS) && !is_about_the_company(text)
}

/// "We are…", "Our team…", "About us…": the employer describing itself.
fn is_about_the_company(text: &str) -> bool {
    let lower = text.to_lowercase();
    ["we ", "we're ", "our ", "about ", "join "]
        .iter()
        .any(|p| lower.starts_with(p))
}

fn contains_any(text: &str, words: &[&str]) -> bool {
    let lower = text.to_lowercase();
    words.iter().any(|w| lower.contains(w))
}

/// The skills a statement names after a marker such as "experience with".
fn skills_in(statement: &str) -> Vec<String> {
    let lower = statement.to_lowercase();
    let Some((at, marker)) = SKILL_MARKERS
        .iter()
        .filter_map(|m| lower.find(m).map(|i| (i, *m)))
        .min_by_key(|(i, _)| *i)
    else {
        return Vec::new();
    };
    // `to_lowercase` can change byte lengths outside ASCII; cut the original only on a
    // boundary that exists in it.
    let start = at + marker.len();
    let Some(mut phrase) = statement.get(start..).map(str::to_owned) else {
        return Vec::new();
    };
    for suffix in NICE_SUFFIXES {
        if let Some(i) = phrase.to_lowercase().rfind(suffix)
            && phrase.is_char_boundary(i)
        {
            phrase.truncate(i);
        }
    }
    for end in PHRASE_ENDS {
        if let Some(i) = phrase.find(end) {
            phrase.truncate(i);
        }
    }
    let mut skills = Vec::new();
    for item in phrase
        .replace(" and/or ", ",")
        .replace(" and ", ",")
        .replace(" or ", ",")
        .replace('/', ",")
        .split(',')
    {
        let item = item.trim().trim_start_matches("the ").trim();
        let words = item.split_whitespace().count();
        if (1..=5).contains(&words) && item.chars().count() <= 60 {
            push_unique(&mut skills, item.to_owned());
        }
    }
    skills
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.iter().any(|s| s.eq_ignore_ascii_case(&item)) {
        list.push(item);
    }
}

fn join_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// How a plan was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanMethod {
    /// The deterministic generator.
    Builtin,
    /// Drafted by this model.
    Model(String),
}

/// The plan for `role` from `description`: the model's when one is configured and its draft
/// passes validation, else the deterministic one.
pub async fn plan_for(
    models: &crate::core::engine::models::Models,
    role: &str,
    description: &str,
) -> (InterviewPlan, PlanMethod) {
    let plan = generate(role, description);
    let Some(client) = models.planner() else {
        return (plan, PlanMethod::Builtin);
    };
    let brief = interviewd_interviewer::planner::PlanBrief {
        job_title: role.to_owned(),
        job_description: description.to_owned(),
        skills: plan.must_haves.clone(),
        language: "en".to_owned(),
    };
    let purpose = crate::core::engine::models::Purpose::Plan;
    match interviewd_interviewer::planner::draft_plan(client, &brief, plan.questions.len()).await {
        Ok(draft) => {
            models.observe(purpose, &draft.usage);
            let model = draft
                .usage
                .last()
                .map_or_else(|| client.config().model.clone(), |u| u.model.clone());
            let mut must_haves = draft.skills;
            must_haves.truncate(MAX_SKILLS);
            let nice_to_haves = plan
                .nice_to_haves
                .into_iter()
                .filter(|n| !must_haves.iter().any(|m| m.eq_ignore_ascii_case(n)))
                .collect();
            let drafted = InterviewPlan {
                questions: draft.questions,
                must_haves,
                nice_to_haves,
            };
            (drafted, PlanMethod::Model(model))
        }
        Err(e) => {
            models.observe(purpose, &e.usage);
            tracing::warn!(error = %e, "no plan from the model; the built-in generator's");
            (plan, PlanMethod::Builtin)
        }
    }
}

/// The ONLINE agent and the job (linked by `attrs.agentId`) of a generation, from its plan.
pub fn generated_job(
    g: &Generation,
    plan: InterviewPlan,
    method: &PlanMethod,
    now: DateTime<Utc>,
) -> (Job, Agent) {
    let mut agent_attrs = Map::new();
    agent_attrs.insert("generationId".into(), json!(g.id.to_string()));
    match method {
        PlanMethod::Builtin => {
            agent_attrs.insert("planMethod".into(), json!("builtin"));
        }
        PlanMethod::Model(model) => {
            agent_attrs.insert("planMethod".into(), json!("llm"));
            agent_attrs.insert("planModel".into(), json!(model));
        }
    }
    let agent = Agent {
        id: AgentId::new(),
        number: 0,
        company_id: g.company_id,
        name: g.job_role.clone(),
        channel: AgentChannel::Online,
        focus: "SCREENING".into(),
        language: "EN".into(),
        duration_minutes: 15,
        questions: plan.questions,
        instructions: Some(format!(
            "You are interviewing a candidate for the {} role. Ask the questions in order, one at a time, and follow up briefly when an answer is vague.",
            g.job_role
        )),
        attrs: agent_attrs,
        created_at: now,
        updated_at: now,
    };
    let mut job_attrs = Map::new();
    job_attrs.insert("generationId".into(), json!(g.id.to_string()));
    let job = Job {
        id: JobId::new(),
        number: 0,
        company_id: g.company_id,
        title: g.job_role.clone(),
        description: Some(g.job_description.clone()),
        status: "OPEN".into(),
        required_skills: plan.must_haves,
        nice_to_have_skills: plan.nice_to_haves,
        agent_id: Some(agent.id),
        attrs: job_attrs,
        created_at: now,
        updated_at: now,
    };
    (job, agent)
}

/// Queues a plan generation; the generation worker builds it.
pub async fn queue(
    state: &crate::app::AppState,
    generation: &Generation,
) -> Result<(), super::CoreError> {
    state.store.insert_generation(generation).await?;
    state.wakers.generations();
    Ok(())
}

/// A generation of the company, if any.
pub async fn generation(
    state: &crate::app::AppState,
    company: interviewd_domain::CompanyId,
    id: uuid::Uuid,
) -> Result<Option<Generation>, super::CoreError> {
    Ok(state.store.get_generation(company, id).await?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const DESCRIPTION: &str = "We are a small team building payroll software.\n\
        Responsibilities:\n\
        - Design and build REST APIs in Rust.\n\
        - Own the PostgreSQL schema and its migrations.\n\
        - Review code and mentor two junior engineers.\n\
        Requirements:\n\
        - 5+ years of experience with Rust, PostgreSQL and Kubernetes.\n\
        - Strong knowledge of distributed systems.\n\
        Nice to have:\n\
        - Familiarity with Kafka.\n\
        - Experience with Terraform is a plus.";

    #[test]
    fn questions_follow_the_description() {
        let plan = generate("Backend Engineer", DESCRIPTION);
        assert!((3..=8).contains(&plan.questions.len()), "{plan:?}");
        assert!(plan.questions[0].contains("Backend Engineer"));
        assert!(
            plan.questions
                .iter()
                .any(|q| q.contains("REST APIs in Rust"))
        );
        assert!(plan.questions.last().unwrap().contains("anything else"));
        assert_eq!(plan, generate("Backend Engineer", DESCRIPTION));
    }

    #[test]
    fn skills_are_split_into_must_and_nice() {
        let plan = generate("Backend Engineer", DESCRIPTION);
        assert_eq!(
            plan.must_haves,
            ["Rust", "PostgreSQL", "Kubernetes", "distributed systems"]
        );
        assert_eq!(plan.nice_to_haves, ["Kafka", "Terraform"]);
    }

    #[test]
    fn a_description_without_statements_still_gives_three_questions() {
        let plan = generate("Chef", "Cooking");
        assert_eq!(plan.questions.len(), 3);
        assert!(plan.must_haves.is_empty());
    }

    #[test]
    fn long_descriptions_are_capped_at_eight_questions() {
        let many = (0..30)
            .map(|i| format!("- Build and maintain service number {i}."))
            .collect::<Vec<_>>()
            .join("\n");
        let plan = generate("SRE", &many);
        assert_eq!(plan.questions.len(), 8);
    }

    #[test]
    fn odd_text_never_panics() {
        for text in [
            "",
            "ß€😀 experience with ",
            "1.",
            "::::",
            "experience with ünïcödé, 日本語 and ok",
        ] {
            let plan = generate("R", text);
            assert!((3..=8).contains(&plan.questions.len()));
        }
    }
}
