//! Function codes as a rule names them (`03`, `08/0A`, `2B/0E`, `*`), and what each public
//! function code does to the data model (Modbus Application Protocol v1.1b3, section 6).

use core::fmt;
use core::str::FromStr;

use super::{Access, Table};

/// FC 08 Diagnostics.
pub(super) const DIAGNOSTICS: u8 = 0x08;
/// FC 2B Encapsulated Interface Transport.
pub(super) const ENCAPSULATED: u8 = 0x2B;
/// FC 17 Read/Write Multiple Registers.
pub(super) const READ_WRITE_MULTIPLE: u8 = 0x17;

/// Which requests a rule's function entry matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Function {
    /// Every function code: `*`.
    Any,
    /// One function code with every sub-function and MEI type: `03`, `08`.
    Code(u8),
    /// FC 08 with one sub-function: `08/0A`.
    Diagnostic(u16),
    /// FC 2B with one MEI type: `2B/0E`.
    Mei(u8),
}

impl Function {
    /// Whether a request with `function` (and its FC 08 sub-function or FC 2B MEI type) is
    /// matched.
    pub fn matches(self, function: u8, sub_function: Option<u16>) -> bool {
        match self {
            Self::Any => true,
            Self::Code(code) => code == function,
            Self::Diagnostic(sub) => function == DIAGNOSTICS && sub_function == Some(sub),
            Self::Mei(mei) => function == ENCAPSULATED && sub_function == Some(u16::from(mei)),
        }
    }

    /// Whether every request this entry matches is also matched by `other`.
    pub(super) fn within(self, other: Self) -> bool {
        match (self, other) {
            (_, Self::Any) => true,
            (Self::Any, _) => false,
            (Self::Code(a), Self::Code(b)) => a == b,
            (Self::Diagnostic(_), Self::Code(DIAGNOSTICS)) => true,
            (Self::Mei(_), Self::Code(ENCAPSULATED)) => true,
            (a, b) => a == b,
        }
    }

    /// The data this entry's requests can touch: `None` when it is not known (every
    /// function code, or one that is not public).
    pub(super) fn shape(self) -> Option<Shape> {
        match self {
            Self::Any => None,
            Self::Code(code) => shape(code, None),
            Self::Diagnostic(sub) => shape(DIAGNOSTICS, Some(sub)),
            Self::Mei(mei) => shape(ENCAPSULATED, Some(u16::from(mei))),
        }
    }
}

/// What a public function code does: the accesses it makes and the table they touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Shape {
    /// It reads.
    pub(super) reads: bool,
    /// It writes (changes outputs, registers, files, counters or the device's state).
    pub(super) writes: bool,
    /// The table of its addresses; `None` for a request without addresses in the four tables.
    pub(super) table: Option<Table>,
}

impl Shape {
    const fn new(access: Access, table: Option<Table>) -> Self {
        Self {
            reads: matches!(access, Access::Read),
            writes: matches!(access, Access::Write),
            table,
        }
    }

    pub(super) fn makes(self, access: Access) -> bool {
        match access {
            Access::Read => self.reads,
            Access::Write => self.writes,
        }
    }
}

/// The shape of a public function code (with its FC 08 sub-function or FC 2B MEI type, when
/// given); `None` for user-defined and reserved codes.
pub(super) fn shape(function: u8, sub_function: Option<u16>) -> Option<Shape> {
    use Access::{Read, Write};
    use Table::{Coils, DiscreteInputs, HoldingRegisters, InputRegisters};
    let shape = match function {
        0x01 => Shape::new(Read, Some(Coils)),
        0x02 => Shape::new(Read, Some(DiscreteInputs)),
        0x03 | 0x18 => Shape::new(Read, Some(HoldingRegisters)),
        0x04 => Shape::new(Read, Some(InputRegisters)),
        0x05 | 0x0F => Shape::new(Write, Some(Coils)),
        0x06 | 0x10 | 0x16 => Shape::new(Write, Some(HoldingRegisters)),
        READ_WRITE_MULTIPLE => Shape {
            reads: true,
            writes: true,
            table: Some(HoldingRegisters),
        },
        // Read Exception Status, Get Comm Event Counter / Log, Report Server ID, Read File
        // Record.
        0x07 | 0x0B | 0x0C | 0x11 | 0x14 => Shape::new(Read, None),
        // Write File Record.
        0x15 => Shape::new(Write, None),
        DIAGNOSTICS => match sub_function {
            Some(sub) => Shape::new(diagnostic_access(sub), None),
            None => Shape {
                reads: true,
                writes: true,
                table: None,
            },
        },
        ENCAPSULATED => match sub_function {
            // Read Device Identification.
            Some(0x0E) => Shape::new(Read, None),
            // CANopen General Reference reads and writes objects; anything else is unknown.
            Some(_) => Shape::new(Write, None),
            None => Shape {
                reads: true,
                writes: true,
                table: None,
            },
        },
        _ => return None,
    };
    Some(shape)
}

