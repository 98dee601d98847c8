#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| gateway_audit::fuzzing::log_recovery(data));
