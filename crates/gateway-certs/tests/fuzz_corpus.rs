//! Replays the fuzz seed corpus (`fuzz/corpus/certificate_import/`) through the fuzz helper, so
//! its laws run in every `cargo test`.
#![allow(clippy::unwrap_used, missing_docs)]

#[test]
fn fuzz_seed_corpus_replays() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/corpus/certificate_import"
    );
    let Ok(entries) = std::fs::read_dir(dir) else {
        return; // a published crate has no fuzz corpus beside it
    };
    let mut replayed = 0;
    for entry in entries {
        gateway_certs::fuzzing::certificate_import(&std::fs::read(entry.unwrap().path()).unwrap());
        replayed += 1;
    }
    assert!(replayed >= 8, "only {replayed} seeds replayed");
}
