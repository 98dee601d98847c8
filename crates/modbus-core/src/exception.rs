//! Exception codes (MB-AP 7 "Modbus Exception Responses").

/// An exception code of an exception response.
///
/// One variant per code of MB-AP 7; any other byte is kept in [`Unknown`](Self::Unknown) so
/// that a gateway passes a device's vendor-specific codes through unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ExceptionCode {
    /// 0x01: the function code is not an allowable action for the server.
    IllegalFunction,
    /// 0x02: the data address is not an allowable address for the server.
    IllegalDataAddress,
    /// 0x03: a value in the query data field is not allowable for the server.
    IllegalDataValue,
    /// 0x04: an unrecoverable error occurred while the server performed the action.
    ServerDeviceFailure,
    /// 0x05: the request was accepted and will take a long time (programming commands).
    Acknowledge,
    /// 0x06: the server is busy with a long-duration command; retry later.
    ServerDeviceBusy,
    /// 0x08: the server detected a parity error in extended file memory (FC 14/15).
    MemoryParityError,
    /// 0x0A: a gateway could not allocate a path from input to output port.
    GatewayPathUnavailable,
    /// 0x0B: a gateway got no response from the target device.
    GatewayTargetDeviceFailedToRespond,
    /// Any other code, preserved.
    Unknown(u8),
}

impl From<u8> for ExceptionCode {
    fn from(value: u8) -> Self {
        match value {
            0x01 => Self::IllegalFunction,
            0x02 => Self::IllegalDataAddress,
            0x03 => Self::IllegalDataValue,
            0x04 => Self::ServerDeviceFailure,
            0x05 => Self::Acknowledge,
            0x06 => Self::ServerDeviceBusy,
            0x08 => Self::MemoryParityError,
            0x0A => Self::GatewayPathUnavailable,
            0x0B => Self::GatewayTargetDeviceFailedToRespond,
            other => Self::Unknown(other),
        }
    }
}

impl From<ExceptionCode> for u8 {
    fn from(code: ExceptionCode) -> Self {
        match code {
            ExceptionCode::IllegalFunction => 0x01,
            ExceptionCode::IllegalDataAddress => 0x02,
            ExceptionCode::IllegalDataValue => 0x03,
            ExceptionCode::ServerDeviceFailure => 0x04,
            ExceptionCode::Acknowledge => 0x05,
            ExceptionCode::ServerDeviceBusy => 0x06,
            ExceptionCode::MemoryParityError => 0x08,
            ExceptionCode::GatewayPathUnavailable => 0x0A,
            ExceptionCode::GatewayTargetDeviceFailedToRespond => 0x0B,
            ExceptionCode::Unknown(value) => value,
        }
    }
}

impl core::fmt::Display for ExceptionCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let text = match self {
            Self::IllegalFunction => "illegal function",
            Self::IllegalDataAddress => "illegal data address",
            Self::IllegalDataValue => "illegal data value",
            Self::ServerDeviceFailure => "server device failure",
            Self::Acknowledge => "acknowledge",
            Self::ServerDeviceBusy => "server device busy",
            Self::MemoryParityError => "memory parity error",
            Self::GatewayPathUnavailable => "gateway path unavailable",
            Self::GatewayTargetDeviceFailedToRespond => "gateway target device failed to respond",
            Self::Unknown(value) => return write!(f, "unknown exception {value:#04x}"),
        };
        f.write_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips_and_spec_codes_are_named() {
        for value in 0..=u8::MAX {
            let code = ExceptionCode::from(value);
            assert_eq!(u8::from(code), value);
            let named = matches!(value, 0x01..=0x06 | 0x08 | 0x0A | 0x0B);
            assert_eq!(
                !matches!(code, ExceptionCode::Unknown(_)),
                named,
                "{value:#04x}"
            );
        }
    }
}
