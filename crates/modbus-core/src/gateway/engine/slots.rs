//! The request slots: one request from arrival to answer, in a fixed table. A slot holds the
//! request as it will leave (RTU for a serial line, TCP for an upstream server) and then, in
//! the same buffer, the answer as it will leave.

use crate::constants::{MAX_TCP_ADU_LEN, MBAP_LEN};
use crate::error::EncodeError;
use crate::gateway::id::{ChannelId, ConnectionId, SlotId};
use crate::tcp::MbapHeader;
use crate::types::UnitId;

/// Where a slot is in its life, with what only that stage has.
///
/// This and the other enums of a slot have tags of their own, 0 for a free slot's value, so
/// that a free slot is zero bytes (see `Gateway::unconfigured`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum SlotState {
    Free,
    /// Waiting for its serial line (master mode) or its upstream connection (slave mode),
    /// after `attempts` transmissions (more than 0: waiting to be retried).
    Queued {
        attempts: u8,
    },
    /// Sent as attempt number `attempt`; waiting for the answer.
    OnTheBus {
        attempt: u8,
    },
    /// The answer is in the buffer, waiting for `poll_transmit`.
    Answered,
}

/// Who gets the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Owner {
    /// Nobody: the client left while its request was on the line. First, so that a free
    /// slot is zero bytes (see `Gateway::unconfigured`).
    Orphan,
    Client(ConnectionId),
    /// The serial master on a channel in slave mode.
    Serial(ChannelId),
}

/// Where the request goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Target {
    None,
    Serial {
        channel: ChannelId,
        slave: UnitId,
        /// False for broadcasts and FC 08/04, which leave without waiting.
        awaits_answer: bool,
    },
    Upstream {
        upstream: u8,
        /// The serial address the master used, for the reply.
        slave: UnitId,
    },
}

