//! Modbus RTU: the serial-line ADU with CRC-16, frame length prediction, t1.5/t3.5 timing and
//! a streaming deframer (MB-SL 2.5.1).

mod crc;
mod deframer;
mod frame;
mod length;
mod timing;

pub use crc::crc16;
pub use deframer::{DeframerStats, DiscardReason, FrameTiming, RtuDeframer, RtuEvent};
pub use frame::{RtuFrame, encode_frame, seal};
pub use length::{Direction, ExpectedLength, expected_len};
pub use timing::{DataBits, Parity, SerialConfig, StopBits};
