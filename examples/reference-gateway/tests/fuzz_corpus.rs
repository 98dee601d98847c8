//! Replays the whole fuzz seed corpus (`fuzz/corpus/<target>/`) through the functions the
//! fuzz targets call, so the laws they check run in every `cargo test`. The reference gateway
//! depends on every crate of the family, so the one table here covers every target, and a
//! target with no seeds, or a target missing from the table, fails by name.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::path::{Path, PathBuf};

use reference_gateway::config::{Config, Origin};

const FUZZ: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz");

type Check = fn(&[u8]);

/// Every fuzz target and what it calls (as in `fuzz/fuzz_targets/<target>.rs`).
const TARGETS: [(&str, Check); 15] = [
    ("pdu", modbus_core::fuzzing::pdu),
    ("rtu_stream", modbus_core::fuzzing::rtu_stream),
    ("tcp_stream", modbus_core::fuzzing::tcp_stream),
    ("translation", modbus_core::fuzzing::translation),
    ("ascii_frame", modbus_core::fuzzing::ascii_frame),
    ("gateway", modbus_core::fuzzing::engine::gateway),
    ("access_list", gateway_policy::fuzzing::access_list),
    ("policy_text", gateway_policy::fuzzing::policy_text),
    ("password_text", gateway_policy::fuzzing::password_text),
    ("login_sequence", gateway_policy::fuzzing::login_sequence),
    (
        "certificate_import",
        gateway_certs::fuzzing::certificate_import,
    ),
    ("syslog_message", gateway_audit::fuzzing::syslog_message),
    (
        "format_then_parse",
        gateway_audit::fuzzing::format_then_parse,
    ),
    ("log_recovery", gateway_audit::fuzzing::log_recovery),
    ("config_toml", reference_gateway::fuzzing::config_toml),
];

/// The seed files of `target`; fails by name when there are none.
fn seeds(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(FUZZ).join("corpus").join(target);
    let seeds: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{target}: no seed corpus at {}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    assert!(
        !seeds.is_empty(),
        "{target}: the seed corpus at {} is empty",
        dir.display()
    );
    seeds
}

#[test]
fn every_target_replays_its_seeds() {
    for (target, check) in TARGETS {
        for seed in seeds(target) {
            check(&std::fs::read(seed).unwrap());
        }
    }
}

/// A new fuzz target must be added to [`TARGETS`] (and get seeds) to pass.
#[test]
fn the_table_holds_every_fuzz_target() {
    let mut on_disk: Vec<String> = std::fs::read_dir(Path::new(FUZZ).join("fuzz_targets"))
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            path.file_stem().unwrap().to_str().unwrap().to_owned()
        })
        .collect();
    on_disk.sort();
    let mut replayed: Vec<String> = TARGETS.iter().map(|(t, _)| (*t).to_owned()).collect();
    replayed.sort();
    assert_eq!(
        on_disk, replayed,
        "fuzz/fuzz_targets and the replay table differ"
    );
}

/// The engine's seeds between them reach every round trip: a client's request answered
/// through the master line, and a request from the slave-mode line forwarded upstream.
#[test]
fn gateway_seeds_reach_the_round_trips() {
    let mut total = modbus_core::fuzzing::engine::Summary::default();
    for seed in seeds("gateway") {
        let summary = modbus_core::fuzzing::engine::run(&std::fs::read(seed).unwrap());
        total.serial_requests += summary.serial_requests;
        total.answers += summary.answers;
        total.upstream_requests += summary.upstream_requests;
    }
    assert!(total.serial_requests > 0, "{total:?}");
    assert!(total.answers > 0, "{total:?}");
    assert!(total.upstream_requests > 0, "{total:?}");
}

/// The accepted configuration seeds are the ones that reach the engine and the round trip.
#[test]
fn config_seeds_include_accepted_configurations() {
    let accepted = seeds("config_toml")
        .into_iter()
        .filter(|seed| {
            let text = std::fs::read_to_string(seed).unwrap();
            Config::parse(&text, &Origin::Embedded).is_ok()
        })
        .count();
    assert!(
        accepted >= 2,
        "only {accepted} configuration seeds accepted"
    );
}
