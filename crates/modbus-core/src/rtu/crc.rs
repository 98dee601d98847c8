//! CRC-16/MODBUS (MB-SL 6.2.2): polynomial 0xA001 reflected, initial value 0xFFFF, no final
//! XOR, sent low byte first. Check value of `"123456789"`: 0x4B37.
//!
//! Three implementations, chosen by feature, trade flash for speed (`benches/README.md` and
//! `benches/instructions.md` measure each):
//!
//! | features | tables | method |
//! |---|---|---|
//! | `crc-slice16` (in `default`) | 8 KiB | the `crc` crate's slice-by-16 tables, with a one-step tail |
//! | neither | 512 B | the `crc` crate's one 256-entry table, a byte per lookup |
//! | `crc-bitwise` (without `crc-slice16`) | none | bit by bit |
//!
//! Features add up across a dependency graph, so the faster choice wins: `crc-slice16`
//! anywhere gives slice-by-16. A firmware build with `default-features = false` gets the
//! 256-entry table unless it asks for `crc-bitwise`.
//!
//! Slice-by-16 computes whole 16-byte blocks by the crate's own loop, and the last 1-15 bytes
//! in one slice step over the same tables, where the crate goes a byte at a time. Table `k`
//! holds a byte's CRC followed by `k` zero bytes, so each tail byte is one independent lookup
//! instead of a link in a chain of dependent ones: an 8-byte request's 6-byte CRC takes one
//! step, not six.

#[cfg(feature = "crc-slice16")]
static CRC16_MODBUS: crc::Crc<u16, crc::Table<16>> =
    crc::Crc::<u16, crc::Table<16>>::new(&crc::CRC_16_MODBUS);

#[cfg(all(not(feature = "crc-slice16"), not(feature = "crc-bitwise")))]
static CRC16_MODBUS: crc::Crc<u16, crc::Table<1>> =
    crc::Crc::<u16, crc::Table<1>>::new(&crc::CRC_16_MODBUS);

#[cfg(all(not(feature = "crc-slice16"), feature = "crc-bitwise"))]
static CRC16_MODBUS: crc::Crc<u16, crc::NoTable> =
    crc::Crc::<u16, crc::NoTable>::new(&crc::CRC_16_MODBUS);

/// The CRC of `bytes`. On the wire it follows the bytes as `crc.to_le_bytes()`.
#[cfg(feature = "crc-slice16")]
#[inline]
pub fn crc16(bytes: &[u8]) -> u16 {
    let (blocks, tail) = bytes.split_at(bytes.len() - bytes.len() % 16);
    // CRC-16/MODBUS reflects in and out and has no final XOR: the checksum is the register.
    tail_step(CRC16_MODBUS.checksum(blocks), tail, CRC16_MODBUS.table())
}

/// The CRC of `bytes`. On the wire it follows the bytes as `crc.to_le_bytes()`.
#[cfg(not(feature = "crc-slice16"))]
#[inline]
pub fn crc16(bytes: &[u8]) -> u16 {
    CRC16_MODBUS.checksum(bytes)
}

/// The CRC register after `tail` (at most 15 bytes) in one slice-by-`tail.len()` step.
#[cfg(feature = "crc-slice16")]
#[inline]
fn tail_step(crc: u16, tail: &[u8], tables: &[[u16; 256]; 16]) -> u16 {
    let Some(used) = tables.get(..tail.len()) else {
        return crc; // unreachable: a tail is shorter than 16
    };
    let at = |table: &[u16; 256], byte: u8| table.get(usize::from(byte)).copied().unwrap_or(0);
    let [low, high] = crc.to_le_bytes();
    // The first byte meets table `len - 1`, the last table 0.
    let mut bytes = tail.iter().zip(used.iter().rev());
    let Some((&first, table)) = bytes.next() else {
        return crc;
    };
    let first = at(table, first ^ low);
    let Some((&second, table)) = bytes.next() else {
        return (crc >> 8) ^ first;
    };
    // From two bytes on, the register's 16 bits are all shifted out into the lookups.
    bytes.fold(first ^ at(table, second ^ high), |crc, (&byte, table)| {
        crc ^ at(table, byte)
    })
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
