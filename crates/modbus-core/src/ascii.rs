//! Modbus ASCII: ':' + hex(address, PDU, LRC) + CR LF (MB-SL 2.5.2).

use crate::constants::{MAX_ASCII_ADU_LEN, MAX_PDU_LEN};
use crate::error::{DecodeError, EncodeError};
use crate::types::UnitId;
use crate::wire::len16;

const START: u8 = b':';
const CR: u8 = b'\r';
/// The default end delimiter; FC 08/03 can change it.
pub const DEFAULT_DELIMITER: u8 = b'\n';
const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Longitudinal redundancy check: the two's complement of the 8-bit sum (MB-SL 6.2.1).
pub fn lrc(bytes: &[u8]) -> u8 {
    bytes
        .iter()
        .fold(0u8, |sum, b| sum.wrapping_add(*b))
        .wrapping_neg()
}

/// Writes `:`, the address, PDU and LRC as upper-case hex, and CR LF; returns the length.
///
/// # Errors
///
/// [`EncodeError::BufferTooSmall`] with the size needed.
pub fn encode_frame(address: UnitId, pdu: &[u8], out: &mut [u8]) -> Result<usize, EncodeError> {
    let required = pdu
        .len()
        .saturating_add(2)
        .saturating_mul(2)
        .saturating_add(3);
    if out.len() < required {
        return Err(EncodeError::BufferTooSmall { required });
    }
    let check = lrc(pdu).wrapping_sub(address.0);
    let mut chars = out.iter_mut();
    let mut put = |c: u8| chars.next().map(|slot| *slot = c);
    put(START);
    for byte in core::iter::once(&address.0)
        .chain(pdu)
        .chain(core::iter::once(&check))
    {
        put(hex_digit(byte >> 4));
        put(hex_digit(byte & 0x0F));
    }
    put(CR);
    put(DEFAULT_DELIMITER);
    Ok(required)
}

/// Decodes one ASCII frame (from ':' to the end delimiter) into `out`: the address and the
/// PDU length, the PDU being `out[..len]`.
///
/// # Errors
///
/// [`DecodeError::AsciiFraming`], [`DecodeError::AsciiHex`], [`DecodeError::Lrc`], or
/// [`DecodeError::Truncated`] for a frame with no PDU.
pub fn decode_frame(frame: &[u8], out: &mut [u8]) -> Result<(UnitId, usize), DecodeError> {
    let body = frame
        .strip_prefix(&[START])
        .and_then(|rest| rest.split_last())
        .and_then(|(_, rest)| rest.strip_suffix(&[CR]))
        .ok_or(DecodeError::AsciiFraming)?;
    if body.len() % 2 != 0 || frame.len() > MAX_ASCII_ADU_LEN {
        return Err(DecodeError::AsciiFraming);
    }
    let mut sum = 0u8;
    let mut written = 0usize;
    let mut address = 0u8;
    let pairs = body.len() / 2;
    if pairs < 3 {
        return Err(DecodeError::Truncated {
            expected: 3,
            actual: len16(pairs),
        });
    }
    for (index, pair) in body.chunks_exact(2).enumerate() {
        let at = index.saturating_mul(2).saturating_add(1);
        let (Some(&hi), Some(&lo)) = (pair.first(), pair.get(1)) else {
            return Err(DecodeError::AsciiFraming);
        };
        let byte = (hex_value(hi).ok_or(DecodeError::AsciiHex(len16(at)))? << 4)
            | hex_value(lo).ok_or(DecodeError::AsciiHex(len16(at.saturating_add(1))))?;
        sum = sum.wrapping_add(byte);
        if index == 0 {
            address = byte;
        } else if index + 1 < pairs {
            let capacity = len16(out.len());
            let slot = out.get_mut(written).ok_or(DecodeError::TrailingBytes {
                expected: capacity,
                actual: len16(pairs),
            })?;
            *slot = byte;
            written = written.saturating_add(1);
        } else if sum != 0 {
            return Err(DecodeError::Lrc {
                received: byte,
                computed: byte.wrapping_sub(sum),
            });
        }
    }
    Ok((UnitId(address), written))
}

