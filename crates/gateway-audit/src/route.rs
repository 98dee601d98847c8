//! Where each event goes: the MGate's "System Log Settings" page as data.
//!
//! Each [`EventGroup`] has its own [`Channels`]: local log, syslog, SNMP trap, e-mail. The
//! crate decides and describes; the caller sends. [`Routing::route`] returns the
//! [`Channels`] an event must go to, and the caller carries them out.

use crate::event::{Event, EventGroup, EventKind};

/// The channels an event goes to (as a setting: the channels a group is routed to).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
#[must_use = "the caller carries out the routing"]
pub struct Channels {
    /// Record in the device's local log.
    pub local_log: bool,
    /// Send to the syslog server(s).
    pub syslog: bool,
    /// Send an SNMP trap.
    pub snmp_trap: bool,
    /// Send an e-mail.
    pub email: bool,
}

/// One channel, as [`Channels::iter`] yields it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The local log.
    LocalLog,
    /// Syslog.
    Syslog,
    /// SNMP trap.
    SnmpTrap,
    /// E-mail.
    Email,
}

impl Channels {
    /// No channel.
    pub const NONE: Self = Self {
        local_log: false,
        syslog: false,
        snmp_trap: false,
        email: false,
    };

    /// Syslog only: every group on the MGate's System Log Settings page as the guide shows it.
    pub const SYSLOG: Self = Self {
        syslog: true,
        ..Self::NONE
    };

    /// Local log and syslog.
    pub const LOCAL_AND_SYSLOG: Self = Self {
        local_log: true,
        syslog: true,
        ..Self::NONE
    };

    /// The channels in either `self` or `other`.
    pub const fn union(self, other: Self) -> Self {
        Self {
            local_log: self.local_log || other.local_log,
            syslog: self.syslog || other.syslog,
            snmp_trap: self.snmp_trap || other.snmp_trap,
            email: self.email || other.email,
        }
    }

    /// Whether no channel is on: the event is recorded nowhere.
    pub const fn is_empty(self) -> bool {
        !(self.local_log || self.syslog || self.snmp_trap || self.email)
    }

    /// The channels that are on, in the order local log, syslog, SNMP trap, e-mail.
    pub fn iter(self) -> impl Iterator<Item = Channel> {
        [
            (self.local_log, Channel::LocalLog),
            (self.syslog, Channel::Syslog),
            (self.snmp_trap, Channel::SnmpTrap),
            (self.email, Channel::Email),
        ]
        .into_iter()
        .filter_map(|(on, channel)| on.then_some(channel))
    }
}

/// Routing per event group, and the extra channels for the log capacity warning (the MGate's
/// "Warning by: SNMP Trap / E-mail" under Local Log Settings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct Routing {
    /// The System group.
    pub system: Channels,
    /// The Network group.
    pub network: Channels,
    /// The Configuration group.
    pub configuration: Channels,
    /// The Security group (not on the MGate page; the MGate files its one security event, login
    /// failed, under Configuration).
    pub security: Channels,
    /// The Log group (capacity warning, overflow, recording stopped, unclean shutdown).
    pub log: Channels,
    /// Also send [`EventKind::LogCapacityWarning`] to these channels.
    pub capacity_warning_by: Channels,
}

impl Routing {
    /// The MGate System Log Settings page as the hardening guide shows it (section 3.5): every
    /// group to syslog, none to the local log, capacity warnings by neither trap nor e-mail. The
    /// two groups the MGate lacks follow its Configuration row.
    pub const fn mgate_guide() -> Self {
        Self {
            system: Channels::SYSLOG,
            network: Channels::SYSLOG,
            configuration: Channels::SYSLOG,
            security: Channels::SYSLOG,
            log: Channels::SYSLOG,
            capacity_warning_by: Channels::NONE,
        }
    }

    /// What the guide recommends ("enable system log settings to record all important system
    /// events"): every group to both the local log and syslog, so that events survive a
    /// network outage and reach a server that an intruder on the device cannot rewrite, and
    /// the capacity warning also as an SNMP trap.
    pub const fn recommended() -> Self {
        Self {
            system: Channels::LOCAL_AND_SYSLOG,
            network: Channels::LOCAL_AND_SYSLOG,
            configuration: Channels::LOCAL_AND_SYSLOG,
            security: Channels::LOCAL_AND_SYSLOG,
            log: Channels::LOCAL_AND_SYSLOG,
            capacity_warning_by: Channels {
                snmp_trap: true,
                ..Channels::NONE
            },
        }
    }

    /// The channels a group is routed to.
    pub const fn group(&self, group: EventGroup) -> Channels {
        match group {
            EventGroup::System => self.system,
            EventGroup::Network => self.network,
            EventGroup::Configuration => self.configuration,
            EventGroup::Security => self.security,
            EventGroup::Log => self.log,
        }
    }

    /// The channels `event` must go to.
    pub fn route(&self, event: &Event<'_>) -> Channels {
        let channels = self.group(event.kind.group());
        if event.kind.builtin() == Some(EventKind::LogCapacityWarning) {
            channels.union(self.capacity_warning_by)
        } else {
            channels
        }
    }

    /// The groups that are recorded nowhere, for a dashboard check.
    pub fn unrouted_groups(&self) -> impl Iterator<Item = EventGroup> + '_ {
        EventGroup::ALL
            .into_iter()
            .filter(|group| self.group(*group).is_empty())
    }
}

/// The MGate guide's page.
impl Default for Routing {
    fn default() -> Self {
        Self::mgate_guide()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Kind, Outcome};
    use crate::syslog::Severity;

    #[test]
    fn mgate_defaults_send_every_group_to_syslog_only() {
        let routing = Routing::default();
        for kind in EventKind::ALL {
            let event = Event::new(*kind);
            assert_eq!(routing.route(&event), Channels::SYSLOG, "{kind:?}");
        }
        assert_eq!(routing.unrouted_groups().count(), 0);
    }

    #[test]
    fn capacity_warning_adds_its_channels() {
        let routing = Routing::recommended();
        let warning = Event::new(EventKind::LogCapacityWarning);
        let channels = routing.route(&warning);
        assert!(channels.local_log && channels.syslog && channels.snmp_trap && !channels.email);
        assert_eq!(
            channels.iter().collect::<alloc::vec::Vec<_>>(),
            [Channel::LocalLog, Channel::Syslog, Channel::SnmpTrap]
        );
        let overflow = Event::new(EventKind::LogOverflow);
        assert!(!routing.route(&overflow).snmp_trap);
    }

    #[test]
    fn custom_kinds_follow_their_group() {
        let routing = Routing {
            network: Channels::NONE,
            ..Routing::recommended()
        };
        let kind = Kind::custom(1200, "SERIAL_LOST", EventGroup::Network, Severity::Error).unwrap();
        let event = Event::new(kind).with_outcome(Outcome::Failure);
        assert!(routing.route(&event).is_empty());
        assert_eq!(
            routing.unrouted_groups().collect::<alloc::vec::Vec<_>>(),
            [EventGroup::Network]
        );
    }
}
