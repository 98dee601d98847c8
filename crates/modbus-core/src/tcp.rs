//! Modbus TCP: the MBAP header and ADU, framed by the MBAP length field (MB-TCP 3.1.3).
//!
//! Frames are delimited by the length field alone, never by the function code, so that a
//! gateway forwards PDUs it does not understand.

use crate::constants::{
    MAX_MBAP_LENGTH, MAX_TCP_ADU_LEN, MBAP_LEN, MIN_MBAP_LENGTH, MODBUS_PROTOCOL_ID,
};
use crate::error::{DecodeError, EncodeError};
use crate::types::UnitId;
use crate::wire::len16;
use crate::zeroed::Zeroed;

/// The MBAP header (MB-TCP 3.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct MbapHeader {
    /// Chosen by the client, echoed by the server.
    pub transaction_id: u16,
    /// 0 for Modbus.
    pub protocol_id: u16,
    /// Bytes that follow: unit identifier plus PDU, 2..=254.
    pub length: u16,
    /// The unit identifier (the serial slave behind a gateway).
    pub unit_id: UnitId,
}

impl MbapHeader {
    /// Parses and checks the header at the start of `bytes`.
    ///
    /// Protocol id and length are checked as soon as their bytes are present, so a stream that
    /// announces an impossible length fails at once instead of waiting for bytes that never
    /// come.
    ///
    /// # Errors
    ///
    /// [`DecodeError::ProtocolId`], [`DecodeError::MbapLength`], or
    /// [`DecodeError::Truncated`] when fewer than 7 bytes are present.
    #[inline]
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let field = |at: usize| match bytes.get(at..) {
            Some([hi, lo, ..]) => Some(u16::from_be_bytes([*hi, *lo])),
            _ => None,
        };
        if let Some(protocol_id) = field(2) {
            if protocol_id != MODBUS_PROTOCOL_ID {
                return Err(DecodeError::ProtocolId(protocol_id));
            }
        }
        if let Some(length) = field(4) {
            if !(MIN_MBAP_LENGTH..=MAX_MBAP_LENGTH).contains(&length) {
                return Err(DecodeError::MbapLength(length));
            }
        }
        match bytes.first_chunk::<MBAP_LEN>() {
            Some(&[t0, t1, p0, p1, l0, l1, unit]) => Ok(Self {
                transaction_id: u16::from_be_bytes([t0, t1]),
                protocol_id: u16::from_be_bytes([p0, p1]),
                length: u16::from_be_bytes([l0, l1]),
                unit_id: UnitId(unit),
            }),
            None => Err(DecodeError::Truncated {
                expected: len16(MBAP_LEN),
                actual: len16(bytes.len()),
            }),
        }
    }

    /// The header's 7 bytes.
    pub fn to_bytes(&self) -> [u8; MBAP_LEN] {
        let [t0, t1] = self.transaction_id.to_be_bytes();
        let [p0, p1] = self.protocol_id.to_be_bytes();
        let [l0, l1] = self.length.to_be_bytes();
        [t0, t1, p0, p1, l0, l1, self.unit_id.0]
    }

    /// The ADU length this header announces: 6 + `length`.
    pub fn adu_len(&self) -> usize {
        usize::from(self.length).saturating_add(MBAP_LEN - 1)
    }
}

/// A checked view of one TCP ADU: a valid MBAP header followed by exactly `length - 1` PDU
/// bytes (1..=253).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpFrame<'a> {
    header: MbapHeader,
    adu: &'a [u8],
}

impl<'a> TcpFrame<'a> {
    /// Checks that `adu` is exactly one ADU.
    ///
    /// # Errors
    ///
    /// As [`MbapHeader::decode`], plus [`DecodeError::Truncated`] or
    /// [`DecodeError::TrailingBytes`] when the length field disagrees with `adu.len()`.
    #[inline]
    pub fn new_checked(adu: &'a [u8]) -> Result<Self, DecodeError> {
        let header = MbapHeader::decode(adu)?;
        let expected = header.adu_len();
        if adu.len() < expected {
            return Err(DecodeError::Truncated {
                expected: len16(expected),
                actual: len16(adu.len()),
            });
        }
        if adu.len() > expected {
            return Err(DecodeError::TrailingBytes {
                expected: len16(expected),
                actual: len16(adu.len()),
            });
        }
        Ok(Self { header, adu })
    }

    /// The MBAP header.
    pub fn header(&self) -> MbapHeader {
        self.header
    }

    /// The unit identifier.
    pub fn unit_id(&self) -> UnitId {
        self.header.unit_id
    }

    /// The PDU.
    pub fn pdu(&self) -> &'a [u8] {
        self.adu.get(MBAP_LEN..).unwrap_or_default()
    }

    /// The whole ADU.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.adu
    }
}

/// Finds the first ADU in a stream buffer without copying.
///
/// `Ok(Some(frame))` consumed `frame.as_bytes().len()` bytes; `Ok(None)` needs more bytes;
/// an error means the stream cannot be resynchronised and the connection should be closed.
///
/// # Errors
///
/// As [`MbapHeader::decode`], as soon as the offending field has arrived.
pub fn parse_frame(stream: &[u8]) -> Result<Option<TcpFrame<'_>>, DecodeError> {
    let header = match MbapHeader::decode(stream) {
        Ok(header) => header,
        Err(DecodeError::Truncated { .. }) => return Ok(None),
        Err(err) => return Err(err),
    };
    Ok(stream
        .get(..header.adu_len())
        .map(|adu| TcpFrame { header, adu }))
}

