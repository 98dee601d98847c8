//! The accessible IP list (MGate guide section 3.4; the AIG-302 firewall allow list plays the
//! same part).
//!
//! # Semantics
//!
//! Two switches, exactly as on the MGate "Accessible IP List" page:
//!
//! | activate the list | apply additional restrictions | source on the list | source not on the list |
//! |---|---|---|---|
//! | off | (cannot be on) | everything allowed | everything allowed |
//! | on | off | everything allowed | protocol traffic denied, device services allowed |
//! | on | on | everything allowed | everything denied |
//!
//! *Protocol traffic* is Modbus TCP (ports 502 and 7502) and ProCOM; *device services* are the
//! consoles and clients the MGate lists under the table: HTTP, HTTPS, Telnet, SSH, SNMP, SMTP,
//! DNS, NTP and the discovery utility. [`Traffic`] names the two, and
//! [`ServiceId::traffic`](crate::services::ServiceId::traffic) says which one each service of
//! the [catalogue](crate::services) is. "Apply additional restrictions" without "activate the
//! list" is refused ([`AccessListError::RestrictionsWithoutList`]), as the MGate UI does.
//!
//! A source is *on the list* when an active entry's network contains it. Inactive entries
//! match nothing.
//!
//! # Source addresses
//!
//! Sources are compared in their canonical form ([`IpAddr::to_canonical`]): an IPv4-mapped
//! IPv6 address `::ffff:a.b.c.d`, which is how a dual-stack socket reports an IPv4 peer,
//! matches IPv4 entries. Nothing else is mapped: `::1` is the IPv6 loopback and never
//! `0.0.0.1`, and the deprecated IPv4-compatible form `::a.b.c.d` stays IPv6. Entries written
//! inside `::ffff:0:0/96` are turned into the IPv4 network they name.
//!
//! # Which entry a decision names
//!
//! When several active entries contain a source, the decision names the most specific one
//! (the longest prefix), and among equal networks the first in the list. The result does not
//! depend on the order of the list; the linter reports duplicate and shadowed entries.
//!
//! # Cost
//!
//! [`AccessList::check`] makes one binary search per distinct prefix length in use (at most
//! 33 for IPv4 and 129 for IPv6): a list of 16 host entries is one search over 16 entries, and
//! 4096 entries with a dozen prefix lengths are a dozen searches of at most 12 steps. It does
//! not allocate. [`AccessList::new`] sorts once, in place.
//!
//! # Example
//!
//! ```
//! use gateway_policy::access::{AccessList, AccessListConfig, AllowReason, Decision, Traffic};
//!
//! let mut config = AccessListConfig::<16>::mgate_default();
//! config.activate = true;
//! config.push("192.168.1.0/255.255.255.0".parse()?)?;
//! let list = AccessList::new(&config)?;
//!
//! // A client on the listed subnet, reaching the Modbus TCP port through a dual-stack socket.
//! let client = "::ffff:192.168.1.20".parse()?;
//! assert!(list.check(client, Traffic::Protocol).is_allowed());
//!
//! // Another host may not talk Modbus, but still reaches the web console: "apply additional
//! // restrictions" is off.
//! let other = "10.0.0.9".parse()?;
//! assert!(!list.check(other, Traffic::Protocol).is_allowed());
//! assert_eq!(
//!     list.check(other, Traffic::DeviceService),
//!     Decision::Allow(AllowReason::ServicesUnrestricted)
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod entry;
mod lint;

use core::cmp::Ordering;
use core::fmt;
use core::net::IpAddr;

pub use entry::{EntryConfig, EntryError, Mask, SyntaxError};
use entry::{v4_mask, v6_mask};
use ipnet::IpNet;
pub use lint::{Family, Lint, LintLevel};

/// The MGate's list length: "a maximum of 16" entries (the page shows indexes 1-16).
pub const MGATE_MAX_ENTRIES: usize = 16;

/// What a connection is for, as the two switches distinguish it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Traffic {
    /// Modbus TCP (502, priority 7502) and ProCOM: restricted by "activate the list".
    Protocol,
    /// HTTP, HTTPS, Telnet, SSH, SNMP, SMTP, DNS, NTP and discovery: restricted only when
    /// "apply additional restrictions" is on as well.
    DeviceService,
}

