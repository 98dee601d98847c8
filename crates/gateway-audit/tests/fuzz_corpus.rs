//! Replays the fuzz seed corpus (`fuzz/corpus/<target>/`) through the fuzz helpers, so the
//! laws they check run in every `cargo test`.
#![cfg(feature = "parse")]
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

#[test]
fn fuzz_seed_corpus_replays() {
    type Check = fn(&[u8]);
    let targets: [(&str, Check); 3] = [
        ("syslog_message", gateway_audit::fuzzing::syslog_message),
        (
            "format_then_parse",
            gateway_audit::fuzzing::format_then_parse,
        ),
        ("log_recovery", gateway_audit::fuzzing::log_recovery),
    ];
    for (target, check) in targets {
        replay(target, check);
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
