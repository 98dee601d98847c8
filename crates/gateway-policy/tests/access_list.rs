//! The accessible IP list against the MGate guide (section 3.4), IPv6 and mapped sources, the
//! linter, and a differential property test against a plain scan.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use core::net::IpAddr;

use gateway_policy::access::{
    AccessList, AccessListConfig, AccessListError, AllowReason, Decision, DenyReason, EntryConfig,
    EntryError, Family, Lint, LintLevel, Match, Traffic,
};
use proptest::prelude::*;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn list_of(entries: &[&str], activate: bool, restrict: bool) -> AccessList {
    AccessList::new(&config_of(entries, activate, restrict)).unwrap()
}

fn config_of(entries: &[&str], activate: bool, restrict: bool) -> AccessListConfig {
    let mut config = AccessListConfig::mgate_default();
    config.activate = activate;
    config.additional_restrictions = restrict;
    for entry in entries {
        config.push(entry.parse().unwrap()).unwrap();
    }
    config
}

/// The "additional configuration examples" table of MGate guide 3.4: IP address field,
/// netmask field, the first and last host of the desired range, and addresses just outside.
///
/// The guide's third row reads "192.168.1.1 to 192.168.255.254" for 192.168.0.0/255.255.0.0;
/// the range that entry admits starts at 192.168.0.1, which is what is tested. The table lists
/// usable host ranges; the entry also contains the network and broadcast addresses, which a
/// TCP peer never has on that subnet but may have on a wider one, so they match too.
#[test]
fn mgate_examples_table() {
    let rows: [(&str, &str, &str, &str, &[&str]); 5] = [
        (
            "192.168.1.120",
            "255.255.255.255",
            "192.168.1.120",
            "192.168.1.120",
            &["192.168.1.119", "192.168.1.121", "192.168.0.120"],
        ),
        (
            "192.168.1.0",
            "255.255.255.0",
            "192.168.1.1",
            "192.168.1.254",
            &["192.168.0.254", "192.168.2.1", "10.168.1.1"],
        ),
        (
            "192.168.0.0",
            "255.255.0.0",
            "192.168.0.1",
            "192.168.255.254",
            &["192.167.255.254", "192.169.0.1"],
        ),
        (
            "192.168.1.0",
            "255.255.255.128",
            "192.168.1.1",
            "192.168.1.126",
            &["192.168.1.128", "192.168.1.129", "192.168.0.126"],
        ),
        (
            "192.168.1.128",
            "255.255.255.128",
            "192.168.1.129",
            "192.168.1.254",
            &["192.168.1.127", "192.168.1.126", "192.168.2.129"],
        ),
    ];
    for (address, netmask, first, last, outside) in rows {
        let entry = EntryConfig::with_netmask(ip(address), ip(netmask));
        let mut config = AccessListConfig::<16>::mgate_default();
        config.activate = true;
        config.push(entry).unwrap();
        let list = AccessList::new(&config).unwrap();
        for inside in [first, last] {
            let decision = list.check(ip(inside), Traffic::Protocol);
            assert_eq!(
                decision.matched().map(|found| found.index),
                Some(0),
                "{inside} in {address}/{netmask}: {decision}"
            );
        }
        for source in outside {
            assert!(
                !list.check(ip(source), Traffic::Protocol).is_allowed(),
                "{source} outside {address}/{netmask}"
            );
        }
    }
    // "Any host": the list is not activated.
    let list = AccessList::new(&AccessListConfig::<16>::mgate_default()).unwrap();
    for source in ["192.168.1.1", "8.8.8.8", "::1"] {
        assert_eq!(
            list.check(ip(source), Traffic::Protocol),
            Decision::Allow(AllowReason::ListInactive)
        );
    }
}

