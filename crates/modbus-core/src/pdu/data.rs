//! Zero-copy views over the repeated fields of a PDU.
//!
//! Each view is either borrowed wire bytes (what a decoder returns; checked once on
//! construction so that iteration cannot fail) or a borrowed native slice (what a caller
//! builds to encode). Both compare equal when they hold the same values.

use core::fmt;

use crate::constants::{FILE_REFERENCE_TYPE, MAX_FILE_RECORD_NUMBER};
use crate::error::{DecodeError, EncodeError, InvalidPdu};
use crate::wire::{Reader, Writer};

pub(crate) mod sealed {
    use super::{DecodeError, EncodeError, Reader, Writer};

    /// An item of a [`Seq`](super::Seq): how it is read from and written to the wire.
    pub trait WireItem<'a>: Copy {
        /// Reads and validates one item.
        fn read(reader: &mut Reader<'a>) -> Result<Self, DecodeError>;
        /// Writes the item.
        fn write(&self, writer: &mut Writer<'_>) -> Result<(), EncodeError>;
        /// Encoded size in bytes.
        fn wire_len(&self) -> usize;
        /// Checks the item before it is encoded.
        fn validate(&self) -> Result<(), InvalidPdu> {
            Ok(())
        }
    }

    use super::InvalidPdu;
}
use sealed::WireItem;

/// A sequence of items of type `T`: register values, file records, device objects.
pub struct Seq<'a, T> {
    repr: SeqRepr<'a, T>,
}

enum SeqRepr<'a, T> {
    /// Wire bytes already checked to hold exactly `count` valid items.
    Wire {
        bytes: &'a [u8],
        count: usize,
    },
    Native(&'a [T]),
}

/// 16-bit register values (big-endian on the wire).
pub type Registers<'a> = Seq<'a, u16>;

impl<'a, T: WireItem<'a>> Seq<'a, T> {
    /// A sequence over native values, for encoding.
    pub const fn from_slice(items: &'a [T]) -> Self {
        Self {
            repr: SeqRepr::Native(items),
        }
    }

    /// Checks that `bytes` holds whole, valid items and nothing else.
    pub(crate) fn from_wire(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        let mut count = 0usize;
        while !reader.is_empty() {
            T::read(&mut reader)?;
            count = count.saturating_add(1);
        }
        Ok(Self {
            repr: SeqRepr::Wire { bytes, count },
        })
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        match self.repr {
            SeqRepr::Wire { count, .. } => count,
            SeqRepr::Native(items) => items.len(),
        }
    }

    /// True when there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The items in order.
    pub fn iter(&self) -> SeqIter<'a, T> {
        SeqIter {
            repr: match self.repr {
                SeqRepr::Wire { bytes, count } => IterRepr::Wire(Reader::new(bytes), count),
                SeqRepr::Native(items) => IterRepr::Native(items.iter()),
            },
        }
    }

    /// The item at `index`, if any.
    pub fn get(&self, index: usize) -> Option<T> {
        self.iter().nth(index)
    }

    /// The encoded size of all items.
    pub fn wire_len(&self) -> usize {
        match self.repr {
            SeqRepr::Wire { bytes, .. } => bytes.len(),
            SeqRepr::Native(items) => items
                .iter()
                .fold(0usize, |sum, item| sum.saturating_add(item.wire_len())),
        }
    }

    /// The wire bytes, when the sequence was decoded (zero-copy passthrough).
    pub fn as_wire_bytes(&self) -> Option<&'a [u8]> {
        match self.repr {
            SeqRepr::Wire { bytes, .. } => Some(bytes),
            SeqRepr::Native(_) => None,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), InvalidPdu> {
        match self.repr {
            // Checked by `from_wire`.
            SeqRepr::Wire { .. } => Ok(()),
            SeqRepr::Native(items) => items.iter().try_for_each(WireItem::validate),
        }
    }

    pub(crate) fn write(&self, writer: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self.repr {
            SeqRepr::Wire { bytes, .. } => writer.bytes(bytes),
            SeqRepr::Native(items) => items.iter().try_for_each(|item| item.write(writer)),
        }
    }
}

impl<'a, T: WireItem<'a>> Seq<'a, T> {
    /// The item count as the `u16` quantity fields use; saturates for impossible sizes, which
    /// validation then rejects.
    pub(crate) fn quantity(&self) -> u16 {
        u16::try_from(self.len()).unwrap_or(u16::MAX)
    }
}

impl<T> Clone for Seq<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Seq<'_, T> {}
impl<T> Clone for SeqRepr<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for SeqRepr<'_, T> {}

impl<'a, T: WireItem<'a> + PartialEq> PartialEq for Seq<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}
impl<'a, T: WireItem<'a> + Eq> Eq for Seq<'a, T> {}

impl<'a, T: WireItem<'a> + fmt::Debug> fmt::Debug for Seq<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: WireItem<'a>> IntoIterator for Seq<'a, T> {
    type Item = T;
    type IntoIter = SeqIter<'a, T>;
    fn into_iter(self) -> SeqIter<'a, T> {
        self.iter()
    }
}

