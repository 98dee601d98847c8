//! Requests: what a client sends and a server decodes.

use crate::constants::*;
use crate::error::{DecodeError, EncodeError, InvalidPdu};
use crate::function::FunctionCode;
use crate::pdu::data::sealed::WireItem;
use crate::pdu::{
    Coils, Diagnostic, FileRecord, FileSubRequest, ReadDeviceIdCode, Registers, Seq, SubFunction,
    check_pdu_len, finish_encode,
};
use crate::types::AddressRange;
use crate::wire::{Reader, Writer};

/// A request PDU, borrowing its repeated fields from the input or from the caller.
///
/// `decode` and `encode` apply the same rules (MB-AP 6.x): quantities within the function's
/// limits, address ranges within 0..=0xFFFF, byte counts consistent, PDU at most 253 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request<'a> {
    /// FC 01, 1..=2000 coils.
    ReadCoils(AddressRange),
    /// FC 02, 1..=2000 inputs.
    ReadDiscreteInputs(AddressRange),
    /// FC 03, 1..=125 registers.
    ReadHoldingRegisters(AddressRange),
    /// FC 04, 1..=125 registers.
    ReadInputRegisters(AddressRange),
    /// FC 05.
    WriteSingleCoil {
        /// Output address.
        address: u16,
        /// ON (0xFF00 on the wire) or OFF (0x0000).
        value: bool,
    },
    /// FC 06.
    WriteSingleRegister {
        /// Register address.
        address: u16,
        /// Value to write.
        value: u16,
    },
    /// FC 07.
    ReadExceptionStatus,
    /// FC 08.
    Diagnostics(Diagnostic<'a>),
    /// FC 0B.
    GetCommEventCounter,
    /// FC 0C.
    GetCommEventLog,
    /// FC 0F, 1..=1968 coils.
    WriteMultipleCoils {
        /// First output address.
        start: u16,
        /// States to write; the quantity is their count.
        coils: Coils<'a>,
    },
    /// FC 10, 1..=123 registers.
    WriteMultipleRegisters {
        /// First register address.
        start: u16,
        /// Values to write; the quantity is their count.
        values: Registers<'a>,
    },
    /// FC 11.
    ReportServerId,
    /// FC 14, one or more sub-requests.
    ReadFileRecord(Seq<'a, FileSubRequest>),
    /// FC 15, one or more records.
    WriteFileRecord(Seq<'a, FileRecord<'a>>),
    /// FC 16: `(current AND and_mask) OR (or_mask AND NOT and_mask)`.
    MaskWriteRegister {
        /// Register address.
        address: u16,
        /// AND mask.
        and_mask: u16,
        /// OR mask.
        or_mask: u16,
    },
    /// FC 17: 1..=125 registers read, 1..=121 written (the write happens first).
    ReadWriteMultipleRegisters {
        /// Registers to read.
        read: AddressRange,
        /// First register to write.
        write_start: u16,
        /// Values to write.
        values: Registers<'a>,
    },
    /// FC 18.
    ReadFifoQueue {
        /// FIFO pointer address.
        address: u16,
    },
    /// FC 2B/0E.
    ReadDeviceIdentification {
        /// Which objects to read.
        code: ReadDeviceIdCode,
        /// First object (stream access) or the object (individual access).
        object_id: u8,
    },
    /// FC 2B/0D, carried as raw bytes after the MEI type (defined by CiA 309-2, not Modbus).
    CanOpenGeneralReference(&'a [u8]),
    /// A user-defined function code (65-72, 100-110) with its raw data.
    UserDefined {
        /// The function code.
        function: u8,
        /// The bytes after the function code.
        data: &'a [u8],
    },
}

impl<'a> Request<'a> {
    /// Decodes a request PDU (function code first).
    ///
    /// Bounded work: one pass over at most 253 bytes; never panics.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`]; [`DecodeError::exception_code`] gives the exception a server must
    /// answer with.
    pub fn decode(pdu: &'a [u8]) -> Result<Self, DecodeError> {
        check_pdu_len(pdu)?;
        let mut r = Reader::new(pdu);
        let function = r.u8()?;
        let request = match FunctionCode::from(function) {
            FunctionCode::ReadCoils => Self::ReadCoils(read_range(&mut r, MAX_READ_BITS)?),
            FunctionCode::ReadDiscreteInputs => {
                Self::ReadDiscreteInputs(read_range(&mut r, MAX_READ_BITS)?)
            }
            FunctionCode::ReadHoldingRegisters => {
                Self::ReadHoldingRegisters(read_range(&mut r, MAX_READ_REGISTERS)?)
            }
            FunctionCode::ReadInputRegisters => {
                Self::ReadInputRegisters(read_range(&mut r, MAX_READ_REGISTERS)?)
            }
            FunctionCode::WriteSingleCoil => {
                let address = r.u16()?;
                let value = read_coil_value(&mut r)?;
                Self::WriteSingleCoil { address, value }
            }
            FunctionCode::WriteSingleRegister => Self::WriteSingleRegister {
                address: r.u16()?,
                value: r.u16()?,
            },
            FunctionCode::ReadExceptionStatus => Self::ReadExceptionStatus,
            FunctionCode::Diagnostics => {
                let sub_function = SubFunction::try_from(r.u16()?)?;
                let data = Registers::from_wire(r.rest())?;
                let diagnostic = Diagnostic { sub_function, data };
                diagnostic.validate(true)?;
                Self::Diagnostics(diagnostic)
            }
            FunctionCode::GetCommEventCounter => Self::GetCommEventCounter,
            FunctionCode::GetCommEventLog => Self::GetCommEventLog,
            FunctionCode::WriteMultipleCoils => {
                let start = r.u16()?;
                let quantity = r.u16()?;
                let byte_count = r.u8()?;
                // MB-AP 6.11's state diagram: quantity and byte count (03) before the
                // address (02).
                check_quantity(quantity, MAX_WRITE_COILS)?;
                let expected = quantity.div_ceil(8);
                if u16::from(byte_count) != expected {
                    return Err(byte_count_error(byte_count, expected));
                }
                AddressRange::new_checked(start, quantity, MAX_WRITE_COILS)?;
                let bytes = r.take(byte_count.into())?;
                let coils = Coils::from_wire(bytes, quantity.into())
                    .ok_or_else(|| byte_count_error(byte_count, expected))?;
                Self::WriteMultipleCoils { start, coils }
            }
            FunctionCode::WriteMultipleRegisters => {
                let start = r.u16()?;
                let quantity = r.u16()?;
                let byte_count = r.u8()?;
                // MB-AP 6.12: quantity and byte count (03) before the address (02).
                check_quantity(quantity, MAX_WRITE_REGISTERS)?;
                let values = read_registers(&mut r, quantity, byte_count)?;
                AddressRange::new_checked(start, quantity, MAX_WRITE_REGISTERS)?;
                Self::WriteMultipleRegisters { start, values }
            }
            FunctionCode::ReportServerId => Self::ReportServerId,
            FunctionCode::ReadFileRecord => {
                Self::ReadFileRecord(read_counted_seq(&mut r, &FILE_READ_BYTE_COUNT)?)
            }
            FunctionCode::WriteFileRecord => {
                Self::WriteFileRecord(read_counted_seq(&mut r, &FILE_WRITE_BYTE_COUNT)?)
            }
            FunctionCode::MaskWriteRegister => Self::MaskWriteRegister {
                address: r.u16()?,
                and_mask: r.u16()?,
                or_mask: r.u16()?,
            },
            FunctionCode::ReadWriteMultipleRegisters => {
                let read_start = r.u16()?;
                let read_quantity = r.u16()?;
                let write_start = r.u16()?;
                let quantity = r.u16()?;
                let byte_count = r.u8()?;
                // MB-AP 6.17: both quantities and the byte count (03) before either
                // address (02).
                check_quantity(read_quantity, MAX_RW_READ_REGISTERS)?;
                check_quantity(quantity, MAX_RW_WRITE_REGISTERS)?;
                let values = read_registers(&mut r, quantity, byte_count)?;
                let read =
                    AddressRange::new_checked(read_start, read_quantity, MAX_RW_READ_REGISTERS)?;
                AddressRange::new_checked(write_start, quantity, MAX_RW_WRITE_REGISTERS)?;
                Self::ReadWriteMultipleRegisters {
                    read,
                    write_start,
                    values,
                }
            }
            FunctionCode::ReadFifoQueue => Self::ReadFifoQueue { address: r.u16()? },
            FunctionCode::EncapsulatedInterfaceTransport => match r.u8()? {
                MEI_READ_DEVICE_IDENTIFICATION => Self::ReadDeviceIdentification {
                    code: ReadDeviceIdCode::try_from(r.u8()?)?,
                    object_id: r.u8()?,
                },
                MEI_CANOPEN_GENERAL_REFERENCE => Self::CanOpenGeneralReference(r.rest()),
                other => return Err(InvalidPdu::MeiType(other).into()),
            },
            FunctionCode::UserDefined(function) => Self::UserDefined {
                function,
                data: r.rest(),
            },
            FunctionCode::Reserved(function) => return Err(DecodeError::UnknownFunction(function)),
        };
        r.finish()?;
        // Each arm checked what `validate` checks (ranges, byte counts, diagnostic data; the
        // length is at most `MAX_PDU_LEN` and every byte was read), so it is not run again
        // here, where it cost a quarter of an FC 03 decode (95 -> 70 instructions).
        debug_assert_eq!(request.validate(), Ok(()));
        Ok(request)
    }

    /// The function code.
    pub fn function(&self) -> FunctionCode {
        match self {
            Self::ReadCoils(_) => FunctionCode::ReadCoils,
            Self::ReadDiscreteInputs(_) => FunctionCode::ReadDiscreteInputs,
            Self::ReadHoldingRegisters(_) => FunctionCode::ReadHoldingRegisters,
            Self::ReadInputRegisters(_) => FunctionCode::ReadInputRegisters,
            Self::WriteSingleCoil { .. } => FunctionCode::WriteSingleCoil,
            Self::WriteSingleRegister { .. } => FunctionCode::WriteSingleRegister,
            Self::ReadExceptionStatus => FunctionCode::ReadExceptionStatus,
            Self::Diagnostics(_) => FunctionCode::Diagnostics,
            Self::GetCommEventCounter => FunctionCode::GetCommEventCounter,
            Self::GetCommEventLog => FunctionCode::GetCommEventLog,
            Self::WriteMultipleCoils { .. } => FunctionCode::WriteMultipleCoils,
            Self::WriteMultipleRegisters { .. } => FunctionCode::WriteMultipleRegisters,
            Self::ReportServerId => FunctionCode::ReportServerId,
            Self::ReadFileRecord(_) => FunctionCode::ReadFileRecord,
            Self::WriteFileRecord(_) => FunctionCode::WriteFileRecord,
            Self::MaskWriteRegister { .. } => FunctionCode::MaskWriteRegister,
            Self::ReadWriteMultipleRegisters { .. } => FunctionCode::ReadWriteMultipleRegisters,
            Self::ReadFifoQueue { .. } => FunctionCode::ReadFifoQueue,
            Self::ReadDeviceIdentification { .. } | Self::CanOpenGeneralReference(_) => {
                FunctionCode::EncapsulatedInterfaceTransport
            }
            Self::UserDefined { function, .. } => FunctionCode::from(*function),
        }
    }

    /// True when a server must not answer: FC 08/04 Force Listen Only Mode (MB-AP 6.8.1).
    /// Broadcasts are never answered either; that depends on the address, not the PDU.
    pub fn expects_response(&self) -> bool {
        !matches!(
            self,
            Self::Diagnostics(Diagnostic {
                sub_function: SubFunction::ForceListenOnlyMode,
                ..
            })
        )
    }

    /// The encoded size in bytes.
    pub fn encoded_len(&self) -> usize {
        let data = match self {
            Self::ReadExceptionStatus
            | Self::GetCommEventCounter
            | Self::GetCommEventLog
            | Self::ReportServerId => 0,
            Self::ReadFifoQueue { .. } => 2,
            Self::ReadDeviceIdentification { .. } => 3,
            Self::ReadCoils(_)
            | Self::ReadDiscreteInputs(_)
            | Self::ReadHoldingRegisters(_)
            | Self::ReadInputRegisters(_)
            | Self::WriteSingleCoil { .. }
            | Self::WriteSingleRegister { .. } => 4,
            Self::MaskWriteRegister { .. } => 6,
            Self::Diagnostics(d) => d.data.wire_len().saturating_add(2),
            Self::WriteMultipleCoils { coils, .. } => coils.wire_len().saturating_add(5),
            Self::WriteMultipleRegisters { values, .. } => values.wire_len().saturating_add(5),
            Self::ReadFileRecord(items) => items.wire_len().saturating_add(1),
            Self::WriteFileRecord(items) => items.wire_len().saturating_add(1),
            Self::ReadWriteMultipleRegisters { values, .. } => values.wire_len().saturating_add(9),
            Self::CanOpenGeneralReference(data) => data.len().saturating_add(1),
            Self::UserDefined { data, .. } => data.len(),
        };
        data.saturating_add(1)
    }

    /// Encodes the request PDU into `buf` and returns its length.
    ///
    /// # Errors
    ///
    /// [`EncodeError::BufferTooSmall`] with the size needed, before anything is written;
    /// [`EncodeError::Invalid`] when the request breaks a rule of the specification.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        self.validate()?;
        let mut w = Writer::with_capacity(buf, self.encoded_len())?;
        w.u8(self.function().value())?;
        match self {
            Self::ReadCoils(range)
            | Self::ReadDiscreteInputs(range)
            | Self::ReadHoldingRegisters(range)
            | Self::ReadInputRegisters(range) => write_range(&mut w, range)?,
            Self::WriteSingleCoil { address, value } => {
                w.u16(*address)?;
                w.u16(if *value { COIL_ON } else { COIL_OFF })?;
            }
            Self::WriteSingleRegister { address, value } => {
                w.u16(*address)?;
                w.u16(*value)?;
            }
            Self::ReadExceptionStatus
            | Self::GetCommEventCounter
            | Self::GetCommEventLog
            | Self::ReportServerId => {}
            Self::Diagnostics(d) => {
                w.u16(d.sub_function.into())?;
                d.data.write(&mut w)?;
            }
            Self::WriteMultipleCoils { start, coils } => {
                w.u16(*start)?;
                w.u16(coils.quantity())?;
                w.u8(byte_count(coils.wire_len())?)?;
                coils.write(&mut w)?;
            }
            Self::WriteMultipleRegisters { start, values } => {
                w.u16(*start)?;
                w.u16(values.quantity())?;
                w.u8(byte_count(values.wire_len())?)?;
                values.write(&mut w)?;
            }
            Self::ReadFileRecord(items) => {
                w.u8(byte_count(items.wire_len())?)?;
                items.write(&mut w)?;
            }
            Self::WriteFileRecord(items) => {
                w.u8(byte_count(items.wire_len())?)?;
                items.write(&mut w)?;
            }
            Self::MaskWriteRegister {
                address,
                and_mask,
                or_mask,
            } => {
                w.u16(*address)?;
                w.u16(*and_mask)?;
                w.u16(*or_mask)?;
            }
            Self::ReadWriteMultipleRegisters {
                read,
                write_start,
                values,
            } => {
                write_range(&mut w, read)?;
                w.u16(*write_start)?;
                w.u16(values.quantity())?;
                w.u8(byte_count(values.wire_len())?)?;
                values.write(&mut w)?;
            }
            Self::ReadFifoQueue { address } => w.u16(*address)?,
            Self::ReadDeviceIdentification { code, object_id } => {
                w.u8(MEI_READ_DEVICE_IDENTIFICATION)?;
                w.u8((*code).into())?;
                w.u8(*object_id)?;
            }
            Self::CanOpenGeneralReference(data) => {
                w.u8(MEI_CANOPEN_GENERAL_REFERENCE)?;
                w.bytes(data)?;
            }
            Self::UserDefined { data, .. } => w.bytes(data)?,
        }
        finish_encode(&w)
    }

    /// Encodes into a [`bytes::BufMut`].
    ///
    /// # Errors
    ///
    /// As [`Request::encode`], with the buffer's remaining capacity as its size.
    #[cfg(feature = "bytes")]
    pub fn encode_to<B: bytes::BufMut>(&self, buf: &mut B) -> Result<usize, EncodeError> {
        super::put_encoded(buf, |pdu| self.encode(pdu))
    }

    /// The rules of MB-AP 6.x that the fields must satisfy.
    fn validate(&self) -> Result<(), InvalidPdu> {
        match self {
            Self::ReadCoils(range) | Self::ReadDiscreteInputs(range) => {
                check_range(range.start(), range.quantity(), MAX_READ_BITS)?;
            }
            Self::ReadHoldingRegisters(range) | Self::ReadInputRegisters(range) => {
                check_range(range.start(), range.quantity(), MAX_READ_REGISTERS)?;
            }
            Self::Diagnostics(d) => d.validate(true)?,
            Self::WriteMultipleCoils { start, coils } => {
                check_range(*start, coils.quantity(), MAX_WRITE_COILS)?;
            }
            Self::WriteMultipleRegisters { start, values } => {
                values.validate()?;
                check_range(*start, values.quantity(), MAX_WRITE_REGISTERS)?;
            }
            Self::ReadFileRecord(items) => {
                items.validate()?;
                check_byte_count(items.wire_len(), &FILE_READ_BYTE_COUNT)?;
            }
            Self::WriteFileRecord(items) => {
                items.validate()?;
                check_byte_count(items.wire_len(), &FILE_WRITE_BYTE_COUNT)?;
            }
            Self::ReadWriteMultipleRegisters {
                read,
                write_start,
                values,
            } => {
                check_range(read.start(), read.quantity(), MAX_RW_READ_REGISTERS)?;
                check_range(*write_start, values.quantity(), MAX_RW_WRITE_REGISTERS)?;
            }
            Self::UserDefined { function, .. }
                if !FunctionCode::from(*function).is_user_defined() =>
            {
                return Err(InvalidPdu::NotUserDefined(*function));
            }
            _ => {}
        }
        let len = self.encoded_len();
        if len > MAX_PDU_LEN {
            return Err(InvalidPdu::PduTooLong(crate::wire::len16(len)));
        }
        Ok(())
    }
}

pub(crate) fn check_range(start: u16, quantity: u16, max: u16) -> Result<(), InvalidPdu> {
    AddressRange::new_checked(start, quantity, max).map(drop)
}

pub(crate) fn check_byte_count(
    len: usize,
    range: &core::ops::RangeInclusive<u8>,
) -> Result<(), InvalidPdu> {
    match u8::try_from(len) {
        Ok(count) if range.contains(&count) => Ok(()),
        _ => Err(InvalidPdu::ByteCountRange(crate::wire::len16(len))),
    }
}

/// A byte count field for `len` bytes.
pub(crate) fn byte_count(len: usize) -> Result<u8, InvalidPdu> {
    u8::try_from(len).map_err(|_| InvalidPdu::ByteCountRange(crate::wire::len16(len)))
}

pub(crate) fn byte_count_error(declared: u8, expected: u16) -> DecodeError {
    InvalidPdu::ByteCount {
        declared: declared.into(),
        expected,
    }
    .into()
}

/// A quantity within `1..=max`: the check MB-AP's state diagrams make first (exception 03).
fn check_quantity(quantity: u16, max: u16) -> Result<(), DecodeError> {
    if quantity == 0 || quantity > max {
        return Err(InvalidPdu::Quantity { quantity, max }.into());
    }
    Ok(())
}

#[inline]
pub(crate) fn read_range(r: &mut Reader<'_>, max: u16) -> Result<AddressRange, DecodeError> {
    let start = r.u16()?;
    let quantity = r.u16()?;
    Ok(AddressRange::new_checked(start, quantity, max)?)
}

fn write_range(w: &mut Writer<'_>, range: &AddressRange) -> Result<(), EncodeError> {
    w.u16(range.start())?;
    w.u16(range.quantity())
}

/// FC 05 output value: 0xFF00 is ON, 0x0000 is OFF, anything else is refused.
pub(crate) fn read_coil_value(r: &mut Reader<'_>) -> Result<bool, DecodeError> {
    match r.u16()? {
        COIL_ON => Ok(true),
        COIL_OFF => Ok(false),
        other => Err(InvalidPdu::CoilValue(other).into()),
    }
}

/// A byte count within `range`, then that many bytes of items.
pub(crate) fn read_counted_seq<'a, T: WireItem<'a>>(
    r: &mut Reader<'a>,
    range: &core::ops::RangeInclusive<u8>,
) -> Result<Seq<'a, T>, DecodeError> {
    let count = r.u8()?;
    if !range.contains(&count) {
        return Err(InvalidPdu::ByteCountRange(count.into()).into());
    }
    Seq::from_wire(r.take(count.into())?)
}

/// Reads `byte_count` bytes of register values, which must be `2 * quantity`.
fn read_registers<'a>(
    r: &mut Reader<'a>,
    quantity: u16,
    byte_count: u8,
) -> Result<Registers<'a>, DecodeError> {
    let expected = quantity.saturating_mul(2);
    if u16::from(byte_count) != expected {
        return Err(byte_count_error(byte_count, expected));
    }
    Registers::from_wire(r.take(byte_count.into())?)
}
