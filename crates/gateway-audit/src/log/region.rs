//! The storage as the log lays it out: two header slots, then the ring, whose offsets wrap.
//! Reads whole records off the ring and searches it for them; knows nothing of the log's
//! policy (capacity, overflow, the chain).

use super::LogError;
use super::chain::Tag;
use super::layout::{
    self, Header, MAX_RECORD_LEN, Prefix, RECORD_CRC, RECORD_HEADER, RING_START, SLOT_LEN,
};
use super::storage::Storage;

/// A record found whole on the ring (its bytes are in [`Region::scratch`]).
#[derive(Clone, Copy, Debug)]
pub(super) struct Found {
    pub(super) len: usize,
    pub(super) sequence: u64,
    pub(super) tag: Tag,
}

/// A [`Storage`] with the log's layout, and the buffer a record is read into or encoded in.
#[derive(Debug)]
pub(super) struct Region<S> {
    pub(super) storage: S,
    ring_len: usize,
    /// The record last read, or the one being written.
    pub(super) scratch: [u8; MAX_RECORD_LEN],
}

impl<S: Storage> Region<S> {
    /// The region over `storage`, whose capacity the caller has checked against
    /// [`MIN_CAPACITY`](layout::MIN_CAPACITY).
    pub(super) fn new(storage: S) -> Self {
        let ring_len = storage.capacity().saturating_sub(RING_START);
        Self {
            storage,
            ring_len,
            scratch: [0; MAX_RECORD_LEN],
        }
    }

    /// The ring's length in bytes.
    pub(super) fn ring_len(&self) -> usize {
        self.ring_len
    }

    /// The ring offset `offset` bytes from its start, wrapped.
    pub(super) fn wrap(&self, offset: usize) -> usize {
        offset % self.ring_len
    }

    /// The payload of the record last read or encoded, `len` bytes long in all.
    pub(super) fn payload(&self, len: usize) -> &[u8] {
        self.scratch
            .get(RECORD_HEADER..len.saturating_sub(RECORD_CRC))
            .unwrap_or_default()
    }

    /// Completes the record encoded in the scratch buffer: its `prefix` in front, its CRC
    /// under `epoch` behind.
    pub(super) fn seal(&mut self, prefix: Prefix, epoch: u32) {
        let payload_end = prefix.len.saturating_sub(RECORD_CRC);
        if let Some(header) = self.scratch.get_mut(..RECORD_HEADER) {
            header.copy_from_slice(&prefix.to_bytes());
        }
        let body = self.scratch.get(..payload_end).unwrap_or_default();
        let crc = layout::record_crc(epoch, body);
        if let Some(trailer) = self.scratch.get_mut(payload_end..prefix.len) {
            trailer.copy_from_slice(&crc.to_be_bytes());
        }
    }

    /// Writes the first `len` bytes of the scratch buffer into the ring at `at`.
    pub(super) fn write_scratch(
        &mut self,
        at: usize,
        len: usize,
    ) -> Result<(), LogError<S::Error>> {
        let data = self.scratch.get(..len).unwrap_or_default();
        write_wrapped(&mut self.storage, self.ring_len, at, data)
    }

    pub(super) fn read_prefix(&mut self, at: usize) -> Result<Prefix, LogError<S::Error>> {
        let mut bytes = [0u8; RECORD_HEADER];
        read_wrapped(&mut self.storage, self.ring_len, at, &mut bytes)?;
        Ok(Prefix::parse(&bytes))
    }

    /// Reads the record at ring offset `at` into the scratch buffer if it is whole (its CRC
    /// under `epoch`), numbered above `after`, and fits in the ring beside `used` bytes.
    pub(super) fn read_record(
        &mut self,
        at: usize,
        after: u64,
        used: usize,
        epoch: u32,
    ) -> Result<Option<Found>, LogError<S::Error>> {
        let Prefix { len, sequence, tag } = self.read_prefix(at)?;
        if !(RECORD_HEADER + RECORD_CRC..=MAX_RECORD_LEN).contains(&len)
            || used + len > self.ring_len
            || sequence <= after
        {
            return Ok(None);
        }
        let record = self.scratch.get_mut(..len).unwrap_or_default();
        read_wrapped(&mut self.storage, self.ring_len, at, record)?;
        let (body, crc) = record.split_at(len - RECORD_CRC);
        if layout::record_crc(epoch, body).to_be_bytes() != crc {
            return Ok(None);
        }
        Ok(Some(Found { len, sequence, tag }))
    }

    /// The first whole record numbered above `after` in the free part of the ring that starts
    /// at `tail` after `used` bytes of records: only damage can put one there. Numbers further
    /// ahead than the ring could ever hold are taken for noise.
    pub(super) fn later_record(
        &mut self,
        tail: usize,
        used: usize,
        after: u64,
        epoch: u32,
    ) -> Result<Option<Found>, LogError<S::Error>> {
        let most_records = (self.ring_len / (RECORD_HEADER + RECORD_CRC)) as u64;
        let horizon = after.saturating_add(most_records + 2);
        let free = self.ring_len - used;
        self.scan(tail + 1, free.saturating_sub(1), after, epoch, |found| {
            found.sequence <= horizon
        })
    }

