//! The lockout at every boundary, with an injected clock: N-1, N and N+1 failures, the last
//! second of a lock and the first after it, the failure-counter reset period, attempts during a
//! lock, trusted sources, per-source keys and a flood of sources against a bounded table.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use core::net::IpAddr;

use gateway_policy::lockout::{Failure, Lockout, LockoutKey, LockoutPolicy, Status};
use gateway_policy::source::Source;
use gateway_policy::time::UnixTime;

const T0: u64 = 1_760_000_000;

fn at(secs: u64) -> UnixTime {
    UnixTime::from_secs(T0 + secs)
}

fn net(address: &str) -> Source {
    Source::Network(address.parse::<IpAddr>().unwrap())
}

/// The AIG-302 page: 10 failures, reset after 15 minutes, 10 minutes locked.
fn aig() -> Lockout<16> {
    Lockout::new(LockoutPolicy::aig302_default())
}

#[derive(Clone, Copy, Debug)]
enum Step {
    Fail,
    Succeed,
}

/// Each row: `failures` wrong passwords at seconds 0, 1, 2, ..., then the steps of `then`;
/// the expected result of the last failure and the status at a probe time.
#[test]
fn table_of_boundaries() {
    let attacker = net("203.0.113.9");
    struct Row {
        name: &'static str,
        failures: u64,
        then: &'static [(u64, Step)],
        last: Option<Failure>,
        probe: u64,
        status: Status,
    }
    const F: Step = Step::Fail;
    const S: Step = Step::Succeed;
    let locked = Some(Failure::LockedNow { until: at(609) });
    let nine = Some(Failure::Counted {
        failures: 9,
        remaining: 1,
    });
    let rows = [
        Row {
            name: "N-1 failures: counted, one left",
            failures: 9,
            then: &[],
            last: nine,
            probe: 8,
            status: Status::Open { failures: 9 },
        },
        Row {
            name: "N-1 failures then success: counter back to 0",
            failures: 9,
            then: &[(9, S)],
            last: None,
            probe: 9,
            status: Status::Open { failures: 0 },
        },
        Row {
            name: "N-th failure locks for 600 s from itself",
            failures: 10,
            then: &[],
            last: locked,
            probe: 9,
            status: Status::Locked { until: at(609) },
        },
        Row {
            name: "last second of the lock",
            failures: 10,
            then: &[],
            last: locked,
            probe: 608,
            status: Status::Locked { until: at(609) },
        },
        Row {
            name: "the lock's end is a fresh start",
            failures: 10,
            then: &[],
            last: locked,
            probe: 609,
            status: Status::Open { failures: 0 },
        },
        Row {
            name: "N+1: an attempt during the lock is not counted and does not extend it",
            failures: 10,
            then: &[(300, F)],
            last: Some(Failure::WhileLocked {
                until: at(609),
                extended: false,
            }),
            probe: 609,
            status: Status::Open { failures: 0 },
        },
        Row {
            name: "one failure after the lock counts from 1",
            failures: 10,
            then: &[(609, F)],
            last: Some(Failure::Counted {
                failures: 1,
                remaining: 9,
            }),
            probe: 609,
            status: Status::Open { failures: 1 },
        },
        Row {
            name: "reset period: 899 s after the last failure the count stands",
            failures: 9,
            then: &[],
            last: nine,
            probe: 8 + 899,
            status: Status::Open { failures: 9 },
        },
        Row {
            name: "reset period: 900 s after the last failure it is 0",
            failures: 9,
            then: &[],
            last: nine,
            probe: 8 + 900,
            status: Status::Open { failures: 0 },
        },
        Row {
            name: "failures spaced 899 s apart still lock (pam_faillock's window would not)",
            failures: 0,
            then: &[
                (0, F),
                (899, F),
                (1798, F),
                (2697, F),
                (3596, F),
                (4495, F),
                (5394, F),
                (6293, F),
                (7192, F),
                (8091, F),
            ],
            last: Some(Failure::LockedNow {
                until: at(8091 + 600),
            }),
            probe: 8091,
            status: Status::Locked { until: at(8691) },
        },
        Row {
            name: "failures spaced 900 s apart never add up",
            failures: 0,
            then: &[
                (0, F),
                (900, F),
                (1800, F),
                (2700, F),
                (3600, F),
                (4500, F),
                (5400, F),
                (6300, F),
                (7200, F),
                (8100, F),
            ],
            last: Some(Failure::Counted {
                failures: 1,
                remaining: 9,
            }),
            probe: 8100,
            status: Status::Open { failures: 1 },
        },
    ];
    for row in rows {
        let mut table = aig();
        let mut last = None;
        let initial = (0..row.failures).map(|secs| (secs, F));
        for (secs, step) in initial.chain(row.then.iter().copied()) {
            match step {
                Step::Fail => last = Some(table.record_failure("admin", attacker, at(secs))),
                Step::Succeed => {
                    table.record_success("admin", attacker);
                    last = None;
                }
            }
        }
        assert_eq!(last, row.last, "{}", row.name);
        assert_eq!(
            table.status("admin", attacker, at(row.probe)),
            row.status,
            "{}",
            row.name
        );
    }
}

