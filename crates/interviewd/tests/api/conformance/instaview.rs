//! The instaview dialect against the vendor's pages.
