//! Configuration files read through the library: what a section left out becomes.
#![allow(clippy::unwrap_used, missing_docs)]

use reference_gateway::config::{Config, EMBEDDED, Engine, Origin};

#[test]
fn the_embedded_default_parses() {
    let config = Config::parse(EMBEDDED, &Origin::Embedded).unwrap();
    assert_eq!(config.gateway.channels.len(), 1);
    assert!(!config.gateway.routes.is_empty());
}

#[test]
fn a_file_without_a_gateway_section_gets_the_embedded_one() {
    let embedded = Config::parse(EMBEDDED, &Origin::Embedded).unwrap();
    let file = "[serial]\nport = \"/dev/ttyUSB1\"\n";
    let config = Config::parse(file, &Origin::Embedded).unwrap();
    assert_eq!(config.serial.port, "/dev/ttyUSB1");
    assert_eq!(config.gateway, embedded.gateway);
    assert!(Engine::check(&config.gateway).is_ok());
}

#[test]
fn a_gateway_section_given_replaces_the_embedded_one_whole() {
    // Given at all, `[gateway]` is the file's: its channels are not merged with the default's.
    let file = "[serial]\nport = \"simulated\"\n[gateway]\ngateway_unit = 250\n";
    let err = Config::parse(file, &Origin::Embedded).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the embedded default: gateway.channels: the reference gateway drives one serial line; \
         none configured (a [gateway] section replaces the embedded default's whole: give its \
         [[gateway.channels]] too)"
    );
}