#[test]
fn extend_on_attempt_moves_the_end() {
    let mut table: Lockout<4> = Lockout::new(LockoutPolicy {
        extend_on_attempt: true,
        ..LockoutPolicy::mgate_recommended()
    });
    let source = net("203.0.113.9");
    for secs in 0..5 {
        table.record_failure("admin", source, at(secs));
    }
    assert_eq!(
        table.status("admin", source, at(4)),
        Status::Locked { until: at(304) }
    );
    assert_eq!(
        table.record_failure("admin", source, at(200)),
        Failure::WhileLocked {
            until: at(500),
            extended: true
        }
    );
    assert_eq!(
        table.status("admin", source, at(499)),
        Status::Locked { until: at(500) }
    );
}

#[test]
fn account_key_locks_every_untrusted_source_but_not_the_console() {
    let mut table = aig();
    for secs in 0..10 {
        table.record_failure("admin", net("203.0.113.9"), at(secs));
    }
    // Another remote address is locked out too; the name is compared without case.
    assert!(matches!(
        table.status("ADMIN", net("198.51.100.7"), at(10)),
        Status::Locked { .. }
    ));
    // The console counts on its own key: the administrator can always log in locally.
    assert_eq!(
        table.status("admin", Source::Console, at(10)),
        Status::Open { failures: 0 }
    );
    // And the console is still locked for its own failures.
    for secs in 0..10 {
        table.record_failure("admin", Source::Console, at(20 + secs));
    }
    assert!(matches!(
        table.status("admin", Source::Console, at(30)),
        Status::Locked { .. }
    ));
    assert_eq!(table.locks(at(30)).count(), 2);
    // An administrator's unlock clears both.
    assert_eq!(table.unlock("Admin"), 2);
    assert_eq!(
        table.status("admin", net("203.0.113.9"), at(30)),
        Status::Open { failures: 0 }
    );
}

#[test]
fn trusted_networks_and_mapped_addresses() {
    let mut policy = LockoutPolicy::aig302_default();
    policy
        .trusted
        .push("192.168.127.0/24".parse().unwrap())
        .unwrap();
    let mut table: Lockout<8> = Lockout::new(policy);
    for secs in 0..10 {
        table.record_failure("admin", net("203.0.113.9"), at(secs));
    }
    assert_eq!(
        table.status("admin", net("192.168.127.20"), at(10)),
        Status::Open { failures: 0 }
    );
    // An IPv4-mapped IPv6 source is the same trusted host, and the same key.
    assert_eq!(
        table.status("admin", net("::ffff:192.168.127.20"), at(10)),
        Status::Open { failures: 0 }
    );
    table.record_failure("admin", net("::ffff:192.168.127.20"), at(11));
    assert_eq!(
        table.status("admin", net("192.168.127.20"), at(11)),
        Status::Open { failures: 1 }
    );
}

#[test]
fn per_source_key_locks_only_the_attacker() {
    let mut table: Lockout<8> = Lockout::new(LockoutPolicy {
        key: LockoutKey::AccountAndSource,
        ..LockoutPolicy::mgate_recommended()
    });
    for secs in 0..5 {
        table.record_failure("admin", net("203.0.113.9"), at(secs));
    }
    assert!(matches!(
        table.status("admin", net("203.0.113.9"), at(5)),
        Status::Locked { .. }
    ));
    assert_eq!(
        table.status("admin", net("198.51.100.7"), at(5)),
        Status::Open { failures: 0 }
    );
}

/// How many of `attempts` were counted (not refused while locked).
fn counted(failures: impl IntoIterator<Item = Failure>) -> usize {
    failures
        .into_iter()
        .filter(|f| matches!(f, Failure::Counted { .. } | Failure::LockedNow { .. }))
        .count()
}

