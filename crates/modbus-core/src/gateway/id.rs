//! The gateway's ids in one place: TCP connections, serial channels and, inside the engine,
//! request slots.

/// A TCP connection known to the engine: a client's, or one the engine asked for to reach an
/// upstream server. Ids of closed connections are never confused with their successors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId {
    pub(crate) index: u16,
    pub(crate) generation: u16,
}

impl ConnectionId {
    /// Position in the engine's connection table, below the engine's `CONNECTIONS`.
    pub fn index(self) -> usize {
        self.index.into()
    }
}

/// Index of a serial channel in the gateway's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChannelId(pub u8);

impl ChannelId {
    /// Position in the configuration's channel list.
    pub fn index(self) -> usize {
        self.0.into()
    }

    /// The id of the channel at `index`, for indexes of a channel table (at most
    /// [`MAX_CHANNELS`](crate::gateway::MAX_CHANNELS), so they fit).
    pub(crate) fn at(index: usize) -> Self {
        Self(u8::try_from(index).unwrap_or(u8::MAX))
    }
}

/// A request slot of the engine: one request from arrival to answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct SlotId(u16);

impl SlotId {
    /// The id of the slot at `index` of a table of at most `u16::MAX` slots (the engine's
    /// capacity check keeps it there).
    pub(crate) fn at(index: usize) -> Self {
        Self(u16::try_from(index).unwrap_or(u16::MAX))
    }

    /// Position in the slot table.
    pub(crate) fn index(self) -> usize {
        self.0.into()
    }
}
