//! Replays the fuzz seed corpus (`fuzz/corpus/<target>/`) through the fuzz helpers, so the
//! laws they check run in every `cargo test`.
#![cfg(feature = "parse")]
#![allow(clippy::unwrap_used, missing_docs)]

#[test]
fn fuzz_seed_corpus_replays() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus");
    type Check = fn(&[u8]);
    let targets: [(&str, Check); 3] = [
        ("syslog_message", gateway_audit::fuzzing::syslog_message),
        (
            "format_then_parse",
            gateway_audit::fuzzing::format_then_parse,
        ),
        ("log_recovery", gateway_audit::fuzzing::log_recovery),
    ];
    let mut replayed = 0;
    for (target, check) in targets {
        let Ok(entries) = std::fs::read_dir(format!("{root}/{target}")) else {
            continue; // a published crate has no fuzz corpus beside it
        };
        for entry in entries {
            check(&std::fs::read(entry.unwrap().path()).unwrap());
            replayed += 1;
        }
    }
    if std::path::Path::new(root).exists() {
        assert!(replayed >= 4, "only {replayed} seeds replayed");
    }
}
