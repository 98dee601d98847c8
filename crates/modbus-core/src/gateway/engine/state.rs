//! The engine's internal state: request slots, serial channels, connections.

use core::time::Duration;

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SlotState {
    Free,
    /// Waiting for its serial line (master mode) or upstream connection (slave mode).
    Queued,
    /// Sent; waiting for the answer.
    InFlight,
    /// The answer is in the buffer, waiting for `poll_transmit`.
    Ready,
}

/// Who gets the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Owner {
    Client(ConnectionId),
    /// The serial master on a channel in slave mode.
    Serial(ChannelId),
    /// Nobody: the client left while its request was on the line.
    Orphan,
}

/// Where the request goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// One request from arrival to answer: the RTU request (master mode) or TCP request (slave
/// mode), then the answer, in the same buffer.
#[derive(Clone, Debug)]
pub(super) struct Slot {
    pub(super) state: SlotState,
    pub(super) owner: Owner,
    pub(super) target: Target,
    /// The client's header (master mode) or the one sent upstream (slave mode).
    pub(super) header: MbapHeader,
    pub(super) priority: bool,
    pub(super) attempts: u8,
    pub(super) seq: u64,
    pub(super) len: usize,
    pub(super) buf: [u8; MAX_TCP_ADU_LEN],
}

