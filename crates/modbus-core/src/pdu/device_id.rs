//! FC 2B/0E Read Device Identification (MB-AP 6.21).

use crate::error::InvalidPdu;
use crate::pdu::{DeviceObject, Seq};

/// Which objects a Read Device Identification request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ReadDeviceIdCode {
    /// 0x01: basic identification (objects 0x00-0x02), stream access.
    Basic,
    /// 0x02: regular identification (objects 0x03-0x7F), stream access.
    Regular,
    /// 0x03: extended identification (objects 0x80-0xFF), stream access.
    Extended,
    /// 0x04: one specific object, individual access.
    Specific,
}

impl TryFrom<u8> for ReadDeviceIdCode {
    type Error = InvalidPdu;
    fn try_from(value: u8) -> Result<Self, InvalidPdu> {
        match value {
            0x01 => Ok(Self::Basic),
            0x02 => Ok(Self::Regular),
            0x03 => Ok(Self::Extended),
            0x04 => Ok(Self::Specific),
            other => Err(InvalidPdu::ReadDeviceIdCode(other)),
        }
    }
}

impl From<ReadDeviceIdCode> for u8 {
    fn from(code: ReadDeviceIdCode) -> Self {
        match code {
            ReadDeviceIdCode::Basic => 0x01,
            ReadDeviceIdCode::Regular => 0x02,
            ReadDeviceIdCode::Extended => 0x03,
            ReadDeviceIdCode::Specific => 0x04,
        }
    }
}

/// The conformity level of a device: which categories it supports and whether it supports
/// individual access (MB-AP 6.21, values 0x01-0x03 and 0x81-0x83).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ConformityLevel(u8);

impl ConformityLevel {
    /// Checks a conformity level byte.
    ///
    /// # Errors
    ///
    /// [`InvalidPdu::ConformityLevel`] for values other than 0x01-0x03 and 0x81-0x83.
    pub fn new_checked(value: u8) -> Result<Self, InvalidPdu> {
        match value {
            0x01..=0x03 | 0x81..=0x83 => Ok(Self(value)),
            other => Err(InvalidPdu::ConformityLevel(other)),
        }
    }

    /// The byte on the wire.
    pub fn value(self) -> u8 {
        self.0
    }

    /// The highest category supported (basic, regular or extended).
    pub fn category(self) -> ReadDeviceIdCode {
        match self.0 & 0x7F {
            0x01 => ReadDeviceIdCode::Basic,
            0x02 => ReadDeviceIdCode::Regular,
            _ => ReadDeviceIdCode::Extended,
        }
    }

    /// True when the device also answers individual access (code 0x04).
    pub fn individual_access(self) -> bool {
        self.0 & 0x80 != 0
    }
}

/// A Read Device Identification response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceIdentification<'a> {
    /// The code of the request this answers.
    pub code: ReadDeviceIdCode,
    /// The device's conformity level.
    pub conformity: ConformityLevel,
    /// True when the objects did not fit and another request must start at
    /// `next_object_id`.
    pub more_follows: bool,
    /// Where to continue when `more_follows` is set (0 otherwise).
    pub next_object_id: u8,
    /// The objects.
    pub objects: Seq<'a, DeviceObject<'a>>,
}
