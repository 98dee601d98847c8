//! Replays the `config_toml` fuzz seed corpus (`fuzz/corpus/config_toml/`) through the fuzz
//! helper, so its laws run in every `cargo test`.
#![allow(clippy::unwrap_used, missing_docs)]

use reference_gateway::config::{Config, Origin};

#[test]
fn fuzz_seed_corpus_replays() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/config_toml");
    let (mut replayed, mut accepted) = (0, 0);
    for entry in std::fs::read_dir(dir).unwrap() {
        let seed = std::fs::read(entry.unwrap().path()).unwrap();
        reference_gateway::fuzzing::config_toml(&seed);
        replayed += 1;
        let text = String::from_utf8(seed).unwrap();
        accepted += usize::from(Config::parse(&text, &Origin::Embedded).is_ok());
    }
    assert!(replayed >= 3, "only {replayed} seeds replayed");
    // The accepted seeds are the ones that reach the engine and the round trip.
    assert!(accepted >= 2, "only {accepted} seeds accepted");
}
