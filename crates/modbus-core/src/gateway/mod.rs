//! The sans-IO gateway engine, piece by piece. Today: the routing table that decides where a
//! request for a unit id goes (the MGate "Slave ID Map").

mod config;
mod engine;
mod event;
mod local;
mod matching;
mod routing;

pub use config::{
    BroadcastPolicy, BroadcastReply, ChannelConfig, ChannelMode, ConfigError, ExceptionPolicy,
    GatewayConfig, INITIAL_DELAY_MS, INTER_FRAME_DELAY_MS, Limits, MAX_CHANNELS, MAX_ROUTES,
    MAX_UPSTREAMS, RESPONSE_TIMEOUT_MS, RETRIES, Setting, Upstream,
};
pub use engine::{EVENT_CAPACITY, FrameRefused, Gateway, Lane};
pub use event::{
    ChannelCounters, CloseReason, ConnectionId, Event, RefuseReason, RetryCause, Transmit,
    UpstreamRefusal,
};
pub use matching::{Mismatch, check_response};
pub use routing::{ChannelId, Route, RouteDecision, RoutingError, RoutingTable};
