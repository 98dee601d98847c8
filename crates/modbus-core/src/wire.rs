//! Bounds-checked cursors over wire bytes. Nothing here can panic.

use crate::error::{DecodeError, EncodeError};

/// Reads big-endian fields from a byte slice. Public only to name it in the sealed
/// `WireItem` trait; the module is private.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    rest: &'a [u8],
    /// Bytes of the whole input, for error offsets.
    total: usize,
}

impl<'a> Reader<'a> {
    #[inline]
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Self {
            rest: input,
            total: input.len(),
        }
    }

    #[cold]
    fn truncated(&self, wanted: usize) -> DecodeError {
        let consumed = self.total.saturating_sub(self.rest.len());
        DecodeError::Truncated {
            expected: len16(consumed.saturating_add(wanted)),
            actual: len16(self.total),
        }
    }

    #[inline]
    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        let (first, rest) = self.rest.split_first().ok_or_else(|| self.truncated(1))?;
        self.rest = rest;
        Ok(*first)
    }

    #[inline]
    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        let (bytes, rest) = self
            .rest
            .split_first_chunk::<2>()
            .ok_or_else(|| self.truncated(2))?;
        self.rest = rest;
        Ok(u16::from_be_bytes(*bytes))
    }

    #[inline]
    pub(crate) fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        let (taken, rest) = self
            .rest
            .split_at_checked(len)
            .ok_or_else(|| self.truncated(len))?;
        self.rest = rest;
        Ok(taken)
    }

    #[inline]
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.rest)
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// Succeeds when every byte has been read.
    #[inline]
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes {
                expected: len16(self.total.saturating_sub(self.rest.len())),
                actual: len16(self.total),
            })
        }
    }
}

/// Writes big-endian fields into a byte slice.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    /// A writer over `buf` after checking that `required` bytes fit, so that the caller learns
    /// the size it needs before anything is written.
    pub(crate) fn with_capacity(buf: &'a mut [u8], required: usize) -> Result<Self, EncodeError> {
        if buf.len() < required {
            return Err(EncodeError::BufferTooSmall { required });
        }
        Ok(Self { buf, pos: 0 })
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        let end = self.pos.saturating_add(bytes.len());
        let dst = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(EncodeError::BufferTooSmall { required: end })?;
        dst.copy_from_slice(bytes);
        self.pos = end;
        Ok(())
    }

    pub(crate) fn u8(&mut self, value: u8) -> Result<(), EncodeError> {
        self.bytes(&[value])
    }

    pub(crate) fn u16(&mut self, value: u16) -> Result<(), EncodeError> {
        self.bytes(&value.to_be_bytes())
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }
}

/// A length as `u16` for error reports; every length this crate reports fits, and a larger one
/// saturates instead of wrapping.
pub(crate) fn len16(len: usize) -> u16 {
    u16::try_from(len).unwrap_or(u16::MAX)
}
