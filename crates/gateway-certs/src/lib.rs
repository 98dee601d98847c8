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

#[cfg(feature = "alloc")]
pub mod certificate;
#[cfg(feature = "webpki")]
pub mod chain;
#[cfg(feature = "alloc")]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "generate")]
pub mod generate;
#[cfg(feature = "alloc")]
pub mod key;
#[cfg(feature = "webpki")]
pub mod peer;
#[cfg(feature = "alloc")]
pub mod pem;
#[cfg(feature = "alloc")]
pub mod renewal;
#[cfg(feature = "alloc")]
pub mod role;
pub mod status;
#[cfg(feature = "alloc")]
pub mod store;
#[cfg(feature = "alloc")]
pub mod strength;
