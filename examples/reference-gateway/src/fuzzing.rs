//! Entry point for the fuzz target `config_toml` and the corpus replay test. Not part of the
//! API.

// A fuzz helper reports a broken law by panicking: that is what the fuzzer detects.
#![allow(clippy::panic, clippy::expect_used, missing_docs)]

use gateway_policy::access::AccessList;
use modbus_core::gateway::GatewayConfig;
use modbus_core::time::Instant;

use crate::config::{Config, Engine, Origin};

/// Arbitrary bytes as a configuration file. Laws: parsing never panics; a refusal is one line
/// that names a line of the file, if any; an accepted file builds the engine and the
/// accessible IP list the gateway runs with (what `check` accepts, `run` can start), and its
/// `[gateway]` section survives a TOML round trip.
pub fn config_toml(data: &[u8]) {
    // `Config::load` reads with `read_to_string`, which refuses what is not UTF-8.
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let config = match Config::parse(text, &Origin::Embedded) {
        Ok(config) => config,
        Err(err) => {
            let shown = err.to_string();
            assert!(!shown.contains('\n'), "a refusal is one line: {shown:?}");
            assert!(!err.message.is_empty(), "a refusal says why: {shown:?}");
            if let Some(line) = err.line {
                assert!(
                    (1..=text.lines().count().max(1)).contains(&line),
                    "line {line} is not in the file: {shown:?}"
                );
            }
            return;
        }
    };
    if let Err(err) = Engine::new(&config.gateway, Instant::from_micros(0)).map(Box::new) {
        panic!("accepted, but the engine refuses it: {err}");
    }
    if let Err(err) = AccessList::new(&config.access_list) {
        panic!("accepted, but the accessible IP list refuses it: {err}");
    }
    let text = toml::to_string(&config.gateway).expect("[gateway] serializes");
    let again: GatewayConfig = toml::from_str(&text).expect("[gateway] reads back");
    assert_eq!(
        again, config.gateway,
        "[gateway] round trip through\n{text}"
    );
}
