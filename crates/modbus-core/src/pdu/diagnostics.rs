//! FC 08 Diagnostics (MB-AP 6.8).

use crate::constants::{COIL_OFF, COIL_ON};
use crate::error::InvalidPdu;
use crate::pdu::Registers;

macro_rules! sub_functions {
    ($( $(#[$doc:meta])* $name:ident = $value:literal, )*) => {
        /// A sub-function of FC 08 (MB-AP 6.8.1). Sub-functions the specification does not
        /// define are refused with [`InvalidPdu::SubFunction`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub enum SubFunction { $( $(#[$doc])* $name, )* }

        impl TryFrom<u16> for SubFunction {
            type Error = InvalidPdu;
            fn try_from(value: u16) -> Result<Self, InvalidPdu> {
                match value {
                    $( $value => Ok(Self::$name), )*
                    other => Err(InvalidPdu::SubFunction(other)),
                }
            }
        }

        impl From<SubFunction> for u16 {
            fn from(sub: SubFunction) -> Self {
                match sub { $( SubFunction::$name => $value, )* }
            }
        }
    };
}

sub_functions! {
    /// 0x00: echo the request data.
    ReturnQueryData = 0x0000,
    /// 0x01: restart the serial port, optionally clearing the event log (data 0xFF00).
    RestartCommunicationsOption = 0x0001,
    /// 0x02: return the 16-bit diagnostic register.
    ReturnDiagnosticRegister = 0x0002,
    /// 0x03: change the ASCII end-of-message delimiter (data: CHAR 0x00).
    ChangeAsciiInputDelimiter = 0x0003,
    /// 0x04: stop responding until restarted; this request has no response.
    ForceListenOnlyMode = 0x0004,
    /// 0x0A: clear all counters and the diagnostic register.
    ClearCountersAndDiagnosticRegister = 0x000A,
    /// 0x0B: messages the device has seen on the bus.
    ReturnBusMessageCount = 0x000B,
    /// 0x0C: CRC errors the device has seen.
    ReturnBusCommunicationErrorCount = 0x000C,
    /// 0x0D: exception responses the device has sent.
    ReturnBusExceptionErrorCount = 0x000D,
    /// 0x0E: messages addressed to the device (or broadcast).
    ReturnServerMessageCount = 0x000E,
    /// 0x0F: messages addressed to the device that it did not answer.
    ReturnServerNoResponseCount = 0x000F,
    /// 0x10: NAK exception responses sent.
    ReturnServerNakCount = 0x0010,
    /// 0x11: Server Device Busy exception responses sent.
    ReturnServerBusyCount = 0x0011,
    /// 0x12: messages lost to character overruns.
    ReturnBusCharacterOverrunCount = 0x0012,
    /// 0x14: clear the overrun counter and flag.
    ClearOverrunCounterAndFlag = 0x0014,
}

/// A FC 08 request or response: a sub-function and its data words.
///
/// [`SubFunction::ReturnQueryData`] carries any number of words (at least one); every other
/// sub-function carries exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Diagnostic<'a> {
    /// The sub-function.
    pub sub_function: SubFunction,
    /// The data field.
    pub data: Registers<'a>,
}

impl Diagnostic<'_> {
    /// Checks the data field. Requests must carry the values MB-AP 6.8.1 prescribes; responses
    /// carry counters or echoes, so only their length is checked.
    pub(crate) fn validate(&self, is_request: bool) -> Result<(), InvalidPdu> {
        let sub = u16::from(self.sub_function);
        let first = self.data.get(0).ok_or(InvalidPdu::Empty)?;
        if self.sub_function == SubFunction::ReturnQueryData {
            return Ok(());
        }
        if self.data.len() != 1 {
            return Err(InvalidPdu::DiagnosticData {
                sub_function: sub,
                data: first,
            });
        }
        let allowed = !is_request
            || match self.sub_function {
                SubFunction::RestartCommunicationsOption => first == COIL_OFF || first == COIL_ON,
                // CHAR in the high byte, 0x00 in the low byte.
                SubFunction::ChangeAsciiInputDelimiter => first & 0x00FF == 0,
                _ => first == 0,
            };
        if allowed {
            Ok(())
        } else {
            Err(InvalidPdu::DiagnosticData {
                sub_function: sub,
                data: first,
            })
        }
    }
}
