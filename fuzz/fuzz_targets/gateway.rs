#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| modbus_core::fuzzing::gateway(data));
