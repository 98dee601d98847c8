//! The gateway state machine: TCP connections on one side, serial channels on the other.

mod master;
mod reverse;
mod state;

use core::net::SocketAddr;

use heapless::Deque;

use crate::constants::{EXCEPTION_BIT, MAX_RTU_ADU_LEN, MAX_TCP_ADU_LEN, MBAP_LEN};
use crate::error::{DecodeError, EncodeError};
use crate::exception::ExceptionCode;
use crate::function::FunctionCode;
use crate::gateway::config::{
    BroadcastReply, ChannelConfig, ChannelMode, ConfigError, ExceptionPolicy, GatewayConfig,
    Limits, MAX_ROUTES, MAX_UPSTREAMS, Upstream,
};
use crate::gateway::event::{
    ChannelCounters, CloseReason, ConnectionId, Event, RefuseReason, RetryCause, Transmit,
    UpstreamRefusal,
};
use crate::gateway::local::{self, Effect, ServerCounters};
use crate::gateway::matching::check_response;
use crate::gateway::routing::{ChannelId, RouteDecision, RoutingTable};
use crate::pdu::{Request, Response};
use crate::rtu::{self, Direction, DiscardReason, RtuDeframer, RtuEvent, RtuFrame};
use crate::tcp::{self, MbapHeader, TcpDeframer, TcpFrame};
use crate::time::Instant;
use crate::types::UnitId;
use crate::wire::len16;

use state::{Channel, ConnState, Connection, Flight, Owner, Slot, SlotState, Target, UpstreamLink};

/// Events held for [`Gateway::poll_event`]; older ones are dropped beyond this.
pub const EVENT_CAPACITY: usize = 32;

/// Which listening port a client connection arrived on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lane {
    /// The normal Modbus TCP port (502).
    #[default]
    Standard,
    /// The priority port (7502 on the MGate): its requests are served before queued ones.
    Priority,
}

/// Why [`Gateway::handle_tcp_frame`] did not take a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameRefused {
    /// The connection has as many requests pending as allowed, or every request slot is
    /// taken: offer the frame again after [`Gateway::poll_transmit`] has drained answers.
    #[error("the connection has too many requests pending; retry after draining transmits")]
    Backpressure,
    /// Not exactly one Modbus TCP ADU; the connection is being closed.
    #[error("not a Modbus TCP frame: {0}")]
    Framing(DecodeError),
    /// The connection id is closed or was never opened.
    #[error("unknown connection")]
    UnknownConnection,
}

/// An MGate-class Modbus gateway without I/O, clock or heap: `CHANNELS` serial channels,
/// `CONNECTIONS` TCP connections (clients and upstream servers) and `SLOTS` requests held at
/// once across all channels.
///
/// See the [module documentation](super) for the call order and memory sizes.
#[derive(Debug)]
pub struct Gateway<const CHANNELS: usize, const CONNECTIONS: usize, const SLOTS: usize> {
    routing: RoutingTable<MAX_ROUTES>,
    broadcast_reply: BroadcastReply,
    exceptions: ExceptionPolicy,
    limits: Limits,
    upstream_config: heapless::Vec<Upstream, MAX_UPSTREAMS>,
    upstreams: [UpstreamLink; MAX_UPSTREAMS],
    channels: [Channel; CHANNELS],
    channel_count: usize,
    connections: [Connection; CONNECTIONS],
    slots: [Slot; SLOTS],
    events: Deque<Event, EVENT_CAPACITY>,
    events_lost: u32,
    server: ServerCounters,
    next_seq: u64,
}

