//! The audit event model: what happened ([`Kind`]), to whom and from where ([`Source`]), with
//! what result ([`Outcome`]), and the record that stamps it with a sequence number and a time
//! ([`Record`]).
//!
//! The built-in kinds ([`EventKind`]) are every event of the MGate MB3000 hardening guide
//! (section 3.5, in its three groups System, Network and Configuration) and the security and
//! log-keeping events the rest of this crate family produces. Integrators add their own with
//! [`Kind::custom`]. A record carries what IEC 62443-4-2 CR 2.8 asks of an audit record:
//! timestamp (with [`ClockQuality`]), source, category ([`EventGroup`]), type ([`Kind`]), event
//! id, outcome, plus a sequence number and details.

use core::fmt;
use core::net::IpAddr;

use crate::syslog::Severity;
use crate::time::{ClockQuality, Timestamp};

/// Event groups: the MGate's three rows of "System Log Settings", and two for the events this
/// crate family adds. Routing is decided per group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum EventGroup {
    /// System cold start, warm start (MGate), shutdown and clock changes.
    System,
    /// DHCP/BOOTP, NTP, IP conflict, link down (MGate).
    Network,
    /// Login failed, IP and password changes, firmware upgrade, certificate and configuration
    /// import/export/change, event log cleared (MGate).
    Configuration,
    /// Login success, lockouts, sessions, access-list denials, certificate expiry.
    Security,
    /// The local log's own events: capacity warning, overflow, recording stopped, unclean
    /// shutdown.
    Log,
}

impl EventGroup {
    /// Every group, in routing-table order.
    pub const ALL: [Self; 5] = [
        Self::System,
        Self::Network,
        Self::Configuration,
        Self::Security,
        Self::Log,
    ];

    /// The group's name as written in the formats: `system`, `network`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Network => "network",
            Self::Configuration => "configuration",
            Self::Security => "security",
            Self::Log => "log",
        }
    }

    /// The group named `name` (as [`as_str`](Self::as_str) writes it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|group| group.as_str() == name)
    }

    pub(crate) const fn index(self) -> usize {
        self as usize
    }

    pub(crate) fn from_index(index: u8) -> Option<Self> {
        Self::ALL.get(usize::from(index)).copied()
    }
}