#[test]
fn an_ipv6_slash_64_is_one_source() {
    // Review item 6: 10,000 guesses from 10,000 addresses of one /64 were never refused.
    let mut table: Lockout<8> = Lockout::new(LockoutPolicy {
        key: LockoutKey::AccountAndSource,
        ..LockoutPolicy::mgate_recommended()
    });
    let results: Vec<Failure> = (0..10_000u16)
        .map(|i| {
            let address = IpAddr::from([0x2001, 0xdb8, 0, 7, i, 0, 0, i]);
            table.record_failure("admin", Source::Network(address), at(5))
        })
        .collect();
    assert_eq!(counted(results), 5);
    assert_eq!(table.evictions(), 0);
    // Another /64 is another source.
    assert_eq!(
        table.status("admin", net("2001:db8:0:8::1"), at(6)),
        Status::Open { failures: 0 }
    );
    // The prefix is a setting: per /128 the same addresses are 10,000 sources again, up to
    // the account budget.
    let mut per_host: Lockout<64> = Lockout::new(LockoutPolicy {
        key: LockoutKey::AccountAndSource,
        ipv6_prefix: 128,
        ..LockoutPolicy::mgate_recommended()
    });
    let results: Vec<Failure> = (0..10_000u16)
        .map(|i| {
            let address = IpAddr::from([0x2001, 0xdb8, 0, 7, 0, 0, 0, i]);
            per_host.record_failure("admin", Source::Network(address), at(5))
        })
        .collect();
    assert_eq!(counted(results), 20, "the budget, 4 x 5");
}

#[test]
fn the_account_budget_bounds_guesses_from_any_number_of_sources() {
    let mut table: Lockout<8> = Lockout::new(LockoutPolicy {
        key: LockoutKey::AccountAndSource,
        account_budget: Some(12),
        ..LockoutPolicy::mgate_recommended()
    });
    // 10,000 IPv4 sources, one guess each.
    let results: Vec<Failure> = (0..10_000u32)
        .map(|i| {
            let address = IpAddr::from((0xC633_0000u32 + i).to_be_bytes());
            table.record_failure("admin", Source::Network(address), at(5))
        })
        .collect();
    assert_eq!(counted(results), 12);
    assert!(matches!(
        table.status("admin", net("192.0.2.200"), at(6)),
        Status::Locked { .. }
    ));
    // The console keeps its own key.
    assert_eq!(
        table.status("admin", Source::Console, at(6)),
        Status::Open { failures: 0 }
    );
    // After the lockout period, the budget is whole again.
    assert_eq!(
        table.status("admin", net("192.0.2.200"), at(5 + 300)),
        Status::Open { failures: 0 }
    );
}

#[test]
fn a_trusted_network_counts_as_one_source() {
    // Review item 6: 1,016 guesses from the addresses of a trusted /24 were never refused.
    let mut policy = LockoutPolicy::mgate_recommended();
    policy
        .trusted
        .push("192.168.127.0/24".parse().unwrap())
        .unwrap();
    let mut table: Lockout<8> = Lockout::new(policy);
    let results: Vec<Failure> = (0..1_016u32)
        .map(|i| {
            let address = IpAddr::from([192, 168, 127, u8::try_from(i % 254 + 1).unwrap()]);
            table.record_failure("admin", Source::Network(address), at(u64::from(i) / 4))
        })
        .collect();
    assert_eq!(counted(results), 5);
    // Untrusted sources are not locked by the trusted network's failures.
    assert_eq!(
        table.status("admin", net("203.0.113.9"), at(10)),
        Status::Open { failures: 0 }
    );
}

#[test]
fn no_eviction_releases_a_lock_in_force() {
    // Review item 6: filling the table from trusted addresses evicted an untrusted source's
    // lock. Now trusted addresses share their network's key, and locks are never evicted.
    let mut policy = LockoutPolicy::mgate_recommended();
    for net in ["10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16"] {
        policy.trusted.push(net.parse().unwrap()).unwrap();
    }
    let mut table: Lockout<4> = Lockout::new(policy);
    for secs in 0..5 {
        table.record_failure("admin", net("203.0.113.9"), at(secs));
    }
    for i in 0..4u8 {
        for host in 0..200u8 {
            let source = Source::Network(IpAddr::from([10, i + 1, 0, host]));
            table.record_failure("admin", source, at(6));
            table.record_failure("operator", source, at(6));
        }
    }
    assert!(matches!(
        table.status("admin", net("203.0.113.9"), at(7)),
        Status::Locked { .. }
    ));
    assert!(table.len() <= 4);
    // With every entry a lock in force, a new untrusted key fails closed.
    let mut full: Lockout<2> = Lockout::new(LockoutPolicy::mgate_recommended());
    for secs in 0..5 {
        full.record_failure("admin", net("203.0.113.9"), at(secs));
        full.record_failure("operator", net("203.0.113.9"), at(secs));
    }
    assert!(matches!(
        full.status("guest", net("198.51.100.1"), at(6)),
        Status::Locked { .. }
    ));
    assert_eq!(
        full.status("guest", Source::Console, at(6)),
        Status::Open { failures: 0 }
    );
    // ... until the first lock ends.
    assert_eq!(
        full.status("guest", net("198.51.100.1"), at(4 + 300)),
        Status::Open { failures: 0 }
    );
}

