//! The on-disk layout: the header slots in front of the ring, a stored record's fixed
//! prefix and its CRC. See the [module documentation](super) for the picture.

use crc::{CRC_32_ISCSI, Crc};

use super::chain::{TAG_LEN, Tag};
use super::codec;

/// Header slot length.
pub(super) const SLOT_LEN: usize = 4 + 4 + 4 + 4 + 4 + 8 + TAG_LEN + 8 + 8 + 8 + TAG_LEN + 4 + 4;
/// Where the ring starts.
pub(super) const RING_START: usize = 2 * SLOT_LEN;
const MAGIC: &[u8; 4] = b"GAL2";
pub(super) const STATE_OPEN: u32 = 1;
pub(super) const STATE_STOPPED: u32 = 2;
/// The overflow record has been written since the last clear or format.
pub(super) const STATE_OVERFLOWED: u32 = 4;
/// Record prefix: length, sequence, tag.
pub(super) const RECORD_HEADER: usize = 2 + 8 + TAG_LEN;
pub(super) const RECORD_CRC: usize = 4;
/// The longest stored record.
pub const MAX_RECORD_LEN: usize = RECORD_HEADER + codec::MAX_PAYLOAD_LEN + RECORD_CRC;
/// The smallest storage: headers and room for two of the longest records.
pub const MIN_CAPACITY: usize = RING_START + 2 * MAX_RECORD_LEN;

const CRC32C: Crc<u32> = Crc::<u32>::new(&CRC_32_ISCSI);

/// One header slot's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Header {
    pub(super) generation: u32,
    /// Taken anew by every format; part of every record's CRC.
    pub(super) epoch: u32,
    pub(super) state: u32,
    pub(super) head: usize,
    pub(super) head_sequence: u64,
    pub(super) head_prev: Tag,
    pub(super) overwritten: u64,
    pub(super) dropped: u64,
    /// At a clean close: the last record's number and tag (meaningless while open).
    pub(super) closed_last: u64,
    pub(super) closed_tag: Tag,
}

impl Header {
    /// The header of a new, open log.
    pub(super) const NEW: Self = Self {
        generation: 0,
        epoch: 0,
        state: STATE_OPEN,
        head: 0,
        head_sequence: 1,
        head_prev: [0; TAG_LEN],
        overwritten: 0,
        dropped: 0,
        closed_last: 0,
        closed_tag: [0; TAG_LEN],
    };

    /// The header in a slot, if the slot is whole and describes a ring of `ring_len` bytes.
    pub(super) fn decode(bytes: &[u8; SLOT_LEN], ring_len: usize) -> Option<Self> {
        let (body, crc) = bytes.split_last_chunk::<4>()?;
        if !body.starts_with(MAGIC) || CRC32C.checksum(body).to_be_bytes() != *crc {
            return None;
        }
        let mut fields = Fields::new(body);
        fields.take::<4>(); // magic
        let generation = u32::from_be_bytes(fields.take());
        let epoch = u32::from_be_bytes(fields.take());
        let state = u32::from_be_bytes(fields.take());
        let head = u32::from_be_bytes(fields.take()) as usize;
        let head_sequence = u64::from_be_bytes(fields.take());
        let head_prev = fields.take();
        let overwritten = u64::from_be_bytes(fields.take());
        let dropped = u64::from_be_bytes(fields.take());
        let closed_last = u64::from_be_bytes(fields.take());
        let closed_tag = fields.take();
        let stored_ring_len = u32::from_be_bytes(fields.take()) as usize;
        (stored_ring_len == ring_len && head < ring_len).then_some(Self {
            generation,
            epoch,
            state,
            head,
            head_sequence,
            head_prev,
            overwritten,
            dropped,
            closed_last,
            closed_tag,
        })
    }