/// FC 08 sub-functions that change the device (restart, the ASCII delimiter, listen-only
/// mode, clearing counters) are writes; Return Query Data and the counters are reads. A
/// sub-function the specification does not define counts as a write.
pub(super) fn diagnostic_access(sub_function: u16) -> Access {
    match sub_function {
        0x00 | 0x02 | 0x0B..=0x12 => Access::Read,
        _ => Access::Write,
    }
}

/// `*`, or the function code in hex (two digits, `0x` optional) with `/` and the FC 08
/// sub-function or FC 2B MEI type in hex: `03`, `0x10`, `08/0A`, `2B/0E`.
impl FromStr for Function {
    type Err = FunctionSyntax;

    fn from_str(text: &str) -> Result<Self, FunctionSyntax> {
        let text = text.trim();
        if text == "*" {
            return Ok(Self::Any);
        }
        let hex = |part: &str| {
            let part = part
                .strip_prefix("0x")
                .or_else(|| part.strip_prefix("0X"))
                .unwrap_or(part);
            if part.is_empty() || part.len() > 4 {
                return Err(FunctionSyntax);
            }
            u16::from_str_radix(part, 16).map_err(|_| FunctionSyntax)
        };
        let (code, sub) = match text.split_once('/') {
            Some((code, sub)) => (code, Some(hex(sub)?)),
            None => (text, None),
        };
        let code = u8::try_from(hex(code)?).map_err(|_| FunctionSyntax)?;
        match (code, sub) {
            (code, None) => Ok(Self::Code(code)),
            (DIAGNOSTICS, Some(sub)) => Ok(Self::Diagnostic(sub)),
            (ENCAPSULATED, Some(mei)) => {
                u8::try_from(mei).map(Self::Mei).map_err(|_| FunctionSyntax)
            }
            _ => Err(FunctionSyntax),
        }
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("*"),
            Self::Code(code) => write!(f, "{code:02X}"),
            Self::Diagnostic(sub) => write!(f, "{DIAGNOSTICS:02X}/{sub:02X}"),
            Self::Mei(mei) => write!(f, "{ENCAPSULATED:02X}/{mei:02X}"),
        }
    }
}

/// A function entry that is not `*`, `FC` or `08/SUB` / `2B/MEI` in hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "a function is `*`, a code in hex (`03`), or `08/SUB` or `2B/MEI` with the sub-function or MEI type in hex"
)]
pub struct FunctionSyntax;

#[cfg(feature = "serde")]
impl serde::Serialize for Function {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Function {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Function;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a function such as \"03\", \"08/0A\", \"2B/0E\" or \"*\"")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Function, E> {
                text.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;

    use super::*;

    #[test]
    fn the_spec_notation_reads_and_prints_back() {
        for (text, function) in [
            ("*", Function::Any),
            ("03", Function::Code(3)),
            ("0x10", Function::Code(0x10)),
            ("08/0A", Function::Diagnostic(0x0A)),
            ("2B/0E", Function::Mei(0x0E)),
            ("2b/0d", Function::Mei(0x0D)),
        ] {
            assert_eq!(text.parse::<Function>(), Ok(function), "{text}");
        }
        assert_eq!(Function::Diagnostic(0x0A).to_string(), "08/0A");
        assert_eq!(Function::Code(0x2B).to_string(), "2B");
        for bad in ["", "/", "100", "03/01", "2B/100", "g", "08/", "0x", "12345"] {
            assert_eq!(bad.parse::<Function>(), Err(FunctionSyntax), "{bad}");
        }
    }

    #[test]
    fn sub_functions_are_within_their_code() {
        assert!(Function::Diagnostic(0).within(Function::Code(8)));
        assert!(Function::Mei(0x0E).within(Function::Code(0x2B)));
        assert!(!Function::Code(8).within(Function::Diagnostic(0)));
        assert!(Function::Code(3).within(Function::Any));
        assert!(!Function::Any.within(Function::Code(3)));
        assert!(Function::Code(8).matches(8, Some(0x0A)));
        assert!(!Function::Diagnostic(0).matches(8, Some(0x0A)));
        assert!(!Function::Mei(0x0E).matches(0x2B, None));
    }

    #[test]
    fn diagnostics_that_change_the_device_are_writes() {
        assert_eq!(diagnostic_access(0x00), Access::Read);
        assert_eq!(diagnostic_access(0x01), Access::Write, "restart");
        assert_eq!(diagnostic_access(0x04), Access::Write, "listen only");
        assert_eq!(diagnostic_access(0x0A), Access::Write, "clear counters");
        assert_eq!(diagnostic_access(0x0B), Access::Read);
        assert_eq!(diagnostic_access(0x14), Access::Write, "clear overrun");
        assert_eq!(diagnostic_access(0x7FFF), Access::Write, "undefined");
    }
}
