//! Gateway configuration: plain data with serde, checked once by [`GatewayConfig::validate`].
//!
//! Times are whole milliseconds, the unit of the MGate web console, except the automatic
//! inter-frame delay, which is t3.5 of the line to the microsecond. Every range below is
//! enforced by `validate`, which names the setting it refuses.

use core::net::SocketAddr;
use core::num::NonZeroU32;
use core::ops::RangeInclusive;
use core::time::Duration;

use crate::gateway::id::ChannelId;
use crate::gateway::routing::{Route, RoutingError, RoutingTable};
use crate::rtu::{FrameTiming, SerialConfig};
use crate::types::UnitId;

/// Serial channels a configuration can describe (the 16-port MGate MB3660 is the largest).
pub const MAX_CHANNELS: usize = 16;
/// Lines in the slave id map.
pub const MAX_ROUTES: usize = 32;
/// Modbus TCP servers that serial masters reach through channels in slave mode.
pub const MAX_UPSTREAMS: usize = 16;

/// Accepted response timeouts, milliseconds.
pub const RESPONSE_TIMEOUT_MS: RangeInclusive<u32> = 10..=120_000;
/// Accepted manual inter-frame delays, milliseconds.
pub const INTER_FRAME_DELAY_MS: RangeInclusive<u16> = 1..=500;
/// Accepted initial delays after start, milliseconds.
pub const INITIAL_DELAY_MS: RangeInclusive<u32> = 0..=30_000;
/// Accepted retry counts after the first attempt.
pub const RETRIES: RangeInclusive<u8> = 0..=5;
/// Accepted waits for a late answer after a timeout, milliseconds.
pub const LATE_ANSWER_WAIT_MS: RangeInclusive<u32> = 0..=120_000;
/// Accepted idle timeouts of client connections, milliseconds (1 s to 1 day).
pub const IDLE_TIMEOUT_MS: RangeInclusive<u32> = 1_000..=86_400_000;

/// Everything the engine needs to know, as serde data.
///
/// ```
/// use modbus_core::gateway::{ChannelConfig, GatewayConfig, Route, ChannelId};
/// let mut config = GatewayConfig::default();
/// config.channels.push(ChannelConfig::default()).unwrap();
/// config.routes.push(Route::identity(1, 10, ChannelId(0))).unwrap();
/// config.validate()?;
/// # Ok::<(), modbus_core::gateway::ConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct GatewayConfig {
    /// Serial channels; a route names one by its position here.
    pub channels: heapless::Vec<ChannelConfig, MAX_CHANNELS>,
    /// The slave id map: TCP unit id ranges to a channel and serial addresses.
    pub routes: heapless::Vec<Route, MAX_ROUTES>,
    /// Channel for individual unit ids (1-247) that no route claims, at the same address;
    /// `None` answers them with exception 0x0A.
    pub default_channel: Option<ChannelId>,
    /// What unit id 0 means.
    pub broadcast: BroadcastPolicy,
    /// The unit id the gateway answers itself (FC 08 counters, FC 0B); 255 by default, the
    /// MB-TCP 4.4.2 "this device" id. `None` treats 255 like any unrouted unit.
    pub gateway_unit: Option<UnitId>,
    /// Connection and queue bounds.
    pub limits: Limits,
    /// Which failures the gateway answers with an exception and which it leaves unanswered.
    pub exceptions: ExceptionPolicy,
    /// Modbus TCP servers for channels in [`ChannelMode::RtuSlave`].
    pub upstreams: heapless::Vec<Upstream, MAX_UPSTREAMS>,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            channels: heapless::Vec::new(),
            routes: heapless::Vec::new(),
            default_channel: None,
            broadcast: BroadcastPolicy::default(),
            gateway_unit: Some(UnitId::TCP_SELF),
            limits: Limits::default(),
            exceptions: ExceptionPolicy::default(),
            upstreams: heapless::Vec::new(),
        }
    }
}

