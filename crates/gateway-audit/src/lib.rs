#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Tests may panic on a broken expectation: that is how a test fails.
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

#[cfg(any(feature = "alloc", test))]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod event;
pub mod format;
#[cfg(feature = "parse")]
#[doc(hidden)]
pub mod fuzzing;
pub mod log;
#[cfg(feature = "parse")]
pub mod parse;
pub mod route;
pub mod syslog;
pub mod time;
