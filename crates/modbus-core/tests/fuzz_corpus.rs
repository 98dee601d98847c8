//! Replays the fuzz seed corpus (`fuzz/corpus/<target>/`) through the fuzz helpers, so the
//! laws they check run in every `cargo test`.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

#[test]
fn fuzz_seed_corpus_replays() {
    type Check = fn(&[u8]);
    let targets: [(&str, Check); 5] = [
        ("pdu", modbus_core::fuzzing::pdu),
        ("rtu_stream", modbus_core::fuzzing::rtu_stream),
        ("tcp_stream", modbus_core::fuzzing::tcp_stream),
        ("translation", modbus_core::fuzzing::translation),
        ("ascii_frame", modbus_core::fuzzing::ascii_frame),
    ];
    for (target, check) in targets {
        replay(target, check);
    }
}

/// The engine's seeds (structured scripts, so they need the `arbitrary` feature) replay with
/// their laws, and between them reach every round trip: a client's request answered through
/// the master line, and a request from the slave-mode line forwarded upstream.
#[cfg(feature = "arbitrary")]
#[test]
fn gateway_seed_corpus_replays_and_reaches_the_round_trips() {
    let mut total = modbus_core::fuzzing::engine::Summary::default();
    let replayed = replay("gateway", |seed| {
        let summary = modbus_core::fuzzing::engine::run(seed);
        total.serial_requests += summary.serial_requests;
        total.answers += summary.answers;
        total.upstream_requests += summary.upstream_requests;
    });
    if replayed {
        assert!(total.serial_requests > 0, "{total:?}");
        assert!(total.answers > 0, "{total:?}");
        assert!(total.upstream_requests > 0, "{total:?}");
    }
}

/// Replays every seed of `target` through `check`; false when there is no corpus at all (a
/// published crate has none beside it). A target without seeds fails by name.
fn replay(target: &str, mut check: impl FnMut(&[u8])) -> bool {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus"));
    if !root.exists() {
        eprintln!("skipped: no fuzz corpus at {}", root.display());
        return false;
    }
    let dir = root.join(target);
    let seeds = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{target}: no seed corpus at {}: {error}", dir.display()));
    let mut replayed = 0;
    for seed in seeds {
        check(&std::fs::read(seed.unwrap().path()).unwrap());
        replayed += 1;
    }
    assert!(
        replayed > 0,
        "{target}: the seed corpus at {} is empty",
        dir.display()
    );
    true
}