/// One serial port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct ChannelConfig {
    /// Baud rate and character format.
    pub serial: SerialConfig,
    /// Who is master on this line.
    pub mode: ChannelMode,
    /// How long to wait for a slave's answer after the request has left (master mode), or for
    /// the TCP server's answer (slave mode).
    pub response_timeout_ms: u32,
    /// Silence kept between frames on the line; `None` uses t3.5 of the serial settings.
    pub inter_frame_delay_ms: Option<u16>,
    /// Attempts after the first when the answer is missing or fails its CRC.
    pub retries: u8,
    /// Time after start before the first request goes out (slow devices after power-up).
    pub initial_delay_ms: u32,
    /// 2-wire RS-485 whose receiver hears the gateway's own transmission: drop that echo.
    pub echo_suppression: bool,
    /// What ends a received frame besides its length: the default survives USB adapters and
    /// scheduling gaps; the strict MB-SL rules need a timestamp per character.
    pub frame_timing: FrameTiming,
    /// Master mode: after a request got no answer (its last attempt timed out), how long the
    /// line must stay quiet before a different request goes out, so that a slow slave's late
    /// answer is dropped instead of being taken for the next request's. A late answer that
    /// arrives whole ends the wait early. `None` waits one response timeout; 0 does not wait.
    pub late_answer_wait_ms: Option<u32>,
}

impl Default for ChannelConfig {
    /// [`ChannelConfig::DEFAULT`].
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl ChannelConfig {
    /// 9600 8-E-1 (the MB-SL default), master mode, 1000 ms timeout, automatic inter-frame
    /// delay, no retries, no initial delay, no echo suppression, frames ended by their
    /// length, a late-answer wait of one response timeout. A constant, for `static` and
    /// `const` configurations in firmware.
    pub const DEFAULT: Self = Self {
        serial: SerialConfig::rtu(match NonZeroU32::new(9_600) {
            Some(baud) => baud,
            None => NonZeroU32::MIN,
        }),
        mode: ChannelMode::RtuMaster,
        response_timeout_ms: 1_000,
        inter_frame_delay_ms: None,
        retries: 0,
        initial_delay_ms: 0,
        echo_suppression: false,
        frame_timing: FrameTiming::ByLength,
        late_answer_wait_ms: None,
    };

    /// The response timeout.
    pub fn response_timeout(&self) -> Duration {
        Duration::from_millis(self.response_timeout_ms.into())
    }

    /// The silence kept between frames: the configured delay or t3.5.
    pub fn inter_frame_delay(&self) -> Duration {
        self.inter_frame_delay_ms
            .map_or_else(|| self.serial.t3_5(), |ms| Duration::from_millis(ms.into()))
    }

    /// The delay after start.
    pub fn initial_delay(&self) -> Duration {
        Duration::from_millis(self.initial_delay_ms.into())
    }

    /// The quiet kept after a request went unanswered: the configured wait or one response
    /// timeout.
    pub fn late_answer_wait(&self) -> Duration {
        self.late_answer_wait_ms.map_or_else(
            || self.response_timeout(),
            |ms| Duration::from_millis(ms.into()),
        )
    }
}

/// The gateway's role on a serial line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ChannelMode {
    /// The gateway is master: TCP clients' requests go out to the serial slaves.
    #[default]
    RtuMaster,
    /// The gateway is a slave to a serial master, whose requests go out to the
    /// [`GatewayConfig::upstreams`] of this channel (the MGate "reverse" or RTU slave mode).
    RtuSlave,
}

/// Unit id 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct BroadcastPolicy {
    /// The channel broadcasts go to; `None` answers unit 0 with exception 0x0A.
    pub channel: Option<ChannelId>,
    /// What the TCP client hears after its broadcast has gone out.
    pub reply: BroadcastReply,
}

