//! Replays the `config_toml` fuzz seed corpus (`fuzz/corpus/config_toml/`) through the fuzz
//! helper, so its laws run in every `cargo test`, and checks that every fuzz target of the
//! workspace has seeds.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;

use reference_gateway::config::{Config, Origin};

const FUZZ: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz");

#[test]
fn fuzz_seed_corpus_replays() {
    let dir = Path::new(FUZZ).join("corpus/config_toml");
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

/// A new fuzz target without a seed corpus fails here by name, whichever crate replays it.
#[test]
fn every_fuzz_target_has_seeds() {
    let mut targets = 0;
    for entry in std::fs::read_dir(Path::new(FUZZ).join("fuzz_targets")).unwrap() {
        let path = entry.unwrap().path();
        let target = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let seeds = Path::new(FUZZ).join("corpus").join(&target);
        let count = std::fs::read_dir(&seeds).map_or(0, Iterator::count);
        assert!(
            count > 0,
            "fuzz target {target} has no seeds in {}",
            seeds.display()
        );
        targets += 1;
    }
    assert!(
        targets > 0,
        "no fuzz targets found under {FUZZ}/fuzz_targets"
    );
}