impl fmt::Display for EventGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! event_kinds {
    ($( $(#[$doc:meta])* $variant:ident = ($id:literal, $name:literal, $group:ident, $severity:ident, $summary:literal), )*) => {
        /// The built-in event kinds. Ids are stable: 1xx System, 2xx Network, 3xx
        /// Configuration, 4xx Security, 5xx Log; 1000 and above are for [`Kind::custom`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
        #[non_exhaustive]
        pub enum EventKind {
            $( $(#[$doc])* $variant, )*
        }

        impl EventKind {
            /// Every built-in kind, by id.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The stable numeric event id.
            pub const fn id(self) -> u16 {
                match self { $( Self::$variant => $id, )* }
            }

            /// The name written as the RFC 5424 MSGID and CEF event class: upper case ASCII,
            /// at most 32 characters.
            pub const fn name(self) -> &'static str {
                match self { $( Self::$variant => $name, )* }
            }

            /// The group the kind is routed by.
            pub const fn group(self) -> EventGroup {
                match self { $( Self::$variant => EventGroup::$group, )* }
            }

            /// The default severity.
            pub const fn severity(self) -> Severity {
                match self { $( Self::$variant => Severity::$severity, )* }
            }

            /// A one-line description, the message when the event has none of its own.
            pub const fn summary(self) -> &'static str {
                match self { $( Self::$variant => $summary, )* }
            }

            /// The built-in kind with id `id`.
            pub const fn from_id(id: u16) -> Option<Self> {
                match id { $( $id => Some(Self::$variant), )* _ => None }
            }
        }
    };
}

event_kinds! {
    /// MGate "System cold start": power-on.
    ColdStart = (101, "COLD_START", System, Notice, "System cold start"),
    /// MGate "System warm start": restart without power loss.
    WarmStart = (102, "WARM_START", System, Notice, "System warm start"),
    /// Orderly shutdown of the device or service.
    Shutdown = (103, "SHUTDOWN", System, Notice, "System shutdown"),
    /// The wall clock was set or stepped; details say from and to.
    ClockChanged = (104, "CLOCK_CHANGED", System, Notice, "System clock changed"),
    /// MGate "DHCP/BOOTP gets IP/renew".
    DhcpBootpIp = (201, "DHCP_BOOTP_IP", Network, Informational, "DHCP/BOOTP got IP or renewed"),
    /// MGate "NTP connect failed".
    NtpConnectFailed = (202, "NTP_CONNECT_FAILED", Network, Warning, "NTP connect failed"),
    /// MGate "IP conflict".
    IpConflict = (203, "IP_CONFLICT", Network, Warning, "IP conflict"),
    /// MGate "Network link down".
    LinkDown = (204, "LINK_DOWN", Network, Warning, "Network link down"),
    /// MGate "Login failed" (the MGate files it under Configuration).
    LoginFailed = (301, "LOGIN_FAILED", Configuration, Warning, "Login failed"),
    /// MGate "IP changed".
    IpChanged = (302, "IP_CHANGED", Configuration, Notice, "IP changed"),
    /// MGate "Password changed".
    PasswordChanged = (303, "PASSWORD_CHANGED", Configuration, Notice, "Password changed"),
    /// MGate "Firmware upgraded".
    FirmwareUpgraded = (304, "FIRMWARE_UPGRADED", Configuration, Notice, "Firmware upgraded"),
    /// MGate "SSL Certificate imported".
    CertificateImported = (305, "CERTIFICATE_IMPORTED", Configuration, Notice, "Certificate imported"),
    /// MGate "Configuration imported or exported": imported.
    ConfigurationImported = (306, "CONFIG_IMPORTED", Configuration, Notice, "Configuration imported"),
    /// MGate "Configuration imported or exported": exported.
    ConfigurationExported = (307, "CONFIG_EXPORTED", Configuration, Notice, "Configuration exported"),
    /// MGate "Configuration changed".
    ConfigurationChanged = (308, "CONFIG_CHANGED", Configuration, Notice, "Configuration changed"),
    /// MGate "Clear event log". The local log keeps this record as its marker.
    EventLogCleared = (309, "EVENT_LOG_CLEARED", Configuration, Notice, "Event log cleared"),
    /// A login succeeded.
    LoginSucceeded = (401, "LOGIN_SUCCEEDED", Security, Informational, "Login succeeded"),
    /// An account was locked after failed logins.
    AccountLocked = (402, "ACCOUNT_LOCKED", Security, Warning, "Account locked"),
    /// A locked account was unlocked (period over, or by an administrator).
    AccountUnlocked = (403, "ACCOUNT_UNLOCKED", Security, Notice, "Account unlocked"),
    /// A session ended (logout, timeout, termination).
    SessionEnded = (404, "SESSION_ENDED", Security, Informational, "Session ended"),
    /// A connection or request was refused by the accessible IP list.
    AccessDenied = (405, "ACCESS_DENIED", Security, Warning, "Access denied by the accessible IP list"),
    /// A certificate is inside its renewal window.
    CertificateExpiring = (406, "CERTIFICATE_EXPIRING", Security, Warning, "Certificate expiring"),
    /// A certificate has expired.
    CertificateExpired = (407, "CERTIFICATE_EXPIRED", Security, Error, "Certificate expired"),
    /// A connection was refused because a limit was reached.
    ConnectionRejected = (408, "CONNECTION_REJECTED", Security, Warning, "Connection rejected: limit reached"),
    /// A TLS handshake failed (Modbus/TCP Security on port 802, the HTTPS console). Details:
    /// `reason`, the TLS library's words (no certificate, protocol version, alert received).
    TlsHandshakeFailed = (409, "TLS_HANDSHAKE_FAILED", Security, Warning, "TLS handshake failed"),
    /// A peer's certificate was refused. Details: `check` (the check that failed: `chain`,
    /// `validity`, `clock`, `key-usage`, `extended-key-usage`, `role`, `strength`, `name`),
    /// `reason`, `subject`, `fingerprint` (SHA-256).
    PeerCertificateRefused = (410, "PEER_CERT_REFUSED", Security, Warning, "Peer certificate refused"),
    /// A Modbus/TCP Security request was denied by the client's role and answered with
    /// exception 01. Details: `role`, `function` (hex, `08/0A` with a sub-function), `unit`,
    /// `access` (`read`/`write`), and `table`, `address`, `count` when the request has them.
    AuthorizationDenied = (411, "AUTHORIZATION_DENIED", Security, Warning, "Request denied by the client's role"),
    /// A Modbus/TCP Security client authenticated. Details: `role` (absent: the default role
    /// applies), `subject`, `fingerprint`.
    TlsClientAuthenticated = (412, "TLS_CLIENT_AUTHENTICATED", Security, Informational, "TLS client authenticated"),
    /// The local log reached its capacity-warning threshold.
    LogCapacityWarning = (501, "LOG_CAPACITY_WARNING", Log, Warning, "Event log capacity warning"),
    /// The local log is full and overwrites its oldest records.
    LogOverflow = (502, "LOG_OVERFLOW", Log, Warning, "Event log full: overwriting oldest records"),
    /// The local log is full and stopped recording (the last record it writes).
    RecordingStopped = (503, "RECORDING_STOPPED", Log, Critical, "Event log full: recording stopped"),
    /// The local log was not closed before power was lost; a torn record may have been dropped.
    UncleanShutdown = (504, "UNCLEAN_SHUTDOWN", Log, Warning, "Event log recovered after an unclean shutdown"),
}

/// The first id available to [`Kind::custom`].
pub const FIRST_CUSTOM_ID: u16 = 1000;

/// What kind of event a record is: a built-in [`EventKind`] or an integrator's own.
///
/// A custom kind is declared once, as a constant, and checked when it is built:
///
/// ```
/// use gateway_audit::event::{EventGroup, Kind};
/// use gateway_audit::syslog::Severity;
///
/// const VALVE_FORCED: Kind<'static> =
///     match Kind::custom(1001, "VALVE_FORCED", EventGroup::Configuration, Severity::Notice) {
///         Some(kind) => kind,
///         None => panic!("bad event kind"),
///     };
/// assert_eq!(VALVE_FORCED.id(), 1001);
/// assert!(VALVE_FORCED.builtin().is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Kind<'a> {
    id: u16,
    name: &'a str,
    group: EventGroup,
    severity: Severity,
}

impl<'a> Kind<'a> {
    /// An integrator's kind: `id` at least [`FIRST_CUSTOM_ID`], `name` 1-32 characters of
    /// `A-Z`, `0-9` and `_` (a valid MSGID and CEF class). `None` otherwise.
    pub const fn custom(
        id: u16,
        name: &'a str,
        group: EventGroup,
        severity: Severity,
    ) -> Option<Self> {
        if id < FIRST_CUSTOM_ID || !is_kind_name(name) {
            return None;
        }
        Some(Self {
            id,
            name,
            group,
            severity,
        })
    }

