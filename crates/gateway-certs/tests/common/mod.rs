//! Test data: the certificates and keys `tests/data/make.sh` made with OpenSSL.

#![allow(dead_code)]

use std::path::PathBuf;

/// The data directory: `GATEWAY_CERTS_TESTDATA` (a fresh run of `make.sh`) or the committed set.
pub(crate) fn dir() -> PathBuf {
    std::env::var_os("GATEWAY_CERTS_TESTDATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data"),
        PathBuf::from,
    )
}

pub(crate) fn read(name: &str) -> Vec<u8> {
    let path = dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub(crate) fn text(name: &str) -> String {
    String::from_utf8(read(name)).unwrap()
}

/// A certificate with its key: what an operator uploads for the device's own certificate.
pub(crate) fn with_key(name: &str) -> Vec<u8> {
    let mut pem = read(&format!("{name}.pem"));
    pem.extend(read(&format!("{name}.key")));
    pem
}

/// Adds the trusted roots "root" (valid to 2040) and "old root" (expired in 2025).
pub(crate) fn add_roots(store: &mut gateway_certs::store::Store) {
    use gateway_certs::store::Source;
    store
        .add("root", Source::TrustedRootCa, &read("root.pem"))
        .unwrap();
    store
        .add("old root", Source::TrustedRootCa, &read("expired-root.pem"))
        .unwrap();
}

/// Seconds since the epoch of `YYYY-MM-DD HH:MM:SSZ` (OpenSSL's `-dateopt iso_8601`).
pub(crate) fn iso_8601(text: &str) -> u64 {
    let field = |range: core::ops::Range<usize>| -> i64 { text[range].parse().unwrap() };
    let (y, m, d) = (field(0..4), field(5..7), field(8..10));
    let (hh, mm, ss) = (field(11..13), field(14..16), field(17..19));
    // Days from civil (H. Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + hh * 3600 + mm * 60 + ss).unwrap()
}

/// The certificates made by `make.sh`, by file stem.
pub(crate) const CERTIFICATES: &[&str] = &[
    "root",
    "expired-root",
    "intermediate",
    "expired-intermediate",
    "rsa1024",
    "rsa2047",
    "rsa2048",
    "rsa4096",
    "p256",
    "p384",
    "p521",
    "ed25519",
    "brainpool256",
    "brainpool384",
    "dsa2048",
    "umlaut",
    "multi-rdn",
    "sha1",
    "expired",
    "future",
    "short-lived",
    "chained",
    "under-expired-intermediate",
    "under-expired-root",
    "device",
    "negative-serial",
    "explicit-ec",
];
