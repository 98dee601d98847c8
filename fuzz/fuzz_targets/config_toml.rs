#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| reference_gateway::fuzzing::config_toml(data));
