//! Wall-clock time as the policy checks see it: [`UnixTime`] from `gateway-time`, the type
//! gateway-certs and gateway-audit take too, passed in by the caller (this crate reads no
//! clock).

pub use gateway_time::{SECONDS_PER_DAY, TimeError, UnixTime};
