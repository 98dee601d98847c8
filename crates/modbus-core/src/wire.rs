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
    #[inline(never)]
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

/// Moves `buf[from..]` to the front of `buf`, as `copy_within(from.., 0)` does, but by a
/// forward byte loop: the only overlapping copy the crate makes goes toward the start, where
/// copying forward is safe, and without it a firmware links the 1.5 KiB `memmove` for it.
/// Frames are at most 513 bytes, and the shift happens once per buffer fill, not per byte.
pub(crate) fn shift_to_front(buf: &mut [u8], from: usize) {
    let len = buf.len().saturating_sub(from);
    for to in 0..len {
        if let Some(&byte) = buf.get(to.saturating_add(from)) {
            if let Some(slot) = buf.get_mut(to) {
                *slot = byte;
            }
        }
    }
}

/// A length as `u16` for error reports; every length this crate reports fits, and a larger one
/// saturates instead of wrapping.
pub(crate) fn len16(len: usize) -> u16 {
    u16::try_from(len).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifting_to_the_front_moves_overlapping_bytes_as_copy_within_does() {
        for len in 0..8 {
            for from in 0..=len + 1 {
                let mut ours = [0u8, 1, 2, 3, 4, 5, 6, 7];
                let mut theirs = ours;
                shift_to_front(&mut ours[..len], from);
                theirs.copy_within(from.min(len)..len, 0);
                assert_eq!(ours, theirs, "{len} {from}");
            }
        }
    }
}
