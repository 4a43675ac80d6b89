//! How an analysis' 1–5 score reads in each vocabulary, decided once so every dialect (and the
//! report PDF) says the same about the same interview:
//!
//! | score | percent (`overallRating`, Xobin `score`) | InstaView `companyFitRating` | Xobin `recommendation` |
//! |---|---|---|---|
//! | 5 | 100 | `HIGH` | `Highly Recommended` |
//! | 4 | 80 | `HIGH` | `Recommended` |
//! | 3 | 60 | `MEDIUM` | `Maybe` |
//! | 2 | 40 | `LOW` | `Not Recommended` |
//! | 1 | 20 | `LOW` | `Not Recommended` |

/// A 1–5 score as a percentage (0–100).
pub fn percent(score: u8) -> u32 {
    u32::from(score.min(5)) * 20
}

/// InstaView's `companyFitRating`.
pub fn company_fit(score: u8) -> &'static str {
    match score {
        4.. => "HIGH",
        3 => "MEDIUM",
        _ => "LOW",
    }
}

/// Xobin's `recommendation`.
pub fn recommendation(score: u8) -> &'static str {
    match score {
        5.. => "Highly Recommended",
        4 => "Recommended",
        3 => "Maybe",
        _ => "Not Recommended",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_score_reads_the_same_everywhere() {
        assert_eq!(
            (percent(4), company_fit(4), recommendation(4)),
            (80, "HIGH", "Recommended")
        );
        assert_eq!(
            (percent(3), company_fit(3), recommendation(3)),
            (60, "MEDIUM", "Maybe")
        );
        assert_eq!(
            (percent(1), company_fit(1), recommendation(1)),
            (20, "LOW", "Not Recommended")
        );
        assert_eq!(percent(9), 100);
    }
}