/// The MGate table of the two switches: every combination, for a listed and an unlisted
/// source and both kinds of traffic.
#[test]
fn mgate_switch_table() {
    let listed = ip("192.168.127.10");
    let unlisted = ip("192.168.127.99");
    let entries = ["192.168.127.10/255.255.255.255"];

    let off = list_of(&entries, false, false);
    for source in [listed, unlisted] {
        for traffic in [Traffic::Protocol, Traffic::DeviceService] {
            assert_eq!(
                off.check(source, traffic),
                Decision::Allow(AllowReason::ListInactive)
            );
        }
    }

    let found = Match {
        index: 0,
        network: "192.168.127.10/32".parse().unwrap(),
    };
    // Activated: "Protocol communication is not allowed, but services are still allowed."
    let on = list_of(&entries, true, false);
    for traffic in [Traffic::Protocol, Traffic::DeviceService] {
        assert_eq!(
            on.check(listed, traffic),
            Decision::Allow(AllowReason::Listed(found))
        );
    }
    assert_eq!(
        on.check(unlisted, Traffic::Protocol),
        Decision::Deny(DenyReason::NotListed {
            source: unlisted,
            traffic: Traffic::Protocol
        })
    );
    assert_eq!(
        on.check(unlisted, Traffic::DeviceService),
        Decision::Allow(AllowReason::ServicesUnrestricted)
    );

    // Both: "All services are not allowed."
    let both = list_of(&entries, true, true);
    for traffic in [Traffic::Protocol, Traffic::DeviceService] {
        assert!(both.check(listed, traffic).is_allowed());
        assert_eq!(
            both.check(unlisted, traffic),
            Decision::Deny(DenyReason::NotListed {
                source: unlisted,
                traffic
            })
        );
    }
    assert_eq!(
        both.check(unlisted, Traffic::DeviceService).to_string(),
        "denied: 192.168.127.99 is not on the accessible IP list, which restricts device services"
    );

    // The MGate UI cannot tick the second box alone; neither can a configuration.
    let mut config = config_of(&entries, false, true);
    assert_eq!(
        AccessList::new(&config).unwrap_err(),
        AccessListError::RestrictionsWithoutList
    );
    config.activate = true;
    assert!(AccessList::new(&config).is_ok());
}

#[test]
fn ipv6_and_mapped_sources() {
    let list = list_of(
        &[
            "192.168.1.0/24",
            "2001:db8:10::/48",
            "::1",
            "0.0.0.1/32",
            "::ffff:10.1.0.0/112",
        ],
        true,
        true,
    );
    let index = |source: &str| {
        list.check(ip(source), Traffic::Protocol)
            .matched()
            .map(|found| found.index)
    };
    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
    assert_eq!(index("::ffff:192.168.1.77"), Some(0));
    assert_eq!(index("192.168.1.77"), Some(0));
    assert_eq!(index("2001:db8:10:ffff::1"), Some(1));
    assert_eq!(index("2001:db8:11::1"), None);
    // ::1 is the IPv6 loopback, matched by the ::1 entry and never by 0.0.0.1.
    assert_eq!(index("::1"), Some(2));
    assert_eq!(index("0.0.0.1"), Some(3));
    // The deprecated IPv4-compatible form is not mapped.
    assert_eq!(index("::192.168.1.77"), None);
    // A mapped entry is an IPv4 entry.
    assert_eq!(index("10.1.200.3"), Some(4));
    assert_eq!(index("::ffff:10.1.200.3"), Some(4));
    assert_eq!(index("10.2.0.1"), None);
    assert_eq!(
        list.check(ip("::ffff:10.1.200.3"), Traffic::Protocol)
            .matched()
            .map(|found| found.network.to_string()),
        Some("10.1.0.0/16".into())
    );
}

#[test]
fn the_most_specific_entry_is_named() {
    let list = list_of(
        &["10.0.0.0/8", "10.1.0.0/16", "10.1.2.3/32", "10.1.0.0/16"],
        true,
        false,
    );
    let index = |source: &str| list.find(ip(source)).map(|found| found.index);
    assert_eq!(index("10.1.2.3"), Some(2));
    assert_eq!(index("10.1.2.4"), Some(1), "first of two equal entries");
    assert_eq!(index("10.9.9.9"), Some(0));
    assert_eq!(index("11.0.0.0"), None);
}

#[test]
fn inactive_entries_match_nothing() {
    let mut config = config_of(&["10.0.0.0/8"], true, false);
    config
        .push(EntryConfig::host(ip("192.168.1.5")).inactive())
        .unwrap();
    let list = AccessList::new(&config).unwrap();
    assert_eq!(list.find(ip("192.168.1.5")), None);
    assert_eq!(list.active_entries().count(), 1);
}