    /// The number the damaged record at ring offset `at` claims, if its prefix survived and
    /// the number lies in `after + 1..=limit`.
    pub(super) fn damaged_number(
        &mut self,
        at: usize,
        after: u64,
        limit: u64,
    ) -> Result<Option<u64>, LogError<S::Error>> {
        let claimed = self.read_prefix(at)?.sequence;
        Ok((claimed > after && claimed <= limit).then_some(claimed))
    }

    /// Whether a whole record numbered `after + 1` exists anywhere in the ring.
    pub(super) fn record_with_sequence_exists(
        &mut self,
        from: usize,
        after: u64,
        epoch: u32,
    ) -> Result<bool, LogError<S::Error>> {
        let next = after.saturating_add(1);
        let found = self.scan(from, self.ring_len, after, epoch, |found| {
            found.sequence == next
        })?;
        Ok(found.is_some())
    }

    /// The first whole record numbered above `after` that `accept` takes, trying each of
    /// `steps` byte offsets from ring offset `from`.
    fn scan(
        &mut self,
        from: usize,
        steps: usize,
        after: u64,
        epoch: u32,
        accept: impl Fn(&Found) -> bool,
    ) -> Result<Option<Found>, LogError<S::Error>> {
        for step in 0..steps {
            let at = self.wrap(from + step);
            if let Some(found) = self.read_record(at, after, 0, epoch)? {
                if accept(&found) {
                    return Ok(Some(found));
                }
            }
        }
        Ok(None)
    }

    /// The header in force: the whole slot of the higher generation, or `None` on blank
    /// storage.
    ///
    /// # Errors
    ///
    /// [`LogError::BadHeader`] when both slots carry the magic and neither is whole.
    pub(super) fn read_header(&mut self) -> Result<Option<Header>, LogError<S::Error>> {
        let mut best: Option<Header> = None;
        let mut magic_slots = 0;
        for slot in 0..2 {
            let bytes = self.read_slot(slot)?;
            magic_slots += usize::from(layout::has_magic(&bytes));
            if let Some(header) = Header::decode(&bytes, self.ring_len) {
                if best.is_none_or(|best| header.generation > best.generation) {
                    best = Some(header);
                }
            }
        }
        match best {
            Some(header) => Ok(Some(header)),
            // A new log writes both slots before any record, so one slot with the magic and
            // no whole header is a power cut during that first write: nothing to recover.
            None if magic_slots == 2 => Err(LogError::BadHeader),
            None => Ok(None),
        }
    }

    /// The highest epoch and generation any header slot carries, whole or not, for a format
    /// to step past.
    pub(super) fn old_marks(&mut self) -> Result<(u32, u32), LogError<S::Error>> {
        let (mut epoch, mut generation) = (0u32, 0u32);
        for slot in 0..2 {
            if let Some((slot_generation, slot_epoch)) = layout::marks(&self.read_slot(slot)?) {
                generation = generation.max(slot_generation);
                epoch = epoch.max(slot_epoch);
            }
        }
        Ok((epoch, generation))
    }

    /// Writes `header` as its next generation, into the slot not holding the current one.
    pub(super) fn write_header(&mut self, header: &mut Header) -> Result<(), LogError<S::Error>> {
        header.generation = header.generation.wrapping_add(1);
        let bytes = header.encode(self.ring_len);
        self.storage
            .write(header.slot_offset(), &bytes)
            .map_err(LogError::Storage)
    }

    fn read_slot(&mut self, slot: usize) -> Result<[u8; SLOT_LEN], LogError<S::Error>> {
        let mut bytes = [0u8; SLOT_LEN];
        self.storage
            .read(slot * SLOT_LEN, &mut bytes)
            .map_err(LogError::Storage)?;
        Ok(bytes)
    }
}

/// Reads `buf.len()` bytes of the ring from offset `at`, wrapping at the end.
fn read_wrapped<S: Storage>(
    storage: &mut S,
    ring_len: usize,
    at: usize,
    buf: &mut [u8],
) -> Result<(), LogError<S::Error>> {
    let first = buf.len().min(ring_len - at);
    let (a, b) = buf.split_at_mut(first);
    storage
        .read(RING_START + at, a)
        .map_err(LogError::Storage)?;
    if !b.is_empty() {
        storage.read(RING_START, b).map_err(LogError::Storage)?;
    }
    Ok(())
}

/// Writes `data` into the ring at offset `at`, wrapping at the end.
fn write_wrapped<S: Storage>(
    storage: &mut S,
    ring_len: usize,
    at: usize,
    data: &[u8],
) -> Result<(), LogError<S::Error>> {
    let first = data.len().min(ring_len - at);
    let (a, b) = data.split_at(first);
    storage
        .write(RING_START + at, a)
        .map_err(LogError::Storage)?;
    if !b.is_empty() {
        storage.write(RING_START, b).map_err(LogError::Storage)?;
    }
    Ok(())
}