/// The answer to a broadcast write. No slave answers a broadcast (MB-SL 2.1), so any answer
/// comes from the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum BroadcastReply {
    /// No answer: the client must not wait (what the serial master would see).
    #[default]
    None,
    /// The normal response of the write (the echo FC 05, 06, 0F, 10, 15 and 16 define), sent
    /// once the broadcast has left, for clients that always wait for an answer.
    Echo,
}

/// Bounds on what clients can make the gateway hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct Limits {
    /// TCP client connections at once; more are refused.
    pub max_connections: u16,
    /// Requests waiting for each serial channel; a request beyond this is answered with
    /// exception 06 Server Device Busy.
    pub queue_depth: u16,
    /// Requests of one connection not yet answered. The engine stops accepting bytes from a
    /// connection at this limit (TCP flow control does the rest) instead of dropping them.
    pub max_pending_per_connection: u16,
    /// A client connection that has sent nothing and had nothing pending for this long is
    /// closed ([`CloseReason::Idle`](super::CloseReason::Idle)): the MGate's TCP alive check,
    /// mbusd's `-T` (60 s by default there). Without it, as many silent clients as
    /// `max_connections` keep everyone else out. `None` never closes an idle client.
    pub idle_timeout_ms: Option<u32>,
}

impl Default for Limits {
    /// 8 connections, 16 queued per channel, 4 pending per connection, idle clients closed
    /// after 7 minutes.
    fn default() -> Self {
        Self {
            max_connections: 8,
            queue_depth: 16,
            max_pending_per_connection: 4,
            idle_timeout_ms: Some(420_000),
        }
    }
}

/// Exceptions the gateway synthesises (MB-AP 7). Exceptions from slaves always pass through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct ExceptionPolicy {
    /// Answer 0x0A Gateway Path Unavailable for a unit id without a route.
    pub no_route: bool,
    /// Answer 0x0B Gateway Target Device Failed to Respond after the last retry.
    pub no_response: bool,
}

impl Default for ExceptionPolicy {
    /// Both on, as MB-AP 7 describes a gateway.
    fn default() -> Self {
        Self {
            no_route: true,
            no_response: true,
        }
    }
}

/// A Modbus TCP server reached from a serial master on a channel in slave mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Upstream {
    /// Where the server listens.
    pub address: SocketAddr,
    /// The slave-mode channel whose master reaches this server.
    pub channel: ChannelId,
    /// First serial address the gateway answers for this server.
    pub first_slave: u8,
    /// Last serial address (inclusive).
    pub last_slave: u8,
    /// Unit id sent for `first_slave` (the next addresses follow in order); `None` keeps the
    /// serial address.
    pub first_unit: Option<u8>,
}

impl Upstream {
    /// The unit id to send for serial address `slave`, if this server takes it.
    pub fn unit_for(&self, slave: u8) -> Option<UnitId> {
        if !(self.first_slave..=self.last_slave).contains(&slave) {
            return None;
        }
        let first = self.first_unit.unwrap_or(self.first_slave);
        Some(UnitId(first.saturating_add(slave - self.first_slave)))
    }
}

/// The name of a setting as it appears in the configuration file, such as
/// `channels[1].retries`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The table it sits in, if any (`channels`, `limits`, ...).
    pub section: Option<&'static str>,
    /// Its position when the table is a list.
    pub index: Option<usize>,
    /// The field.
    pub field: &'static str,
}

impl Setting {
    const fn top(field: &'static str) -> Self {
        Self {
            section: None,
            index: None,
            field,
        }
    }

    const fn in_section(section: &'static str, field: &'static str) -> Self {
        Self {
            section: Some(section),
            index: None,
            field,
        }
    }

    const fn in_list(section: &'static str, index: usize, field: &'static str) -> Self {
        Self {
            section: Some(section),
            index: Some(index),
            field,
        }
    }
}

impl core::fmt::Display for Setting {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match (self.section, self.index) {
            (Some(section), Some(index)) => write!(f, "{section}[{index}].{}", self.field),
            (Some(section), None) => write!(f, "{section}.{}", self.field),
            _ => f.write_str(self.field),
        }
    }
}