#[test]
fn a_known_source_keeps_the_administrator_in() {
    // Review item 7: 5 wrong passwords every 5 minutes from elsewhere kept the last
    // administrator out for a whole day (288 of 288 logins refused). The administrator's
    // workstation, where it logged in before, counts on its own key.
    let mut table: Lockout<16> = Lockout::new(LockoutPolicy::mgate_recommended());
    let workstation = net("192.0.2.10");
    table.record_success("admin", workstation);
    let mut refused = 0;
    for round in 0..288u64 {
        // The attacker tries as soon as the last lock has run out, until it locks again.
        let start = round * 310;
        for i in 0..10 {
            let failure = table.record_failure("admin", net("203.0.113.9"), at(start + i));
            if matches!(failure, Failure::LockedNow { .. }) {
                break;
            }
        }
        let now = at(start + 10);
        // The attacker and every source the account never logged in from are locked out.
        assert!(matches!(
            table.status("admin", net("198.51.100.77"), now),
            Status::Locked { .. }
        ));
        match table.status("admin", workstation, now) {
            Status::Open { .. } => table.record_success("admin", workstation),
            Status::Locked { .. } => refused += 1,
        }
    }
    assert_eq!(refused, 0);
    // The workstation is still locked by its own failures.
    for i in 0..5 {
        table.record_failure("admin", workstation, at(100_000 + i));
    }
    assert!(matches!(
        table.status("admin", workstation, at(100_010)),
        Status::Locked { .. }
    ));
}

#[test]
fn disabled_counts_nothing() {
    let mut table: Lockout<4> = Lockout::new(LockoutPolicy::mgate_default());
    for secs in 0..50 {
        assert_eq!(
            table.record_failure("admin", net("203.0.113.9"), at(secs)),
            Failure::Disabled
        );
    }
    assert_eq!(
        table.status("admin", net("203.0.113.9"), at(50)),
        Status::Open { failures: 0 }
    );
}

#[test]
fn presets_are_valid_and_ranges_enforced() {
    for policy in [
        LockoutPolicy::mgate_default(),
        LockoutPolicy::mgate_recommended(),
        LockoutPolicy::aig302_default(),
    ] {
        assert_eq!(policy.validate(), Ok(()));
    }
    let policy = LockoutPolicy {
        max_failures: 0,
        ..LockoutPolicy::default()
    };
    assert_eq!(
        policy.validate().unwrap_err().to_string(),
        "max_failures = 0 is outside 1..=100"
    );
}

#[test]
fn the_mgate_console_ranges_beside_the_general_ones() {
    // Review item 11: MGate guide 3.3, retry failure threshold 1-10, lockout time 1-60 min.
    use gateway_policy::services::Guide;
    assert_eq!(
        LockoutPolicy::mgate_recommended().validate_for(Guide::MgateMb3000),
        Ok(())
    );
    assert_eq!(
        LockoutPolicy::aig302_default().validate_for(Guide::Aig302),
        Ok(())
    );
    let refused = |policy: LockoutPolicy| {
        policy
            .validate_for(Guide::MgateMb3000)
            .unwrap_err()
            .to_string()
    };
    let base = LockoutPolicy::mgate_recommended();
    assert_eq!(
        refused(LockoutPolicy {
            max_failures: 11,
            ..base.clone()
        }),
        "max_failures = 11 is outside 1..=10"
    );
    assert_eq!(
        refused(LockoutPolicy {
            lockout_minutes: 61,
            ..base.clone()
        }),
        "lockout_minutes = 61 is outside 1..=60"
    );
    assert_eq!(
        refused(LockoutPolicy {
            reset_minutes: Some(15),
            ..base.clone()
        }),
        "reset_minutes is not a setting of this device"
    );
    // The general ranges still allow them.
    assert_eq!(
        LockoutPolicy {
            max_failures: 11,
            lockout_minutes: 61,
            ..base
        }
        .validate(),
        Ok(())
    );
}