/// Iterator over a [`Seq`].
#[derive(Debug)]
pub struct SeqIter<'a, T> {
    repr: IterRepr<'a, T>,
}

#[derive(Debug)]
enum IterRepr<'a, T> {
    Wire(Reader<'a>, usize),
    Native(core::slice::Iter<'a, T>),
}

impl<'a, T: WireItem<'a>> Iterator for SeqIter<'a, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match &mut self.repr {
            // `from_wire` checked every item, so reading cannot fail here.
            IterRepr::Wire(reader, remaining) => {
                let item = T::read(reader).ok()?;
                *remaining = remaining.saturating_sub(1);
                Some(item)
            }
            IterRepr::Native(items) => items.next().copied(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = match &self.repr {
            IterRepr::Wire(_, remaining) => *remaining,
            IterRepr::Native(items) => items.len(),
        };
        (len, Some(len))
    }
}

impl<'a, T: WireItem<'a>> ExactSizeIterator for SeqIter<'a, T> {}

impl WireItem<'_> for u16 {
    fn read(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        reader.u16()
    }
    fn write(&self, writer: &mut Writer<'_>) -> Result<(), EncodeError> {
        writer.u16(*self)
    }
    fn wire_len(&self) -> usize {
        2
    }
}

/// Coil or discrete-input states, packed eight to a byte on the wire, first coil in the least
/// significant bit (MB-AP 6.1).
#[derive(Clone, Copy)]
pub struct Coils<'a> {
    repr: CoilsRepr<'a>,
}

#[derive(Clone, Copy)]
enum CoilsRepr<'a> {
    /// `bytes.len() == count.div_ceil(8)`, checked on construction.
    Wire {
        bytes: &'a [u8],
        count: usize,
    },
    Native(&'a [bool]),
}

impl<'a> Coils<'a> {
    /// Coil states as native booleans, for encoding.
    pub const fn from_slice(states: &'a [bool]) -> Self {
        Self {
            repr: CoilsRepr::Native(states),
        }
    }

    /// `count` packed states; `bytes` must be exactly `count.div_ceil(8)` long.
    pub(crate) fn from_wire(bytes: &'a [u8], count: usize) -> Option<Self> {
        (bytes.len() == count.div_ceil(8)).then_some(Self {
            repr: CoilsRepr::Wire { bytes, count },
        })
    }

    /// Number of states. A read response carries whole bytes, so its count is a multiple of
    /// 8; take the requested quantity with [`Coils::truncate`].
    pub fn len(&self) -> usize {
        match self.repr {
            CoilsRepr::Wire { count, .. } => count,
            CoilsRepr::Native(states) => states.len(),
        }
    }

    /// True when there are no states.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first `quantity` states (all of them if there are fewer).
    pub fn truncate(self, quantity: usize) -> Self {
        match self.repr {
            CoilsRepr::Wire { bytes, count } => {
                let count = count.min(quantity);
                let bytes = bytes.get(..count.div_ceil(8)).unwrap_or(bytes);
                Self {
                    repr: CoilsRepr::Wire { bytes, count },
                }
            }
            CoilsRepr::Native(states) => Self {
                repr: CoilsRepr::Native(states.get(..quantity).unwrap_or(states)),
            },
        }
    }

    /// The state at `index`.
    pub fn get(&self, index: usize) -> Option<bool> {
        if index >= self.len() {
            return None;
        }
        match self.repr {
            CoilsRepr::Wire { bytes, .. } => {
                bytes.get(index / 8).map(|b| b >> (index % 8) & 1 == 1)
            }
            CoilsRepr::Native(states) => states.get(index).copied(),
        }
    }

    /// The states in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = bool> + '_ {
        (0..self.len()).map(|index| self.get(index).unwrap_or(false))
    }

    /// Packed size in bytes.
    pub fn wire_len(&self) -> usize {
        self.len().div_ceil(8)
    }

    pub(crate) fn quantity(&self) -> u16 {
        u16::try_from(self.len()).unwrap_or(u16::MAX)
    }

    pub(crate) fn write(&self, writer: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self.repr {
            CoilsRepr::Wire { bytes, .. } => writer.bytes(bytes),
            CoilsRepr::Native(states) => states.chunks(8).try_for_each(|chunk| {
                let byte = chunk
                    .iter()
                    .enumerate()
                    .fold(0u8, |byte, (bit, on)| byte | (u8::from(*on) << bit));
                writer.u8(byte)
            }),
        }
    }
}

impl PartialEq for Coils<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}
impl Eq for Coils<'_> {}

impl fmt::Debug for Coils<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Coils[")?;
        for on in self.iter() {
            f.write_str(if on { "1" } else { "0" })?;
        }
        f.write_str("]")
    }
}

/// One sub-request of FC 14 Read File Record (MB-AP 6.14).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileSubRequest {
    /// File number, 1..=0xFFFF.
    pub file_number: u16,
    /// First record, 0..=0x270F.
    pub record_number: u16,
    /// Number of 16-bit records to read.
    pub record_length: u16,
}

fn check_file_address(file: u16, record: u16) -> Result<(), InvalidPdu> {
    if file == 0 || record > MAX_FILE_RECORD_NUMBER {
        return Err(InvalidPdu::FileAddress { file, record });
    }
    Ok(())
}

