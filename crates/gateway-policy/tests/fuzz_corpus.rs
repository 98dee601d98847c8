//! Replays the fuzz seed corpus (`fuzz/corpus/<target>/`) through the fuzz helpers, so the
//! laws they check run in every `cargo test`.
#![allow(clippy::unwrap_used, missing_docs)]

#[test]
fn fuzz_seed_corpus_replays() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus");
    type Check = fn(&[u8]);
    let targets: [(&str, Check); 4] = [
        ("access_list", gateway_policy::fuzzing::access_list),
        ("policy_text", gateway_policy::fuzzing::policy_text),
        ("password_text", gateway_policy::fuzzing::password_text),
        ("login_sequence", gateway_policy::fuzzing::login_sequence),
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
        assert!(replayed >= 9, "only {replayed} seeds replayed");
    }
}
