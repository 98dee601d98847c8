//! The gateway state machine: TCP connections on one side, serial channels on the other.

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
    /// [`ConfigError`] naming the first bad setting, or [`ConfigError::Capacity`] when the
    /// configuration needs more channels, connections or slots than the engine holds.
    pub fn new(config: &GatewayConfig, now: Instant) -> Result<Self, ConfigError> {
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
    pub fn handle_tcp_closed(&mut self, connection: ConnectionId, now: Instant) {
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
                self.fail_upstream_requests(upstream, ExceptionCode::GatewayPathUnavailable, now);
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
        now: Instant,
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
            self.handle_adu(connection, adu.get(..len).unwrap_or_default(), now);
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
        now: Instant,
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
        self.handle_adu(connection, adu, now);
        Ok(())
    }

    /// Bytes from a serial channel, with the time the last of them arrived. All are taken.
    /// Bytes for a channel that is not configured are ignored.
    pub fn handle_serial_bytes(&mut self, channel: ChannelId, bytes: &[u8], now: Instant) {
        let index = usize::from(channel.0);
        if index >= self.channel_count {
            return;
        }
        let Some(ch) = self.channels.get_mut(index) else {
            return;
        };
        let (rest, mismatch) = ch.echo.suppress(bytes);
        if mismatch {
            self.push_event(Event::EchoMismatch { channel });
        }
        let mut rest = rest;
        loop {
            let Some(ch) = self.channels.get_mut(index) else {
                return;
            };
            let taken = ch.deframer.handle_bytes(rest, Some(now));
            rest = rest.get(taken..).unwrap_or_default();
            self.drain_serial(channel, now);
            if rest.is_empty() || taken == 0 {
                return;
            }
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
            match busy {
                Some(flight) if flight.deadline <= now => match mode {
                    ChannelMode::RtuMaster => self.fail_attempt(channel, RetryCause::Timeout, now),
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
            return self.transmit_upstream(index, now);
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

    // ---- TCP side ----

    fn connection_mut(&mut self, id: ConnectionId) -> Option<&mut Connection> {
        self.connections
            .get_mut(id.index())
            .filter(|c| c.generation == id.generation && !matches!(c.state, ConnState::Free))
    }

    fn can_accept(&self, connection: ConnectionId) -> bool {
        let is_client = self
            .connections
            .get(connection.index())
            .is_some_and(|c| matches!(c.state, ConnState::Client { .. }));
        if !is_client {
            // Upstream answers free slots; they never need back-pressure.
            return true;
        }
        self.pending(connection) < usize::from(self.limits.max_pending_per_connection)
            && self.slots.iter().any(|s| s.state == SlotState::Free)
    }

    fn close_for_framing(&mut self, connection: ConnectionId, error: DecodeError) {
        if let Some(conn) = self.connection_mut(connection) {
            conn.closing = Some(CloseReason::Framing(error));
        }
        self.push_event(Event::FramingError { connection, error });
    }

    fn handle_adu(&mut self, connection: ConnectionId, adu: &[u8], now: Instant) {
        let Some(conn) = self.connections.get(connection.index()) else {
            return;
        };
        match conn.state {
            ConnState::Client { lane, .. } => self.handle_client_request(connection, lane, adu),
            ConnState::Upstream { upstream, .. } => {
                self.handle_upstream_response(upstream, adu, now)
            }
            ConnState::Free => {}
        }
    }

    fn handle_client_request(&mut self, connection: ConnectionId, lane: Lane, adu: &[u8]) {
        let Ok(frame) = TcpFrame::new_checked(adu) else {
            return;
        };
        self.server.messages = self.server.messages.wrapping_add(1);
        let header = frame.header();
        let pdu = frame.pdu();
        let Some(index) = self.take_slot(Owner::Client(connection), header) else {
            return;
        };
        if let Some(slot) = self.slots.get_mut(index) {
            slot.priority = lane == Lane::Priority;
        }
        let request = match Request::decode(pdu) {
            Ok(request) => request,
            Err(error) => {
                let exception = Response::exception_for(pdu, &error);
                self.push_event(Event::MalformedRequest {
                    connection,
                    transaction_id: header.transaction_id,
                    error,
                    exception: exception.and_then(|r| match r {
                        Response::Exception { code, .. } => Some(code),
                        _ => None,
                    }),
                });
                match exception {
                    Some(response) => self.reply(index, |out| response.encode(out)),
                    None => self.free(index),
                }
                return;
            }
        };
        let function = request.function();
        match self.routing.route(header.unit_id) {
            RouteDecision::Local => {
                let mut totals = ChannelCounters::default();
                for ch in self.channels.iter().take(self.channel_count) {
                    totals.accumulate(&ch.counters);
                }
                let server = self.server;
                let mut effect = Effect::None;
                self.reply(index, |out| {
                    let (len, done) = local::answer(&request, &totals, &server, out)?;
                    effect = done;
                    Ok(len)
                });
                if effect == Effect::ClearCounters {
                    for ch in &mut self.channels {
                        ch.counters = ChannelCounters::default();
                    }
                    self.server = ServerCounters::default();
                }
                self.server.completed = self.server.completed.wrapping_add(1);
                self.push_event(Event::LocalRequest {
                    connection,
                    function: function.into(),
                });
            }
            RouteDecision::Broadcast { channel } if is_broadcast_write(&request) => {
                self.enqueue(index, connection, channel, UnitId::BROADCAST, pdu);
            }
            RouteDecision::Forward { channel, slave } => {
                self.enqueue(index, connection, channel, slave, pdu);
            }
            RouteDecision::NoRoute | RouteDecision::Broadcast { .. } => {
                self.push_event(Event::NoRoute {
                    connection,
                    transaction_id: header.transaction_id,
                    unit: header.unit_id,
                });
                if self.exceptions.no_route {
                    self.reply_exception(index, function, ExceptionCode::GatewayPathUnavailable);
                } else {
                    self.free(index);
                }
            }
        }
    }

    fn enqueue(
        &mut self,
        index: usize,
        connection: ConnectionId,
        channel: ChannelId,
        slave: UnitId,
        pdu: &[u8],
    ) {
        if self.queued(channel) >= usize::from(self.limits.queue_depth) {
            let Some(slot) = self.slots.get(index) else {
                return;
            };
            let transaction_id = slot.header.transaction_id;
            let function = FunctionCode::from(pdu.first().copied().unwrap_or_default());
            if let Some(ch) = self.channels.get_mut(usize::from(channel.0)) {
                ch.counters.busy = ch.counters.busy.wrapping_add(1);
            }
            self.push_event(Event::QueueFull {
                connection,
                transaction_id,
                channel,
            });
            self.reply_exception(index, function, ExceptionCode::ServerDeviceBusy);
            return;
        }
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        let written = rtu::encode_frame(slave.0, &mut slot.buf, |out| copy_pdu(out, pdu));
        match written {
            Ok(len) => {
                slot.len = len;
                slot.state = SlotState::Queued;
                slot.target = Target::Serial { channel, slave };
            }
            // A PDU from a valid TCP frame always fits an RTU frame.
            Err(_) => self.free(index),
        }
    }

    // ---- serial side, master mode ----

    fn pick(&self, channel: ChannelId) -> Option<usize> {
        let ch = self.channels.get(usize::from(channel.0))?;
        let connections = CONNECTIONS.max(1);
        let turn = |owner: Owner| match owner {
            Owner::Client(id) => {
                let after = ch
                    .last_served
                    .map_or(0, |last| usize::from(last).saturating_add(1));
                (id.index().saturating_add(connections) - after % connections) % connections
            }
            Owner::Serial(_) | Owner::Orphan => 0,
        };
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.state == SlotState::Queued && s.target.serial_channel() == Some(channel)
            })
            .min_by_key(|(_, s)| (s.attempts == 0, !s.priority, turn(s.owner), s.seq))
            .map(|(index, _)| index)
    }

    fn transmit_serial(
        &mut self,
        channel: ChannelId,
        index: usize,
        now: Instant,
    ) -> Option<Transmit<'_>> {
        let ch = self.channels.get_mut(usize::from(channel.0))?;
        let slot = self.slots.get_mut(index)?;
        let Target::Serial { slave, .. } = slot.target else {
            return None;
        };
        let bytes = slot.buf.get(..slot.len)?;
        slot.attempts = slot.attempts.saturating_add(1);
        let attempt = slot.attempts;
        let tx_end = now.saturating_add(ch.config.serial.transmission_time(bytes.len()));
        ch.counters.bus_messages = ch.counters.bus_messages.wrapping_add(1);
        ch.echo.record(bytes, ch.config.echo_suppression);
        if let Owner::Client(id) = slot.owner {
            ch.last_served = Some(id.index);
        }
        let expects_response = !slave.is_broadcast()
            && Request::decode(bytes.get(1..bytes.len().saturating_sub(2))?)
                .is_ok_and(|r| r.expects_response());
        let owner = slot.owner;
        let header = slot.header;
        ch.ready_at = tx_end.saturating_add(ch.config.inter_frame_delay());
        if expects_response {
            slot.state = SlotState::InFlight;
            ch.busy = Some(Flight {
                slot: index,
                sent_at: now,
                deadline: tx_end.saturating_add(ch.config.response_timeout()),
            });
        }
        let event = match owner {
            Owner::Client(connection) if !slave.is_broadcast() => Event::RequestForwarded {
                connection,
                transaction_id: header.transaction_id,
                channel,
                slave,
                attempt,
            },
            _ => {
                ch.counters.broadcasts = ch.counters.broadcasts.wrapping_add(1);
                Event::BroadcastSent { channel }
            }
        };
        self.push_event(event);
        if !expects_response {
            self.complete_unanswered(index);
        }
        // From the channel's copy: a broadcast's slot may already hold the client's reply.
        let bytes = self.channels.get(usize::from(channel.0))?.echo.last_sent();
        Some(Transmit::Serial { channel, bytes })
    }

    /// A request that gets no answer (broadcast, FC 08/04) has left.
    fn complete_unanswered(&mut self, index: usize) {
        let Some(slot) = self.slots.get(index) else {
            return;
        };
        let echo_reply = self.broadcast_reply == BroadcastReply::Echo
            && matches!(slot.target, Target::Serial { slave, .. } if slave.is_broadcast())
            && matches!(slot.owner, Owner::Client(_));
        if !echo_reply {
            self.free(index);
            return;
        }
        let mut pdu = [0u8; MAX_RTU_ADU_LEN];
        let request = slot
            .buf
            .get(1..slot.len.saturating_sub(2))
            .unwrap_or_default();
        let len = copy_into(&mut pdu, broadcast_echo(request));
        self.reply(index, |out| {
            copy_pdu(out, pdu.get(..len).unwrap_or_default())
        });
    }

    fn drain_serial(&mut self, channel: ChannelId, now: Instant) {
        loop {
            let Some(ch) = self.channels.get_mut(usize::from(channel.0)) else {
                return;
            };
            let mut adu = [0u8; MAX_RTU_ADU_LEN];
            let (len, discarded) = match ch.deframer.poll_frame() {
                None => return,
                Some(RtuEvent::Frame(frame)) => (copy_into(&mut adu, frame.as_bytes()), None),
                Some(RtuEvent::Discarded { len, reason }) => (0, Some((len, reason))),
            };
            let mode = ch.config.mode;
            match discarded {
                Some((len, reason)) => {
                    if reason == DiscardReason::Crc {
                        ch.counters.bus_communication_errors =
                            ch.counters.bus_communication_errors.wrapping_add(1);
                    }
                    self.push_event(Event::SerialDiscarded {
                        channel,
                        len,
                        reason,
                    });
                    let waiting = self
                        .channels
                        .get(usize::from(channel.0))
                        .is_some_and(|ch| ch.busy.is_some());
                    if reason == DiscardReason::Crc && mode == ChannelMode::RtuMaster && waiting {
                        self.fail_attempt(channel, RetryCause::Crc, now);
                    }
                }
                None => {
                    let adu = adu.get(..len).unwrap_or_default();
                    match mode {
                        ChannelMode::RtuMaster => self.handle_slave_frame(channel, adu, now),
                        ChannelMode::RtuSlave => self.handle_master_request(channel, adu, now),
                    }
                }
            }
        }
    }

    fn handle_slave_frame(&mut self, channel: ChannelId, adu: &[u8], now: Instant) {
        let Ok(frame) = RtuFrame::new_checked(adu) else {
            return;
        };
        let Some(ch) = self.channels.get_mut(usize::from(channel.0)) else {
            return;
        };
        ch.counters.bus_messages = ch.counters.bus_messages.wrapping_add(1);
        let unexpected = Event::UnexpectedFrame {
            channel,
            address: frame.address(),
            function: frame.function(),
        };
        let flight = ch.busy;
        let slot = flight.and_then(|f| self.slots.get(f.slot));
        let (Some(flight), Some(slot)) = (flight, slot) else {
            ch.counters.unexpected = ch.counters.unexpected.wrapping_add(1);
            self.push_event(unexpected);
            return;
        };
        let Target::Serial { slave, .. } = slot.target else {
            return;
        };
        if frame.address() != slave {
            ch.counters.unexpected = ch.counters.unexpected.wrapping_add(1);
            self.push_event(unexpected);
            return;
        }
        let request_pdu = slot
            .buf
            .get(1..slot.len.saturating_sub(2))
            .unwrap_or_default();
        if let Err(mismatch) = check_response(request_pdu, frame.pdu()) {
            ch.counters.unexpected = ch.counters.unexpected.wrapping_add(1);
            self.push_event(Event::ResponseMismatch {
                channel,
                slave,
                mismatch,
            });
            return;
        }
        let exception = (frame.function() & EXCEPTION_BIT != 0)
            .then(|| frame.pdu().get(1).copied().map(ExceptionCode::from))
            .flatten();
        if exception.is_some() {
            ch.counters.bus_exceptions = ch.counters.bus_exceptions.wrapping_add(1);
        }
        ch.busy = None;
        // Never before the request itself has left and its silence passed.
        ch.ready_at = ch
            .ready_at
            .max(now.saturating_add(ch.config.inter_frame_delay()));
        let Some(slot) = self.slots.get_mut(flight.slot) else {
            return;
        };
        let Owner::Client(connection) = slot.owner else {
            self.free(flight.slot);
            self.push_event(Event::LateResponse { channel, slave });
            return;
        };
        let header = slot.header;
        match crate::translate::rtu_to_tcp(adu, &header, &mut slot.buf) {
            Ok(len) => {
                slot.len = len;
                slot.state = SlotState::Ready;
            }
            Err(_) => {
                self.free(flight.slot);
                return;
            }
        }
        if exception.is_none() {
            self.server.completed = self.server.completed.wrapping_add(1);
        }
        self.push_event(Event::ResponseMatched {
            connection,
            transaction_id: header.transaction_id,
            channel,
            exception,
            round_trip: now.saturating_duration_since(flight.sent_at),
        });
    }

    /// The attempt in flight on `channel` failed: retry it first, or give up.
    fn fail_attempt(&mut self, channel: ChannelId, cause: RetryCause, now: Instant) {
        let Some(ch) = self.channels.get_mut(usize::from(channel.0)) else {
            return;
        };
        let Some(flight) = ch.busy.take() else {
            return;
        };
        ch.echo.clear();
        ch.ready_at = ch
            .ready_at
            .max(now.saturating_add(ch.config.inter_frame_delay()));
        let retries = ch.config.retries;
        let Some(slot) = self.slots.get_mut(flight.slot) else {
            return;
        };
        let Target::Serial { slave, .. } = slot.target else {
            return;
        };
        let attempt = slot.attempts;
        if attempt <= retries && slot.owner != Owner::Orphan {
            slot.state = SlotState::Queued;
            ch.counters.retries = ch.counters.retries.wrapping_add(1);
            self.push_event(Event::Retry {
                channel,
                slave,
                attempt,
                cause,
            });
            return;
        }
        ch.counters.no_response = ch.counters.no_response.wrapping_add(1);
        let function = FunctionCode::from(slot.buf.get(1).copied().unwrap_or_default());
        self.push_event(Event::NoResponse {
            channel,
            slave,
            cause,
        });
        let orphan = self
            .slots
            .get(flight.slot)
            .is_some_and(|s| s.owner == Owner::Orphan);
        if self.exceptions.no_response && !orphan {
            let code = ExceptionCode::GatewayTargetDeviceFailedToRespond;
            self.reply_exception(flight.slot, function, code);
        } else {
            self.free(flight.slot);
        }
    }

    // ---- serial side, slave mode (reverse) ----

    fn handle_master_request(&mut self, channel: ChannelId, adu: &[u8], now: Instant) {
        let Ok(frame) = RtuFrame::new_checked(adu) else {
            return;
        };
        let Some(ch) = self.channels.get_mut(usize::from(channel.0)) else {
            return;
        };
        ch.counters.bus_messages = ch.counters.bus_messages.wrapping_add(1);
        let slave = frame.address();
        let refuse = |reason| Event::UpstreamRefused {
            channel,
            slave,
            reason,
        };
        if slave.is_broadcast() {
            self.push_event(refuse(UpstreamRefusal::Broadcast));
            return;
        }
        let found = self.upstream_config.iter().enumerate().find_map(|(i, up)| {
            (up.channel == channel)
                .then(|| up.unit_for(slave.0).map(|unit| (i, unit)))
                .flatten()
        });
        let Some((upstream, unit)) = found else {
            self.push_event(refuse(UpstreamRefusal::NotOurs));
            return;
        };
        if ch.busy.is_some() {
            self.push_event(refuse(UpstreamRefusal::Busy));
            return;
        }
        let deadline = now.saturating_add(ch.config.response_timeout());
        let header = MbapHeader {
            transaction_id: 0,
            protocol_id: 0,
            length: len16(frame.pdu().len().saturating_add(1)),
            unit_id: unit,
        };
        let Some(index) = self.take_slot(Owner::Serial(channel), header) else {
            self.push_event(refuse(UpstreamRefusal::NoCapacity));
            return;
        };
        if let Some(slot) = self.slots.get_mut(index) {
            slot.target = Target::Upstream {
                upstream: u8::try_from(upstream).unwrap_or(u8::MAX),
                slave,
            };
        }
        if let Err(error) = Request::decode(frame.pdu()) {
            match Response::exception_for(frame.pdu(), &error) {
                Some(response) => self.reply(index, |out| response.encode(out)),
                None => self.free(index),
            }
            return;
        }
        let Some(connection) = self.upstream_connection(upstream) else {
            self.free(index);
            self.push_event(refuse(UpstreamRefusal::NoCapacity));
            return;
        };
        let link = self.upstreams.get_mut(upstream);
        let transaction_id = link.map_or(0, |link| {
            link.next_transaction_id = link.next_transaction_id.wrapping_add(1);
            link.next_transaction_id
        });
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        slot.header.transaction_id = transaction_id;
        let pdu = frame.pdu();
        match tcp::encode_frame(transaction_id, unit, &mut slot.buf, |out| {
            copy_pdu(out, pdu)
        }) {
            Ok(len) => {
                slot.len = len;
                slot.state = SlotState::Queued;
            }
            Err(_) => {
                self.free(index);
                return;
            }
        }
        if let Some(ch) = self.channels.get_mut(usize::from(channel.0)) {
            ch.busy = Some(Flight {
                slot: index,
                sent_at: now,
                deadline,
            });
        }
        self.push_event(Event::UpstreamForwarded {
            channel,
            connection,
            transaction_id,
        });
    }

    /// The connection to upstream server `upstream`, opened on demand.
    fn upstream_connection(&mut self, upstream: usize) -> Option<ConnectionId> {
        let link = self.upstreams.get(upstream)?;
        if let Some(id) = link.connection {
            return Some(id);
        }
        let address = self.upstream_config.get(upstream)?.address;
        let index = self
            .connections
            .iter()
            .position(|c| matches!(c.state, ConnState::Free))?;
        let conn = self.connections.get_mut(index)?;
        conn.open(ConnState::Upstream {
            upstream: u8::try_from(upstream).ok()?,
            address,
            connected: false,
            announced: false,
        });
        let id = conn.id(index);
        self.upstreams.get_mut(upstream)?.connection = Some(id);
        Some(id)
    }

    fn sendable_upstream_slot(&self) -> Option<usize> {
        self.oldest(|slot| {
            let Target::Upstream { upstream, .. } = slot.target else {
                return false;
            };
            slot.state == SlotState::Queued
                && self
                    .upstreams
                    .get(usize::from(upstream))
                    .and_then(|link| link.connection)
                    .and_then(|id| self.connections.get(id.index()))
                    .is_some_and(|c| {
                        matches!(
                            c.state,
                            ConnState::Upstream {
                                connected: true,
                                ..
                            }
                        )
                    })
        })
    }

    fn transmit_upstream(&mut self, index: usize, _now: Instant) -> Option<Transmit<'_>> {
        let slot = self.slots.get_mut(index)?;
        let Target::Upstream { upstream, .. } = slot.target else {
            return None;
        };
        let connection = self.upstreams.get(usize::from(upstream))?.connection?;
        slot.state = SlotState::InFlight;
        let bytes = slot.buf.get(..slot.len)?;
        Some(Transmit::Tcp { connection, bytes })
    }

    fn handle_upstream_response(&mut self, upstream: u8, adu: &[u8], _now: Instant) {
        let Ok(frame) = TcpFrame::new_checked(adu) else {
            return;
        };
        let tid = frame.header().transaction_id;
        let found = self.slots.iter().position(|s| {
            s.state == SlotState::InFlight
                && matches!(s.target, Target::Upstream { upstream: u, .. } if u == upstream)
                && s.header.transaction_id == tid
        });
        let channel = self
            .upstream_config
            .get(usize::from(upstream))
            .map_or(ChannelId(0), |u| u.channel);
        let Some(index) = found else {
            self.push_event(Event::LateResponse {
                channel,
                slave: frame.unit_id(),
            });
            return;
        };
        let Some(slot) = self.slots.get(index) else {
            return;
        };
        let request_pdu = slot.buf.get(MBAP_LEN..slot.len).unwrap_or_default();
        let Target::Upstream { slave, .. } = slot.target else {
            return;
        };
        if let Err(mismatch) = check_response(request_pdu, frame.pdu()) {
            self.push_event(Event::ResponseMismatch {
                channel,
                slave,
                mismatch,
            });
            return;
        }
        let pdu = frame.pdu();
        self.reply(index, |out| copy_pdu(out, pdu));
        if let Some(ch) = self.channels.get_mut(usize::from(channel.0)) {
            ch.busy = None;
        }
    }

    /// Answers the serial master for the request in `index` with `code` (or silence), after a
    /// timeout or a failed connection.
    fn fail_upstream_slot(&mut self, channel: ChannelId, index: usize, code: ExceptionCode) {
        let Some(slot) = self.slots.get(index) else {
            return;
        };
        if !matches!(slot.state, SlotState::Queued | SlotState::InFlight) {
            return;
        }
        if let Some(ch) = self.channels.get_mut(usize::from(channel.0)) {
            if ch.busy.is_some_and(|flight| flight.slot == index) {
                ch.busy = None;
            }
        }
        let function = FunctionCode::from(slot.buf.get(MBAP_LEN).copied().unwrap_or_default());
        self.push_event(Event::UpstreamFailed {
            channel,
            exception: code,
        });
        let answer = match code {
            ExceptionCode::GatewayPathUnavailable => self.exceptions.no_route,
            _ => self.exceptions.no_response,
        };
        if answer {
            self.reply_exception(index, function, code);
        } else {
            self.free(index);
        }
    }

    fn fail_upstream_requests(&mut self, upstream: u8, code: ExceptionCode, _now: Instant) {
        for index in 0..SLOTS {
            let Some(slot) = self.slots.get(index) else {
                continue;
            };
            if let (Target::Upstream { upstream: u, .. }, Owner::Serial(channel)) =
                (slot.target, slot.owner)
            {
                if u == upstream {
                    self.fail_upstream_slot(channel, index, code);
                }
            }
        }
    }

    // ---- slots, replies, events ----

    fn take_slot(&mut self, owner: Owner, header: MbapHeader) -> Option<usize> {
        let index = self.slots.iter().position(|s| s.state == SlotState::Free)?;
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        let slot = self.slots.get_mut(index)?;
        *slot = Slot {
            state: SlotState::Queued,
            owner,
            target: Target::None,
            header,
            priority: false,
            attempts: 0,
            seq,
            len: 0,
            buf: slot.buf,
        };
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

    fn reply_exception(&mut self, index: usize, function: FunctionCode, code: ExceptionCode) {
        self.reply(index, |out| Response::exception(function, code).encode(out));
    }

    fn transmit_ready(&mut self, index: usize, now: Instant) -> Option<Transmit<'_>> {
        let slot = self.slots.get_mut(index)?;
        slot.state = SlotState::Free;
        let owner = slot.owner;
        slot.owner = Owner::Orphan;
        let bytes = slot.buf.get(..slot.len)?;
        match owner {
            Owner::Client(connection) => Some(Transmit::Tcp { connection, bytes }),
            Owner::Serial(channel) => {
                let ch = self.channels.get_mut(usize::from(channel.0))?;
                ch.counters.bus_messages = ch.counters.bus_messages.wrapping_add(1);
                ch.echo.record(bytes, ch.config.echo_suppression);
                let tx_end = now.saturating_add(ch.config.serial.transmission_time(bytes.len()));
                ch.ready_at = tx_end.saturating_add(ch.config.inter_frame_delay());
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

// ---- internal state ----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SlotState {
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
enum Owner {
    Client(ConnectionId),
    /// The serial master on a channel in slave mode.
    Serial(ChannelId),
    /// Nobody: the client left while its request was on the line.
    Orphan,
}

/// Where the request goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    None,
    Serial {
        channel: ChannelId,
        slave: UnitId,
    },
    Upstream {
        upstream: u8,
        /// The serial address the master used, for the reply.
        slave: UnitId,
    },
}

impl Target {
    fn serial_channel(self) -> Option<ChannelId> {
        match self {
            Self::Serial { channel, .. } => Some(channel),
            _ => None,
        }
    }
}

/// One request from arrival to answer: the RTU request (master mode) or TCP request (slave
/// mode), then the answer, in the same buffer.
#[derive(Clone, Debug)]
struct Slot {
    state: SlotState,
    owner: Owner,
    target: Target,
    /// The client's header (master mode) or the one sent upstream (slave mode).
    header: MbapHeader,
    priority: bool,
    attempts: u8,
    seq: u64,
    len: usize,
    buf: [u8; MAX_TCP_ADU_LEN],
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
struct Flight {
    slot: usize,
    sent_at: Instant,
    deadline: Instant,
}

#[derive(Clone, Debug)]
struct Channel {
    config: ChannelConfig,
    deframer: RtuDeframer,
    busy: Option<Flight>,
    /// The line is free for the next frame from here (inter-frame delay, initial delay).
    ready_at: Instant,
    last_served: Option<u16>,
    echo: Echo,
    counters: ChannelCounters,
}

impl Channel {
    fn new(config: ChannelConfig, now: Instant) -> Self {
        let direction = match config.mode {
            ChannelMode::RtuMaster => Direction::Response,
            ChannelMode::RtuSlave => Direction::Request,
        };
        Self {
            config,
            deframer: RtuDeframer::with_timing(direction, &config.serial),
            busy: None,
            ready_at: now.saturating_add(config.initial_delay()),
            last_served: None,
            echo: Echo::default(),
            counters: ChannelCounters::default(),
        }
    }
}

/// The channel's last frame sent, expected back on a 2-wire line under echo suppression.
#[derive(Clone, Debug)]
struct Echo {
    sent: [u8; MAX_RTU_ADU_LEN],
    len: usize,
    /// Bytes of `sent` heard back so far.
    heard: usize,
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
    fn record(&mut self, bytes: &[u8], expect_echo: bool) {
        self.len = copy_into(&mut self.sent, bytes);
        self.heard = if expect_echo { 0 } else { self.len };
    }

    fn clear(&mut self) {
        self.heard = self.len;
    }

    fn last_sent(&self) -> &[u8] {
        self.sent.get(..self.len).unwrap_or_default()
    }

    /// Drops the echo from the front of `bytes`; returns the rest and whether the line said
    /// something else than the echo.
    fn suppress<'b>(&mut self, bytes: &'b [u8]) -> (&'b [u8], bool) {
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
enum ConnState {
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
struct Connection {
    state: ConnState,
    /// The engine closes it: waiting for `poll_transmit` to hand out the `Close`.
    closing: Option<CloseReason>,
    generation: u16,
    deframer: TcpDeframer,
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
    fn id(&self, index: usize) -> ConnectionId {
        ConnectionId {
            index: u16::try_from(index).unwrap_or(u16::MAX),
            generation: self.generation,
        }
    }

    fn open(&mut self, state: ConnState) {
        self.state = state;
        self.closing = None;
        self.deframer = TcpDeframer::new();
    }

    fn release(&mut self) {
        self.state = ConnState::Free;
        self.closing = None;
        self.generation = self.generation.wrapping_add(1);
    }

    fn wants_action(&self) -> bool {
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
struct UpstreamLink {
    connection: Option<ConnectionId>,
    next_transaction_id: u16,
}
