//! The protocol data unit: function code plus data, independent of the transport (MB-AP 4.1).
//!
//! [`Request`] and [`Response`] decode from and encode into byte slices. Repeated fields are
//! zero-copy views ([`Registers`], [`Coils`], [`Seq`]) that borrow the input.

mod buf;
mod data;
mod device_id;
mod diagnostics;
pub(crate) mod request;
mod response;

pub use buf::PduBuf;
pub use data::{
    Coils, DeviceObject, FileRecord, FileSubRequest, FileSubResponse, Registers, Seq, SeqIter,
};
pub use device_id::{ConformityLevel, DeviceIdentification, ReadDeviceIdCode};
pub use diagnostics::{Diagnostic, SubFunction};
pub use request::Request;
pub use response::Response;

use crate::constants::MAX_PDU_LEN;
use crate::error::{DecodeError, EncodeError};
use crate::wire::{Writer, len16};

fn check_pdu_len(pdu: &[u8]) -> Result<(), DecodeError> {
    if pdu.len() > MAX_PDU_LEN {
        return Err(crate::error::InvalidPdu::PduTooLong(len16(pdu.len())).into());
    }
    Ok(())
}

fn finish_encode(w: &Writer<'_>) -> Result<usize, EncodeError> {
    Ok(w.position())
}

/// Encodes a PDU on the stack and puts it into `buf` if it fits.
#[cfg(feature = "bytes")]
fn put_encoded<B: bytes::BufMut>(
    buf: &mut B,
    encode: impl FnOnce(&mut [u8]) -> Result<usize, EncodeError>,
) -> Result<usize, EncodeError> {
    let mut pdu = [0u8; MAX_PDU_LEN];
    let len = encode(&mut pdu)?;
    if buf.remaining_mut() < len {
        return Err(EncodeError::BufferTooSmall { required: len });
    }
    buf.put_slice(pdu.get(..len).unwrap_or_default());
    Ok(len)
}