impl Default for Slot {
    fn default() -> Self {
        Self {
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
            attempts: 0,
            seq: 0,
            len: 0,
            buf: [0; MAX_TCP_ADU_LEN],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Flight {
    pub(super) slot: usize,
    pub(super) sent_at: Instant,
    pub(super) deadline: Instant,
    /// Master mode: bytes failed a CRC since the request went out. They may be a garbled
    /// answer or a stray byte in front of a good one; the attempt fails once the line has
    /// gone quiet without a valid answer.
    pub(super) crc_error: bool,
}

/// After a CRC error, the quiet that shows no valid answer is coming: t3.5, but at least a
/// USB-serial adapter's 16 ms latency timer plus scheduling, so that an answer delivered in
/// bursts is not cut off by an early retry.
const QUIET_AFTER_CRC_ERROR: Duration = Duration::from_millis(20);

#[derive(Clone, Debug)]
pub(super) struct Channel {
    pub(super) config: ChannelConfig,
    pub(super) deframer: RtuDeframer,
    pub(super) busy: Option<Flight>,
    /// The line is free for the next frame from here (inter-frame delay, initial delay, the
    /// wait for a late answer).
    pub(super) ready_at: Instant,
    /// When the gateway's last frame has left the line (estimated from the baud rate, or told
    /// by `handle_serial_transmitted`): bytes that arrive before cannot answer it.
    pub(super) sent_until: Instant,
    /// Master mode: the slave whose request timed out on its last attempt, while its answer
    /// may still come (until the next request goes out).
    pub(super) unanswered: Option<UnitId>,
    /// When the last byte that could answer arrived.
    pub(super) last_received: Instant,
    pub(super) last_served: Option<u16>,
    pub(super) echo: Echo,
    pub(super) counters: ChannelCounters,
}

impl Channel {
    /// The channel sends `len` bytes from `now`; returns when they will have left the line.
    pub(super) fn start_transmission(&mut self, len: usize, now: Instant) -> Instant {
        self.counters.bus_messages = self.counters.bus_messages.wrapping_add(1);
        self.unanswered = None;
        self.sent_until = now.saturating_add(self.config.serial.transmission_time(len));
        self.ready_at = self
            .sent_until
            .saturating_add(self.config.inter_frame_delay());
        self.sent_until
    }

    /// When the attempt in flight fails for its CRC error, if it had one.
    pub(super) fn crc_give_up_at(&self) -> Option<Instant> {
        let quiet = self.config.serial.t3_5().max(QUIET_AFTER_CRC_ERROR);
        self.busy
            .filter(|flight| flight.crc_error)
            .map(|_| self.last_received.saturating_add(quiet))
    }

    pub(super) fn new(config: ChannelConfig, now: Instant) -> Self {
        let direction = match config.mode {
            ChannelMode::RtuMaster => Direction::Response,
            ChannelMode::RtuSlave => Direction::Request,
        };
        let mut deframer = RtuDeframer::with_timing(direction, &config.serial);
        deframer.set_frame_timing(config.frame_timing);
        Self {
            config,
            deframer,
            busy: None,
            ready_at: now.saturating_add(config.initial_delay()),
            sent_until: now,
            unanswered: None,
            last_received: now,
            last_served: None,
            echo: Echo::default(),
            counters: ChannelCounters::default(),
        }
    }
}

/// The channel's last frame sent, expected back on a 2-wire line under echo suppression.
#[derive(Clone, Debug)]
pub(super) struct Echo {
    pub(super) sent: [u8; MAX_RTU_ADU_LEN],
    pub(super) len: usize,
    /// Bytes of `sent` heard back so far.
    pub(super) heard: usize,
}

impl Default for Echo {
    fn default() -> Self {
        Self {
            sent: [0; MAX_RTU_ADU_LEN],
            len: 0,
            heard: 0,
        }
    }
}

impl Echo {
    pub(super) fn record(&mut self, bytes: &[u8], expect_echo: bool) {
        self.len = copy_into(&mut self.sent, bytes);
        self.heard = if expect_echo { 0 } else { self.len };
    }

    pub(super) fn clear(&mut self) {
        self.heard = self.len;
    }

    pub(super) fn last_sent(&self) -> &[u8] {
        self.sent.get(..self.len).unwrap_or_default()
    }

    /// Drops the echo from the front of `bytes`; returns the rest and whether the line said
    /// something else than the echo.
    pub(super) fn suppress<'b>(&mut self, bytes: &'b [u8]) -> (&'b [u8], bool) {
        let expected = self.sent.get(self.heard..self.len).unwrap_or_default();
        let same = expected
            .iter()
            .zip(bytes)
            .take_while(|(a, b)| a == b)
            .count();
        self.heard = self.heard.saturating_add(same);
        let rest = bytes.get(same..).unwrap_or_default();
        let mismatch = !rest.is_empty() && self.heard < self.len;
        if mismatch {
            self.clear();
        }
        (rest, mismatch)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ConnState {
    Free,
    Client {
        peer: SocketAddr,
        lane: Lane,
    },
    Upstream {
        upstream: u8,
        address: SocketAddr,
        connected: bool,
        /// The `Connect` transmit has been handed out.
        announced: bool,
    },
}

#[derive(Clone, Debug)]
pub(super) struct Connection {
    pub(super) state: ConnState,
    /// The engine closes it: waiting for `poll_transmit` to hand out the `Close`.
    pub(super) closing: Option<CloseReason>,
    pub(super) generation: u16,
    pub(super) deframer: TcpDeframer,
}

impl Default for Connection {
    fn default() -> Self {
        Self {
            state: ConnState::Free,
            closing: None,
            generation: 0,
            deframer: TcpDeframer::new(),
        }
    }
}

impl Connection {
    pub(super) fn id(&self, index: usize) -> ConnectionId {
        ConnectionId {
            index: u16::try_from(index).unwrap_or(u16::MAX),
            generation: self.generation,
        }
    }

    pub(super) fn open(&mut self, state: ConnState) {
        self.state = state;
        self.closing = None;
        self.deframer = TcpDeframer::new();
    }

    pub(super) fn release(&mut self) {
        self.state = ConnState::Free;
        self.closing = None;
        self.generation = self.generation.wrapping_add(1);
    }

    pub(super) fn wants_action(&self) -> bool {
        self.closing.is_some()
            || matches!(
                self.state,
                ConnState::Upstream {
                    announced: false,
                    ..
                }
            )
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub(super) struct UpstreamLink {
    pub(super) connection: Option<ConnectionId>,
    pub(super) next_transaction_id: u16,
}
