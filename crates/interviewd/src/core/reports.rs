//! The report PDF of an analysed interview: InstaView's `GET /interviews/{id}/analysis-pdf`
//! and `analysisPdfBase64`, Xobin's `pdf_link`, `share` and `download`. One document for every
//! dialect, built from the interview's report: candidate, position, the overall rating (the
//! percentages and words of `interviewd_domain::rating`), summary, strengths, weaknesses and
//! every criterion with its commentary.
//!
//! Written with `krilla`; the text is set in DejaVu Sans, compiled into the binary and
//! embedded (subset) in each PDF, so names in any Latin, Greek or Cyrillic script come out
//! as written and can be searched and extracted (`pdftotext`). The same report always gives
//! the same bytes: no creation date, no random ids.

use super::CoreError;
use crate::app::AppState;
use interviewd_domain::InterviewStatus;
use interviewd_domain::rating;
use interviewd_domain::views::{InterviewDetail, InterviewReport};
use krilla::Document;
use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};

/// A4, in points.
const PAGE: (f32, f32) = (595.0, 842.0);
const MARGIN: f32 = 56.0;
/// Generous average advance of DejaVu Sans, in ems: lines wrap before they could overflow.
const AVERAGE_ADVANCE: f32 = 0.6;

/// One line of the document: its size, weight and text.
struct Line {
    size: f32,
    bold: bool,
    text: String,
    /// Space above, in points.
    gap: f32,
}

/// The report PDF of an interview of the company; `NotFound` until it is COMPLETED with an
/// analysis.
pub async fn of_interview(state: &AppState, detail: InterviewDetail) -> Result<Vec<u8>, CoreError> {
    let id = detail.interview.id;
    if detail.interview.status != InterviewStatus::Completed {
        return Err(CoreError::not_found("analysis", id));
    }
    let report = super::interviews::report(state, detail, true).await?;
    analysis_pdf(&report)
}

/// The PDF of `report`'s analysis; `NotFound` when it has none.
pub fn analysis_pdf(report: &InterviewReport) -> Result<Vec<u8>, CoreError> {
    let lines = content(report)?;
    render(&lines)
}

/// What the report says, line by line (before wrapping).
fn content(report: &InterviewReport) -> Result<Vec<Line>, CoreError> {
    let interview = &report.detail.interview;
    let stored = report
        .results
        .analysis
        .as_ref()
        .ok_or_else(|| CoreError::not_found("analysis", interview.id))?;
    let a = &stored.analysis;
    let line = |size, bold, gap, text: String| Line {
        size,
        bold,
        text,
        gap,
    };
    let name = report
        .candidate
        .as_ref()
        .and_then(super::candidates::full_name)
        .or_else(|| {
            let c = report.candidate.as_ref()?;
            c.email.as_ref().map(|e| e.as_str().to_owned())
        })
        .unwrap_or_else(|| "(candidate deleted)".into());
    let mut out = vec![
        line(20.0, true, 0.0, "Interview analysis".into()),
        line(12.0, false, 10.0, format!("Candidate: {name}")),
    ];
    if let Some(job) = &report.job {
        out.push(line(12.0, false, 2.0, format!("Position: {}", job.title)));
    }
    let when = interview
        .finished_at
        .unwrap_or(stored.created_at)
        .format("%Y-%m-%d %H:%M UTC");
    out.push(line(
        10.0,
        false,
        2.0,
        format!("Interview {} · {when}", interview.id),
    ));
    out.push(line(
        14.0,
        true,
        14.0,
        format!(
            "Overall rating: {}/100 (score {}/5) · fit {} · {}",
            rating::percent(a.score),
            a.score,
            rating::company_fit(a.score),
            rating::recommendation(a.score)
        ),
    ));
    out.push(line(12.0, true, 12.0, "Summary".into()));
    out.push(line(10.0, false, 2.0, a.summary.clone()));
    for (title, items) in [("Strengths", &a.strengths), ("Weaknesses", &a.weaknesses)] {
        out.push(line(12.0, true, 12.0, title.into()));
        if items.is_empty() {
            out.push(line(10.0, false, 2.0, "None noted.".into()));
        }
        for item in items {
            out.push(line(10.0, false, 2.0, format!("• {item}")));
        }
    }
    if !a.criteria.is_empty() {
        out.push(line(12.0, true, 12.0, "Criteria".into()));
    }
    for c in &a.criteria {
        out.push(line(
            10.0,
            true,
            6.0,
            format!("{} — {}/5 ({})", c.name, c.score, c.value),
        ));
        out.push(line(10.0, false, 1.0, c.commentary.clone()));
    }
    Ok(out)
}

/// `text` broken into lines of at most `width` points at `size`.
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let max = ((width / (size * AVERAGE_ADVANCE)) as usize).max(8);
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_owned();
        // A word longer than a line is cut.
        while word.chars().count() > max {
            let head: String = word.chars().take(max).collect();
            word = word.chars().skip(max).collect();
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            lines.push(head);
        }
        let needed =
            current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
        if needed > max && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

fn font(data: &'static [u8]) -> Result<Font, CoreError> {
    Font::new(data.into(), 0)
        .ok_or_else(|| CoreError::Internal("the report font is unreadable".into()))
}

/// One line set on a page: where, how big, which weight, what.
struct Placed {
    y: f32,
    size: f32,
    bold: bool,
    text: String,
}

/// `lines`, wrapped and placed on as many A4 pages as they need.
fn layout(lines: &[Line]) -> Vec<Vec<Placed>> {
    let mut pages = vec![Vec::new()];
    let mut y = MARGIN;
    for line in lines {
        y += line.gap;
        for text in wrap(&line.text, line.size, PAGE.0 - 2.0 * MARGIN) {
            y += line.size * 1.3;
            if y > PAGE.1 - MARGIN {
                pages.push(Vec::new());
                y = MARGIN + line.size * 1.3;
            }
            if let Some(page) = pages.last_mut() {
                page.push(Placed {
                    y,
                    size: line.size,
                    bold: line.bold,
                    text,
                });
            }
        }
    }
    pages
}

/// The PDF of `lines`.
fn render(lines: &[Line]) -> Result<Vec<u8>, CoreError> {
    let regular = font(dejavu::sans::regular())?;
    let bold = font(dejavu::sans::bold())?;
    let mut document = Document::new();
    for placed in layout(lines) {
        let settings = PageSettings::from_wh(PAGE.0, PAGE.1)
            .ok_or_else(|| CoreError::Internal("invalid page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for p in placed {
            let face = if p.bold {
                bold.clone()
            } else {
                regular.clone()
            };
            surface.draw_text(
                Point::from_xy(MARGIN, p.y),
                face,
                p.size,
                &p.text,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| CoreError::Internal(format!("writing the report PDF: {e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_wraps_within_the_line() {
        let text = "word ".repeat(100);
        let lines = wrap(&text, 10.0, 100.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| l.chars().count() <= 16), "{lines:?}");
        let long = wrap(&"x".repeat(50), 10.0, 100.0);
        assert_eq!(long.len(), 4);
        assert_eq!(wrap("", 10.0, 100.0), [""]);
    }
}
