//! The hand-written near-limit: the least any correct translation does. TCP -> RTU checks the
//! MBAP header, copies unit and PDU and appends the CRC; RTU -> TCP checks the CRC and copies
//! unit and PDU behind a new header. Nothing is decoded. The CRC is the fastest safe one known
//! to us, `modbus_core::rtu::crc16` (the `crc` crate's slice-by-16 tables with a one-step tail;
//! the `crc16` bench group compares it with the crate's own loop). `memcpy` is the copy alone.

use modbus_core::rtu::crc16;

/// A Modbus TCP ADU to RTU in `out`: its length, or `None` when the header is wrong.
pub fn tcp_to_rtu(tcp: &[u8], out: &mut [u8]) -> Option<usize> {
    let (header, body) = tcp.split_at_checked(6)?;
    let length = usize::from(u16::from_be_bytes([header[4], header[5]]));
    if header[2..4] != [0, 0] || length != body.len() {
        return None;
    }
    let (copy, crc) = out.get_mut(..body.len() + 2)?.split_at_mut(body.len());
    copy.copy_from_slice(body);
    crc.copy_from_slice(&crc16(body).to_le_bytes());
    Some(body.len() + 2)
}

/// An RTU ADU to Modbus TCP with `transaction` in `out`: its length, or `None` when the CRC is
/// wrong.
pub fn rtu_to_tcp(rtu: &[u8], transaction: u16, out: &mut [u8]) -> Option<usize> {
    let (body, crc) = rtu.split_at_checked(rtu.len().checked_sub(2)?)?;
    if crc16(body).to_le_bytes() != crc {
        return None;
    }
    let length = u16::try_from(body.len()).ok()?;
    let (header, copy) = out.get_mut(..body.len() + 6)?.split_at_mut(6);
    header[..2].copy_from_slice(&transaction.to_be_bytes());
    header[2..4].copy_from_slice(&[0, 0]);
    header[4..].copy_from_slice(&length.to_be_bytes());
    copy.copy_from_slice(body);
    Some(body.len() + 6)
}

/// The copy alone.
pub fn memcpy(bytes: &[u8], out: &mut [u8]) {
    out[..bytes.len()].copy_from_slice(bytes);
}
