#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| gateway_certs::fuzzing::certificate_import(data));