#[test]
fn limits_and_bad_entries_are_refused_with_the_setting_named() {
    let mut config = AccessListConfig::<16>::mgate_default();
    for n in 0..16u8 {
        config
            .push(EntryConfig::host(IpAddr::from([10, 0, 0, n])))
            .unwrap();
    }
    let error = config
        .push(EntryConfig::host(ip("10.0.0.200")))
        .unwrap_err();
    assert_eq!(error, AccessListError::TooManyEntries { len: 17, max: 16 });
    assert_eq!(
        error.to_string(),
        "the accessible IP list has 17 entries, at most 16 are allowed"
    );

    // A device with a shorter list.
    let mut small = config.clone();
    small.max_entries = 8;
    assert_eq!(
        AccessList::new(&small).unwrap_err(),
        AccessListError::TooManyEntries { len: 16, max: 8 }
    );
    small.max_entries = 17;
    assert_eq!(
        AccessList::new(&small).unwrap_err(),
        AccessListError::CapacityExceeded {
            max_entries: 17,
            capacity: 16
        }
    );

    let mut bad = AccessListConfig::<16>::mgate_default();
    bad.push(EntryConfig::with_netmask(
        ip("192.168.1.0"),
        ip("255.255.0.255"),
    ))
    .unwrap();
    let error = AccessList::new(&bad).unwrap_err();
    assert_eq!(
        error,
        AccessListError::Entry {
            index: 0,
            error: EntryError::NonContiguousMask {
                netmask: ip("255.255.0.255")
            }
        }
    );
    assert_eq!(
        error.to_string(),
        "entries[0]: netmask 255.255.0.255 is not contiguous"
    );
}

#[test]
fn a_device_sized_list_of_thousands_builds_and_answers() {
    let mut config = AccessListConfig::<4096>::mgate_default();
    config.max_entries = 4096;
    config.activate = true;
    for n in 0..4096u32 {
        let [_, _, c, d] = n.to_be_bytes();
        let len = 24 + (n % 9) as u8;
        config
            .push(EntryConfig::cidr(IpAddr::from([10, c, d, 0]), len))
            .unwrap();
    }
    let list = AccessList::new(&config).unwrap();
    assert_eq!(list.find(ip("10.15.255.0")).unwrap().index, 4095);
    assert_eq!(list.find(ip("10.0.7.0")).unwrap().index, 7);
    assert!(list.find(ip("10.16.0.0")).is_none());
    assert!(list.find(ip("11.0.0.0")).is_none());
}

fn lints(config: &AccessListConfig, session: Option<(IpAddr, Traffic)>) -> Vec<Lint> {
    config.lints(session)
}

#[test]
fn linter_reports_each_problem() {
    let config = config_of(
        &[
            "192.168.1.5/255.255.255.0", // 0: host bits set
            "10.0.0.0/8",                // 1
            "10.1.0.0/16",               // 2: shadowed by 1
            "10.0.0.0/255.0.0.0",        // 3: duplicate of 1
            "10.0.0.0/8",                // 4: duplicate of 1
            "::/0",                      // 5: admits every IPv6 address
        ],
        true,
        false,
    );
    let found = lints(&config, None);
    assert_eq!(
        found,
        [
            Lint::HostBitsSet {
                index: 0,
                network: "192.168.1.0/24".parse().unwrap()
            },
            Lint::Duplicate { index: 3, first: 1 },
            Lint::Duplicate { index: 4, first: 1 },
            Lint::Shadowed { index: 2, by: 1 },
            Lint::EntryAdmitsAll {
                index: 5,
                family: Family::Ipv6
            },
        ]
    );
    assert!(found.iter().all(|lint| lint.level() == LintLevel::Warning));
    assert_eq!(
        found[3].to_string(),
        "entries[2] lies inside entries[1] and has no effect"
    );
}

