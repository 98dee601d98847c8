//! Errors, layered by cause: [`DecodeError`] for bytes that came in, [`EncodeError`] for bytes
//! going out, and [`InvalidPdu`] for a rule of the specification that either side breaks.

use crate::exception::ExceptionCode;

/// Any error of this crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input bytes could not be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A value could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// A value breaks a rule of the specification (from a checked constructor).
    #[error(transparent)]
    Invalid(#[from] InvalidPdu),
}

/// A PDU field that breaks a rule of the Modbus Application Protocol specification.
///
/// Found while decoding (then wrapped in [`DecodeError::Invalid`]) and refused while encoding
/// (then wrapped in [`EncodeError::Invalid`]): both directions apply the same rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidPdu {
    /// A quantity outside `1..=max` for its function code.
    #[error("quantity {quantity} is outside 1..={max}")]
    Quantity {
        /// The quantity found.
        quantity: u16,
        /// The largest quantity the function code allows.
        max: u16,
    },
    /// Starting address plus quantity runs past address 0xFFFF.
    #[error("address range {start}+{quantity} runs past 0xFFFF")]
    AddressOverflow {
        /// The starting address.
        start: u16,
        /// The quantity.
        quantity: u16,
    },
    /// FC 05 output value other than 0x0000 or 0xFF00.
    #[error("coil value {0:#06x} is neither 0x0000 nor 0xFF00")]
    CoilValue(u16),
    /// A byte count that disagrees with the quantity or with the bytes present.
    #[error("byte count {declared} does not match the {expected} bytes due")]
    ByteCount {
        /// The byte count field.
        declared: u16,
        /// The byte count the rest of the PDU implies.
        expected: u16,
    },
    /// A byte count outside the range the function code allows.
    #[error("byte count {0} is outside the range the function code allows")]
    ByteCountRange(u16),
    /// FC 08 sub-function not defined by the specification.
    #[error("diagnostics sub-function {0:#06x} is not defined")]
    SubFunction(u16),
    /// FC 08 data field not allowed for the sub-function.
    #[error("diagnostics sub-function {sub_function:#06x} does not take data {data:#06x}")]
    DiagnosticData {
        /// The sub-function.
        sub_function: u16,
        /// The first data word.
        data: u16,
    },
    /// FC 2B MEI type other than 0x0D or 0x0E.
    #[error("MEI type {0:#04x} is not defined")]
    MeiType(u8),
    /// FC 2B/0E Read Device ID code outside 1..=4.
    #[error("read device id code {0:#04x} is outside 1..=4")]
    ReadDeviceIdCode(u8),
    /// FC 2B/0E conformity level not defined by the specification.
    #[error("conformity level {0:#04x} is not defined")]
    ConformityLevel(u8),
    /// FC 2B/0E "more follows" other than 0x00 or 0xFF.
    #[error("more-follows value {0:#04x} is neither 0x00 nor 0xFF")]
    MoreFollows(u8),
    /// FC 2B/0E number of objects disagrees with the objects present.
    #[error("{declared} objects declared, {actual} present")]
    ObjectCount {
        /// The number-of-objects field.
        declared: u8,
        /// Objects present.
        actual: u8,
    },
    /// FC 14/15 reference type other than 6.
    #[error("file reference type {0:#04x} is not 6")]
    ReferenceType(u8),
    /// FC 14/15 file number 0, or record number above 0x270F.
    #[error("file {file} record {record} is not addressable")]
    FileAddress {
        /// The file number.
        file: u16,
        /// The record number.
        record: u16,
    },
    /// FC 0B/0C status word other than 0x0000 or 0xFFFF.
    #[error("status word {0:#06x} is neither 0x0000 nor 0xFFFF")]
    Status(u16),
    /// FC 0C more than 64 event bytes.
    #[error("{0} comm events, at most 64 are allowed")]
    EventCount(u16),
    /// A raw PDU whose function code is not in the user-defined ranges 65-72 and 100-110.
    #[error("function code {0:#04x} is not user-defined")]
    NotUserDefined(u8),
    /// A field that must hold at least one item holds none.
    #[error("empty list where at least one item is required")]
    Empty,
    /// The PDU is longer than 253 bytes.
    #[error("PDU of {0} bytes is longer than 253")]
    PduTooLong(u16),
}

