//! Numbers from the Modbus specifications, named.
//!
//! Sources: Modbus Application Protocol Specification v1.1b3 (MB-AP), Modbus over Serial Line
//! Specification and Implementation Guide v1.02 (MB-SL), Modbus Messaging on TCP/IP
//! Implementation Guide v1.0b (MB-TCP).

/// Largest PDU: function code plus 252 data bytes (MB-AP 4.1).
pub const MAX_PDU_LEN: usize = 253;
/// Largest RTU ADU: address + PDU + CRC (MB-SL 2.5.1).
pub const MAX_RTU_ADU_LEN: usize = 256;
/// Smallest RTU ADU: address, function code, CRC.
pub const MIN_RTU_ADU_LEN: usize = 4;
/// Largest TCP ADU: MBAP header + PDU (MB-TCP 3.1.3).
pub const MAX_TCP_ADU_LEN: usize = 260;
/// MBAP header length, including the unit identifier.
pub const MBAP_LEN: usize = 7;
/// Smallest legal MBAP length field: unit identifier plus function code.
pub const MIN_MBAP_LENGTH: u16 = 2;
/// Largest legal MBAP length field: unit identifier plus a 253-byte PDU.
pub const MAX_MBAP_LENGTH: u16 = 254;
/// The only protocol identifier of Modbus (MB-TCP 3.1.3).
pub const MODBUS_PROTOCOL_ID: u16 = 0x0000;
/// Largest ASCII ADU in characters: ':' + hex(address, PDU, LRC) + CR LF (MB-SL 2.5.2.1).
pub const MAX_ASCII_ADU_LEN: usize = 513;

/// Broadcast address on a serial line (MB-SL 2.2).
pub const BROADCAST_ADDRESS: u8 = 0x00;
/// Highest individual slave address (MB-SL 2.2); 248-255 are reserved.
pub const MAX_SLAVE_ADDRESS: u8 = 247;
/// Unit identifier a Modbus TCP server addresses itself with when it has no sub-devices
/// (MB-TCP 4.4.2).
pub const TCP_SELF_UNIT_ID: u8 = 0xFF;

/// Set in the function code of an exception response (MB-AP 7).
pub const EXCEPTION_BIT: u8 = 0x80;

/// FC 05 value meaning ON (MB-AP 6.5).
pub const COIL_ON: u16 = 0xFF00;
/// FC 05 value meaning OFF (MB-AP 6.5).
pub const COIL_OFF: u16 = 0x0000;

/// FC 01/02 maximum quantity of coils or inputs (MB-AP 6.1, 6.2).
pub const MAX_READ_BITS: u16 = 2000;
/// FC 03/04 maximum quantity of registers (MB-AP 6.3, 6.4).
pub const MAX_READ_REGISTERS: u16 = 125;
/// FC 0F maximum quantity of outputs (MB-AP 6.11).
pub const MAX_WRITE_COILS: u16 = 1968;
/// FC 10 maximum quantity of registers (MB-AP 6.12).
pub const MAX_WRITE_REGISTERS: u16 = 123;
/// FC 17 maximum quantity to read (MB-AP 6.17).
pub const MAX_RW_READ_REGISTERS: u16 = 125;
/// FC 17 maximum quantity to write (MB-AP 6.17).
pub const MAX_RW_WRITE_REGISTERS: u16 = 121;
/// FC 18 maximum FIFO count (MB-AP 6.18).
pub const MAX_FIFO_COUNT: u16 = 31;
/// FC 0C maximum number of event bytes in the log (MB-AP 6.10).
pub const MAX_COMM_EVENTS: usize = 64;

/// FC 14/15 reference type (MB-AP 6.14, 6.15).
pub const FILE_REFERENCE_TYPE: u8 = 0x06;
/// FC 14/15 highest record number (MB-AP 6.14).
pub const MAX_FILE_RECORD_NUMBER: u16 = 0x270F;
/// FC 14 request byte count range (MB-AP 6.14).
pub const FILE_READ_BYTE_COUNT: core::ops::RangeInclusive<u8> = 0x07..=0xF5;
/// FC 14 response data length range. MB-AP 6.14 repeats the request's 0x07..=0xF5 here,
/// which would refuse the 4-byte answer to a one-record read; a response is accepted from its
/// smallest possible size (one sub-response with no records: 2 bytes).
pub const FILE_READ_RESPONSE_BYTE_COUNT: core::ops::RangeInclusive<u8> = 0x02..=0xF5;
/// FC 15 request data length range (MB-AP 6.15).
pub const FILE_WRITE_BYTE_COUNT: core::ops::RangeInclusive<u8> = 0x09..=0xFB;

/// FC 2B MEI type: CANopen General Reference (MB-AP 6.20).
pub const MEI_CANOPEN_GENERAL_REFERENCE: u8 = 0x0D;
/// FC 2B MEI type: Read Device Identification (MB-AP 6.21).
pub const MEI_READ_DEVICE_IDENTIFICATION: u8 = 0x0E;
/// FC 2B/0E "more follows" value meaning another transaction is needed.
pub const MORE_FOLLOWS: u8 = 0xFF;
/// FC 2B/0E "more follows" value meaning the list is complete.
pub const NO_MORE_FOLLOWS: u8 = 0x00;

/// FC 0B / 0C status word: a previous command is still being processed (MB-AP 6.9).
pub const STATUS_BUSY: u16 = 0xFFFF;