/// Why a configuration was refused. Each variant names the setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The slave id map is inconsistent.
    #[error("routes: {0}")]
    Routing(#[from] RoutingError),
    /// A setting refers to a channel that is not configured.
    #[error("{setting}: channel {channel} is not configured ({count} channels)")]
    UnknownChannel {
        /// The setting.
        setting: Setting,
        /// The channel named.
        channel: u8,
        /// Channels configured.
        count: usize,
    },
    /// A request-forwarding setting names a channel in slave mode, or an upstream names a
    /// channel in master mode.
    #[error("{setting}: channel {channel} is in the wrong mode ({mode:?})")]
    WrongMode {
        /// The setting.
        setting: Setting,
        /// The channel named.
        channel: u8,
        /// Its mode.
        mode: ChannelMode,
    },
    /// A number outside its range.
    #[error("{setting} = {value} is outside {min}..={max}")]
    OutOfRange {
        /// The setting.
        setting: Setting,
        /// The value given.
        value: u32,
        /// Smallest accepted.
        min: u32,
        /// Largest accepted.
        max: u32,
    },
    /// The gateway's own unit id is the broadcast address or a routed unit.
    #[error("gateway_unit = {0} cannot be the gateway's own unit id")]
    GatewayUnit(u8),
    /// Two upstream servers claim the same serial address on one channel.
    #[error("upstreams {first} and {second} both answer serial address {slave}")]
    UpstreamOverlap {
        /// Position of the earlier server.
        first: usize,
        /// Position of the later one.
        second: usize,
        /// The address.
        slave: u8,
    },
    /// An upstream's serial addresses or unit ids leave 1..=247, or its range is inverted.
    #[error("upstreams[{0}]: serial addresses or unit ids leave 1..=247")]
    UpstreamRange(usize),
    /// The configuration needs more of something than the engine was built with.
    #[error("{what}: {needed} needed, the engine was built for {capacity}")]
    Capacity {
        /// What runs short.
        what: &'static str,
        /// How many the configuration needs.
        needed: usize,
        /// How many the engine holds.
        capacity: usize,
    },
}

impl GatewayConfig {
    /// Checks every setting and cross-reference, and returns the routing table.
    ///
    /// # Errors
    ///
    /// The first problem found, naming the setting.
    pub fn validate(&self) -> Result<RoutingTable<MAX_ROUTES>, ConfigError> {
        for (index, channel) in self.channels.iter().enumerate() {
            channel.validate(index)?;
        }
        let forwarding = |setting: Setting, id: ChannelId| {
            self.check_channel(setting, id, ChannelMode::RtuMaster)
        };
        for (index, route) in self.routes.iter().enumerate() {
            forwarding(Setting::in_list("routes", index, "channel"), route.channel)?;
        }
        if let Some(id) = self.default_channel {
            forwarding(Setting::top("default_channel"), id)?;
        }
        if let Some(id) = self.broadcast.channel {
            forwarding(Setting::in_section("broadcast", "channel"), id)?;
        }
        if let Some(unit) = self.gateway_unit.filter(|u| u.is_broadcast()) {
            return Err(ConfigError::GatewayUnit(unit.0));
        }
        let table = RoutingTable::new(
            &self.routes,
            self.default_channel,
            self.broadcast.channel,
            self.gateway_unit,
        )
        .map_err(|err| match err {
            RoutingError::LocalUnitRouted(unit) => ConfigError::GatewayUnit(unit),
            other => ConfigError::Routing(other),
        })?;
        self.limits.validate()?;
        self.validate_upstreams()?;
        Ok(table)
    }

    fn check_channel(
        &self,
        setting: Setting,
        id: ChannelId,
        mode: ChannelMode,
    ) -> Result<(), ConfigError> {
        let channel = self
            .channels
            .get(usize::from(id.0))
            .ok_or(ConfigError::UnknownChannel {
                setting,
                channel: id.0,
                count: self.channels.len(),
            })?;
        if channel.mode == mode {
            Ok(())
        } else {
            Err(ConfigError::WrongMode {
                setting,
                channel: id.0,
                mode: channel.mode,
            })
        }
    }

