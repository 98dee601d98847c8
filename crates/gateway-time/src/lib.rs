#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Tests may panic on a broken expectation: that is how a test fails.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::indexing_slicing))]

#[cfg(test)]
extern crate alloc;

pub mod civil;
mod unix_time;

pub use unix_time::{SECONDS_PER_DAY, TimeError, UnixTime};
