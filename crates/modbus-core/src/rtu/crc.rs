//! CRC-16/MODBUS (MB-SL 6.2.2): polynomial 0xA001 reflected, initial value 0xFFFF, no final
//! XOR, sent low byte first. Check value of `"123456789"`: 0x4B37.
//!
//! Computed with the `crc` crate's slice-by-16 tables (16 x 256 x 2 = 8 KiB of read-only data,
//! built at compile time), the fastest safe-Rust method measured for 8-256 byte frames.

static CRC16_MODBUS: crc::Crc<u16, crc::Table<16>> =
    crc::Crc::<u16, crc::Table<16>>::new(&crc::CRC_16_MODBUS);

/// The CRC of `bytes`. On the wire it follows the bytes as `crc.to_le_bytes()`.
#[inline]
pub fn crc16(bytes: &[u8]) -> u16 {
    CRC16_MODBUS.checksum(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_check_value() {
        // CRC-16/MODBUS check value from the CRC catalogue (../shared/vectors, [crc]).
        assert_eq!(crc16(b"123456789"), 0x4B37);
    }

    #[test]
    fn matches_the_bitwise_definition() {
        fn bitwise(bytes: &[u8]) -> u16 {
            let mut crc = 0xFFFFu16;
            for b in bytes {
                crc ^= u16::from(*b);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 {
                        (crc >> 1) ^ 0xA001
                    } else {
                        crc >> 1
                    };
                }
            }
            crc
        }
        let data: [u8; 600] = core::array::from_fn(|i| u8::try_from(i % 256).unwrap());
        for len in 0..data.len() {
            assert_eq!(crc16(&data[..len]), bitwise(&data[..len]), "len {len}");
        }
    }
}
