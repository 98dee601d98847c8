//! Unit id -> serial channel and slave address.

use crate::constants::MAX_SLAVE_ADDRESS;
use crate::gateway::id::ChannelId;
use crate::types::UnitId;

/// One line of a slave id map: TCP unit ids `first_unit..=last_unit` go to `channel`, where
/// the devices answer at `first_slave..` in the same order (identity when
/// `first_slave == first_unit`, an offset otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Route {
    /// First TCP unit id of the range.
    pub first_unit: u8,
    /// Last TCP unit id of the range (inclusive).
    pub last_unit: u8,
    /// The serial channel.
    pub channel: ChannelId,
    /// Serial address of `first_unit`.
    pub first_slave: u8,
}

impl Route {
    /// Units `first..=last` to the same addresses on `channel`.
    pub const fn identity(first: u8, last: u8, channel: ChannelId) -> Self {
        Self {
            first_unit: first,
            last_unit: last,
            channel,
            first_slave: first,
        }
    }

    fn contains(&self, unit: u8) -> bool {
        (self.first_unit..=self.last_unit).contains(&unit)
    }

    fn overlaps(&self, other: &Self) -> bool {
        self.first_unit <= other.last_unit && other.first_unit <= self.last_unit
    }
}

/// Where a request addressed to a unit id goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum RouteDecision {
    /// Send to `slave` on `channel` and wait for its answer.
    Forward {
        /// The serial channel.
        channel: ChannelId,
        /// The serial address.
        slave: UnitId,
    },
    /// Unit 0: send to address 0 on `channel` and wait for nothing (MB-SL 2.1).
    Broadcast {
        /// The serial channel.
        channel: ChannelId,
    },
    /// The gateway's own unit id: answer from the gateway (diagnostics, identification).
    Local,
    /// No route: answer exception 0x0A Gateway Path Unavailable (MB-AP 7).
    NoRoute,
}

/// Why a routing table was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoutingError {
    /// More routes than the table holds.
    #[error("{count} routes, the table holds {max}")]
    TooManyRoutes {
        /// Routes given.
        count: usize,
        /// Capacity.
        max: usize,
    },
    /// A route whose last unit is below its first.
    #[error("route {index}: unit range {first}..={last} is inverted")]
    Inverted {
        /// Position of the route.
        index: usize,
        /// First unit.
        first: u8,
        /// Last unit.
        last: u8,
    },
    /// A route that includes unit 0, which is the broadcast address, not a device.
    #[error("route {index}: unit 0 is the broadcast address; configure broadcast instead")]
    BroadcastInRange {
        /// Position of the route.
        index: usize,
    },
    /// A route whose serial addresses leave 1..=247.
    #[error("route {index}: serial addresses leave 1..=247")]
    SlaveOutOfRange {
        /// Position of the route.
        index: usize,
    },
    /// Two routes claim the same unit id.
    #[error("routes {first} and {second} both claim unit {unit}")]
    Overlap {
        /// Position of the earlier route.
        first: usize,
        /// Position of the later route.
        second: usize,
        /// The lowest unit id both claim.
        unit: u8,
    },
    /// The gateway's own unit id is also routed to a device.
    #[error("unit {0} is both the gateway's own unit id and routed to a device")]
    LocalUnitRouted(u8),
}

/// A validated slave id map with room for `N` routes, no heap.
///
/// Lookup scans the routes: at most `N` comparisons (the MGate holds 32).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutingTable<const N: usize> {
    routes: [Route; N],
    len: usize,
    default_channel: Option<ChannelId>,
    broadcast_channel: Option<ChannelId>,
    local_unit: Option<UnitId>,
}

impl<const N: usize> RoutingTable<N> {
    /// A table that routes nothing: every unit gets [`RouteDecision::NoRoute`].
    pub const EMPTY: Self = Self {
        // Zero bytes, past `len`: never read.
        routes: [Route::identity(0, 0, ChannelId(0)); N],
        len: 0,
        default_channel: None,
        broadcast_channel: None,
        local_unit: None,
    };

    /// Checks `routes` and builds the table.
    ///
    /// `default_channel` takes units 1..=247 that no route claims, to the same address;
    /// `broadcast_channel` takes unit 0; `local_unit` (often 0xFF, MB-TCP 4.4.2) is answered by
    /// the gateway itself.
    ///
    /// # Errors
    ///
    /// The first [`RoutingError`] found, naming the route.
    pub fn new(
        routes: &[Route],
        default_channel: Option<ChannelId>,
        broadcast_channel: Option<ChannelId>,
        local_unit: Option<UnitId>,
    ) -> Result<Self, RoutingError> {
        if routes.len() > N {
            return Err(RoutingError::TooManyRoutes {
                count: routes.len(),
                max: N,
            });
        }
        for (index, route) in routes.iter().enumerate() {
            if route.last_unit < route.first_unit {
                return Err(RoutingError::Inverted {
                    index,
                    first: route.first_unit,
                    last: route.last_unit,
                });
            }
            if route.first_unit == 0 {
                return Err(RoutingError::BroadcastInRange { index });
            }
            let span = route.last_unit - route.first_unit;
            let last_slave = u16::from(route.first_slave) + u16::from(span);
            if route.first_slave == 0 || last_slave > u16::from(MAX_SLAVE_ADDRESS) {
                return Err(RoutingError::SlaveOutOfRange { index });
            }
            if let Some(earlier) = routes.iter().take(index).position(|r| r.overlaps(route)) {
                let other = routes.get(earlier).copied().unwrap_or(*route);
                let unit = other.first_unit.max(route.first_unit);
                return Err(RoutingError::Overlap {
                    first: earlier,
                    second: index,
                    unit,
                });
            }
            if local_unit.is_some_and(|local| route.contains(local.0)) {
                return Err(RoutingError::LocalUnitRouted(local_unit.map_or(0, |u| u.0)));
            }
        }
        let mut table = Self::EMPTY;
        for (slot, route) in table.routes.iter_mut().zip(routes) {
            *slot = *route;
        }
        table.len = routes.len();
        table.default_channel = default_channel;
        table.broadcast_channel = broadcast_channel;
        table.local_unit = local_unit;
        Ok(table)
    }

