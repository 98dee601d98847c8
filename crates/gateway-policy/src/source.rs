//! Where a login or a session comes from: the bottom of the identity layers, with
//! [`time`](crate::time) and [`name`](crate::name). The lockout, the sessions and the login flow
//! take it; it depends on nothing of theirs.

use core::net::IpAddr;

/// Where a login comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Source {
    /// The local serial console.
    Console,
    /// A network peer.
    Network(IpAddr),
}
