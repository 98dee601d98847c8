#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| gateway_audit::fuzzing::syslog_message(data));
