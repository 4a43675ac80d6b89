//! The conformance suite: one test per vendor-documented endpoint, field or rule that
//! interviewd follows, each naming in its doc comment the vendor page it follows. Where the
//! vendor's pages disagree, the side chosen is written in `docs/` with both sources and the
//! test asserts that side.

mod alpharun;
mod common;
mod instaview;
mod pdf;
mod shapes;
mod xobin;