    /// Where a request for `unit` goes.
    pub fn route(&self, unit: UnitId) -> RouteDecision {
        if self.local_unit == Some(unit) {
            return RouteDecision::Local;
        }
        if unit.is_broadcast() {
            return self
                .broadcast_channel
                .map_or(RouteDecision::NoRoute, |channel| RouteDecision::Broadcast {
                    channel,
                });
        }
        if let Some(route) = self.routes().iter().find(|r| r.contains(unit.0)) {
            let slave = route.first_slave.saturating_add(unit.0 - route.first_unit);
            return RouteDecision::Forward {
                channel: route.channel,
                slave: UnitId(slave),
            };
        }
        match self.default_channel {
            Some(channel) if unit.is_individual() => RouteDecision::Forward {
                channel,
                slave: unit,
            },
            _ => RouteDecision::NoRoute,
        }
    }

    /// The routes, in configuration order.
    pub fn routes(&self) -> &[Route] {
        self.routes.get(..self.len).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: ChannelId = ChannelId(0);
    const B: ChannelId = ChannelId(1);

    fn forward(channel: ChannelId, slave: u8) -> RouteDecision {
        RouteDecision::Forward {
            channel,
            slave: UnitId(slave),
        }
    }

    #[test]
    fn slave_id_map_with_offset_default_broadcast_and_local() {
        // Units 1-10 on port A as themselves; units 101-110 are devices 1-10 on port B.
        let routes = [
            Route::identity(1, 10, A),
            Route {
                first_unit: 101,
                last_unit: 110,
                channel: B,
                first_slave: 1,
            },
        ];
        let table =
            RoutingTable::<32>::new(&routes, None, Some(A), Some(UnitId::TCP_SELF)).unwrap();
        assert_eq!(table.route(UnitId(1)), forward(A, 1));
        assert_eq!(table.route(UnitId(10)), forward(A, 10));
        assert_eq!(table.route(UnitId(11)), RouteDecision::NoRoute);
        assert_eq!(table.route(UnitId(101)), forward(B, 1));
        assert_eq!(table.route(UnitId(110)), forward(B, 10));
        assert_eq!(
            table.route(UnitId(0)),
            RouteDecision::Broadcast { channel: A }
        );
        assert_eq!(table.route(UnitId(255)), RouteDecision::Local);

        // A default channel takes unclaimed individual addresses, never reserved ones.
        let table = RoutingTable::<4>::new(&routes, Some(B), None, None).unwrap();
        assert_eq!(table.route(UnitId(11)), forward(B, 11));
        assert_eq!(table.route(UnitId(247)), forward(B, 247));
        assert_eq!(table.route(UnitId(248)), RouteDecision::NoRoute);
        assert_eq!(table.route(UnitId(0)), RouteDecision::NoRoute);
    }

    #[test]
    fn bad_tables_are_refused_with_the_route_named() {
        let ok = Route::identity(1, 10, A);
        let cases: [(&[Route], RoutingError); 6] = [
            (
                &[ok, Route::identity(20, 19, A)],
                RoutingError::Inverted {
                    index: 1,
                    first: 20,
                    last: 19,
                },
            ),
            (
                &[Route::identity(0, 5, A)],
                RoutingError::BroadcastInRange { index: 0 },
            ),
            (
                &[Route {
                    first_unit: 1,
                    last_unit: 10,
                    channel: A,
                    first_slave: 240,
                }],
                RoutingError::SlaveOutOfRange { index: 0 },
            ),
            (
                &[Route {
                    first_unit: 1,
                    last_unit: 1,
                    channel: A,
                    first_slave: 0,
                }],
                RoutingError::SlaveOutOfRange { index: 0 },
            ),
            (
                &[ok, Route::identity(5, 20, B)],
                RoutingError::Overlap {
                    first: 0,
                    second: 1,
                    unit: 5,
                },
            ),
            (
                &[ok, ok, ok],
                RoutingError::TooManyRoutes { count: 3, max: 2 },
            ),
        ];
        for (routes, error) in cases {
            assert_eq!(RoutingTable::<2>::new(routes, None, None, None), Err(error));
        }
        assert_eq!(
            RoutingTable::<2>::new(&[Route::identity(1, 255, A)], None, None, Some(UnitId(255))),
            Err(RoutingError::SlaveOutOfRange { index: 0 })
        );
        assert_eq!(
            RoutingTable::<2>::new(
                &[Route::identity(200, 210, A)],
                None,
                None,
                Some(UnitId(205))
            ),
            Err(RoutingError::LocalUnitRouted(205))
        );
    }

    #[test]
    fn every_unit_gets_exactly_one_decision_and_forwards_stay_in_range() {
        let routes = [
            Route::identity(1, 100, A),
            Route {
                first_unit: 150,
                last_unit: 247,
                channel: B,
                first_slave: 1,
            },
        ];
        let table = RoutingTable::<8>::new(&routes, Some(A), Some(B), Some(UnitId(255))).unwrap();
        for unit in 0..=u8::MAX {
            if let RouteDecision::Forward { slave, .. } = table.route(UnitId(unit)) {
                assert!(slave.is_individual(), "unit {unit} -> {slave:?}");
            }
        }
    }
}