/// The accessible IP list settings, as written in a configuration.
///
/// `N` is the storage capacity; [`max_entries`](Self::max_entries) is the device's limit
/// within it (16 on the MGate).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct AccessListConfig<const N: usize = MGATE_MAX_ENTRIES> {
    /// "Activate the accessible IP list": protocol traffic only from listed sources.
    pub activate: bool,
    /// "Apply additional restrictions": device services only from listed sources as well.
    #[cfg_attr(feature = "serde", serde(default))]
    pub additional_restrictions: bool,
    /// The most entries the device takes.
    #[cfg_attr(feature = "serde", serde(default = "max_entries_default::<N>"))]
    pub max_entries: usize,
    /// The entries, in the order the operator wrote them.
    #[cfg_attr(feature = "serde", serde(default))]
    pub entries: heapless::Vec<EntryConfig, N>,
}

#[cfg(feature = "serde")]
const fn max_entries_default<const N: usize>() -> usize {
    if N < MGATE_MAX_ENTRIES {
        N
    } else {
        MGATE_MAX_ENTRIES
    }
}

impl<const N: usize> AccessListConfig<N> {
    /// The MGate as shipped: list off, no entries, at most 16 entries (or `N` if smaller).
    pub const fn mgate_default() -> Self {
        Self {
            activate: false,
            additional_restrictions: false,
            max_entries: if N < MGATE_MAX_ENTRIES {
                N
            } else {
                MGATE_MAX_ENTRIES
            },
            entries: heapless::Vec::new(),
        }
    }

    /// Appends an entry.
    ///
    /// # Errors
    ///
    /// [`AccessListError::TooManyEntries`] when the list already holds `max_entries` (or `N`)
    /// entries.
    pub fn push(&mut self, entry: EntryConfig) -> Result<(), AccessListError> {
        let max = self.max_entries.min(N);
        if self.entries.len() >= max {
            return Err(AccessListError::TooManyEntries {
                len: self.entries.len().saturating_add(1),
                max,
            });
        }
        self.entries
            .push(entry)
            .map_err(|_| AccessListError::TooManyEntries {
                len: N.saturating_add(1),
                max,
            })
    }

    /// Checks everything [`AccessList::new`] refuses, without building the list.
    ///
    /// # Errors
    ///
    /// The first problem, as [`AccessList::new`] reports it.
    pub fn validate(&self) -> Result<(), AccessListError> {
        let mut first = None;
        self.config_errors(|error| {
            first.get_or_insert(error);
        });
        first.map_or(Ok(()), Err)
    }
}

impl<const N: usize> Default for AccessListConfig<N> {
    fn default() -> Self {
        Self::mgate_default()
    }
}

/// A validated accessible IP list, ready to decide.
///
/// Holds the active entries sorted for lookup; `N` is the capacity, as in
/// [`AccessListConfig`]. Size: about 24 bytes per entry plus 6 per distinct prefix length.
#[derive(Clone, Debug)]
pub struct AccessList<const N: usize = MGATE_MAX_ENTRIES> {
    activate: bool,
    additional_restrictions: bool,
    /// Active entries sorted by family, prefix length (longest first), network, index.
    entries: heapless::Vec<Compiled, N>,
    /// Runs of `entries` with one family and prefix length, in the same order.
    groups: heapless::Vec<Group, N>,
}

impl<const N: usize> Default for AccessList<N> {
    /// An inactive list: every source is allowed ([`AllowReason::ListInactive`]).
    fn default() -> Self {
        Self {
            activate: false,
            additional_restrictions: false,
            entries: heapless::Vec::new(),
            groups: heapless::Vec::new(),
        }
    }
}