    /// A kind read back from a record: the built-in kind if `id` is one (its name must match),
    /// else a custom kind.
    pub(crate) fn from_parts(
        id: u16,
        name: &'a str,
        group: EventGroup,
        severity: Severity,
    ) -> Option<Self> {
        match EventKind::from_id(id) {
            Some(kind) if kind.name() == name && kind.group() == group => Some(Self {
                severity,
                ..Self::from(kind)
            }),
            Some(_) => None,
            None => Self::custom(id, name, group, severity),
        }
    }

    /// The event id.
    pub const fn id(self) -> u16 {
        self.id
    }

    /// The name (MSGID).
    pub const fn name(self) -> &'a str {
        self.name
    }

    /// The routing group.
    pub const fn group(self) -> EventGroup {
        self.group
    }

    /// The default severity.
    pub const fn severity(self) -> Severity {
        self.severity
    }

    /// The built-in kind, if this is one.
    pub const fn builtin(self) -> Option<EventKind> {
        EventKind::from_id(self.id)
    }

    /// The built-in kind's summary, or the name for a custom kind.
    pub fn summary(self) -> &'a str {
        match self.builtin() {
            Some(kind) => kind.summary(),
            None => self.name,
        }
    }
}

impl From<EventKind> for Kind<'_> {
    fn from(kind: EventKind) -> Self {
        Self {
            id: kind.id(),
            name: kind.name(),
            group: kind.group(),
            severity: kind.severity(),
        }
    }
}

