//! The TCP side and the serial side in master mode: client requests in, routed, queued,
//! sent one at a time per line, answers matched, retried or given up.

use super::*;

impl<const CHANNELS: usize, const CONNECTIONS: usize, const SLOTS: usize>
    Gateway<CHANNELS, CONNECTIONS, SLOTS>
{
    pub(super) fn connection_mut(&mut self, id: ConnectionId) -> Option<&mut Connection> {
        self.connections
            .get_mut(id.index())
            .filter(|c| c.generation == id.generation && !matches!(c.state, ConnState::Free))
    }

    pub(super) fn can_accept(&self, connection: ConnectionId) -> bool {
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

    pub(super) fn close_for_framing(&mut self, connection: ConnectionId, error: DecodeError) {
        if let Some(conn) = self.connection_mut(connection) {
            conn.closing = Some(CloseReason::Framing(error));
        }
        self.push_event(Event::FramingError { connection, error });
    }

    pub(super) fn handle_adu(&mut self, connection: ConnectionId, adu: &[u8]) {
        let Some(conn) = self.connections.get(connection.index()) else {
            return;
        };
        match conn.state {
            ConnState::Client { lane, .. } => self.handle_client_request(connection, lane, adu),
            ConnState::Upstream { upstream, .. } => self.handle_upstream_response(upstream, adu),
            ConnState::Free => {}
        }
    }

    pub(super) fn handle_client_request(
        &mut self,
        connection: ConnectionId,
        lane: Lane,
        adu: &[u8],
    ) {
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
                self.push_event(Event::MalformedRequest {
                    connection,
                    transaction_id: header.transaction_id,
                    error,
                    exception: error.exception_code(),
                });
                self.reply_malformed(index, pdu, &error);
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
                let target = Target::Serial {
                    channel,
                    slave: UnitId::BROADCAST,
                    awaits_answer: false,
                };
                self.enqueue(index, connection, target, pdu);
            }
            RouteDecision::Forward { channel, slave } => {
                let target = Target::Serial {
                    channel,
                    slave,
                    awaits_answer: request.expects_response(),
                };
                self.enqueue(index, connection, target, pdu);
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

    pub(super) fn enqueue(
        &mut self,
        index: usize,
        connection: ConnectionId,
        target: Target,
        pdu: &[u8],
    ) {
        let Target::Serial { channel, slave, .. } = target else {
            return;
        };
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
                slot.target = target;
            }
            // A PDU from a valid TCP frame always fits an RTU frame.
            Err(_) => self.free(index),
        }
    }

    // ---- serial side, master mode ----

    pub(super) fn pick(&self, channel: ChannelId) -> Option<usize> {
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

    pub(super) fn transmit_serial(
        &mut self,
        channel: ChannelId,
        index: usize,
        now: Instant,
    ) -> Option<Transmit<'_>> {
        self.drop_stale(channel);
        let ch = self.channels.get_mut(usize::from(channel.0))?;
        let slot = self.slots.get_mut(index)?;
        let Target::Serial {
            slave,
            awaits_answer,
            ..
        } = slot.target
        else {
            return None;
        };
        let bytes = slot.buf.get(..slot.len)?;
        slot.attempts = slot.attempts.saturating_add(1);
        let attempt = slot.attempts;
        let tx_end = ch.start_transmission(bytes.len(), now);
        ch.echo.record(bytes, ch.config.echo_suppression);
        if let Owner::Client(id) = slot.owner {
            ch.last_served = Some(id.index);
        }
        let owner = slot.owner;
        let header = slot.header;
        if awaits_answer {
            slot.state = SlotState::InFlight;
            ch.busy = Some(Flight {
                slot: index,
                sent_at: now,
                deadline: tx_end.saturating_add(ch.config.response_timeout()),
                crc_error: false,
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
        if !awaits_answer {
            self.complete_unanswered(index);
        }
        // From the channel's copy: a broadcast's slot may already hold the client's reply.
        let bytes = self.channels.get(usize::from(channel.0))?.echo.last_sent();
        Some(Transmit::Serial { channel, bytes })
    }

    /// A request that gets no answer (broadcast, FC 08/04) has left.
    pub(super) fn complete_unanswered(&mut self, index: usize) {
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

    pub(super) fn drain_serial(&mut self, channel: ChannelId, now: Instant) {
        loop {
            let Some(ch) = self.channels.get_mut(usize::from(channel.0)) else {
                return;
            };
            let mut adu = [0u8; MAX_RTU_ADU_LEN];
            let (len, discarded) = match ch.deframer.poll_frame() {
                None => return,
                Some(RtuEvent::Frame(frame)) => {
                    ch.counters.bus_messages = ch.counters.bus_messages.wrapping_add(1);
                    (copy_into(&mut adu, frame.as_bytes()), None)
                }
                Some(RtuEvent::Discarded { len, reason }) => (0, Some((len, reason))),
            };
            let mode = ch.config.mode;
            match discarded {
                Some((len, reason)) => {
                    if reason == DiscardReason::Crc {
                        ch.counters.bus_communication_errors =
                            ch.counters.bus_communication_errors.wrapping_add(1);
                    }
                    if reason == DiscardReason::Crc && mode == ChannelMode::RtuMaster {
                        if let Some(flight) = &mut ch.busy {
                            flight.crc_error = true;
                        }
                    }
                    self.discard_serial(channel, len, reason);
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

    pub(super) fn handle_slave_frame(&mut self, channel: ChannelId, adu: &[u8], now: Instant) {
        let Ok(frame) = RtuFrame::new_checked(adu) else {
            return;
        };
        let Some(ch) = self.channels.get_mut(usize::from(channel.0)) else {
            return;
        };
        let unexpected = Event::UnexpectedFrame {
            channel,
            address: frame.address(),
            function: frame.function(),
        };
        let flight = ch.busy;
        let slot = flight.and_then(|f| self.slots.get(f.slot));
        let (Some(flight), Some(slot)) = (flight, slot) else {
            if ch.unanswered == Some(frame.address()) {
                // The answer to a request that timed out: dropped, and the line is quiet
                // again after it.
                ch.unanswered = None;
                ch.counters.late_answers = ch.counters.late_answers.wrapping_add(1);
                ch.ready_at = now.saturating_add(ch.config.inter_frame_delay());
                let slave = frame.address();
                self.push_event(Event::LateResponse { channel, slave });
                return;
            }
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
    pub(super) fn fail_attempt(&mut self, channel: ChannelId, cause: RetryCause, now: Instant) {
        let Some(ch) = self.channels.get_mut(usize::from(channel.0)) else {
            return;
        };
        let Some(flight) = ch.busy.take() else {
            return;
        };
        if cause == RetryCause::Timeout {
            ch.counters.timeouts = ch.counters.timeouts.wrapping_add(1);
        }
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
        let orphan = slot.owner == Owner::Orphan;
        if attempt <= retries && !orphan {
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
        if cause == RetryCause::Timeout {
            // The slave may still answer: a different request waits until it has, or until
            // the line has been quiet for the late-answer wait.
            ch.unanswered = Some(slave);
            ch.ready_at = ch
                .ready_at
                .max(now.saturating_add(ch.config.late_answer_wait()));
        }
        let function = FunctionCode::from(slot.buf.get(1).copied().unwrap_or_default());
        self.push_event(Event::NoResponse {
            channel,
            slave,
            cause,
        });
        if self.exceptions.no_response && !orphan {
            let code = ExceptionCode::GatewayTargetDeviceFailedToRespond;
            self.reply_exception(flight.slot, function, code);
        } else {
            self.free(flight.slot);
        }
    }
}