impl Target {
    pub(super) fn serial_channel(self) -> Option<ChannelId> {
        match self {
            Self::Serial { channel, .. } => Some(channel),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Slot {
    pub(super) state: SlotState,
    pub(super) owner: Owner,
    pub(super) target: Target,
    /// The client's header (master mode) or the one sent upstream (slave mode).
    pub(super) header: MbapHeader,
    /// From the priority port: served before the standard port's requests.
    pub(super) priority: bool,
    /// Arrival order.
    seq: u64,
    len: usize,
    buf: [u8; MAX_TCP_ADU_LEN],
}

impl Slot {
    const FREE: Self = Self {
        state: SlotState::Free,
        owner: Owner::Orphan,
        target: Target::None,
        header: MbapHeader {
            transaction_id: 0,
            protocol_id: 0,
            length: 0,
            unit_id: UnitId(0),
        },
        priority: false,
        seq: 0,
        len: 0,
        buf: [0; MAX_TCP_ADU_LEN],
    };

    /// The frame it holds: the request to send, or the answer.
    pub(super) fn frame(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    /// Replaces the frame with what `encode` writes into the buffer.
    ///
    /// # Errors
    ///
    /// `encode`'s; the slot then holds no frame.
    pub(super) fn write(
        &mut self,
        encode: impl FnOnce(&mut [u8]) -> Result<usize, EncodeError>,
    ) -> Result<(), EncodeError> {
        self.len = 0;
        self.len = encode(&mut self.buf)?;
        Ok(())
    }

    /// The PDU of the RTU request it holds (master mode).
    pub(super) fn rtu_request_pdu(&self) -> &[u8] {
        self.buf
            .get(1..self.len.saturating_sub(2))
            .unwrap_or_default()
    }

    /// The PDU of the TCP request it holds (slave mode).
    pub(super) fn tcp_request_pdu(&self) -> &[u8] {
        self.buf.get(MBAP_LEN..self.len).unwrap_or_default()
    }

    /// Transmissions so far.
    pub(super) fn attempts(&self) -> u8 {
        match self.state {
            SlotState::Queued { attempts } => attempts,
            SlotState::OnTheBus { attempt } => attempt,
            SlotState::Free | SlotState::Answered => 0,
        }
    }

    /// Whether it waits for its first transmission on `channel`.
    pub(super) fn is_new_on(&self, channel: ChannelId) -> bool {
        self.state == (SlotState::Queued { attempts: 0 })
            && self.target.serial_channel() == Some(channel)
    }

    fn release(&mut self) {
        self.state = SlotState::Free;
        self.owner = Owner::Orphan;
        self.target = Target::None;
    }

    /// Whether it waits for a transmission on `channel`, first or retry.
    pub(super) fn is_queued_on(&self, channel: ChannelId) -> bool {
        matches!(self.state, SlotState::Queued { .. })
            && self.target.serial_channel() == Some(channel)
    }

    /// Whether a client's answer is still to come (or to be sent).
    pub(super) fn is_pending_for(&self, connection: ConnectionId) -> bool {
        self.state != SlotState::Free && self.owner == Owner::Client(connection)
    }

    /// The order in which slots of the same rank are served.
    pub(super) fn seq(&self) -> u64 {
        self.seq
    }
}

/// The slot table.
#[derive(Debug)]
pub(super) struct Slots<const N: usize> {
    table: [Slot; N],
    next_seq: u64,
}

impl<const N: usize> Slots<N> {
    pub(super) const fn new() -> Self {
        Self {
            table: [const { Slot::FREE }; N],
            next_seq: 0,
        }
    }

    /// Frees every slot.
    pub(super) fn clear(&mut self) {
        self.table.iter_mut().for_each(Slot::release);
        self.next_seq = 0;
    }

    /// A free slot for a request of `owner` with `header`, queued with no target yet.
    pub(super) fn take(&mut self, owner: Owner, header: MbapHeader) -> Option<SlotId> {
        let index = self.table.iter().position(|s| s.state == SlotState::Free)?;
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        let slot = self.table.get_mut(index)?;
        // Field by field: the 260-byte buffer is overwritten by whoever fills it.
        slot.state = SlotState::Queued { attempts: 0 };
        slot.owner = owner;
        slot.target = Target::None;
        slot.header = header;
        slot.priority = false;
        slot.seq = seq;
        slot.len = 0;
        Some(SlotId::at(index))
    }

    pub(super) fn free(&mut self, id: SlotId) {
        if let Some(slot) = self.get_mut(id) {
            slot.release();
        }
    }

    pub(super) fn get(&self, id: SlotId) -> Option<&Slot> {
        self.table.get(id.index())
    }

    pub(super) fn get_mut(&mut self, id: SlotId) -> Option<&mut Slot> {
        self.table.get_mut(id.index())
    }

    pub(super) fn has_free(&self) -> bool {
        self.table.iter().any(|s| s.state == SlotState::Free)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (SlotId, &Slot)> {
        self.table
            .iter()
            .enumerate()
            .map(|(index, slot)| (SlotId::at(index), slot))
    }

    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = (SlotId, &mut Slot)> {
        self.table
            .iter_mut()
            .enumerate()
            .map(|(index, slot)| (SlotId::at(index), slot))
    }

    /// How many slots `wanted` takes.
    pub(super) fn count(&self, wanted: impl Fn(&Slot) -> bool) -> usize {
        self.table.iter().filter(|s| wanted(s)).count()
    }

    /// The earliest-arrived slot that `wanted` takes.
    pub(super) fn oldest(&self, wanted: impl Fn(&Slot) -> bool) -> Option<SlotId> {
        self.first_by(wanted, Slot::seq)
    }

    /// The earliest-arrived answer that may leave. A client's answers leave in the order its
    /// requests arrived: one the gateway made itself (a denial, 0x0A, a malformed request's
    /// exception) waits for the client's earlier requests still on their line, so that a
    /// pipelining client that reads answers in order gets each its own.
    pub(super) fn next_answer(&self) -> Option<SlotId> {
        // One pass finds the oldest answer and the oldest busy slot: when they are the same,
        // nothing can be ahead of it (the usual case, and the only one with one client).
        let (mut oldest_busy, mut oldest_answer) = (u64::MAX, None);
        for (index, slot) in self.table.iter().enumerate() {
            if slot.state == SlotState::Free {
                continue;
            }
            oldest_busy = oldest_busy.min(slot.seq);
            if slot.state == SlotState::Answered
                && oldest_answer.is_none_or(|(_, seq)| slot.seq < seq)
            {
                oldest_answer = Some((index, slot.seq));
            }
        }
        match oldest_answer {
            None => None,
            Some((index, seq)) if seq == oldest_busy => Some(SlotId::at(index)),
            Some(_) => {
                self.oldest(|slot| slot.state == SlotState::Answered && !self.answers_earlier(slot))
            }
        }
    }

    /// Whether a request of `slot`'s client that arrived before it is still unanswered.
    fn answers_earlier(&self, slot: &Slot) -> bool {
        matches!(slot.owner, Owner::Client(_))
            && self.table.iter().any(|other| {
                other.state != SlotState::Free && other.owner == slot.owner && other.seq < slot.seq
            })
    }

    /// The slot `wanted` takes with the lowest `rank`.
    pub(super) fn first_by<K: Ord>(
        &self,
        wanted: impl Fn(&Slot) -> bool,
        rank: impl Fn(&Slot) -> K,
    ) -> Option<SlotId> {
        // By index, and the id made once at the end: this runs on every poll_transmit.
        self.table
            .iter()
            .enumerate()
            .filter(|(_, s)| wanted(s))
            .min_by_key(|(_, s)| rank(s))
            .map(|(index, _)| SlotId::at(index))
    }
}
