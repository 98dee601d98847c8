//! Slave mode's upstream servers (the MGate reverse mode): which server takes a serial
//! address, the connection the engine keeps to each, and their transaction ids.

use core::net::SocketAddr;

use crate::gateway::config::{MAX_UPSTREAMS, Upstream};
use crate::gateway::id::{ChannelId, ConnectionId};
use crate::types::UnitId;

#[derive(Clone, Copy, Debug, Default)]
struct Link {
    connection: Option<ConnectionId>,
    next_transaction_id: u16,
}

#[derive(Debug)]
pub(super) struct Upstreams {
    config: heapless::Vec<Upstream, MAX_UPSTREAMS>,
    links: [Link; MAX_UPSTREAMS],
}

impl Upstreams {
    pub(super) const NONE: Self = Self {
        config: heapless::Vec::new(),
        links: [Link {
            connection: None,
            next_transaction_id: 0,
        }; MAX_UPSTREAMS],
    };

    /// Takes the servers of `config`, with no connection to any yet.
    pub(super) fn configure(&mut self, config: &heapless::Vec<Upstream, MAX_UPSTREAMS>) {
        self.config.clone_from(config);
        self.links = Self::NONE.links;
    }

    /// The server that answers serial address `slave` on `channel`, and the unit id to send.
    pub(super) fn route(&self, channel: ChannelId, slave: UnitId) -> Option<(u8, UnitId)> {
        self.config.iter().enumerate().find_map(|(index, up)| {
            let upstream = u8::try_from(index).ok()?;
            (up.channel == channel)
                .then(|| up.unit_for(slave.0).map(|unit| (upstream, unit)))
                .flatten()
        })
    }

    /// The slave-mode channel whose master reaches `upstream`.
    pub(super) fn channel(&self, upstream: u8) -> ChannelId {
        self.config
            .get(usize::from(upstream))
            .map_or(ChannelId(0), |up| up.channel)
    }

    pub(super) fn address(&self, upstream: u8) -> Option<SocketAddr> {
        self.config.get(usize::from(upstream)).map(|up| up.address)
    }

    /// The connection open (or being opened) to `upstream`.
    pub(super) fn connection(&self, upstream: u8) -> Option<ConnectionId> {
        self.links.get(usize::from(upstream))?.connection
    }

    pub(super) fn set_connection(&mut self, upstream: u8, connection: Option<ConnectionId>) {
        if let Some(link) = self.links.get_mut(usize::from(upstream)) {
            link.connection = connection;
        }
    }

    /// The transaction id of the next request to `upstream`.
    pub(super) fn next_transaction_id(&mut self, upstream: u8) -> u16 {
        self.links.get_mut(usize::from(upstream)).map_or(0, |link| {
            link.next_transaction_id = link.next_transaction_id.wrapping_add(1);
            link.next_transaction_id
        })
    }
}
