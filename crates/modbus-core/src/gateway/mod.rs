//! The sans-IO gateway engine, piece by piece. Today: the routing table that decides where a
//! request for a unit id goes (the MGate "Slave ID Map").

mod routing;

pub use routing::{ChannelId, Route, RouteDecision, RoutingError, RoutingTable};
