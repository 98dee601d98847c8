//! The translator alone, as a firmware that bridges one TCP socket and one UART would link
//! it: `tcp_to_rtu` and `rtu_to_tcp` between buffers that a stub UART and socket fill.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::panic::PanicInfo;

use cortex_m_rt::entry;
use modbus_core::translate::{rtu_to_tcp, tcp_to_rtu};

#[entry]
fn main() -> ! {
    let mut tcp = [0u8; 260];
    let mut rtu = [0u8; 256];
    loop {
        // The stub socket and UART: whatever the optimiser cannot see through.
        let request = black_box(&mut tcp);
        if let Ok((header, len)) = tcp_to_rtu(&request[..12], &mut rtu) {
            black_box(&rtu[..len]);
            let answer = black_box(&rtu);
            let mut out = [0u8; 260];
            if let Ok(len) = rtu_to_tcp(&answer[..11], &header, &mut out) {
                black_box(&out[..len]);
            }
        }
    }
}

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {}
}