const fn is_kind_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > 32 {
        return false;
    }
    let mut rest = bytes;
    while let [b, tail @ ..] = rest {
        if !(b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_') {
            return false;
        }
        rest = tail;
    }
    true
}

/// The result of the action the event records (IEC 62443-4-2 CR 2.8 "event outcome").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Outcome {
    /// The action succeeded.
    Success,
    /// The action failed or was refused.
    Failure,
    /// Not an action with a result (a link going down), or not known.
    #[default]
    Unknown,
}

impl Outcome {
    /// `success`, `failure` or `unknown`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Unknown => "unknown",
        }
    }

    /// The outcome named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Success, Self::Failure, Self::Unknown]
            .into_iter()
            .find(|outcome| outcome.as_str() == name)
    }

    pub(crate) fn from_index(index: u8) -> Option<Self> {
        [Self::Success, Self::Failure, Self::Unknown]
            .get(usize::from(index))
            .copied()
    }
}

/// Who or what caused the event (IEC 62443-4-2 CR 2.8 "source"): an account, a remote address,
/// the service it came through. Every part is optional.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Source<'a> {
    /// The account name, as given (it may be hostile: a failed login's user name is whatever
    /// the client sent). Formats cap it at [`MAX_VALUE_LEN`] bytes and escape it.
    pub user: Option<&'a str>,
    /// The remote address.
    pub address: Option<IpAddr>,
    /// The service or interface: `https`, `ssh`, `modbus-tcp`, `console`, ...
    pub service: Option<&'a str>,
}

/// Most details a record carries; formats write the first this many.
pub const MAX_DETAILS: usize = 8;
/// Longest detail name, in bytes (an RFC 5424 PARAM-NAME is at most 32).
pub const MAX_NAME_LEN: usize = 32;
/// Longest detail value, user or service, in bytes; longer values are cut on a UTF-8 boundary.
pub const MAX_VALUE_LEN: usize = 255;
/// Longest message, in bytes; a longer one is cut on a UTF-8 boundary.
pub const MAX_MESSAGE_LEN: usize = 1024;

/// Name/value details of an event: borrowed pairs, or the encoded form read back from the local
/// log. Names are fixed by code (an integrator's or this crate's); values may come from a
/// client and are capped and escaped by every format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Details<'a>(DetailsRepr<'a>);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum DetailsRepr<'a> {
    Pairs(&'a [(&'a str, &'a str)]),
    /// Validated by the record decoder: `count` entries of (u8 len, name, u16 BE len, value).
    Encoded(&'a [u8]),
}

impl<'a> Details<'a> {
    /// No details.
    pub const NONE: Self = Self(DetailsRepr::Pairs(&[]));

    /// Details from name/value pairs. Only the first [`MAX_DETAILS`] are written.
    pub const fn new(pairs: &'a [(&'a str, &'a str)]) -> Self {
        Self(DetailsRepr::Pairs(pairs))
    }

    pub(crate) const fn encoded(bytes: &'a [u8]) -> Self {
        Self(DetailsRepr::Encoded(bytes))
    }

    /// The pairs, at most [`MAX_DETAILS`], names and values capped at [`MAX_NAME_LEN`] and
    /// [`MAX_VALUE_LEN`] bytes.
    pub fn iter(&self) -> DetailsIter<'a> {
        DetailsIter {
            repr: self.0,
            taken: 0,
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

impl Default for Details<'_> {
    fn default() -> Self {
        Self::NONE
    }
}

impl<'a> IntoIterator for Details<'a> {
    type Item = (&'a str, &'a str);
    type IntoIter = DetailsIter<'a>;
    fn into_iter(self) -> DetailsIter<'a> {
        self.iter()
    }
}

/// Iterator over [`Details`].
#[derive(Clone, Debug)]
pub struct DetailsIter<'a> {
    repr: DetailsRepr<'a>,
    taken: usize,
}