/// Writes a TCP ADU around a PDU that `encode_pdu` writes in place, and returns its length.
///
/// ```
/// use modbus_core::{pdu::Request, tcp, types::{AddressRange, UnitId}};
/// let request = Request::ReadHoldingRegisters(AddressRange::new_checked(0x006B, 3, 125)?);
/// let mut out = [0u8; 260];
/// let len = tcp::encode_frame(1, UnitId(0x11), &mut out, |pdu| request.encode(pdu))?;
/// assert_eq!(&out[..len], [0, 1, 0, 0, 0, 6, 0x11, 0x03, 0x00, 0x6B, 0x00, 0x03]);
/// # Ok::<(), modbus_core::Error>(())
/// ```
///
/// # Errors
///
/// What `encode_pdu` returns, or [`EncodeError::BufferTooSmall`].
pub fn encode_frame(
    transaction_id: u16,
    unit_id: UnitId,
    out: &mut [u8],
    encode_pdu: impl FnOnce(&mut [u8]) -> Result<usize, EncodeError>,
) -> Result<usize, EncodeError> {
    let (header, pdu) = out
        .split_at_mut_checked(MBAP_LEN)
        .ok_or(EncodeError::BufferTooSmall {
            required: MBAP_LEN + 1,
        })?;
    let pdu_len = encode_pdu(pdu).map_err(|err| match err {
        EncodeError::BufferTooSmall { required } => EncodeError::BufferTooSmall {
            required: required.saturating_add(MBAP_LEN),
        },
        other => other,
    })?;
    let length = u16::try_from(pdu_len.saturating_add(1)).unwrap_or(u16::MAX);
    if !(MIN_MBAP_LENGTH..=MAX_MBAP_LENGTH).contains(&length) {
        return Err(EncodeError::Frame(DecodeError::MbapLength(length)));
    }
    header.copy_from_slice(
        &MbapHeader {
            transaction_id,
            protocol_id: MODBUS_PROTOCOL_ID,
            length,
            unit_id,
        }
        .to_bytes(),
    );
    Ok(pdu_len.saturating_add(MBAP_LEN))
}

/// A TCP deframer with its own 260-byte buffer, for callers that read into small buffers.
/// Callers that keep their own read buffer can use [`parse_frame`] and copy nothing.
///
/// Call [`handle_bytes`](Self::handle_bytes), then [`poll_frame`](Self::poll_frame) until it
/// returns `Ok(None)`. After an error the stream is unrecoverable: the deframer keeps
/// returning it, and the connection should be closed.
#[derive(Clone, Debug)]
pub struct TcpDeframer {
    buf: [u8; MAX_TCP_ADU_LEN],
    len: usize,
    yielded: usize,
    error: Zeroed<DecodeError>,
}

impl Default for TcpDeframer {
    fn default() -> Self {
        Self::new()
    }
}

impl TcpDeframer {
    /// An empty deframer.
    pub const fn new() -> Self {
        Self {
            buf: [0; MAX_TCP_ADU_LEN],
            len: 0,
            yielded: 0,
            error: Zeroed::None,
        }
    }

    /// Takes bytes read from the connection and returns how many were accepted; poll the
    /// frames out, then pass the rest again.
    pub fn handle_bytes(&mut self, bytes: &[u8]) -> usize {
        self.drop_yielded();
        let accepted = bytes.len().min(MAX_TCP_ADU_LEN.saturating_sub(self.len));
        let end = self.len.saturating_add(accepted);
        if let (Some(dst), Some(src)) = (self.buf.get_mut(self.len..end), bytes.get(..accepted)) {
            dst.copy_from_slice(src);
            self.len = end;
        }
        accepted
    }

    /// The next complete frame, `Ok(None)` when more bytes are needed.
    ///
    /// # Errors
    ///
    /// The framing error that ended the stream.
    pub fn poll_frame(&mut self) -> Result<Option<TcpFrame<'_>>, DecodeError> {
        self.drop_yielded();
        if let Some(err) = self.error.get() {
            return Err(err);
        }
        let data = self.buf.get(..self.len).unwrap_or_default();
        match parse_frame(data) {
            Ok(Some(frame)) => {
                self.yielded = frame.as_bytes().len();
                Ok(Some(frame))
            }
            Ok(None) => Ok(None),
            Err(err) => {
                self.error = Zeroed::Some(err);
                Err(err)
            }
        }
    }

    /// Bytes the next frame still lacks (the rest of the MBAP header first, then the rest of
    /// the ADU); 0 when a frame or an error is ready to poll. Callers that apply
    /// back-pressure pass no more than this, so that no complete frame waits inside.
    pub fn missing(&self) -> usize {
        let data = self.buf.get(self.yielded..self.len).unwrap_or_default();
        if self.error.is_some() {
            return 0;
        }
        match MbapHeader::decode(data) {
            Ok(header) => header.adu_len().saturating_sub(data.len()),
            Err(DecodeError::Truncated { .. }) => MBAP_LEN.saturating_sub(data.len()),
            Err(_) => 0,
        }
    }

    /// Bytes buffered and not yet yielded.
    pub fn buffered(&self) -> usize {
        self.len.saturating_sub(self.yielded)
    }

    fn drop_yielded(&mut self) {
        if self.yielded > 0 {
            let buffered = self.buf.get_mut(..self.len).unwrap_or_default();
            crate::wire::shift_to_front(buffered, self.yielded);
            self.len = self.len.saturating_sub(self.yielded);
            self.yielded = 0;
        }
    }
}
