//! The alpharun dialect against the vendor's pages.