impl<const CHANNELS: usize, const CONNECTIONS: usize, const SLOTS: usize>
    Gateway<CHANNELS, CONNECTIONS, SLOTS>
{
    /// Checks `config` against the engine's capacities and starts the engine at `now`.
    ///
    /// # Errors
    ///
    /// As [`Gateway::check`].
    pub fn new(config: &GatewayConfig, now: Instant) -> Result<Self, ConfigError> {
        let routing = Self::check(config)?;
        let channels = core::array::from_fn(|index| {
            let channel_config = config.channels.get(index).copied().unwrap_or_default();
            Channel::new(channel_config, now)
        });
        Ok(Self {
            routing,
            broadcast_reply: config.broadcast.reply,
            exceptions: config.exceptions,
            limits: config.limits,
            upstream_config: config.upstreams.clone(),
            upstreams: [UpstreamLink::default(); MAX_UPSTREAMS],
            channels,
            channel_count: config.channels.len(),
            connections: core::array::from_fn(|_| Connection::default()),
            slots: core::array::from_fn(|_| Slot::default()),
            events: Deque::new(),
            events_lost: 0,
            server: ServerCounters::default(),
            next_seq: 0,
        })
    }

    /// What [`Gateway::new`] checks, without building the engine: every setting
    /// ([`GatewayConfig::validate`]) and the capacities this engine type is built with. A
    /// configuration it accepts starts; call it where a configuration file is checked.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] naming the first bad setting, or [`ConfigError::Capacity`] when the
    /// configuration needs more channels, connections or request slots than the engine holds.
    pub fn check(config: &GatewayConfig) -> Result<RoutingTable<MAX_ROUTES>, ConfigError> {
        let routing = config.validate()?;
        let capacity = |what, needed: usize, capacity: usize| {
            if needed > capacity {
                Err(ConfigError::Capacity {
                    what,
                    needed,
                    capacity,
                })
            } else {
                Ok(())
            }
        };
        capacity("channels", config.channels.len(), CHANNELS)?;
        let connections =
            usize::from(config.limits.max_connections).saturating_add(config.upstreams.len());
        capacity(
            "connections (limits.max_connections + upstreams)",
            connections,
            CONNECTIONS,
        )?;
        capacity(
            "request slots (limits.queue_depth)",
            config.limits.queue_depth.into(),
            SLOTS,
        )?;
        capacity("connection ids", CONNECTIONS, usize::from(u16::MAX))?;
        Ok(routing)
    }

    /// A client connected from `peer` on `lane`.
    ///
    /// # Errors
    ///
    /// [`RefuseReason::ConnectionLimit`] when [`Limits::max_connections`] clients are
    /// connected: close the socket.
    pub fn handle_tcp_open(
        &mut self,
        peer: SocketAddr,
        lane: Lane,
        _now: Instant,
    ) -> Result<ConnectionId, RefuseReason> {
        let clients = self
            .connections
            .iter()
            .filter(|c| matches!(c.state, ConnState::Client { .. }))
            .count();
        let free = self
            .connections
            .iter_mut()
            .enumerate()
            .find(|(_, c)| matches!(c.state, ConnState::Free))
            .filter(|_| clients < usize::from(self.limits.max_connections));
        let Some((index, connection)) = free else {
            self.push_event(Event::ConnectionRefused {
                peer,
                reason: RefuseReason::ConnectionLimit,
            });
            return Err(RefuseReason::ConnectionLimit);
        };
        connection.open(ConnState::Client { peer, lane });
        let id = connection.id(index);
        self.push_event(Event::ConnectionOpened {
            connection: id,
            peer,
            priority: lane == Lane::Priority,
        });
        Ok(id)
    }

    /// A connection the engine asked for with [`Transmit::Connect`] is established.
    pub fn handle_tcp_connected(&mut self, connection: ConnectionId, _now: Instant) {
        if let Some(conn) = self.connection_mut(connection) {
            if let ConnState::Upstream { connected, .. } = &mut conn.state {
                *connected = true;
            }
        }
    }

    /// A connection closed, or a [`Transmit::Connect`] failed. Queued requests of a client
    /// are dropped, and an answer still due on a serial line will be dropped when it comes.
    pub fn handle_tcp_closed(&mut self, connection: ConnectionId, _now: Instant) {
        let Some(conn) = self.connection_mut(connection) else {
            return;
        };
        let state = conn.state;
        conn.release();
        let mut discarded = 0u16;
        match state {
            ConnState::Upstream { upstream, .. } => {
                if let Some(link) = self.upstreams.get_mut(usize::from(upstream)) {
                    link.connection = None;
                }
                self.fail_upstream_requests(upstream, ExceptionCode::GatewayPathUnavailable);
            }
            ConnState::Client { .. } => {
                for slot in &mut self.slots {
                    if slot.owner == Owner::Client(connection) {
                        discarded = discarded.saturating_add(1);
                        if slot.state == SlotState::InFlight {
                            slot.owner = Owner::Orphan;
                        } else {
                            slot.state = SlotState::Free;
                        }
                    }
                }
            }
            ConnState::Free => {}
        }
        self.push_event(Event::ConnectionClosed {
            connection,
            discarded,
        });
    }

    /// Bytes read from a connection. Returns how many were taken: fewer than `bytes.len()`
    /// when the connection has [`Limits::max_pending_per_connection`] requests unanswered (or
    /// every slot is taken); keep the rest, stop reading the socket, and pass them again after
    /// [`poll_transmit`](Self::poll_transmit) has drained answers. All bytes are taken from a
    /// connection being closed for a framing error.
    pub fn handle_tcp_bytes(
        &mut self,
        connection: ConnectionId,
        bytes: &[u8],
        _now: Instant,
    ) -> usize {
        let mut consumed = 0usize;
        // The deframer is fed at most the rest of one frame, and only while the connection
        // can take a request, so that no complete frame waits inside the engine.
        while self.can_accept(connection) {
            let mut adu = [0u8; MAX_TCP_ADU_LEN];
            let Some(conn) = self.connection_mut(connection) else {
                return bytes.len();
            };
            if conn.closing.is_some() {
                return bytes.len();
            }
            let len = match conn.deframer.poll_frame() {
                Ok(Some(frame)) => copy_into(&mut adu, frame.as_bytes()),
                Ok(None) => {
                    let missing = conn.deframer.missing();
                    let rest = bytes.get(consumed..).unwrap_or_default();
                    let chunk = rest.get(..missing.min(rest.len())).unwrap_or_default();
                    if chunk.is_empty() {
                        break;
                    }
                    let taken = conn.deframer.handle_bytes(chunk);
                    consumed = consumed.saturating_add(taken);
                    continue;
                }
                Err(error) => {
                    self.close_for_framing(connection, error);
                    return bytes.len();
                }
            };
            self.handle_adu(connection, adu.get(..len).unwrap_or_default());
        }
        consumed
    }

    /// One whole Modbus TCP ADU from a connection, for callers that frame the stream
    /// themselves.
    ///
    /// # Errors
    ///
    /// [`FrameRefused`]: back-pressure (offer it again later), a framing error (the connection
    /// is being closed), or an unknown connection.
    pub fn handle_tcp_frame(
        &mut self,
        connection: ConnectionId,
        adu: &[u8],
        _now: Instant,
    ) -> Result<(), FrameRefused> {
        if self.connection_mut(connection).is_none() {
            return Err(FrameRefused::UnknownConnection);
        }
        if !self.can_accept(connection) {
            return Err(FrameRefused::Backpressure);
        }
        if let Err(error) = TcpFrame::new_checked(adu) {
            self.close_for_framing(connection, error);
            return Err(FrameRefused::Framing(error));
        }
        self.handle_adu(connection, adu);
        Ok(())
    }

    /// Bytes from a serial channel, with the time the last of them arrived. All are taken.
    /// Bytes for a channel that is not configured are ignored.
    ///
    /// Bytes that arrived before the gateway's own last frame had left the line are dropped
    /// ([`DiscardReason::Stale`]): they cannot answer it. Stamp them when the read returned,
    /// not later, or an answer may be taken for stale bytes' neighbour.
    pub fn handle_serial_bytes(&mut self, channel: ChannelId, bytes: &[u8], now: Instant) {
        let index = usize::from(channel.0);
        if index >= self.channel_count {
            return;
        }
        let Some(ch) = self.channels.get_mut(index) else {
            return;
        };
        let (mut rest, mismatch) = ch.echo.suppress(bytes);
        if mismatch {
            self.push_event(Event::EchoMismatch { channel });
        }
        if rest.is_empty() {
            return;
        }
        let Some(ch) = self.channels.get_mut(index) else {
            return;
        };
        if now < ch.sent_until {
            self.discard_serial(channel, rest.len(), DiscardReason::Stale);
            return;
        }
        ch.last_received = now;
        if ch.unanswered.is_some() {
            // The line is not quiet yet: the next request waits at least for its silence.
            ch.ready_at = ch
                .ready_at
                .max(now.saturating_add(ch.config.inter_frame_delay()));
        }
        let mut stalled = false;
        loop {
            let Some(ch) = self.channels.get_mut(index) else {
                return;
            };
            let taken = ch.deframer.handle_bytes(rest, Some(now));
            rest = rest.get(taken..).unwrap_or_default();
            // The deframer may take nothing until the frame that silence ended is drained.
            self.drain_serial(channel, now);
            if rest.is_empty() {
                return;
            }
            if taken == 0 {
                if stalled {
                    self.discard_serial(channel, rest.len(), DiscardReason::Noise);
                    return;
                }
                stalled = true;
            } else {
                stalled = false;
            }
        }
    }

    /// The frame of the last [`Transmit::Serial`] on `channel` has left the line at `now`
    /// (the UART's transmit-complete interrupt, `tcdrain` returned). Optional: without it the
    /// engine estimates the end from the baud rate. The response timeout and the
    /// inter-frame delay count from here, and bytes stamped earlier are stale.
    pub fn handle_serial_transmitted(&mut self, channel: ChannelId, now: Instant) {
        let index = usize::from(channel.0);
        if index >= self.channel_count {
            return;
        }
        let Some(ch) = self.channels.get_mut(index) else {
            return;
        };
        ch.sent_until = now;
        ch.ready_at = now.saturating_add(ch.config.inter_frame_delay());
        let timeout = ch.config.response_timeout();
        if let Some(flight) = &mut ch.busy {
            flight.deadline = now.saturating_add(timeout);
        }
    }

    /// Tells the engine the time. Call it when [`poll_timeout`](Self::poll_timeout) has
    /// passed (calling it early or often is harmless).
    pub fn handle_timeout(&mut self, now: Instant) {
        for index in 0..self.channel_count {
            let channel = ChannelId(u8::try_from(index).unwrap_or(u8::MAX));
            let Some(ch) = self.channels.get_mut(index) else {
                continue;
            };
            ch.deframer.handle_timeout(now);
            self.drain_serial(channel, now);
            let Some(ch) = self.channels.get(index) else {
                continue;
            };
            let (busy, mode) = (ch.busy, ch.config.mode);
            let crc_give_up = ch.crc_give_up_at().is_some_and(|at| at <= now);
            match busy {
                Some(flight) if flight.deadline <= now || crc_give_up => match mode {
                    ChannelMode::RtuMaster => {
                        let cause = if flight.crc_error {
                            RetryCause::Crc
                        } else {
                            RetryCause::Timeout
                        };
                        self.fail_attempt(channel, cause, now);
                    }
                    ChannelMode::RtuSlave => {
                        let code = ExceptionCode::GatewayTargetDeviceFailedToRespond;
                        self.fail_upstream_slot(channel, flight.slot, code);
                    }
                },
                _ => {}
            }
        }
    }

    /// The next transmission to carry out, or `None`. Call it after every `handle_*` call
    /// until it returns `None`; `now` is when the bytes will start on the wire. Answers to
    /// clients come first, then serial requests whose line is free.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Transmit<'_>> {
        if let Some(index) = self.connections.iter().position(Connection::wants_action) {
            return self.connection_action(index, now);
        }
        if let Some(index) = self.oldest(|slot| slot.state == SlotState::Ready) {
            return self.transmit_ready(index, now);
        }
        if let Some(index) = self.sendable_upstream_slot() {
            return self.transmit_upstream(index);
        }
        let channel = (0..self.channel_count).find_map(|i| {
            let ch = self.channels.get(i)?;
            let free =
                ch.config.mode == ChannelMode::RtuMaster && ch.busy.is_none() && now >= ch.ready_at;
            let channel = ChannelId(u8::try_from(i).ok()?);
            free.then(|| self.pick(channel).map(|slot| (channel, slot)))
                .flatten()
        });
        let (channel, slot) = channel?;
        self.transmit_serial(channel, slot, now)
    }

    /// The next event, or `None`.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next, or `None` when no
    /// timer runs. It may lie in the past: call `handle_timeout` and `poll_transmit` at once.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut earliest: Option<Instant> = None;
        let mut consider = |at: Option<Instant>| {
            if let Some(at) = at {
                earliest = Some(earliest.map_or(at, |e| e.min(at)));
            }
        };
        for (index, ch) in self.channels.iter().take(self.channel_count).enumerate() {
            consider(ch.deframer.poll_timeout());
            consider(ch.busy.map(|flight| flight.deadline));
            consider(ch.crc_give_up_at());
            let channel = ChannelId(u8::try_from(index).unwrap_or(u8::MAX));
            let waiting = ch.config.mode == ChannelMode::RtuMaster
                && ch.busy.is_none()
                && self.pick(channel).is_some();
            consider(waiting.then_some(ch.ready_at));
        }
        earliest
    }

    /// Counters of `channel` since start or the last FC 08/0A.
    pub fn channel_counters(&self, channel: ChannelId) -> Option<ChannelCounters> {
        let index = usize::from(channel.0);
        (index < self.channel_count)
            .then(|| self.channels.get(index).map(|ch| ch.counters))
            .flatten()
    }

    /// Events dropped because [`EVENT_CAPACITY`] were waiting.
    pub fn events_lost(&self) -> u32 {
        self.events_lost
    }

    /// Requests waiting for their first transmission on `channel`, at most
    /// [`Limits::queue_depth`]. The request being served (in flight, or waiting to be
    /// retried) is not counted.
    pub fn queued(&self, channel: ChannelId) -> usize {
        self.slots
            .iter()
            .filter(|s| {
                s.state == SlotState::Queued
                    && s.attempts == 0
                    && s.target.serial_channel() == Some(channel)
            })
            .count()
    }

    /// Requests of `connection` not yet answered (queued, in flight or answer not yet sent).
    pub fn pending(&self, connection: ConnectionId) -> usize {
        self.slots
            .iter()
            .filter(|s| s.state != SlotState::Free && s.owner == Owner::Client(connection))
            .count()
    }

    // ---- slots, replies, events ----

    fn take_slot(&mut self, owner: Owner, header: MbapHeader) -> Option<usize> {
        let index = self.slots.iter().position(|s| s.state == SlotState::Free)?;
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        let slot = self.slots.get_mut(index)?;
        // Field by field: the 260-byte buffer is overwritten by whoever fills it.
        slot.state = SlotState::Queued;
        slot.owner = owner;
        slot.target = Target::None;
        slot.header = header;
        slot.priority = false;
        slot.attempts = 0;
        slot.seq = seq;
        slot.len = 0;
        Some(index)
    }

    fn free(&mut self, index: usize) {
        if let Some(slot) = self.slots.get_mut(index) {
            slot.state = SlotState::Free;
            slot.owner = Owner::Orphan;
            slot.target = Target::None;
        }
    }

    fn oldest(&self, wanted: impl Fn(&Slot) -> bool) -> Option<usize> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| wanted(s))
            .min_by_key(|(_, s)| s.seq)
            .map(|(index, _)| index)
    }

    /// Writes the answer whose PDU `encode_pdu` produces into slot `index`, framed for its
    /// owner (TCP for a client, RTU for a serial master), and marks it ready to send.
    fn reply(
        &mut self,
        index: usize,
        encode_pdu: impl FnOnce(&mut [u8]) -> Result<usize, EncodeError>,
    ) {
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        let written = match (slot.owner, slot.target) {
            (Owner::Serial(_), Target::Upstream { slave, .. }) => {
                rtu::encode_frame(slave.0, &mut slot.buf, encode_pdu)
            }
            (Owner::Client(_), _) => tcp::encode_frame(
                slot.header.transaction_id,
                slot.header.unit_id,
                &mut slot.buf,
                encode_pdu,
            ),
            _ => Err(EncodeError::BufferTooSmall { required: 0 }),
        };
        match written {
            Ok(len) => {
                slot.len = len;
                slot.state = SlotState::Ready;
            }
            Err(_) => self.free(index),
        }
    }

    /// Answers a request that failed to decode with the exception the specification assigns,
    /// or frees its slot when it assigns none.
    fn reply_malformed(&mut self, index: usize, pdu: &[u8], error: &DecodeError) {
        match Response::exception_for(pdu, error) {
            Some(response) => self.reply(index, |out| response.encode(out)),
            None => self.free(index),
        }
    }

    fn reply_exception(&mut self, index: usize, function: FunctionCode, code: ExceptionCode) {
        self.reply(index, |out| Response::exception(function, code).encode(out));
    }

    fn transmit_ready(&mut self, index: usize, now: Instant) -> Option<Transmit<'_>> {
        let slot = self.slots.get_mut(index)?;
        slot.state = SlotState::Free;
        let owner = slot.owner;
        slot.owner = Owner::Orphan;
        if let Owner::Serial(channel) = owner {
            self.drop_stale(channel);
        }
        let slot = self.slots.get(index)?;
        let bytes = slot.buf.get(..slot.len)?;
        match owner {
            Owner::Client(connection) => Some(Transmit::Tcp { connection, bytes }),
            Owner::Serial(channel) => {
                let ch = self.channels.get_mut(usize::from(channel.0))?;
                ch.start_transmission(bytes.len(), now);
                ch.echo.record(bytes, ch.config.echo_suppression);
                Some(Transmit::Serial { channel, bytes })
            }
            Owner::Orphan => None,
        }
    }

    fn connection_action(&mut self, index: usize, now: Instant) -> Option<Transmit<'_>> {
        let conn = self.connections.get_mut(index)?;
        let connection = conn.id(index);
        if let Some(reason) = conn.closing {
            self.handle_tcp_closed(connection, now);
            return Some(Transmit::Close { connection, reason });
        }
        match &mut conn.state {
            ConnState::Upstream {
                address, announced, ..
            } => {
                *announced = true;
                Some(Transmit::Connect {
                    connection,
                    address: *address,
                })
            }
            _ => None,
        }
    }

    fn push_event(&mut self, event: Event) {
        if self.events.is_full() {
            self.events.pop_front();
            self.events_lost = self.events_lost.saturating_add(1);
        }
        // Cannot fail: there is room after the pop above.
        let _ = self.events.push_back(event);
    }

    /// `channel` is about to send: what its deframer holds cannot answer that frame.
    fn drop_stale(&mut self, channel: ChannelId) {
        let Some(ch) = self.channels.get_mut(usize::from(channel.0)) else {
            return;
        };
        let stale = ch.deframer.reset();
        if stale > 0 {
            self.discard_serial(channel, stale, DiscardReason::Stale);
        }
    }

    /// Received bytes dropped on `channel`: counted and reported.
    fn discard_serial(&mut self, channel: ChannelId, len: usize, reason: DiscardReason) {
        if let Some(ch) = self.channels.get_mut(usize::from(channel.0)) {
            ch.counters.discarded_bytes = ch
                .counters
                .discarded_bytes
                .wrapping_add(u16::try_from(len).unwrap_or(u16::MAX));
        }
        self.push_event(Event::SerialDiscarded {
            channel,
            len,
            reason,
        });
    }
}

