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

pub mod access;
pub mod accounts;
pub mod authorization;
pub mod banner;
#[cfg(feature = "alloc")]
pub mod dashboard;
mod error;
pub mod firmware;
#[cfg(feature = "alloc")]
#[doc(hidden)]
pub mod fuzzing;
pub mod identity;
pub mod lockout;
pub mod login;
pub mod name;
pub mod password;
#[cfg(feature = "alloc")]
pub mod presets;
pub mod services;
pub mod session;
pub mod source;
pub mod time;

pub use error::{Error, OutOfRange};
