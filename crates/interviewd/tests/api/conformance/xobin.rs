//! The xobin dialect against the vendor's pages.