#[test]
fn linter_finds_a_list_that_admits_everything() {
    let halves = config_of(&["0.0.0.0/1", "128.0.0.0/1"], true, false);
    assert_eq!(
        lints(&halves, None),
        [Lint::ListAdmitsAll {
            family: Family::Ipv4
        }]
    );
    let gap = config_of(&["0.0.0.0/1", "128.0.0.0/2", "255.0.0.0/8"], true, false);
    assert_eq!(lints(&gap, None), []);
    let quarters = config_of(
        &["::/2", "4000::/2", "8000::/1", "1.2.3.4", "0.0.0.0/1"],
        true,
        false,
    );
    assert_eq!(
        lints(&quarters, None),
        [
            Lint::Shadowed { index: 3, by: 4 },
            Lint::ListAdmitsAll {
                family: Family::Ipv6
            }
        ]
    );
    // When the list is off it restricts nothing anyway: no warning.
    let off = config_of(&["0.0.0.0/1", "128.0.0.0/1"], false, false);
    assert_eq!(lints(&off, None), []);
}

#[test]
fn linter_warns_before_the_caller_is_cut_off() {
    let admin = ip("::ffff:192.168.127.50");
    let config = config_of(&["192.168.127.0/28"], true, true);
    assert_eq!(
        lints(&config, Some((admin, Traffic::DeviceService))),
        [Lint::CutsOffCaller {
            caller: ip("192.168.127.50"),
            traffic: Traffic::DeviceService
        }]
    );
    assert_eq!(
        lints(&config, Some((admin, Traffic::DeviceService)))[0].level(),
        LintLevel::Danger
    );
    // Without additional restrictions the web console stays reachable.
    let config = config_of(&["192.168.127.0/28"], true, false);
    assert_eq!(lints(&config, Some((admin, Traffic::DeviceService))), []);
    let config = config_of(&["192.168.127.0/24"], true, true);
    assert_eq!(lints(&config, Some((admin, Traffic::DeviceService))), []);

    let mut empty = config_of(&[], true, false);
    empty
        .push(EntryConfig::host(ip("192.168.127.50")).inactive())
        .unwrap();
    assert_eq!(
        lints(&empty, Some((admin, Traffic::Protocol))),
        [
            Lint::CutsOffCaller {
                caller: ip("192.168.127.50"),
                traffic: Traffic::Protocol
            },
            Lint::EmptyActiveList
        ]
    );
}

#[test]
fn linter_reports_every_refusal() {
    let mut config = AccessListConfig::<16>::mgate_default();
    config.additional_restrictions = true;
    config
        .push(EntryConfig::with_netmask(ip("10.0.0.0"), ip("255.0.255.0")))
        .unwrap();
    config.push(EntryConfig::cidr(ip("10.0.0.0"), 40)).unwrap();
    config
        .push(EntryConfig::with_netmask(ip("10.0.0.0"), ip("ffff::")))
        .unwrap();
    let found = lints(&config, None);
    assert_eq!(found.len(), 4);
    assert!(found.iter().all(|lint| lint.level() == LintLevel::Refused));
    assert_eq!(
        found.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "additional_restrictions needs the accessible IP list to be activated",
            "entries[0]: netmask 255.0.255.0 is not contiguous",
            "entries[1]: prefix length /40 is longer than 32 bits",
            "entries[2]: address 10.0.0.0 and netmask ffff:: are of different families",
        ]
    );
}

// ---- Differential property test -----------------------------------------------------------

/// Addresses from a few small pools so that entries and sources overlap often.
fn address() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        (0u8..4, any::<u8>()).prop_map(|(c, d)| IpAddr::from([192, 168, c, d])),
        any::<u32>().prop_map(|bits| IpAddr::from(bits.to_be_bytes())),
        (0u16..4, any::<u16>()).prop_map(|(a, b)| IpAddr::from([0x2001, 0xdb8, a, 0, 0, 0, 0, b])),
        Just(ip("::1")),
        Just(ip("0.0.0.1")),
    ]
}

