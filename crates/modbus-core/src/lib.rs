#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Tests may panic on a broken expectation: that is how a test fails.
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod ascii;
pub mod constants;
mod error;
mod exception;
mod function;
#[doc(hidden)]
pub mod fuzzing;
pub mod gateway;
pub mod pdu;
pub mod rtu;
pub mod tcp;
pub mod time;
pub mod translate;
pub mod types;
mod wire;
mod zeroed;

pub use error::{DecodeError, EncodeError, Error, InvalidPdu};
pub use exception::ExceptionCode;
pub use function::FunctionCode;
pub use pdu::{Request, Response};
pub use types::{AddressRange, UnitId};
