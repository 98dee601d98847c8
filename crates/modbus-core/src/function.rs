//! Function codes (MB-AP 5.1 "Public Function Code Definition").

macro_rules! function_codes {
    ($( $(#[$doc:meta])* $name:ident = $value:literal, )*) => {
        /// A Modbus function code.
        ///
        /// Every byte value maps to a variant and back, so unknown codes are preserved:
        /// [`UserDefined`](Self::UserDefined) for the ranges 65-72 and 100-110 that MB-AP 5.1
        /// leaves to vendors, and [`Reserved`](Self::Reserved) for everything else the
        /// specification does not define (including 0x80-0xFF, which only occur with the
        /// exception bit of a response).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub enum FunctionCode {
            $( $(#[$doc])* $name, )*
            /// A user-defined function code (65-72, 100-110).
            UserDefined(u8),
            /// A code the specification reserves or does not define.
            Reserved(u8),
        }

        impl From<u8> for FunctionCode {
            fn from(value: u8) -> Self {
                match value {
                    $( $value => Self::$name, )*
                    0x41..=0x48 | 0x64..=0x6E => Self::UserDefined(value),
                    _ => Self::Reserved(value),
                }
            }
        }

        impl From<FunctionCode> for u8 {
            fn from(code: FunctionCode) -> Self {
                match code {
                    $( FunctionCode::$name => $value, )*
                    FunctionCode::UserDefined(value) | FunctionCode::Reserved(value) => value,
                }
            }
        }
    };
}

function_codes! {
    /// 0x01 Read Coils (MB-AP 6.1).
    ReadCoils = 0x01,
    /// 0x02 Read Discrete Inputs (MB-AP 6.2).
    ReadDiscreteInputs = 0x02,
    /// 0x03 Read Holding Registers (MB-AP 6.3).
    ReadHoldingRegisters = 0x03,
    /// 0x04 Read Input Registers (MB-AP 6.4).
    ReadInputRegisters = 0x04,
    /// 0x05 Write Single Coil (MB-AP 6.5).
    WriteSingleCoil = 0x05,
    /// 0x06 Write Single Register (MB-AP 6.6).
    WriteSingleRegister = 0x06,
    /// 0x07 Read Exception Status, serial line only (MB-AP 6.7).
    ReadExceptionStatus = 0x07,
    /// 0x08 Diagnostics, serial line only (MB-AP 6.8).
    Diagnostics = 0x08,
    /// 0x0B Get Comm Event Counter, serial line only (MB-AP 6.9).
    GetCommEventCounter = 0x0B,
    /// 0x0C Get Comm Event Log, serial line only (MB-AP 6.10).
    GetCommEventLog = 0x0C,
    /// 0x0F Write Multiple Coils (MB-AP 6.11).
    WriteMultipleCoils = 0x0F,
    /// 0x10 Write Multiple Registers (MB-AP 6.12).
    WriteMultipleRegisters = 0x10,
    /// 0x11 Report Server ID, serial line only (MB-AP 6.13).
    ReportServerId = 0x11,
    /// 0x14 Read File Record (MB-AP 6.14).
    ReadFileRecord = 0x14,
    /// 0x15 Write File Record (MB-AP 6.15).
    WriteFileRecord = 0x15,
    /// 0x16 Mask Write Register (MB-AP 6.16).
    MaskWriteRegister = 0x16,
    /// 0x17 Read/Write Multiple Registers (MB-AP 6.17).
    ReadWriteMultipleRegisters = 0x17,
    /// 0x18 Read FIFO Queue (MB-AP 6.18).
    ReadFifoQueue = 0x18,
    /// 0x2B Encapsulated Interface Transport (MB-AP 6.19-6.21).
    EncapsulatedInterfaceTransport = 0x2B,
}

impl FunctionCode {
    /// The code as it appears on the wire.
    pub fn value(self) -> u8 {
        self.into()
    }

    /// True for the user-defined ranges 65-72 and 100-110.
    pub fn is_user_defined(self) -> bool {
        matches!(self, Self::UserDefined(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips() {
        for value in 0..=u8::MAX {
            assert_eq!(u8::from(FunctionCode::from(value)), value);
        }
    }

    #[test]
    fn user_defined_ranges_are_exactly_the_specs() {
        let user: usize = (0..=u8::MAX)
            .filter(|v| FunctionCode::from(*v).is_user_defined())
            .count();
        assert_eq!(user, 8 + 11);
        assert_eq!(FunctionCode::from(0x41), FunctionCode::UserDefined(0x41));
        assert_eq!(FunctionCode::from(0x49), FunctionCode::Reserved(0x49));
        assert_eq!(FunctionCode::from(0x6E), FunctionCode::UserDefined(0x6E));
        assert_eq!(FunctionCode::from(0x83), FunctionCode::Reserved(0x83));
    }
}