fn hex_digit(nibble: u8) -> u8 {
    HEX.get(usize::from(nibble)).copied().unwrap_or(b'0')
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// A decoded ASCII frame, borrowed from the deframer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsciiFrame<'a> {
    /// The slave address.
    pub address: UnitId,
    /// The PDU.
    pub pdu: &'a [u8],
}

/// Streaming ASCII deframer: 513 bytes of line buffer plus a 253-byte PDU buffer, no heap.
///
/// A ':' always starts a new frame (MB-SL 2.5.2.1: a receiver that sees ':' drops the frame
/// in progress); bytes before the first ':' are ignored; a line longer than 513 characters is
/// dropped.
#[derive(Clone, Debug)]
pub struct AsciiDeframer {
    line: [u8; MAX_ASCII_ADU_LEN],
    len: usize,
    /// A ':' has been seen and `line[..len]` is the frame so far.
    in_frame: bool,
    overflowed: bool,
    delimiter: u8,
    pdu: [u8; MAX_PDU_LEN],
}

impl Default for AsciiDeframer {
    fn default() -> Self {
        Self::new()
    }
}

impl AsciiDeframer {
    /// A deframer with the LF end delimiter.
    pub const fn new() -> Self {
        Self {
            line: [0; MAX_ASCII_ADU_LEN],
            len: 0,
            in_frame: false,
            overflowed: false,
            delimiter: DEFAULT_DELIMITER,
            pdu: [0; MAX_PDU_LEN],
        }
    }

    /// Changes the end delimiter (FC 08 sub-function 03).
    pub fn set_delimiter(&mut self, delimiter: u8) {
        self.delimiter = delimiter;
    }

    /// Consumes bytes up to and including the end of the next frame and returns how many were
    /// consumed and whether a frame ended; when it did, take it with
    /// [`frame`](Self::frame) before pushing more.
    pub fn handle_bytes(&mut self, bytes: &[u8]) -> (usize, bool) {
        for (index, &byte) in bytes.iter().enumerate() {
            if byte == START {
                self.in_frame = true;
                self.overflowed = false;
                self.len = 0;
            }
            if !self.in_frame {
                continue;
            }
            match self.line.get_mut(self.len) {
                Some(slot) => {
                    *slot = byte;
                    self.len = self.len.saturating_add(1);
                }
                None => self.overflowed = true,
            }
            let ended = byte == self.delimiter
                && self.len >= 2
                && self.line.get(self.len.saturating_sub(2)) == Some(&CR);
            if ended {
                self.in_frame = false;
                return (index.saturating_add(1), true);
            }
        }
        (bytes.len(), false)
    }

    /// Decodes the frame that the last [`handle_bytes`](Self::handle_bytes) completed.
    ///
    /// # Errors
    ///
    /// As [`decode_frame`]; an overlong line is [`DecodeError::AsciiFraming`].
    pub fn frame(&mut self) -> Result<AsciiFrame<'_>, DecodeError> {
        if self.overflowed {
            return Err(DecodeError::AsciiFraming);
        }
        let line = self.line.get(..self.len).unwrap_or_default();
        // decode_frame expects LF last; the delimiter may have been changed.
        let (address, len) = match line.split_last() {
            Some((_, head)) if self.delimiter != DEFAULT_DELIMITER => {
                let mut copy = [0u8; MAX_ASCII_ADU_LEN];
                let n = head.len().saturating_add(1);
                if let Some(dst) = copy.get_mut(..head.len()) {
                    dst.copy_from_slice(head);
                }
                if let Some(last) = copy.get_mut(head.len()) {
                    *last = DEFAULT_DELIMITER;
                }
                decode_frame(copy.get(..n).unwrap_or_default(), &mut self.pdu)?
            }
            _ => decode_frame(line, &mut self.pdu)?,
        };
        Ok(AsciiFrame {
            address,
            pdu: self.pdu.get(..len).unwrap_or_default(),
        })
    }
}
