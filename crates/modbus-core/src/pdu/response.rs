//! Responses: what a server sends and a client decodes.

use crate::constants::*;
use crate::error::{DecodeError, EncodeError, InvalidPdu};
use crate::exception::ExceptionCode;
use crate::function::FunctionCode;
use crate::pdu::request::{
    byte_count, byte_count_error, check_byte_count, check_range, read_coil_value, read_counted_seq,
    read_range,
};
use crate::pdu::{
    Coils, ConformityLevel, DeviceIdentification, Diagnostic, FileRecord, FileSubResponse,
    ReadDeviceIdCode, Registers, Seq, SubFunction, check_pdu_len, finish_encode,
};
use crate::types::AddressRange;
use crate::wire::{Reader, Writer, len16};

/// A response PDU, borrowing its repeated fields from the input or from the caller.
///
/// A response does not repeat the quantity it answers: read-coil responses hold whole bytes
/// (take the requested quantity with [`Coils::truncate`]), and matching a response to its
/// request is the gateway engine's job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Response<'a> {
    /// FC 01: 1..=250 bytes of coil states.
    ReadCoils(Coils<'a>),
    /// FC 02: 1..=250 bytes of input states.
    ReadDiscreteInputs(Coils<'a>),
    /// FC 03: 1..=125 registers.
    ReadHoldingRegisters(Registers<'a>),
    /// FC 04: 1..=125 registers.
    ReadInputRegisters(Registers<'a>),
    /// FC 05, echoing the request.
    WriteSingleCoil {
        /// Output address.
        address: u16,
        /// The state written.
        value: bool,
    },
    /// FC 06, echoing the request.
    WriteSingleRegister {
        /// Register address.
        address: u16,
        /// The value written.
        value: u16,
    },
    /// FC 07: eight exception status outputs.
    ReadExceptionStatus(u8),
    /// FC 08.
    Diagnostics(Diagnostic<'a>),
    /// FC 0B.
    GetCommEventCounter {
        /// True when a previous command is still being processed (status 0xFFFF).
        busy: bool,
        /// Successful message completions.
        event_count: u16,
    },
    /// FC 0C.
    GetCommEventLog {
        /// True when a previous command is still being processed (status 0xFFFF).
        busy: bool,
        /// Successful message completions.
        event_count: u16,
        /// Messages processed since the last restart.
        message_count: u16,
        /// 0..=64 event bytes, most recent first.
        events: &'a [u8],
    },
    /// FC 0F, echoing the address and quantity written.
    WriteMultipleCoils(AddressRange),
    /// FC 10, echoing the address and quantity written.
    WriteMultipleRegisters(AddressRange),
    /// FC 11: device-specific data (server id, run indicator 0x00/0xFF, additional data).
    ReportServerId(&'a [u8]),
    /// FC 14: one sub-response per sub-request.
    ReadFileRecord(Seq<'a, FileSubResponse<'a>>),
    /// FC 15, echoing the request.
    WriteFileRecord(Seq<'a, FileRecord<'a>>),
    /// FC 16, echoing the request.
    MaskWriteRegister {
        /// Register address.
        address: u16,
        /// AND mask.
        and_mask: u16,
        /// OR mask.
        or_mask: u16,
    },
    /// FC 17: the registers read.
    ReadWriteMultipleRegisters(Registers<'a>),
    /// FC 18: 0..=31 queued values.
    ReadFifoQueue(Registers<'a>),
    /// FC 2B/0E.
    ReadDeviceIdentification(DeviceIdentification<'a>),
    /// FC 2B/0D, raw bytes after the MEI type.
    CanOpenGeneralReference(&'a [u8]),
    /// An exception response (function code with bit 0x80 set).
    Exception {
        /// The function code of the request, without the exception bit.
        function: FunctionCode,
        /// Why the request failed.
        code: ExceptionCode,
    },
    /// A user-defined function code (65-72, 100-110) with its raw data.
    UserDefined {
        /// The function code.
        function: u8,
        /// The bytes after the function code.
        data: &'a [u8],
    },
}

impl<'a> Response<'a> {
    /// Decodes a response PDU (function code first).
    ///
    /// Bounded work: one pass over at most 253 bytes; never panics.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] naming the first field that breaks the specification.
    pub fn decode(pdu: &'a [u8]) -> Result<Self, DecodeError> {
        check_pdu_len(pdu)?;
        let mut r = Reader::new(pdu);
        let function = r.u8()?;
        if function & EXCEPTION_BIT != 0 {
            let response = Self::Exception {
                function: FunctionCode::from(function & !EXCEPTION_BIT),
                code: ExceptionCode::from(r.u8()?),
            };
            r.finish()?;
            return Ok(response);
        }
        let response = match FunctionCode::from(function) {
            FunctionCode::ReadCoils => Self::ReadCoils(read_bits(&mut r)?),
            FunctionCode::ReadDiscreteInputs => Self::ReadDiscreteInputs(read_bits(&mut r)?),
            FunctionCode::ReadHoldingRegisters => {
                Self::ReadHoldingRegisters(read_counted_registers(&mut r)?)
            }
            FunctionCode::ReadInputRegisters => {
                Self::ReadInputRegisters(read_counted_registers(&mut r)?)
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
            FunctionCode::ReadExceptionStatus => Self::ReadExceptionStatus(r.u8()?),
            FunctionCode::Diagnostics => {
                let sub_function = SubFunction::try_from(r.u16()?)?;
                let data = Registers::from_wire(r.rest())?;
                Self::Diagnostics(Diagnostic { sub_function, data })
            }
            FunctionCode::GetCommEventCounter => Self::GetCommEventCounter {
                busy: read_status(&mut r)?,
                event_count: r.u16()?,
            },
            FunctionCode::GetCommEventLog => {
                let count = r.u8()?;
                let mut body = Reader::new(r.take(count.into())?);
                let response = Self::GetCommEventLog {
                    busy: read_status(&mut body)?,
                    event_count: body.u16()?,
                    message_count: body.u16()?,
                    events: body.rest(),
                };
                response.validate()?;
                response
            }
            FunctionCode::WriteMultipleCoils => {
                Self::WriteMultipleCoils(read_range(&mut r, MAX_WRITE_COILS)?)
            }
            FunctionCode::WriteMultipleRegisters => {
                Self::WriteMultipleRegisters(read_range(&mut r, MAX_WRITE_REGISTERS)?)
            }
            FunctionCode::ReportServerId => {
                let count = r.u8()?;
                Self::ReportServerId(r.take(count.into())?)
            }
            FunctionCode::ReadFileRecord => {
                Self::ReadFileRecord(read_counted_seq(&mut r, &FILE_READ_RESPONSE_BYTE_COUNT)?)
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
                Self::ReadWriteMultipleRegisters(read_counted_registers(&mut r)?)
            }
            FunctionCode::ReadFifoQueue => {
                let byte_count = r.u16()?;
                let fifo_count = r.u16()?;
                if fifo_count > MAX_FIFO_COUNT {
                    return Err(InvalidPdu::Quantity {
                        quantity: fifo_count,
                        max: MAX_FIFO_COUNT,
                    }
                    .into());
                }
                let expected = fifo_count.saturating_mul(2).saturating_add(2);
                if byte_count != expected {
                    return Err(InvalidPdu::ByteCount {
                        declared: byte_count,
                        expected,
                    }
                    .into());
                }
                Self::ReadFifoQueue(Registers::from_wire(r.take(usize::from(fifo_count) * 2)?)?)
            }
            FunctionCode::EncapsulatedInterfaceTransport => match r.u8()? {
                MEI_READ_DEVICE_IDENTIFICATION => {
                    let code = ReadDeviceIdCode::try_from(r.u8()?)?;
                    let conformity = ConformityLevel::new_checked(r.u8()?)?;
                    let more_follows = match r.u8()? {
                        MORE_FOLLOWS => true,
                        NO_MORE_FOLLOWS => false,
                        other => return Err(InvalidPdu::MoreFollows(other).into()),
                    };
                    let next_object_id = r.u8()?;
                    let declared = r.u8()?;
                    let objects = Seq::from_wire(r.rest())?;
                    if objects.len() != usize::from(declared) {
                        let actual = u8::try_from(objects.len()).unwrap_or(u8::MAX);
                        return Err(InvalidPdu::ObjectCount { declared, actual }.into());
                    }
                    Self::ReadDeviceIdentification(DeviceIdentification {
                        code,
                        conformity,
                        more_follows,
                        next_object_id,
                        objects,
                    })
                }
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
        response.validate()?;
        Ok(response)
    }

    /// An exception response to a request with `function`.
    pub fn exception(function: FunctionCode, code: ExceptionCode) -> Self {
        Self::Exception { function, code }
    }

    /// The exception response a server must send for a request PDU that failed to decode
    /// with `error`, or `None` when the specification says to stay silent (damaged frames) or
    /// the PDU has no function code.
    ///
    /// ```
    /// use modbus_core::{ExceptionCode, FunctionCode, Request, Response};
    /// let pdu = [0x03, 0x00, 0x00, 0x00, 0x7E]; // 126 registers: one too many
    /// let err = Request::decode(&pdu).unwrap_err();
    /// assert_eq!(
    ///     Response::exception_for(&pdu, &err),
    ///     Some(Response::exception(FunctionCode::ReadHoldingRegisters, ExceptionCode::IllegalDataValue))
    /// );
    /// ```
    pub fn exception_for(request_pdu: &[u8], error: &DecodeError) -> Option<Response<'static>> {
        let function = FunctionCode::from(*request_pdu.first()? & !EXCEPTION_BIT);
        Some(Response::Exception {
            function,
            code: error.exception_code()?,
        })
    }

    /// The function code, without the exception bit for exception responses.
    pub fn function(&self) -> FunctionCode {
        match self {
            Self::ReadCoils(_) => FunctionCode::ReadCoils,
            Self::ReadDiscreteInputs(_) => FunctionCode::ReadDiscreteInputs,
            Self::ReadHoldingRegisters(_) => FunctionCode::ReadHoldingRegisters,
            Self::ReadInputRegisters(_) => FunctionCode::ReadInputRegisters,
            Self::WriteSingleCoil { .. } => FunctionCode::WriteSingleCoil,
            Self::WriteSingleRegister { .. } => FunctionCode::WriteSingleRegister,
            Self::ReadExceptionStatus(_) => FunctionCode::ReadExceptionStatus,
            Self::Diagnostics(_) => FunctionCode::Diagnostics,
            Self::GetCommEventCounter { .. } => FunctionCode::GetCommEventCounter,
            Self::GetCommEventLog { .. } => FunctionCode::GetCommEventLog,
            Self::WriteMultipleCoils(_) => FunctionCode::WriteMultipleCoils,
            Self::WriteMultipleRegisters(_) => FunctionCode::WriteMultipleRegisters,
            Self::ReportServerId(_) => FunctionCode::ReportServerId,
            Self::ReadFileRecord(_) => FunctionCode::ReadFileRecord,
            Self::WriteFileRecord(_) => FunctionCode::WriteFileRecord,
            Self::MaskWriteRegister { .. } => FunctionCode::MaskWriteRegister,
            Self::ReadWriteMultipleRegisters(_) => FunctionCode::ReadWriteMultipleRegisters,
            Self::ReadFifoQueue(_) => FunctionCode::ReadFifoQueue,
            Self::ReadDeviceIdentification(_) | Self::CanOpenGeneralReference(_) => {
                FunctionCode::EncapsulatedInterfaceTransport
            }
            Self::Exception { function, .. } => *function,
            Self::UserDefined { function, .. } => FunctionCode::from(*function),
        }
    }

    /// The encoded size in bytes.
    pub fn encoded_len(&self) -> usize {
        let data = match self {
            Self::ReadExceptionStatus(_) | Self::Exception { .. } => 1,
            Self::WriteSingleCoil { .. }
            | Self::WriteSingleRegister { .. }
            | Self::GetCommEventCounter { .. }
            | Self::WriteMultipleCoils(_)
            | Self::WriteMultipleRegisters(_) => 4,
            Self::MaskWriteRegister { .. } => 6,
            Self::ReadCoils(coils) | Self::ReadDiscreteInputs(coils) => {
                coils.wire_len().saturating_add(1)
            }
            Self::ReadHoldingRegisters(values)
            | Self::ReadInputRegisters(values)
            | Self::ReadWriteMultipleRegisters(values) => values.wire_len().saturating_add(1),
            Self::Diagnostics(d) => d.data.wire_len().saturating_add(2),
            Self::GetCommEventLog { events, .. } => events.len().saturating_add(7),
            Self::ReportServerId(data) => data.len().saturating_add(1),
            Self::ReadFileRecord(items) => items.wire_len().saturating_add(1),
            Self::WriteFileRecord(items) => items.wire_len().saturating_add(1),
            Self::ReadFifoQueue(values) => values.wire_len().saturating_add(4),
            Self::ReadDeviceIdentification(id) => id.objects.wire_len().saturating_add(6),
            Self::CanOpenGeneralReference(data) => data.len().saturating_add(1),
            Self::UserDefined { data, .. } => data.len(),
        };
        data.saturating_add(1)
    }

    /// Encodes the response PDU into `buf` and returns its length.
    ///
    /// # Errors
    ///
    /// [`EncodeError::BufferTooSmall`] with the size needed, before anything is written;
    /// [`EncodeError::Invalid`] when the response breaks a rule of the specification.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        self.validate()?;
        let mut w = Writer::with_capacity(buf, self.encoded_len())?;
        match self {
            Self::Exception { function, code } => {
                w.u8(function.value() | EXCEPTION_BIT)?;
                w.u8((*code).into())?;
                return finish_encode(&w);
            }
            other => w.u8(other.function().value())?,
        }
        match self {
            Self::ReadCoils(coils) | Self::ReadDiscreteInputs(coils) => {
                w.u8(byte_count(coils.wire_len())?)?;
                coils.write(&mut w)?;
            }
            Self::ReadHoldingRegisters(values)
            | Self::ReadInputRegisters(values)
            | Self::ReadWriteMultipleRegisters(values) => {
                w.u8(byte_count(values.wire_len())?)?;
                values.write(&mut w)?;
            }
            Self::WriteSingleCoil { address, value } => {
                w.u16(*address)?;
                w.u16(if *value { COIL_ON } else { COIL_OFF })?;
            }
            Self::WriteSingleRegister { address, value } => {
                w.u16(*address)?;
                w.u16(*value)?;
            }
            Self::ReadExceptionStatus(status) => w.u8(*status)?,
            Self::Diagnostics(d) => {
                w.u16(d.sub_function.into())?;
                d.data.write(&mut w)?;
            }
            Self::GetCommEventCounter { busy, event_count } => {
                w.u16(status_word(*busy))?;
                w.u16(*event_count)?;
            }
            Self::GetCommEventLog {
                busy,
                event_count,
                message_count,
                events,
            } => {
                w.u8(byte_count(events.len().saturating_add(6))?)?;
                w.u16(status_word(*busy))?;
                w.u16(*event_count)?;
                w.u16(*message_count)?;
                w.bytes(events)?;
            }
            Self::WriteMultipleCoils(range) | Self::WriteMultipleRegisters(range) => {
                w.u16(range.start())?;
                w.u16(range.quantity())?;
            }
            Self::ReportServerId(data) => {
                w.u8(byte_count(data.len())?)?;
                w.bytes(data)?;
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
            Self::ReadFifoQueue(values) => {
                w.u16(len16(values.wire_len().saturating_add(2)))?;
                w.u16(values.quantity())?;
                values.write(&mut w)?;
            }
            Self::ReadDeviceIdentification(id) => {
                w.u8(MEI_READ_DEVICE_IDENTIFICATION)?;
                w.u8(id.code.into())?;
                w.u8(id.conformity.value())?;
                w.u8(if id.more_follows {
                    MORE_FOLLOWS
                } else {
                    NO_MORE_FOLLOWS
                })?;
                w.u8(id.next_object_id)?;
                w.u8(
                    u8::try_from(id.objects.len()).map_err(|_| InvalidPdu::ObjectCount {
                        declared: u8::MAX,
                        actual: u8::MAX,
                    })?,
                )?;
                id.objects.write(&mut w)?;
            }
            Self::CanOpenGeneralReference(data) => {
                w.u8(MEI_CANOPEN_GENERAL_REFERENCE)?;
                w.bytes(data)?;
            }
            Self::UserDefined { data, .. } => w.bytes(data)?,
            Self::Exception { .. } => {}
        }
        finish_encode(&w)
    }

    /// Encodes into a [`bytes::BufMut`].
    ///
    /// # Errors
    ///
    /// As [`Response::encode`], with the buffer's remaining capacity as its size.
    #[cfg(feature = "bytes")]
    pub fn encode_to<B: bytes::BufMut>(&self, buf: &mut B) -> Result<usize, EncodeError> {
        super::put_encoded(buf, |pdu| self.encode(pdu))
    }

    fn validate(&self) -> Result<(), InvalidPdu> {
        match self {
            Self::ReadCoils(coils) | Self::ReadDiscreteInputs(coils) => {
                check_nonempty_count(coils.wire_len(), usize::from(MAX_READ_BITS).div_ceil(8))?;
            }
            Self::ReadHoldingRegisters(values)
            | Self::ReadInputRegisters(values)
            | Self::ReadWriteMultipleRegisters(values) => {
                check_nonempty_count(values.len(), MAX_READ_REGISTERS.into())?;
            }
            Self::Diagnostics(d) => d.validate(false)?,
            Self::GetCommEventLog { events, .. } if events.len() > MAX_COMM_EVENTS => {
                return Err(InvalidPdu::EventCount(len16(events.len())));
            }
            Self::WriteMultipleCoils(range) => {
                check_range(range.start(), range.quantity(), MAX_WRITE_COILS)?;
            }
            Self::WriteMultipleRegisters(range) => {
                check_range(range.start(), range.quantity(), MAX_WRITE_REGISTERS)?;
            }
            Self::ReadFileRecord(items) => {
                check_byte_count(items.wire_len(), &FILE_READ_RESPONSE_BYTE_COUNT)?
            }
            Self::WriteFileRecord(items) => {
                items.validate()?;
                check_byte_count(items.wire_len(), &FILE_WRITE_BYTE_COUNT)?;
            }
            Self::ReadFifoQueue(values) if values.len() > usize::from(MAX_FIFO_COUNT) => {
                return Err(InvalidPdu::Quantity {
                    quantity: values.quantity(),
                    max: MAX_FIFO_COUNT,
                });
            }
            Self::ReadDeviceIdentification(id) => id.objects.validate()?,
            Self::UserDefined { function, .. }
                if !FunctionCode::from(*function).is_user_defined() =>
            {
                return Err(InvalidPdu::NotUserDefined(*function));
            }
            _ => {}
        }
        let len = self.encoded_len();
        if len > MAX_PDU_LEN {
            return Err(InvalidPdu::PduTooLong(len16(len)));
        }
        Ok(())
    }
}

fn check_nonempty_count(count: usize, max: usize) -> Result<(), InvalidPdu> {
    if count == 0 || count > max {
        return Err(InvalidPdu::Quantity {
            quantity: len16(count),
            max: len16(max),
        });
    }
    Ok(())
}

fn read_bits<'a>(r: &mut Reader<'a>) -> Result<Coils<'a>, DecodeError> {
    let count = r.u8()?;
    let bytes = r.take(count.into())?;
    Coils::from_wire(bytes, usize::from(count).saturating_mul(8))
        .ok_or_else(|| byte_count_error(count, len16(bytes.len())))
}

fn read_counted_registers<'a>(r: &mut Reader<'a>) -> Result<Registers<'a>, DecodeError> {
    let count = r.u8()?;
    if count % 2 != 0 {
        return Err(InvalidPdu::ByteCountRange(count.into()).into());
    }
    Registers::from_wire(r.take(count.into())?)
}

fn read_status(r: &mut Reader<'_>) -> Result<bool, DecodeError> {
    match r.u16()? {
        0 => Ok(false),
        STATUS_BUSY => Ok(true),
        other => Err(InvalidPdu::Status(other).into()),
    }
}

fn status_word(busy: bool) -> u16 {
    if busy { STATUS_BUSY } else { 0 }
}
