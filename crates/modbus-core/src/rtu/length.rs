//! How long an RTU frame is, from its function code and direction (MB-SL 2.5.1.1 leaves frame
//! length to the PDU definitions of MB-AP 6.x).

use crate::constants::{EXCEPTION_BIT, MEI_READ_DEVICE_IDENTIFICATION};
use crate::function::FunctionCode;

/// Which side of a transaction a frame comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Direction {
    /// Master (client) to slave (server).
    Request,
    /// Slave (server) to master (client).
    Response,
}

/// The length of the ADU that starts a buffer, as far as its bytes tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedLength {
    /// The ADU is exactly this many bytes, CRC included (possibly more than the buffer holds,
    /// or more than 256, which means the bytes are not a frame).
    Exact(usize),
    /// More bytes are needed to know: at least this many.
    AtLeast(usize),
    /// The function code does not determine the length (user-defined and reserved codes,
    /// FC 08/00 and FC 2B/0D): the frame ends at t3.5 silence.
    Unknown,
}

/// A length no RTU frame has: the deframer resynchronises past it.
const NOT_A_FRAME: ExpectedLength = ExpectedLength::Exact(crate::constants::MAX_RTU_ADU_LEN + 1);

/// Predicts the ADU length of the frame at the start of `adu` (address first).
///
/// Never panics; looks at no more than the byte counts and, for FC 2B/0E responses, the
/// object headers.
pub fn expected_len(adu: &[u8], direction: Direction) -> ExpectedLength {
    use ExpectedLength::{AtLeast, Exact, Unknown};
    let Some(&function) = adu.get(1) else {
        return AtLeast(2);
    };
    // Address + function + CRC, and a byte-count field at `at` whose value adds `n` bytes.
    let counted = |at: usize, fixed: usize| match adu.get(at) {
        Some(&n) => Exact(fixed.saturating_add(n.into())),
        None => AtLeast(at.saturating_add(1)),
    };
    let diagnostics = || match adu.get(2..4) {
        Some([0, 0]) => Unknown,
        Some(_) => Exact(8),
        None => AtLeast(4),
    };
    if direction == Direction::Response && function & EXCEPTION_BIT != 0 {
        return Exact(5);
    }
    match (FunctionCode::from(function), direction) {
        (
            FunctionCode::ReadCoils
            | FunctionCode::ReadDiscreteInputs
            | FunctionCode::ReadHoldingRegisters
            | FunctionCode::ReadInputRegisters
            | FunctionCode::WriteSingleCoil
            | FunctionCode::WriteSingleRegister,
            Direction::Request,
        ) => Exact(8),
        (FunctionCode::ReadCoils | FunctionCode::ReadDiscreteInputs, Direction::Response) => {
            counted(2, 5)
        }
        (
            FunctionCode::ReadHoldingRegisters
            | FunctionCode::ReadInputRegisters
            | FunctionCode::ReadWriteMultipleRegisters,
            Direction::Response,
        ) => match adu.get(2) {
            // Registers are two bytes: an odd count starts no frame (fewer false frames from
            // noise).
            Some(&n) if n % 2 == 1 => NOT_A_FRAME,
            _ => counted(2, 5),
        },
        (
            FunctionCode::WriteSingleCoil
            | FunctionCode::WriteSingleRegister
            | FunctionCode::WriteMultipleCoils
            | FunctionCode::WriteMultipleRegisters
            | FunctionCode::GetCommEventCounter,
            Direction::Response,
        ) => Exact(8),
        (
            FunctionCode::ReadExceptionStatus
            | FunctionCode::GetCommEventCounter
            | FunctionCode::GetCommEventLog
            | FunctionCode::ReportServerId,
            Direction::Request,
        ) => Exact(4),
        (FunctionCode::ReadExceptionStatus, Direction::Response) => Exact(5),
        (FunctionCode::Diagnostics, _) => diagnostics(),
        (FunctionCode::GetCommEventLog | FunctionCode::ReportServerId, Direction::Response) => {
            counted(2, 5)
        }
        (
            FunctionCode::WriteMultipleCoils | FunctionCode::WriteMultipleRegisters,
            Direction::Request,
        ) => counted(6, 9),
        (FunctionCode::ReadFileRecord | FunctionCode::WriteFileRecord, _) => counted(2, 5),
        (FunctionCode::MaskWriteRegister, _) => Exact(10),
        (FunctionCode::ReadWriteMultipleRegisters, Direction::Request) => counted(10, 13),
        (FunctionCode::ReadFifoQueue, Direction::Request) => Exact(6),
        (FunctionCode::ReadFifoQueue, Direction::Response) => match adu.get(2..4) {
            Some(&[hi, lo]) => Exact(usize::from(u16::from_be_bytes([hi, lo])).saturating_add(6)),
            _ => AtLeast(4),
        },
        (FunctionCode::EncapsulatedInterfaceTransport, direction) => match adu.get(2) {
            None => AtLeast(3),
            Some(&MEI_READ_DEVICE_IDENTIFICATION) => match direction {
                Direction::Request => Exact(7),
                Direction::Response => device_identification_len(adu),
            },
            Some(_) => Unknown,
        },
        (FunctionCode::UserDefined(_) | FunctionCode::Reserved(_), _) => Unknown,
    }
}

/// Walks the object headers of a FC 2B/0E response: address, 2B, 0E, code, conformity, more
/// follows, next object id, number of objects, then (id, length, value) per object, then CRC.
fn device_identification_len(adu: &[u8]) -> ExpectedLength {
    const HEADER: usize = 8;
    let Some(&count) = adu.get(HEADER - 1) else {
        return ExpectedLength::AtLeast(HEADER);
    };
    let mut pos = HEADER;
    for _ in 0..count {
        let Some(&len) = adu.get(pos.saturating_add(1)) else {
            return ExpectedLength::AtLeast(pos.saturating_add(2));
        };
        pos = pos.saturating_add(2).saturating_add(len.into());
        if pos > crate::constants::MAX_RTU_ADU_LEN {
            return NOT_A_FRAME;
        }
    }
    ExpectedLength::Exact(pos.saturating_add(2))
}