fn entry() -> impl Strategy<Value = EntryConfig> {
    (address(), any::<u8>(), any::<bool>(), any::<bool>()).prop_map(
        |(address, len, active, netmask)| {
            let bits = if address.is_ipv4() { 33 } else { 129 };
            let len = len % bits;
            let entry = if netmask {
                let mask = match address {
                    IpAddr::V4(_) => IpAddr::from(
                        u32::MAX
                            .checked_shl(32 - u32::from(len))
                            .unwrap_or(0)
                            .to_be_bytes(),
                    ),
                    IpAddr::V6(_) => IpAddr::from(
                        u128::MAX
                            .checked_shl(128 - u32::from(len))
                            .unwrap_or(0)
                            .to_be_bytes(),
                    ),
                };
                EntryConfig::with_netmask(address, mask)
            } else {
                EntryConfig::cidr(address, len)
            };
            if active { entry } else { entry.inactive() }
        },
    )
}

/// A source as a dual-stack socket may report it.
fn source() -> impl Strategy<Value = IpAddr> {
    (address(), any::<bool>()).prop_map(|(address, mapped)| match address {
        IpAddr::V4(v4) if mapped => IpAddr::V6(v4.to_ipv6_mapped()),
        other => other,
    })
}

/// The plain reading of the rules: scan every entry.
fn reference(config: &AccessListConfig, source: IpAddr) -> Option<(u8, usize)> {
    let source = source.to_canonical();
    config
        .entries
        .iter()
        .enumerate()
        .filter(|(_, entry)| entry.active)
        .filter_map(|(index, entry)| {
            let network = entry.network().unwrap();
            network
                .contains(&source)
                .then_some((network.prefix_len(), index))
        })
        .min_by_key(|&(len, index)| (core::cmp::Reverse(len), index))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn lookup_agrees_with_a_plain_scan(
        entries in prop::collection::vec(entry(), 0..=16),
        sources in prop::collection::vec(source(), 1..16),
        activate in any::<bool>(),
        restrict in any::<bool>(),
    ) {
        let mut config = AccessListConfig::<16>::mgate_default();
        config.activate = activate;
        config.additional_restrictions = restrict && activate;
        for entry in entries {
            config.push(entry).unwrap();
        }
        let list = AccessList::new(&config).unwrap();
        for source in sources {
            let expected = reference(&config, source);
            let found = list.find(source);
            prop_assert_eq!(found.map(|found| found.index), expected.map(|(_, index)| index));
            for traffic in [Traffic::Protocol, Traffic::DeviceService] {
                let allowed = !activate
                    || expected.is_some()
                    || (traffic == Traffic::DeviceService && !config.additional_restrictions);
                prop_assert_eq!(list.check(source, traffic).is_allowed(), allowed);
            }
        }
    }

    /// Removing what the linter calls duplicate or shadowed changes no decision, and the
    /// linter says "refused" exactly when the list does not build.
    #[test]
    fn lints_are_true(
        entries in prop::collection::vec(entry(), 0..=16),
        sources in prop::collection::vec(source(), 1..16),
    ) {
        let mut config = AccessListConfig::<16>::mgate_default();
        config.activate = true;
        for entry in entries {
            config.push(entry).unwrap();
        }
        let found = config.lints(None);
        let redundant: Vec<usize> = found
            .iter()
            .filter_map(|lint| match lint {
                Lint::Duplicate { index, .. } | Lint::Shadowed { index, .. } => Some(*index),
                _ => None,
            })
            .collect();
        let mut pruned = config.clone();
        pruned.entries.clear();
        for (index, entry) in config.entries.iter().enumerate() {
            if !redundant.contains(&index) {
                pruned.push(*entry).unwrap();
            }
        }
        let full = AccessList::new(&config).unwrap();
        let pruned = AccessList::new(&pruned).unwrap();
        for source in sources {
            prop_assert_eq!(
                full.check(source, Traffic::Protocol).is_allowed(),
                pruned.check(source, Traffic::Protocol).is_allowed()
            );
        }
        let admits_all = found.iter().any(|lint| matches!(lint, Lint::ListAdmitsAll { family: Family::Ipv4 }))
            || found.iter().any(|lint| matches!(lint, Lint::EntryAdmitsAll { family: Family::Ipv4, .. }));
        if admits_all {
            for source in ["0.0.0.0", "255.255.255.255", "100.64.0.1"] {
                prop_assert!(full.check(ip(source), Traffic::Protocol).is_allowed());
            }
        }
    }
}
