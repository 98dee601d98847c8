//! The RTU ADU: slave address, PDU, CRC (MB-SL 2.5.1).

use crate::constants::{MAX_RTU_ADU_LEN, MIN_RTU_ADU_LEN};
use crate::error::{DecodeError, EncodeError};
use crate::rtu::crc16;
use crate::types::UnitId;
use crate::wire::len16;

/// A checked view of one RTU ADU: 4..=256 bytes whose CRC is correct.
///
/// Accessors cannot fail once [`RtuFrame::new_checked`] succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtuFrame<'a> {
    adu: &'a [u8],
}

impl<'a> RtuFrame<'a> {
    /// Checks the length and the CRC of `adu`.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Truncated`] / [`DecodeError::TrailingBytes`] outside 4..=256 bytes,
    /// [`DecodeError::Crc`] when the CRC does not match.
    #[inline]
    pub fn new_checked(adu: &'a [u8]) -> Result<Self, DecodeError> {
        check_len(adu.len())?;
        let (body, crc) = adu.split_last_chunk::<2>().ok_or(DecodeError::Truncated {
            expected: len16(MIN_RTU_ADU_LEN),
            actual: len16(adu.len()),
        })?;
        let received = u16::from_le_bytes(*crc);
        let computed = crc16(body);
        if received != computed {
            return Err(DecodeError::Crc { received, computed });
        }
        Ok(Self { adu })
    }

    /// A view over bytes whose length and CRC the caller has just checked.
    pub(crate) fn new_unchecked(adu: &'a [u8]) -> Self {
        debug_assert!(Self::new_checked(adu).is_ok());
        Self { adu }
    }

    /// The slave address (0 is broadcast, 248-255 are reserved; all are reported).
    pub fn address(&self) -> UnitId {
        UnitId(self.adu.first().copied().unwrap_or_default())
    }

    /// The PDU: function code and data, without address and CRC.
    pub fn pdu(&self) -> &'a [u8] {
        self.adu
            .get(1..self.adu.len().saturating_sub(2))
            .unwrap_or_default()
    }

    /// The function code byte (with the exception bit, if set).
    pub fn function(&self) -> u8 {
        self.adu.get(1).copied().unwrap_or_default()
    }

    /// The whole ADU, CRC included.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.adu
    }
}

fn check_len(len: usize) -> Result<(), DecodeError> {
    if len < MIN_RTU_ADU_LEN {
        return Err(DecodeError::Truncated {
            expected: len16(MIN_RTU_ADU_LEN),
            actual: len16(len),
        });
    }
    if len > MAX_RTU_ADU_LEN {
        return Err(DecodeError::TrailingBytes {
            expected: len16(MAX_RTU_ADU_LEN),
            actual: len16(len),
        });
    }
    Ok(())
}

/// Writes an RTU ADU around a PDU that `encode_pdu` writes in place, and returns the ADU
/// length. The PDU is written once, straight into `out`; nothing is copied.
///
/// ```
/// use modbus_core::{pdu::Request, rtu, types::AddressRange};
/// let request = Request::ReadHoldingRegisters(AddressRange::new_checked(0x006B, 3, 125)?);
/// let mut out = [0u8; 256];
/// let len = rtu::encode_frame(0x11, &mut out, |pdu| request.encode(pdu))?;
/// assert_eq!(&out[..len], [0x11, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x76, 0x87]);
/// # Ok::<(), modbus_core::Error>(())
/// ```
///
/// # Errors
///
/// What `encode_pdu` returns, or [`EncodeError::BufferTooSmall`] when `out` has no room for
/// the address and CRC.
pub fn encode_frame(
    address: u8,
    out: &mut [u8],
    encode_pdu: impl FnOnce(&mut [u8]) -> Result<usize, EncodeError>,
) -> Result<usize, EncodeError> {
    let too_small = EncodeError::BufferTooSmall {
        required: MIN_RTU_ADU_LEN,
    };
    let (first, rest) = out.split_first_mut().ok_or(too_small)?;
    *first = address;
    // Keep two bytes back for the CRC, so that the PDU encoder's size report is exact.
    let room = rest.len().saturating_sub(2);
    let pdu_len =
        encode_pdu(rest.get_mut(..room).unwrap_or_default()).map_err(|err| match err {
            EncodeError::BufferTooSmall { required } => EncodeError::BufferTooSmall {
                required: required.saturating_add(3),
            },
            other => other,
        })?;
    seal(out, pdu_len.saturating_add(1))
}

/// Appends the CRC to the first `len` bytes of `out` (address and PDU already written) and
/// returns the ADU length.
///
/// # Errors
///
/// [`EncodeError::BufferTooSmall`] when `out` has no room for the CRC, or the frame would be
/// longer than 256 bytes.
#[inline]
pub fn seal(out: &mut [u8], len: usize) -> Result<usize, EncodeError> {
    let total = len.saturating_add(2);
    check_len(total)?;
    let too_small = EncodeError::BufferTooSmall { required: total };
    let (body, tail) = out.split_at_mut_checked(len).ok_or(too_small)?;
    tail.get_mut(..2)
        .ok_or(too_small)?
        .copy_from_slice(&crc16(body).to_le_bytes());
    Ok(total)
}