impl<const N: usize> AccessList<N> {
    /// Builds the list from its settings.
    ///
    /// # Errors
    ///
    /// [`AccessListError`] naming the first refused setting or entry. Lint warnings (host
    /// bits, duplicates, a list that admits everything) are not errors; see
    /// [`AccessListConfig::lint`].
    pub fn new(config: &AccessListConfig<N>) -> Result<Self, AccessListError> {
        const { assert!(N <= u16::MAX as usize, "entry indexes are stored as u16") };
        config.validate()?;
        let mut entries = heapless::Vec::<Compiled, N>::new();
        for (index, entry) in config.entries.iter().enumerate() {
            if !entry.active {
                continue;
            }
            let network = entry
                .network()
                .map_err(|error| AccessListError::Entry { index, error })?;
            let index = u16::try_from(index).map_err(|_| AccessListError::CapacityExceeded {
                max_entries: config.max_entries,
                capacity: N,
            })?;
            // Cannot fail: there are no more active entries than entries.
            entries.push(Compiled { network, index }).map_err(|_| {
                AccessListError::CapacityExceeded {
                    max_entries: config.max_entries,
                    capacity: N,
                }
            })?;
        }
        entries.sort_unstable_by(Compiled::lookup_order);
        let mut groups = heapless::Vec::<Group, N>::new();
        for (position, entry) in entries.iter().enumerate() {
            let position = u16::try_from(position).unwrap_or(u16::MAX);
            let key = (entry.is_v6(), entry.network.prefix_len());
            match groups.last_mut() {
                Some(group) if (group.v6, group.prefix_len) == key => group.end = position + 1,
                _ => {
                    // Cannot fail: there are no more groups than entries.
                    let _ = groups.push(Group {
                        v6: key.0,
                        prefix_len: key.1,
                        start: position,
                        end: position.saturating_add(1),
                    });
                }
            }
        }
        Ok(Self {
            activate: config.activate,
            additional_restrictions: config.additional_restrictions,
            entries,
            groups,
        })
    }

    /// Decides whether `source` may use `traffic`.
    ///
    /// `source` is canonicalised first (see the [module docs](self#source-addresses)).
    pub fn check(&self, source: IpAddr, traffic: Traffic) -> Decision {
        if !self.activate {
            return Decision::Allow(AllowReason::ListInactive);
        }
        let source = source.to_canonical();
        if let Some(found) = self.find(source) {
            return Decision::Allow(AllowReason::Listed(found));
        }
        match traffic {
            Traffic::DeviceService if !self.additional_restrictions => {
                Decision::Allow(AllowReason::ServicesUnrestricted)
            }
            _ => Decision::Deny(DenyReason::NotListed { source, traffic }),
        }
    }

    /// The active entry that contains `source` (canonicalised), whatever the switches say.
    pub fn find(&self, source: IpAddr) -> Option<Match> {
        let source = source.to_canonical();
        let (v6, bits) = key_bits(source);
        for group in self.groups.iter().filter(|group| group.v6 == v6) {
            let wanted = bits & group.mask();
            let run = self
                .entries
                .get(usize::from(group.start)..usize::from(group.end))
                .unwrap_or(&[]);
            let at = run.partition_point(|entry| key_bits(entry.network.network()).1 < wanted);
            if let Some(entry) = run.get(at) {
                if key_bits(entry.network.network()).1 == wanted {
                    return Some(Match {
                        index: usize::from(entry.index),
                        network: entry.network,
                    });
                }
            }
        }
        None
    }

    /// Whether "activate the accessible IP list" is on.
    pub fn is_active(&self) -> bool {
        self.activate
    }

    /// Whether "apply additional restrictions" is on.
    pub fn restricts_services(&self) -> bool {
        self.additional_restrictions
    }

    /// Active entries, in lookup order.
    pub fn active_entries(&self) -> impl Iterator<Item = Match> + '_ {
        self.entries.iter().map(|entry| Match {
            index: usize::from(entry.index),
            network: entry.network,
        })
    }
}

/// The result of [`AccessList::check`].
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Decision {
    /// Let the connection or request through.
    Allow(AllowReason),
    /// Refuse it (close the connection, drop the datagram).
    Deny(DenyReason),
}

impl Decision {
    /// Whether the decision is [`Decision::Allow`].
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allow(_))
    }

    /// The entry that admitted the source, if one did.
    pub fn matched(&self) -> Option<Match> {
        match self {
            Self::Allow(AllowReason::Listed(found)) => Some(*found),
            _ => None,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Allow(reason) => write!(f, "allowed: {reason}"),
            Self::Deny(reason) => write!(f, "denied: {reason}"),
        }
    }
}

