//! The serial side in slave mode (the MGate reverse mode): a serial master's requests go to
//! upstream Modbus TCP servers over connections the engine asks the caller to open.

use super::*;

impl<const CHANNELS: usize, const CONNECTIONS: usize, const SLOTS: usize>
    Gateway<CHANNELS, CONNECTIONS, SLOTS>
{
    pub(super) fn handle_master_request(&mut self, channel: ChannelId, adu: &[u8], now: Instant) {
        let Ok(frame) = RtuFrame::new_checked(adu) else {
            return;
        };
        let Some(ch) = self.channels.get(usize::from(channel.0)) else {
            return;
        };
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
            self.reply_malformed(index, frame.pdu(), &error);
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
                crc_error: false,
            });
        }
        self.push_event(Event::UpstreamForwarded {
            channel,
            connection,
            transaction_id,
        });
    }

    /// The connection to upstream server `upstream`, opened on demand.
    pub(super) fn upstream_connection(&mut self, upstream: usize) -> Option<ConnectionId> {
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

    pub(super) fn sendable_upstream_slot(&self) -> Option<usize> {
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

    pub(super) fn transmit_upstream(&mut self, index: usize) -> Option<Transmit<'_>> {
        let slot = self.slots.get_mut(index)?;
        let Target::Upstream { upstream, .. } = slot.target else {
            return None;
        };
        let connection = self.upstreams.get(usize::from(upstream))?.connection?;
        slot.state = SlotState::InFlight;
        let bytes = slot.buf.get(..slot.len)?;
        Some(Transmit::Tcp { connection, bytes })
    }

    pub(super) fn handle_upstream_response(&mut self, upstream: u8, adu: &[u8]) {
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
    pub(super) fn fail_upstream_slot(
        &mut self,
        channel: ChannelId,
        index: usize,
        code: ExceptionCode,
    ) {
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

    pub(super) fn fail_upstream_requests(&mut self, upstream: u8, code: ExceptionCode) {
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
}
