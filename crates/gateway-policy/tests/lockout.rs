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
use gateway_policy::login::Source;
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

#[test]
fn a_flood_of_sources_stays_in_the_table_and_keeps_locks_longest() {
    let mut table: Lockout<8> = Lockout::new(LockoutPolicy {
        key: LockoutKey::AccountAndSource,
        ..LockoutPolicy::mgate_recommended()
    });
    // One source locks the account for itself.
    for secs in 0..5 {
        table.record_failure("admin", net("203.0.113.9"), at(secs));
    }
    // 10 000 other sources fail once each (IPv6 addresses are cheap for an attacker).
    for i in 0..10_000u16 {
        let address = IpAddr::from([0x2001, 0xdb8, 0, 0, 0, 0, 0, i]);
        table.record_failure("admin", Source::Network(address), at(5));
    }
    // The table never holds more than 8 entries; the open ones were evicted first.
    assert!(table.evictions() >= 9_990);
    assert!(matches!(
        table.status("admin", net("203.0.113.9"), at(6)),
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