    fn validate_upstreams(&self) -> Result<(), ConfigError> {
        for (index, upstream) in self.upstreams.iter().enumerate() {
            let setting = Setting::in_list("upstreams", index, "channel");
            self.check_channel(setting, upstream.channel, ChannelMode::RtuSlave)?;
            let individual = |a: u8| UnitId(a).is_individual();
            let last_unit = upstream.unit_for(upstream.last_slave);
            if upstream.last_slave < upstream.first_slave
                || !individual(upstream.first_slave)
                || !individual(upstream.last_slave)
                || upstream.first_unit.is_some_and(|u| !individual(u))
                || !last_unit.is_some_and(UnitId::is_individual)
            {
                return Err(ConfigError::UpstreamRange(index));
            }
            let earlier = self.upstreams.iter().take(index).position(|other| {
                other.channel == upstream.channel
                    && other.first_slave <= upstream.last_slave
                    && upstream.first_slave <= other.last_slave
            });
            if let Some(first) = earlier {
                let other = self.upstreams.get(first).unwrap_or(upstream);
                return Err(ConfigError::UpstreamOverlap {
                    first,
                    second: index,
                    slave: other.first_slave.max(upstream.first_slave),
                });
            }
        }
        Ok(())
    }
}

impl ChannelConfig {
    fn validate(&self, index: usize) -> Result<(), ConfigError> {
        let setting = |field| Setting::in_list("channels", index, field);
        check_range(
            setting("response_timeout_ms"),
            self.response_timeout_ms,
            RESPONSE_TIMEOUT_MS,
        )?;
        if let Some(delay) = self.inter_frame_delay_ms {
            let range = widen(&INTER_FRAME_DELAY_MS);
            check_range(setting("inter_frame_delay_ms"), delay.into(), range)?;
        }
        let retries = widen(&RETRIES);
        check_range(setting("retries"), self.retries.into(), retries)?;
        check_range(
            setting("initial_delay_ms"),
            self.initial_delay_ms,
            INITIAL_DELAY_MS,
        )?;
        if let Some(wait) = self.late_answer_wait_ms {
            check_range(setting("late_answer_wait_ms"), wait, LATE_ANSWER_WAIT_MS)?;
        }
        Ok(())
    }
}

impl Limits {
    fn validate(&self) -> Result<(), ConfigError> {
        let setting = |field| Setting::in_section("limits", field);
        let at_least_one = || 1..=u32::from(u16::MAX);
        check_range(
            setting("max_connections"),
            self.max_connections.into(),
            at_least_one(),
        )?;
        check_range(
            setting("queue_depth"),
            self.queue_depth.into(),
            at_least_one(),
        )?;
        check_range(
            setting("max_pending_per_connection"),
            self.max_pending_per_connection.into(),
            at_least_one(),
        )?;
        if let Some(idle) = self.idle_timeout_ms {
            check_range(setting("idle_timeout_ms"), idle, IDLE_TIMEOUT_MS)?;
        }
        Ok(())
    }

    /// [`idle_timeout_ms`](Self::idle_timeout_ms) as a duration.
    pub fn idle_timeout(&self) -> Option<Duration> {
        self.idle_timeout_ms
            .map(|ms| Duration::from_millis(u64::from(ms)))
    }
}

fn check_range(
    setting: Setting,
    value: u32,
    range: RangeInclusive<u32>,
) -> Result<(), ConfigError> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::OutOfRange {
            setting,
            value,
            min: *range.start(),
            max: *range.end(),
        })
    }
}

fn widen<T: Copy + Into<u32>>(range: &RangeInclusive<T>) -> RangeInclusive<u32> {
    (*range.start()).into()..=(*range.end()).into()
}
