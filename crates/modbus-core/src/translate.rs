//! The gateway hot path: TCP ADU <-> RTU ADU, into caller buffers, without allocation.
//!
//! TCP -> RTU drops the MBAP header, keeps the unit id as the slave address and appends the
//! CRC. RTU -> TCP checks the CRC, restores the transaction id, protocol id and unit id of the
//! request, and recomputes the MBAP length. Each input byte is read once by the CRC and copied
//! once.

use crate::constants::MBAP_LEN;
use crate::error::EncodeError;
use crate::rtu::{RtuFrame, seal};
use crate::tcp::{MbapHeader, TcpFrame};
use crate::wire::len16;

/// Translates the Modbus TCP ADU `tcp_adu` into an RTU ADU in `out`.
///
/// Returns the request's MBAP header (keep it to translate the response) and the RTU length.
///
/// ```
/// use modbus_core::translate::{rtu_to_tcp, tcp_to_rtu};
/// let tcp = [0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x11, 0x03, 0x00, 0x6B, 0x00, 0x03];
/// let mut rtu = [0u8; 256];
/// let (header, len) = tcp_to_rtu(&tcp, &mut rtu)?;
/// assert_eq!(&rtu[..len], [0x11, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x76, 0x87]);
///
/// let reply = [0x11, 0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64, 0xC8, 0xBA];
/// let mut out = [0u8; 260];
/// let len = rtu_to_tcp(&reply, &header, &mut out)?;
/// assert_eq!(&out[..len], [0, 1, 0, 0, 0, 9, 0x11, 0x03, 0x06, 0x02, 0x2B, 0, 0, 0, 0x64]);
/// # Ok::<(), modbus_core::EncodeError>(())
/// ```
///
/// # Errors
///
/// [`EncodeError::Frame`] when `tcp_adu` is not exactly one valid ADU;
/// [`EncodeError::BufferTooSmall`] when `out` cannot hold the RTU ADU.
#[inline]
pub fn tcp_to_rtu(tcp_adu: &[u8], out: &mut [u8]) -> Result<(MbapHeader, usize), EncodeError> {
    let frame = TcpFrame::new_checked(tcp_adu)?;
    let pdu = frame.pdu();
    let len = pdu.len().saturating_add(1);
    let required = len.saturating_add(2);
    let (address, body) = out
        .get_mut(..len)
        .and_then(|dst| dst.split_first_mut())
        .ok_or(EncodeError::BufferTooSmall { required })?;
    *address = frame.unit_id().0;
    body.copy_from_slice(pdu);
    Ok((frame.header(), seal(out, len)?))
}

/// Translates the RTU ADU `rtu_adu`, the answer to the request with header `request`, into a
/// Modbus TCP ADU in `out`, and returns its length.
///
/// The unit id is the request's (a slave-id map may have sent it to another address).
///
/// # Errors
///
/// [`EncodeError::Frame`] for a bad length or CRC; [`EncodeError::BufferTooSmall`].
#[inline]
pub fn rtu_to_tcp(
    rtu_adu: &[u8],
    request: &MbapHeader,
    out: &mut [u8],
) -> Result<usize, EncodeError> {
    rtu_frame_to_tcp(RtuFrame::new_checked(rtu_adu)?, request, out)
}

/// [`rtu_to_tcp`] for a frame whose CRC is already checked (by
/// [`RtuFrame::new_checked`], or by the [`RtuDeframer`](crate::rtu::RtuDeframer) that
/// produced it): the bytes are only copied.
///
/// # Errors
///
/// [`EncodeError::BufferTooSmall`].
#[inline]
pub fn rtu_frame_to_tcp(
    frame: RtuFrame<'_>,
    request: &MbapHeader,
    out: &mut [u8],
) -> Result<usize, EncodeError> {
    let pdu = frame.pdu();
    let total = pdu.len().saturating_add(MBAP_LEN);
    let (header, body) = out
        .get_mut(..total)
        .and_then(|dst| dst.split_at_mut_checked(MBAP_LEN))
        .ok_or(EncodeError::BufferTooSmall { required: total })?;
    // 1..=253 PDU bytes (RtuFrame checked 4..=256 bytes with address and CRC): 2..=254 fits.
    let length = len16(pdu.len().saturating_add(1));
    header.copy_from_slice(&MbapHeader { length, ..*request }.to_bytes());
    body.copy_from_slice(pdu);
    Ok(total)
}
