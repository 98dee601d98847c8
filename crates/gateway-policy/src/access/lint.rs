//! The accessible IP list linter: what an operator should hear about before pressing Submit.

use core::fmt;
use core::net::IpAddr;

use ipnet::IpNet;

use super::{AccessListConfig, AccessListError, Traffic};

/// How serious a [`Lint`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum LintLevel {
    /// Valid, but probably not what was meant (the entry has no effect, or the list admits
    /// everyone).
    Warning,
    /// Valid, and would shut out traffic the operator needs (the caller's own session, or
    /// every protocol client).
    Danger,
    /// [`AccessList::new`](super::AccessList::new) refuses the configuration.
    Refused,
}

/// An address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Family {
    /// IPv4, including IPv4-mapped IPv6 sources.
    Ipv4,
    /// IPv6.
    Ipv6,
}

/// One finding of [`AccessListConfig::lint`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Lint {
    /// The configuration is refused; the error says why.
    Invalid(
        #[cfg_attr(feature = "serde", serde(serialize_with = "super::display"))] AccessListError,
    ),
    /// The address has bits set outside the netmask: the entry admits the whole network,
    /// where a single host may have been meant.
    HostBitsSet {
        /// The entry.
        index: usize,
        /// The network it admits.
        #[cfg_attr(feature = "serde", serde(serialize_with = "super::display"))]
        network: IpNet,
    },
    /// An active entry names the same network as an earlier one.
    Duplicate {
        /// The later entry.
        index: usize,
        /// The first entry with this network.
        first: usize,
    },
    /// An active entry lies inside a wider active entry and changes nothing.
    Shadowed {
        /// The narrower entry.
        index: usize,
        /// The wider entry that contains it.
        by: usize,
    },
    /// An active entry admits every address of its family (`0.0.0.0/0`, `::/0`).
    EntryAdmitsAll {
        /// The entry.
        index: usize,
        /// The family it opens.
        family: Family,
    },
    /// The active entries together admit every address of a family, so the list restricts
    /// nothing there.
    ListAdmitsAll {
        /// The family.
        family: Family,
    },
    /// The list is activated with no active entry: every protocol connection (and, with
    /// additional restrictions, every service) is refused.
    EmptyActiveList,
    /// The caller's own session would be refused once the change is applied.
    CutsOffCaller {
        /// The caller's address, canonicalised.
        caller: IpAddr,
        /// What the caller uses.
        traffic: Traffic,
    },
}

impl Lint {
    /// How serious the finding is.
    pub fn level(&self) -> LintLevel {
        match self {
            Self::Invalid(_) => LintLevel::Refused,
            Self::EmptyActiveList | Self::CutsOffCaller { .. } => LintLevel::Danger,
            Self::HostBitsSet { .. }
            | Self::Duplicate { .. }
            | Self::Shadowed { .. }
            | Self::EntryAdmitsAll { .. }
            | Self::ListAdmitsAll { .. } => LintLevel::Warning,
        }
    }
}

impl fmt::Display for Lint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(error) => write!(f, "{error}"),
            Self::HostBitsSet { index, network } => write!(
                f,
                "entries[{index}]: the address has host bits set; the entry admits all of \
                 {network} (use netmask 255.255.255.255 for a single host)"
            ),
            Self::Duplicate { index, first } => {
                write!(f, "entries[{index}] repeats entries[{first}]")
            }
            Self::Shadowed { index, by } => write!(
                f,
                "entries[{index}] lies inside entries[{by}] and has no effect"
            ),
            Self::EntryAdmitsAll { index, family } => {
                write!(f, "entries[{index}] admits every {family} address")
            }
            Self::ListAdmitsAll { family } => write!(
                f,
                "the active entries together admit every {family} address"
            ),
            Self::EmptyActiveList => f.write_str(
                "the list is activated but has no active entry: every protocol client is refused",
            ),
            Self::CutsOffCaller { caller, .. } => write!(
                f,
                "{caller} (your session) is not on the list: applying it cuts you off"
            ),
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Ipv4 => "IPv4",
            Self::Ipv6 => "IPv6",
        })
    }
}

