#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| gateway_policy::fuzzing::password_text(data));