fn read_reference_type(reader: &mut Reader<'_>) -> Result<(), DecodeError> {
    match reader.u8()? {
        FILE_REFERENCE_TYPE => Ok(()),
        other => Err(InvalidPdu::ReferenceType(other).into()),
    }
}

impl WireItem<'_> for FileSubRequest {
    fn read(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        read_reference_type(reader)?;
        let item = Self {
            file_number: reader.u16()?,
            record_number: reader.u16()?,
            record_length: reader.u16()?,
        };
        item.validate()?;
        Ok(item)
    }
    fn write(&self, writer: &mut Writer<'_>) -> Result<(), EncodeError> {
        writer.u8(FILE_REFERENCE_TYPE)?;
        writer.u16(self.file_number)?;
        writer.u16(self.record_number)?;
        writer.u16(self.record_length)
    }
    fn wire_len(&self) -> usize {
        7
    }
    fn validate(&self) -> Result<(), InvalidPdu> {
        check_file_address(self.file_number, self.record_number)
    }
}

/// One file record of FC 15 Write File Record, request and response alike (MB-AP 6.15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileRecord<'a> {
    /// File number, 1..=0xFFFF.
    pub file_number: u16,
    /// First record, 0..=0x270F.
    pub record_number: u16,
    /// The record data; its length is the record length field.
    pub data: Registers<'a>,
}

impl<'a> WireItem<'a> for FileRecord<'a> {
    fn read(reader: &mut Reader<'a>) -> Result<Self, DecodeError> {
        read_reference_type(reader)?;
        let file_number = reader.u16()?;
        let record_number = reader.u16()?;
        check_file_address(file_number, record_number)?;
        let length = reader.u16()?;
        let data = Registers::from_wire(reader.take(usize::from(length).saturating_mul(2))?)?;
        Ok(Self {
            file_number,
            record_number,
            data,
        })
    }
    fn write(&self, writer: &mut Writer<'_>) -> Result<(), EncodeError> {
        writer.u8(FILE_REFERENCE_TYPE)?;
        writer.u16(self.file_number)?;
        writer.u16(self.record_number)?;
        writer.u16(self.data.quantity())?;
        self.data.write(writer)
    }
    fn wire_len(&self) -> usize {
        self.data.wire_len().saturating_add(7)
    }
    fn validate(&self) -> Result<(), InvalidPdu> {
        check_file_address(self.file_number, self.record_number)
    }
}

/// One sub-response of FC 14 Read File Record: the records read for one sub-request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileSubResponse<'a> {
    /// The record data.
    pub data: Registers<'a>,
}

impl<'a> WireItem<'a> for FileSubResponse<'a> {
    fn read(reader: &mut Reader<'a>) -> Result<Self, DecodeError> {
        // File response length counts the reference type byte and the data.
        let length = reader.u8()?;
        if length % 2 == 0 {
            return Err(InvalidPdu::ByteCountRange(length.into()).into());
        }
        read_reference_type(reader)?;
        let data = Registers::from_wire(reader.take(usize::from(length).saturating_sub(1))?)?;
        Ok(Self { data })
    }
    fn write(&self, writer: &mut Writer<'_>) -> Result<(), EncodeError> {
        let length = u8::try_from(self.data.wire_len().saturating_add(1))
            .map_err(|_| InvalidPdu::ByteCountRange(u16::MAX))?;
        writer.u8(length)?;
        writer.u8(FILE_REFERENCE_TYPE)?;
        self.data.write(writer)
    }
    fn wire_len(&self) -> usize {
        self.data.wire_len().saturating_add(2)
    }
}

/// One object of a FC 2B/0E Read Device Identification response (MB-AP 6.21).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceObject<'a> {
    /// Object id: 0x00 VendorName, 0x01 ProductCode, 0x02 MajorMinorRevision, 0x03 VendorUrl,
    /// 0x04 ProductName, 0x05 ModelName, 0x06 UserApplicationName, 0x80-0xFF private.
    pub id: u8,
    /// The value bytes (ASCII strings for the standard objects).
    pub value: &'a [u8],
}

impl<'a> WireItem<'a> for DeviceObject<'a> {
    fn read(reader: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let id = reader.u8()?;
        let len = reader.u8()?;
        Ok(Self {
            id,
            value: reader.take(len.into())?,
        })
    }
    fn write(&self, writer: &mut Writer<'_>) -> Result<(), EncodeError> {
        writer.u8(self.id)?;
        let len =
            u8::try_from(self.value.len()).map_err(|_| InvalidPdu::ByteCountRange(u16::MAX))?;
        writer.u8(len)?;
        writer.bytes(self.value)
    }
    fn wire_len(&self) -> usize {
        self.value.len().saturating_add(2)
    }
    fn validate(&self) -> Result<(), InvalidPdu> {
        match u8::try_from(self.value.len()) {
            Ok(_) => Ok(()),
            Err(_) => Err(InvalidPdu::ByteCountRange(crate::wire::len16(
                self.value.len(),
            ))),
        }
    }
}