impl<'a> Iterator for DetailsIter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        if self.taken >= MAX_DETAILS {
            return None;
        }
        let (name, value) = match &mut self.repr {
            DetailsRepr::Pairs(pairs) => {
                let (first, rest) = pairs.split_first()?;
                *pairs = rest;
                *first
            }
            DetailsRepr::Encoded(bytes) => {
                let (name, rest) = take_str(bytes, 1)?;
                let (value, rest) = take_str(rest, 2)?;
                *bytes = rest;
                (name, value)
            }
        };
        self.taken += 1;
        Some((cap(name, MAX_NAME_LEN), cap(value, MAX_VALUE_LEN)))
    }
}

/// Splits a big-endian length prefix of `width` bytes and that many UTF-8 bytes off `bytes`.
pub(crate) fn take_str(bytes: &[u8], width: usize) -> Option<(&str, &[u8])> {
    let (prefix, rest) = bytes.split_at_checked(width)?;
    let len = prefix
        .iter()
        .fold(0usize, |acc, b| acc << 8 | usize::from(*b));
    let (text, rest) = rest.split_at_checked(len)?;
    Some((core::str::from_utf8(text).ok()?, rest))
}

/// `text` cut to at most `max` bytes, on a character boundary.
pub fn cap(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// An event as the code that saw it describes it: built with [`Event::new`] and the `with_*`
/// methods, then stamped into a [`Record`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Event<'a> {
    /// What happened.
    pub kind: Kind<'a>,
    /// How severe it is; the kind's default unless changed.
    pub severity: Severity,
    /// The result.
    pub outcome: Outcome,
    /// Who or what caused it.
    pub source: Source<'a>,
    /// Human-readable text; empty means the kind's summary.
    pub message: &'a str,
    /// Name/value details.
    pub details: Details<'a>,
}

impl<'a> Event<'a> {
    /// An event of `kind` with the kind's severity, unknown outcome, no source, no message and
    /// no details.
    pub fn new(kind: impl Into<Kind<'a>>) -> Self {
        let kind = kind.into();
        Self {
            kind,
            severity: kind.severity(),
            outcome: Outcome::Unknown,
            source: Source::default(),
            message: "",
            details: Details::NONE,
        }
    }

    /// With `outcome`.
    #[must_use]
    pub fn with_outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// With `severity` instead of the kind's.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// With the account name.
    #[must_use]
    pub fn with_user(mut self, user: &'a str) -> Self {
        self.source.user = Some(user);
        self
    }

    /// With the remote address.
    #[must_use]
    pub fn with_address(mut self, address: IpAddr) -> Self {
        self.source.address = Some(address);
        self
    }

    /// With the service or interface name.
    #[must_use]
    pub fn with_service(mut self, service: &'a str) -> Self {
        self.source.service = Some(service);
        self
    }

    /// With a message.
    #[must_use]
    pub fn with_message(mut self, message: &'a str) -> Self {
        self.message = message;
        self
    }

    /// With details.
    #[must_use]
    pub fn with_details(mut self, details: &'a [(&'a str, &'a str)]) -> Self {
        self.details = Details::new(details);
        self
    }

    /// The message, or the kind's summary when there is none; capped at [`MAX_MESSAGE_LEN`].
    pub fn text(&self) -> &'a str {
        let text = if self.message.is_empty() {
            self.kind.summary()
        } else {
            self.message
        };
        cap(text, MAX_MESSAGE_LEN)
    }
}

