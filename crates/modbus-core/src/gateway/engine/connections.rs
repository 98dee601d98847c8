//! The connection table: clients and the connections the engine opens to upstream servers,
//! each with its TCP deframer, found by generation-checked [`ConnectionId`].

use core::net::SocketAddr;
use core::time::Duration;

use crate::gateway::event::CloseReason;
use crate::gateway::id::ConnectionId;
use crate::tcp::TcpDeframer;
use crate::time::Instant;
use crate::zeroed::Zeroed;

use super::Lane;

/// With a tag of its own, `Free` being 0, so that a free connection is zero bytes (see
/// `Gateway::unconfigured`); without it, `Free` would be a spare value of the address's tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
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
    pub(super) closing: Zeroed<CloseReason>,
    generation: u16,
    pub(super) deframer: TcpDeframer,
    /// A client's last sign of life: opened, bytes in, an answer out.
    last_active: Instant,
}

impl Connection {
    const FREE: Self = Self {
        state: ConnState::Free,
        closing: Zeroed::None,
        generation: 0,
        deframer: TcpDeframer::new(),
        last_active: Instant::from_micros(0),
    };

    /// When a client's idle timeout runs out, if it is a client that may be closed for it.
    fn idle_until(&self, idle: Duration) -> Option<Instant> {
        (self.is_client() && !self.closing.is_some()).then(|| self.last_active.saturating_add(idle))
    }

    pub(super) fn is_client(&self) -> bool {
        matches!(self.state, ConnState::Client { .. })
    }

    /// Whether `poll_transmit` owes the caller a `Close` or a `Connect` for it.
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

#[derive(Debug)]
pub(super) struct Connections<const N: usize> {
    table: [Connection; N],
}

impl<const N: usize> Connections<N> {
    pub(super) const fn new() -> Self {
        Self {
            table: [const { Connection::FREE }; N],
        }
    }

    /// Forgets every connection; the ids handed out before are stale from here.
    pub(super) fn clear(&mut self) {
        for connection in &mut self.table {
            if connection.state != ConnState::Free {
                connection.generation = connection.generation.wrapping_add(1);
            }
            connection.state = ConnState::Free;
            connection.closing = Zeroed::None;
        }
    }

    /// The open connection `id` names, if it is still the one it named.
    pub(super) fn get(&self, id: ConnectionId) -> Option<&Connection> {
        self.table
            .get(id.index())
            .filter(|c| c.generation == id.generation && c.state != ConnState::Free)
    }

    pub(super) fn get_mut(&mut self, id: ConnectionId) -> Option<&mut Connection> {
        self.table
            .get_mut(id.index())
            .filter(|c| c.generation == id.generation && c.state != ConnState::Free)
    }

    pub(super) fn clients(&self) -> usize {
        self.table.iter().filter(|c| c.is_client()).count()
    }

    /// Opens a free entry in `state` at `now`.
    pub(super) fn open(&mut self, state: ConnState, now: Instant) -> Option<ConnectionId> {
        let index = self.table.iter().position(|c| c.state == ConnState::Free)?;
        let connection = self.table.get_mut(index)?;
        connection.state = state;
        connection.closing = Zeroed::None;
        connection.deframer = TcpDeframer::new();
        connection.last_active = now;
        id_of(index, connection)
    }

    /// Frees `id`'s entry (its id is then stale); returns the state it had.
    pub(super) fn release(&mut self, id: ConnectionId) -> Option<ConnState> {
        let connection = self.get_mut(id)?;
        let state = connection.state;
        connection.state = ConnState::Free;
        connection.closing = Zeroed::None;
        connection.generation = connection.generation.wrapping_add(1);
        Some(state)
    }

    /// The first connection `poll_transmit` owes a `Close` or a `Connect`.
    pub(super) fn wanting_action(&self) -> Option<ConnectionId> {
        let index = self.table.iter().position(Connection::wants_action)?;
        id_of(index, self.table.get(index)?)
    }

    /// `id` showed a sign of life at `now`.
    pub(super) fn touch(&mut self, id: ConnectionId, now: Instant) {
        if let Some(connection) = self.get_mut(id) {
            connection.last_active = connection.last_active.max(now);
        }
    }

    /// When the first client's idle timeout runs out.
    pub(super) fn next_timeout(&self, idle: Option<Duration>) -> Option<Instant> {
        let idle = idle?;
        self.table.iter().filter_map(|c| c.idle_until(idle)).min()
    }

    /// The clients whose idle timeout has run out at `now`.
    pub(super) fn idle_at(
        &self,
        now: Instant,
        idle: Option<Duration>,
    ) -> impl Iterator<Item = ConnectionId> + '_ {
        self.table
            .iter()
            .enumerate()
            .filter(move |(_, c)| {
                idle.and_then(|idle| c.idle_until(idle))
                    .is_some_and(|at| at <= now)
            })
            .filter_map(|(index, c)| id_of(index, c))
    }
}

/// The id of the entry at `index` as it is now (tables hold at most `u16::MAX` entries).
fn id_of(index: usize, connection: &Connection) -> Option<ConnectionId> {
    Some(ConnectionId {
        index: u16::try_from(index).ok()?,
        generation: connection.generation,
    })
}