/// FC 05, 06, 0F, 10, 15 and 16 are the writes MB-SL 2.1 allows as broadcast.
fn is_broadcast_write(request: &Request<'_>) -> bool {
    matches!(
        request,
        Request::WriteSingleCoil { .. }
            | Request::WriteSingleRegister { .. }
            | Request::WriteMultipleCoils { .. }
            | Request::WriteMultipleRegisters { .. }
            | Request::WriteFileRecord(_)
            | Request::MaskWriteRegister { .. }
    )
}

/// The normal response a broadcast write would have had: the request for FC 05, 06, 15 and
/// 16, its first five bytes (function, start, quantity) for FC 0F and 10.
fn broadcast_echo(request_pdu: &[u8]) -> &[u8] {
    const ECHO_LEN: usize = 5;
    match request_pdu.first().map(|&f| FunctionCode::from(f)) {
        Some(FunctionCode::WriteMultipleCoils | FunctionCode::WriteMultipleRegisters) => {
            request_pdu.get(..ECHO_LEN).unwrap_or(request_pdu)
        }
        _ => request_pdu,
    }
}

fn copy_into(dst: &mut [u8], src: &[u8]) -> usize {
    let len = src.len().min(dst.len());
    if let (Some(d), Some(s)) = (dst.get_mut(..len), src.get(..len)) {
        d.copy_from_slice(s);
    }
    len
}

fn copy_pdu(out: &mut [u8], pdu: &[u8]) -> Result<usize, EncodeError> {
    out.get_mut(..pdu.len())
        .ok_or(EncodeError::BufferTooSmall {
            required: pdu.len(),
        })?
        .copy_from_slice(pdu);
    Ok(pdu.len())
}