/// An event stamped with its sequence number and time: what is stored, sent and verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Record<'a> {
    /// Sequence number: starts at 1, increases by at least one per record, never restarts
    /// (not at a log clear, not after a power cut).
    pub sequence: u64,
    /// When it happened, `None` if the device has no usable time.
    pub time: Option<Timestamp>,
    /// How far the time can be trusted.
    pub clock: ClockQuality,
    /// The event.
    pub event: Event<'a>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_kinds_are_consistent() {
        let mut ids: alloc::vec::Vec<u16> = EventKind::ALL.iter().map(|kind| kind.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), EventKind::ALL.len(), "ids are unique");
        for kind in EventKind::ALL {
            assert!(is_kind_name(kind.name()), "{kind:?}");
            assert_eq!(EventKind::from_id(kind.id()), Some(*kind));
            assert!(kind.id() < FIRST_CUSTOM_ID);
            let group_digit = usize::from(kind.id() / 100 - 1);
            assert_eq!(EventGroup::ALL[group_digit], kind.group(), "{kind:?}");
        }
    }

    #[test]
    fn every_mgate_event_is_there() {
        // MGate hardening guide, section 3.5, "Event Group / Summary".
        use EventKind as K;
        let system = [K::ColdStart, K::WarmStart];
        let network = [
            K::DhcpBootpIp,
            K::NtpConnectFailed,
            K::IpConflict,
            K::LinkDown,
        ];
        let configuration = [
            K::LoginFailed,
            K::IpChanged,
            K::PasswordChanged,
            K::FirmwareUpgraded,
            K::CertificateImported,
            K::ConfigurationImported,
            K::ConfigurationExported,
            K::ConfigurationChanged,
            K::EventLogCleared,
        ];
        for (group, kinds) in [
            (EventGroup::System, &system[..]),
            (EventGroup::Network, &network[..]),
            (EventGroup::Configuration, &configuration[..]),
        ] {
            for kind in kinds {
                assert_eq!(kind.group(), group, "{kind:?}");
            }
        }
    }

    #[test]
    fn custom_kinds_are_checked() {
        let kind = Kind::custom(1000, "PUMP_1", EventGroup::System, Severity::Notice).unwrap();
        assert_eq!(
            (kind.id(), kind.name(), kind.summary()),
            (1000, "PUMP_1", "PUMP_1")
        );
        assert!(Kind::custom(999, "PUMP", EventGroup::System, Severity::Notice).is_none());
        assert!(Kind::custom(1000, "", EventGroup::System, Severity::Notice).is_none());
        assert!(Kind::custom(1000, "pump", EventGroup::System, Severity::Notice).is_none());
        assert!(Kind::custom(1000, "PUMP 1", EventGroup::System, Severity::Notice).is_none());
        assert!(
            Kind::custom(1000, &"A".repeat(33), EventGroup::System, Severity::Notice).is_none()
        );
        // A stored record cannot pass itself off as a built-in kind under another name.
        assert!(
            Kind::from_parts(101, "WARM_START", EventGroup::System, Severity::Notice).is_none()
        );
        assert_eq!(
            Kind::from_parts(101, "COLD_START", EventGroup::System, Severity::Alert)
                .unwrap()
                .builtin(),
            Some(EventKind::ColdStart)
        );
    }

    #[test]
    fn values_are_capped_on_character_boundaries() {
        assert_eq!(cap("héllo", 2), "h");
        assert_eq!(cap("héllo", 3), "hé");
        assert_eq!(cap("abc", 10), "abc");
        let long = "x".repeat(400);
        let pairs = [("n", long.as_str()); 12];
        let details = Details::new(&pairs);
        assert_eq!(details.iter().count(), MAX_DETAILS);
        assert!(
            details
                .iter()
                .all(|(_, value)| value.len() == MAX_VALUE_LEN)
        );
    }
}