impl<const N: usize> AccessListConfig<N> {
    /// Reports every problem of this configuration to `report`, most serious kinds first.
    ///
    /// `session` is the address and traffic kind of the operator making the change (for
    /// example their browser's address and [`Traffic::DeviceService`]); when given, a change
    /// that would refuse it is reported as [`Lint::CutsOffCaller`].
    ///
    /// Does not allocate; sorts a copy of the active entries on the stack (4 bytes per
    /// possible entry plus the networks), so it costs O(n log n).
    pub fn lint(&self, session: Option<(IpAddr, Traffic)>, mut report: impl FnMut(Lint)) {
        self.config_errors(|error| report(Lint::Invalid(error)));
        if let Some((caller, traffic)) = session {
            let caller = caller.to_canonical();
            if self.refuses(caller, traffic) {
                report(Lint::CutsOffCaller { caller, traffic });
            }
        }
        let mut active = heapless::Vec::<(IpNet, usize), N>::new();
        for (index, entry) in self.entries.iter().enumerate() {
            let Ok(network) = entry.network() else {
                continue;
            };
            if entry.active {
                // Cannot fail: `active` has the capacity of `entries`.
                let _ = active.push((network, index));
            }
            if entry.host_bits_set() {
                report(Lint::HostBitsSet { index, network });
            }
        }
        if self.activate && active.is_empty() {
            report(Lint::EmptyActiveList);
        }
        // Address order, wider networks first at the same start, then configuration order:
        // an entry is inside an earlier one exactly when the widest entry seen so far that
        // reaches it contains it (prefixes nest or are disjoint).
        active.sort_unstable_by(|(a, ia), (b, ib)| {
            family_of(a)
                .cmp(&family_of(b))
                .then_with(|| start(a).cmp(&start(b)))
                .then_with(|| a.prefix_len().cmp(&b.prefix_len()))
                .then_with(|| ia.cmp(ib))
        });
        let mut previous: Option<(IpNet, usize)> = None;
        let mut run_first = 0;
        let mut widest: Option<(IpNet, usize)> = None;
        let mut coverage = Coverage::default();
        for &(network, index) in &active {
            if previous.is_some_and(|(p, _)| family_of(&p) != family_of(&network)) {
                coverage.finish(self.activate, &mut report);
                widest = None;
            }
            if network.prefix_len() == 0 {
                report(Lint::EntryAdmitsAll {
                    index,
                    family: family_of(&network),
                });
            }
            if previous.is_some_and(|(p, _)| p == network) {
                report(Lint::Duplicate {
                    index,
                    first: run_first,
                });
            } else {
                run_first = index;
                if let Some((_, by)) = widest.filter(|(w, _)| w.contains(&network)) {
                    report(Lint::Shadowed { index, by });
                }
            }
            if widest.is_none_or(|(w, _)| !w.contains(&network)) {
                widest = Some((network, index));
            }
            coverage.add(&network);
            previous = Some((network, index));
        }
        coverage.finish(self.activate, &mut report);
    }

    /// Every problem of [`lint`](Self::lint), collected.
    #[cfg(feature = "alloc")]
    pub fn lints(&self, session: Option<(IpAddr, Traffic)>) -> alloc::vec::Vec<Lint> {
        let mut lints = alloc::vec::Vec::new();
        self.lint(session, |lint| lints.push(lint));
        lints
    }

    /// Reports every reason [`AccessList::new`](super::AccessList::new) refuses this
    /// configuration, in order.
    pub(super) fn config_errors(&self, mut report: impl FnMut(AccessListError)) {
        if self.max_entries > N {
            report(AccessListError::CapacityExceeded {
                max_entries: self.max_entries,
                capacity: N,
            });
        }
        if self.entries.len() > self.max_entries {
            report(AccessListError::TooManyEntries {
                len: self.entries.len(),
                max: self.max_entries,
            });
        }
        if self.additional_restrictions && !self.activate {
            report(AccessListError::RestrictionsWithoutList);
        }
        for (index, entry) in self.entries.iter().enumerate() {
            if let Err(error) = entry.network() {
                report(AccessListError::Entry { index, error });
            }
        }
    }

    /// Whether this configuration, applied, refuses `source` (canonical) for `traffic`. A
    /// plain scan: the linter must work on lists that do not build.
    fn refuses(&self, source: IpAddr, traffic: Traffic) -> bool {
        if !self.activate || (traffic == Traffic::DeviceService && !self.additional_restrictions) {
            return false;
        }
        !self.entries.iter().any(|entry| {
            entry.active
                && entry
                    .network()
                    .is_ok_and(|network| network.contains(&source))
        })
    }
}

/// Tracks whether sorted networks of one family cover every address.
#[derive(Default)]
struct Coverage {
    family: Option<Family>,
    /// The first address not yet covered; `None` once everything is.
    next: Option<u128>,
    gap: bool,
    /// A single entry already admits everything (reported on its own).
    single: bool,
}

impl Coverage {
    fn add(&mut self, network: &IpNet) {
        if self.family.is_none() {
            self.family = Some(family_of(network));
            self.next = Some(0);
        }
        self.single |= network.prefix_len() == 0;
        let Some(next) = self.next else {
            return;
        };
        if start(network) > next {
            self.gap = true;
        }
        let end = start(network) | !network_mask(network);
        if end >= family_max(network) {
            self.next = None;
        } else if end >= next {
            self.next = Some(end.saturating_add(1));
        }
    }

    fn finish(&mut self, activate: bool, report: &mut impl FnMut(Lint)) {
        if let Some(family) = self.family {
            if activate && !self.gap && self.next.is_none() && !self.single {
                report(Lint::ListAdmitsAll { family });
            }
        }
        *self = Self::default();
    }
}

fn family_of(network: &IpNet) -> Family {
    match network {
        IpNet::V4(_) => Family::Ipv4,
        IpNet::V6(_) => Family::Ipv6,
    }
}

fn start(network: &IpNet) -> u128 {
    super::key_bits(network.network()).1
}

fn network_mask(network: &IpNet) -> u128 {
    match network {
        IpNet::V4(net) => u128::from(super::v4_mask(net.prefix_len())) | !u128::from(u32::MAX),
        IpNet::V6(net) => super::v6_mask(net.prefix_len()),
    }
}

fn family_max(network: &IpNet) -> u128 {
    match network {
        IpNet::V4(_) => u128::from(u32::MAX),
        IpNet::V6(_) => u128::MAX,
    }
}
