//! Offset pagination as the InstaView dialect defines it: `page` 1..=10000, `limit` 1..=100
//! (default 20).

use crate::contact::InvalidValue;

/// A validated page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u32,
    /// Items per page.
    pub limit: u32,
}

impl PageRequest {
    /// The default page size.
    pub const DEFAULT_LIMIT: u32 = 20;

    /// Validates raw query values; absent values take their defaults.
    pub fn parse(page: Option<&str>, limit: Option<&str>) -> Result<Self, InvalidValue> {
        let page = match page {
            None => 1,
            Some(p) => p
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|p| (1..=10_000).contains(p))
                .ok_or_else(|| InvalidValue("page must be an integer from 1 to 10000".into()))?,
        };
        let limit = match limit {
            None => Self::DEFAULT_LIMIT,
            Some(l) => l
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|l| (1..=100).contains(l))
                .ok_or_else(|| InvalidValue("limit must be an integer from 1 to 100".into()))?,
        };
        Ok(Self { page, limit })
    }

    /// Rows to skip.
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.limit)
    }

    /// Number of pages for `total` items.
    pub fn total_pages(&self, total: i64) -> i64 {
        let limit = i64::from(self.limit);
        (total + limit - 1) / limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(
            PageRequest::parse(None, None).unwrap(),
            PageRequest { page: 1, limit: 20 }
        );
        assert!(PageRequest::parse(Some("0"), None).is_err());
        assert!(PageRequest::parse(None, Some("101")).is_err());
        assert!(PageRequest::parse(None, Some("0")).is_err());
        assert!(PageRequest::parse(Some("x"), None).is_err());
        let p = PageRequest::parse(Some("3"), Some("10")).unwrap();
        assert_eq!(p.offset(), 20);
        assert_eq!(p.total_pages(21), 3);
        assert_eq!(p.total_pages(0), 0);
    }
}
