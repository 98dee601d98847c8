//! Where the local log keeps its bytes: a byte-addressable region the caller provides (FRAM,
//! EEPROM, a file, battery-backed RAM, or flash behind an adapter that hides erase pages).

use core::convert::Infallible;

/// A fixed-size, byte-addressable region.
///
/// A write may be cut short by a power loss at any byte: the log's format is designed so that
/// whatever prefix of a write reached the medium, [`LocalLog::open`](super::LocalLog::open)
/// recovers. Writes must reach the medium in order (a later write never lands before an
/// earlier one).
pub trait Storage {
    /// The error of the medium.
    type Error: core::fmt::Debug;

    /// Size of the region in bytes.
    fn capacity(&self) -> usize;

    /// Fills `buf` from `offset`. The log never reads past [`capacity`](Self::capacity).
    ///
    /// # Errors
    ///
    /// The medium's error.
    fn read(&mut self, offset: usize, buf: &mut [u8]) -> Result<(), Self::Error>;

    /// Writes `data` at `offset`. The log never writes past [`capacity`](Self::capacity).
    ///
    /// # Errors
    ///
    /// The medium's error.
    fn write(&mut self, offset: usize, data: &[u8]) -> Result<(), Self::Error>;
}

impl<S: Storage + ?Sized> Storage for &mut S {
    type Error = S::Error;

    fn capacity(&self) -> usize {
        (**self).capacity()
    }

    fn read(&mut self, offset: usize, buf: &mut [u8]) -> Result<(), S::Error> {
        (**self).read(offset, buf)
    }

    fn write(&mut self, offset: usize, data: &[u8]) -> Result<(), S::Error> {
        (**self).write(offset, data)
    }
}

/// Storage in memory: a byte array, a `Vec<u8>` or a borrowed slice. Blank storage is all
/// zeros (or anything without the log's header magic).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryStorage<B>(pub B);

impl<B: AsRef<[u8]> + AsMut<[u8]>> Storage for MemoryStorage<B> {
    type Error = Infallible;

    fn capacity(&self) -> usize {
        self.0.as_ref().len()
    }

    fn read(&mut self, offset: usize, buf: &mut [u8]) -> Result<(), Infallible> {
        let end = offset.saturating_add(buf.len());
        if let Some(source) = self.0.as_ref().get(offset..end) {
            buf.copy_from_slice(source);
        }
        Ok(())
    }

    fn write(&mut self, offset: usize, data: &[u8]) -> Result<(), Infallible> {
        let end = offset.saturating_add(data.len());
        if let Some(target) = self.0.as_mut().get_mut(offset..end) {
            target.copy_from_slice(data);
        }
        Ok(())
    }
}