/// Why a source was allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum AllowReason {
    /// "Activate the accessible IP list" is off: every source is allowed.
    ListInactive,
    /// The source is on the list.
    Listed(Match),
    /// The source is not on the list, but the traffic is a device service and "apply
    /// additional restrictions" is off.
    ServicesUnrestricted,
}

impl fmt::Display for AllowReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ListInactive => f.write_str("the accessible IP list is not active"),
            Self::Listed(found) => write!(f, "source is on the accessible IP list ({found})"),
            Self::ServicesUnrestricted => f.write_str(
                "source is not on the accessible IP list, but device services are not restricted",
            ),
        }
    }
}

/// Why a source was denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum DenyReason {
    /// No active entry contains the source.
    NotListed {
        /// The source, canonicalised.
        source: IpAddr,
        /// What it tried to reach.
        traffic: Traffic,
    },
}

impl fmt::Display for DenyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotListed { source, traffic } => {
                let what = match traffic {
                    Traffic::Protocol => "protocol traffic",
                    Traffic::DeviceService => "device services",
                };
                write!(
                    f,
                    "{source} is not on the accessible IP list, which restricts {what}"
                )
            }
        }
    }
}

/// The entry that contains a source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Match {
    /// Position in [`AccessListConfig::entries`], from 0 (the MGate page numbers from 1).
    pub index: usize,
    /// The entry's network, host bits cleared.
    #[cfg_attr(feature = "serde", serde(serialize_with = "display"))]
    pub network: IpNet,
}

impl fmt::Display for Match {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entries[{}] {}", self.index, self.network)
    }
}

#[cfg(feature = "serde")]
fn display<T: fmt::Display, S: serde::Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// Why an accessible IP list configuration is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessListError {
    /// One entry is malformed.
    #[error("entries[{index}]: {error}")]
    Entry {
        /// Position of the entry, from 0.
        index: usize,
        /// What is wrong with it.
        #[source]
        error: EntryError,
    },
    /// More entries than `max_entries`.
    #[error("the accessible IP list has {len} entries, at most {max} are allowed")]
    TooManyEntries {
        /// Entries given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// `max_entries` is above the storage capacity chosen at compile time.
    #[error("max_entries = {max_entries} is above this build's capacity of {capacity}")]
    CapacityExceeded {
        /// The setting.
        max_entries: usize,
        /// The const capacity `N`.
        capacity: usize,
    },
    /// "Apply additional restrictions" is on while the list itself is not active.
    #[error("additional_restrictions needs the accessible IP list to be activated")]
    RestrictionsWithoutList,
}

/// An active entry, compiled for lookup.
#[derive(Clone, Copy, Debug)]
struct Compiled {
    network: IpNet,
    /// Position in the configuration.
    index: u16,
}

impl Compiled {
    fn is_v6(&self) -> bool {
        matches!(self.network, IpNet::V6(_))
    }

    /// Family, then longest prefix first, then network, then configuration order.
    fn lookup_order(a: &Self, b: &Self) -> Ordering {
        a.is_v6()
            .cmp(&b.is_v6())
            .then_with(|| b.network.prefix_len().cmp(&a.network.prefix_len()))
            .then_with(|| key_bits(a.network.network()).cmp(&key_bits(b.network.network())))
            .then_with(|| a.index.cmp(&b.index))
    }
}

/// A run of compiled entries with the same family and prefix length.
#[derive(Clone, Copy, Debug)]
struct Group {
    v6: bool,
    prefix_len: u8,
    start: u16,
    end: u16,
}

impl Group {
    fn mask(&self) -> u128 {
        if self.v6 {
            v6_mask(self.prefix_len)
        } else {
            u128::from(v4_mask(self.prefix_len))
        }
    }
}

/// An address as (is IPv6, bits), IPv4 in the low 32 bits.
fn key_bits(address: IpAddr) -> (bool, u128) {
    match address {
        IpAddr::V4(v4) => (false, u128::from(u32::from(v4))),
        IpAddr::V6(v6) => (true, u128::from(v6)),
    }
}
