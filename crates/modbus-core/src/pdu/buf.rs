//! An owned PDU in fixed storage, for queues and for serde, with no allocator.

use core::fmt;

use crate::constants::MAX_PDU_LEN;
use crate::error::{DecodeError, EncodeError};
use crate::pdu::{Request, Response};
use crate::wire::len16;

/// An owned PDU of 1..=253 bytes in a 254-byte value (no heap).
///
/// Holds encoded bytes; [`request`](Self::request) and [`response`](Self::response) decode views
/// over them. With the `serde` feature it serialises as a byte string.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PduBuf {
    len: u8,
    bytes: [u8; MAX_PDU_LEN],
}

impl PduBuf {
    /// Copies `pdu`.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Truncated`] when empty, [`DecodeError::TrailingBytes`] above 253 bytes.
    pub fn new_checked(pdu: &[u8]) -> Result<Self, DecodeError> {
        let len = u8::try_from(pdu.len())
            .ok()
            .filter(|len| (1..=MAX_PDU_LEN).contains(&usize::from(*len)))
            .ok_or(if pdu.is_empty() {
                DecodeError::Truncated {
                    expected: 1,
                    actual: 0,
                }
            } else {
                DecodeError::TrailingBytes {
                    expected: len16(MAX_PDU_LEN),
                    actual: len16(pdu.len()),
                }
            })?;
        let mut bytes = [0u8; MAX_PDU_LEN];
        if let Some(dst) = bytes.get_mut(..pdu.len()) {
            dst.copy_from_slice(pdu);
        }
        Ok(Self { len, bytes })
    }

    /// Encodes `request`.
    ///
    /// # Errors
    ///
    /// As [`Request::encode`].
    pub fn from_request(request: &Request<'_>) -> Result<Self, EncodeError> {
        let mut bytes = [0u8; MAX_PDU_LEN];
        let len = request.encode(&mut bytes)?;
        Ok(Self {
            len: u8::try_from(len).unwrap_or(u8::MAX),
            bytes,
        })
    }

    /// Encodes `response`.
    ///
    /// # Errors
    ///
    /// As [`Response::encode`].
    pub fn from_response(response: &Response<'_>) -> Result<Self, EncodeError> {
        let mut bytes = [0u8; MAX_PDU_LEN];
        let len = response.encode(&mut bytes)?;
        Ok(Self {
            len: u8::try_from(len).unwrap_or(u8::MAX),
            bytes,
        })
    }

    /// The PDU bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// Decodes the bytes as a request.
    ///
    /// # Errors
    ///
    /// As [`Request::decode`].
    pub fn request(&self) -> Result<Request<'_>, DecodeError> {
        Request::decode(self.as_bytes())
    }

    /// Decodes the bytes as a response.
    ///
    /// # Errors
    ///
    /// As [`Response::decode`].
    pub fn response(&self) -> Result<Response<'_>, DecodeError> {
        Response::decode(self.as_bytes())
    }
}

impl fmt::Debug for PduBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PduBuf({:02X?})", self.as_bytes())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for PduBuf {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.as_bytes())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for PduBuf {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = PduBuf;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Modbus PDU of 1 to 253 bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<PduBuf, E> {
                PduBuf::new_checked(v).map_err(E::custom)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<PduBuf, A::Error> {
                let mut bytes = [0u8; MAX_PDU_LEN];
                let mut len = 0usize;
                while let Some(byte) = seq.next_element::<u8>()? {
                    let slot = bytes.get_mut(len).ok_or_else(|| {
                        serde::de::Error::invalid_length(len.saturating_add(1), &self)
                    })?;
                    *slot = byte;
                    len = len.saturating_add(1);
                }
                PduBuf::new_checked(bytes.get(..len).unwrap_or_default())
                    .map_err(serde::de::Error::custom)
            }
        }
        deserializer.deserialize_bytes(Visitor)
    }
}