    /// The slot bytes of this header over a ring of `ring_len` bytes.
    pub(super) fn encode(&self, ring_len: usize) -> [u8; SLOT_LEN] {
        let narrow = |value: usize| u32::try_from(value).unwrap_or(u32::MAX).to_be_bytes();
        let mut bytes = [0u8; SLOT_LEN];
        let mut fields = FieldsMut::new(&mut bytes);
        fields.put(MAGIC);
        fields.put(&self.generation.to_be_bytes());
        fields.put(&self.epoch.to_be_bytes());
        fields.put(&self.state.to_be_bytes());
        fields.put(&narrow(self.head));
        fields.put(&self.head_sequence.to_be_bytes());
        fields.put(&self.head_prev);
        fields.put(&self.overwritten.to_be_bytes());
        fields.put(&self.dropped.to_be_bytes());
        fields.put(&self.closed_last.to_be_bytes());
        fields.put(&self.closed_tag);
        fields.put(&narrow(ring_len));
        let crc = CRC32C.checksum(fields.written());
        fields.put(&crc.to_be_bytes());
        bytes
    }

    /// Where this header's generation is written: the slots alternate.
    pub(super) fn slot_offset(&self) -> usize {
        if self.generation % 2 == 0 {
            0
        } else {
            SLOT_LEN
        }
    }
}

/// Whether a slot carries the magic, whole or not.
pub(super) fn has_magic(bytes: &[u8; SLOT_LEN]) -> bool {
    bytes.starts_with(MAGIC)
}

/// The generation and epoch a slot with the magic carries, whole or not (a damaged slot's
/// fields are still the best guess of what old records were written under).
pub(super) fn marks(bytes: &[u8; SLOT_LEN]) -> Option<(u32, u32)> {
    if !has_magic(bytes) {
        return None;
    }
    let mut fields = Fields::new(bytes);
    fields.take::<4>(); // magic
    let generation = u32::from_be_bytes(fields.take());
    let epoch = u32::from_be_bytes(fields.take());
    Some((generation, epoch))
}

/// The fixed start of a stored record.
#[derive(Clone, Copy, Debug)]
pub(super) struct Prefix {
    pub(super) len: usize,
    pub(super) sequence: u64,
    pub(super) tag: Tag,
}

impl Prefix {
    pub(super) fn parse(bytes: &[u8; RECORD_HEADER]) -> Self {
        let mut fields = Fields::new(bytes);
        Self {
            len: usize::from(u16::from_be_bytes(fields.take())),
            sequence: u64::from_be_bytes(fields.take()),
            tag: fields.take(),
        }
    }

    pub(super) fn to_bytes(self) -> [u8; RECORD_HEADER] {
        let mut bytes = [0u8; RECORD_HEADER];
        let mut fields = FieldsMut::new(&mut bytes);
        fields.put(&u16::try_from(self.len).unwrap_or(u16::MAX).to_be_bytes());
        fields.put(&self.sequence.to_be_bytes());
        fields.put(&self.tag);
        bytes
    }
}

/// A record's CRC-32C: over the log's epoch, then the record up to its CRC field.
pub(super) fn record_crc(epoch: u32, body: &[u8]) -> u32 {
    let mut digest = CRC32C.digest();
    digest.update(&epoch.to_be_bytes());
    digest.update(body);
    digest.finalize()
}

/// Reads fixed-width fields in order from a buffer whose length the caller has checked
/// (missing bytes read as zero).
struct Fields<'b>(&'b [u8]);

impl<'b> Fields<'b> {
    fn new(bytes: &'b [u8]) -> Self {
        Self(bytes)
    }

    fn take<const N: usize>(&mut self) -> [u8; N] {
        match self.0.split_first_chunk::<N>() {
            Some((head, rest)) => {
                self.0 = rest;
                *head
            }
            None => [0; N],
        }
    }
}

/// Writes fixed-width fields in order into a buffer sized for them.
struct FieldsMut<'b> {
    bytes: &'b mut [u8],
    len: usize,
}

impl<'b> FieldsMut<'b> {
    fn new(bytes: &'b mut [u8]) -> Self {
        Self { bytes, len: 0 }
    }

    fn put(&mut self, data: &[u8]) {
        let end = self.len + data.len();
        if let Some(target) = self.bytes.get_mut(self.len..end) {
            target.copy_from_slice(data);
        }
        self.len = end;
    }

    fn written(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}