/// Why input bytes could not be decoded.
///
/// Small and `Copy`: a decoder on a hot path returns it by value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Fewer bytes than the layout needs. Counted from the start of the innermost
    /// length-delimited field (the PDU, or a byte-counted field within it).
    #[error("truncated: {actual} bytes, at least {expected} needed")]
    Truncated {
        /// Bytes needed.
        expected: u16,
        /// Bytes present.
        actual: u16,
    },
    /// More bytes than the layout has room for.
    #[error("trailing bytes: {actual} bytes where the layout ends at {expected}")]
    TrailingBytes {
        /// Where the layout ends.
        expected: u16,
        /// Bytes present.
        actual: u16,
    },
    /// A function code this direction does not define (reserved codes, or an exception code in
    /// a request).
    #[error("function code {0:#04x} is not defined")]
    UnknownFunction(u8),
    /// The fields break a rule of the specification.
    #[error(transparent)]
    Invalid(#[from] InvalidPdu),
    /// RTU CRC mismatch.
    #[error("CRC mismatch: frame says {received:#06x}, computed {computed:#06x}")]
    Crc {
        /// The CRC at the end of the frame.
        received: u16,
        /// The CRC of the frame's bytes.
        computed: u16,
    },
    /// ASCII LRC mismatch.
    #[error("LRC mismatch: frame says {received:#04x}, computed {computed:#04x}")]
    Lrc {
        /// The LRC at the end of the frame.
        received: u8,
        /// The LRC of the frame's bytes.
        computed: u8,
    },
    /// MBAP protocol identifier other than 0.
    #[error("MBAP protocol id {0:#06x} is not Modbus (0)")]
    ProtocolId(u16),
    /// MBAP length field outside 2..=254.
    #[error("MBAP length {0} is outside 2..=254")]
    MbapLength(u16),
    /// ASCII frame without its ':' start, CR LF end, or with an odd number of hex digits.
    #[error("ASCII frame is not ':' + hex + CR LF")]
    AsciiFraming,
    /// ASCII character that is not an upper- or lower-case hex digit.
    #[error("ASCII frame has a non-hex character at {0}")]
    AsciiHex(u16),
}

/// Why a value could not be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small; nothing useful was written.
    #[error("buffer too small: {required} bytes required")]
    BufferTooSmall {
        /// The size the output needs.
        required: usize,
    },
    /// The value breaks a rule of the specification.
    #[error(transparent)]
    Invalid(#[from] InvalidPdu),
    /// A frame given to a translation or encoding function is itself malformed.
    #[error(transparent)]
    Frame(#[from] DecodeError),
}

impl DecodeError {
    /// The exception a server must answer a CRC-valid request with when decoding failed, per
    /// the request processing diagrams of MB-AP 6.x; `None` when the right response is silence
    /// (a damaged frame is never answered).
    pub fn exception_code(&self) -> Option<ExceptionCode> {
        Some(match self {
            Self::UnknownFunction(_) => ExceptionCode::IllegalFunction,
            Self::Invalid(invalid) => invalid.exception_code(),
            Self::Truncated { .. } | Self::TrailingBytes { .. } => ExceptionCode::IllegalDataValue,
            Self::Crc { .. }
            | Self::Lrc { .. }
            | Self::ProtocolId(_)
            | Self::MbapLength(_)
            | Self::AsciiFraming
            | Self::AsciiHex(_) => return None,
        })
    }
}

impl InvalidPdu {
    /// The exception code the specification's request processing diagrams assign.
    pub fn exception_code(&self) -> ExceptionCode {
        match self {
            Self::AddressOverflow { .. } | Self::ReferenceType(_) | Self::FileAddress { .. } => {
                ExceptionCode::IllegalDataAddress
            }
            Self::SubFunction(_) | Self::MeiType(_) => ExceptionCode::IllegalFunction,
            _ => ExceptionCode::IllegalDataValue,
        }
    }
}

impl TryFrom<DecodeError> for ExceptionCode {
    type Error = DecodeError;

    /// See [`DecodeError::exception_code`]; the error is handed back when no exception applies.
    fn try_from(err: DecodeError) -> Result<Self, DecodeError> {
        err.exception_code().ok_or(err)
    }
}
