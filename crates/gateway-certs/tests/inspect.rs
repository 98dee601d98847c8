//! Every inspected field of every test certificate against what `openssl x509` printed about it
//! (`tests/data/*.openssl.txt`, written by `make.sh`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;

use core::net::IpAddr;

use gateway_certs::certificate::{AltName, Certificate, Serial};
use gateway_certs::key::{Curve, KeyAlgorithm};
use gateway_certs::pem::{self, ImportLimits};

/// The fields of one `*.openssl.txt`.
struct OpenSsl {
    lines: Vec<String>,
}

impl OpenSsl {
    fn load(name: &str) -> Self {
        Self {
            lines: common::text(&format!("{name}.openssl.txt"))
                .lines()
                .map(str::to_owned)
                .collect(),
        }
    }

    /// The value of `key=value` lines.
    fn field(&self, key: &str) -> &str {
        let prefix = format!("{key}=");
        self.lines
            .iter()
            .find_map(|line| line.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no {key}="))
    }

    /// The trimmed text after the first line that contains `marker`.
    fn find(&self, marker: &str) -> Option<&str> {
        self.lines
            .iter()
            .find_map(|line| line.trim().strip_prefix(marker).map(str::trim))
    }

    /// The trimmed line after the first line that starts with `heading`.
    fn after(&self, heading: &str) -> Option<&str> {
        let at = self
            .lines
            .iter()
            .position(|line| line.trim().starts_with(heading))?;
        self.lines.get(at + 1).map(|line| line.trim())
    }
}

fn certificate(name: &str) -> Certificate {
    let bundle = pem::import(
        &common::read(&format!("{name}.pem")),
        &ImportLimits::DEFAULT,
    )
    .unwrap();
    assert_eq!(bundle.certificates.len(), 1, "{name}");
    Certificate::from_der(&bundle.certificates[0].der).unwrap()
}

#[test]
fn every_field_matches_openssl() {
    for &name in common::CERTIFICATES {
        let c = certificate(name);
        let o = OpenSsl::load(name);
        let context = format!("{name}.pem");

        assert_eq!(c.subject.text, o.field("subject"), "{context}: subject");
        assert_eq!(c.issuer.text, o.field("issuer"), "{context}: issuer");
        assert_eq!(c.serial.to_string(), o.field("serial"), "{context}: serial");
        assert_eq!(
            c.validity.not_before().as_secs(),
            common::iso_8601(o.field("notBefore")),
            "{context}: notBefore"
        );
        assert_eq!(
            c.validity.not_after().as_secs(),
            common::iso_8601(o.field("notAfter")),
            "{context}: notAfter"
        );
        assert_eq!(
            c.fingerprint.to_string(),
            o.field("sha256 Fingerprint"),
            "{context}: fingerprint"
        );
        let version = o.find("Version:").unwrap();
        assert!(
            version.starts_with(&c.version.to_string()),
            "{context}: {version}"
        );
        assert_eq!(
            c.signature_algorithm.name(),
            o.find("Signature Algorithm:").unwrap(),
            "{context}: signature algorithm"
        );

        // The key, with its exact size.
        let size = o
            .find("Public-Key: (")
            .map(|s| s.trim_end_matches(" bit)").parse::<u32>().unwrap());
        match &c.public_key.algorithm {
            KeyAlgorithm::Rsa { bits } => assert_eq!(Some(*bits), size, "{context}"),
            KeyAlgorithm::Ec { curve } => {
                let expected = match o.find("ASN1 OID:") {
                    Some("prime256v1") => Curve::P256,
                    Some("secp384r1") => Curve::P384,
                    Some("secp521r1") => Curve::P521,
                    Some("brainpoolP256r1") => Curve::BrainpoolP256r1,
                    Some("brainpoolP384r1") => Curve::BrainpoolP384r1,
                    Some(other) => panic!("{context}: curve {other}"),
                    None => {
                        assert!(o.find("Field Type:").is_some(), "{context}");
                        Curve::Explicit
                    }
                };
                assert_eq!(*curve, expected, "{context}");
                if *curve != Curve::Explicit {
                    assert_eq!(curve.bits(), size, "{context}");
                }
            }
            KeyAlgorithm::Ed25519 => {
                assert_eq!(o.find("Public Key Algorithm:"), Some("ED25519"));
            }
            // Review item 13: DSA's size was None (OpenSSL: the size of p).
            KeyAlgorithm::Dsa { bits } => {
                assert_eq!(o.find("Public Key Algorithm:"), Some("dsaEncryption"));
                assert_eq!(*bits, size, "{context}");
            }
            other => panic!("{context}: unexpected {other:?}"),
        }

        // Extensions.
        let ca = o.after("X509v3 Basic Constraints");
        assert_eq!(
            c.basic_constraints.map(|bc| bc.ca),
            ca.map(|line| line.starts_with("CA:TRUE")),
            "{context}: CA flag"
        );
        if let Some(path_len) = ca.and_then(|line| line.split("pathlen:").nth(1)) {
            assert_eq!(
                c.basic_constraints.unwrap().path_len,
                Some(path_len.parse().unwrap())
            );
        }
        let usage: Option<Vec<&str>> = c.key_usage.map(|ku| ku.names().collect());
        assert_eq!(
            usage.map(|names| names.join(", ")).as_deref(),
            o.after("X509v3 Key Usage"),
            "{context}: key usage"
        );
        let ski = c.subject_key_id.as_ref().map(|id| {
            id.iter()
                .map(|b| format!("{b:02X}"))
                .collect::<Vec<_>>()
                .join(":")
        });
        assert_eq!(
            ski.as_deref(),
            o.after("X509v3 Subject Key Identifier"),
            "{context}"
        );
        let aki = c.authority_key_id.as_ref().map(|id| {
            id.iter()
                .map(|b| format!("{b:02X}"))
                .collect::<Vec<_>>()
                .join(":")
        });
        assert_eq!(
            aki.as_deref(),
            o.after("X509v3 Authority Key Identifier"),
            "{context}"
        );

        let expected_san: Vec<AltName> = o
            .after("X509v3 Subject Alternative Name")
            .map(|line| {
                line.split(", ")
                    .map(|item| {
                        if let Some(dns) = item.strip_prefix("DNS:") {
                            AltName::Dns(dns.into())
                        } else {
                            let ip = item.strip_prefix("IP Address:").unwrap();
                            AltName::Ip(ip.parse::<IpAddr>().unwrap())
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(c.subject_alt_names, expected_san, "{context}: SAN");

        assert_eq!(
            c.is_self_signed(),
            o.field("subject") == o.field("issuer"),
            "{context}: self-signed"
        );
    }
}

#[test]
fn sizes_that_helpers_get_wrong_are_exact() {
    // x509-parser 0.18 reports these as 2040, 528 and 0.
    assert_eq!(
        certificate("rsa2047").public_key.algorithm,
        KeyAlgorithm::Rsa { bits: 2047 }
    );
    assert_eq!(certificate("p521").public_key.algorithm.bits(), Some(521));
    assert_eq!(
        certificate("ed25519").public_key.algorithm.bits(),
        Some(256)
    );
    assert_eq!(certificate("explicit-ec").public_key.algorithm.bits(), None);
}

#[test]
fn negative_serials_keep_their_sign() {
    let c = certificate("negative-serial");
    assert!(c.serial.negative);
    assert_eq!(c.serial.magnitude, [0x12, 0x34, 0xAB, 0xCD]);
    assert_eq!(c.serial.to_string(), "-1234ABCD");
    // Two's complement edge cases: -1, -128, -129, 0, 128 (encoded 00 80).
    let cases: [(&[u8], &str); 5] = [
        (&[0xFF], "-01"),
        (&[0x80], "-80"),
        (&[0xFF, 0x7F], "-81"),
        (&[0x00], "00"),
        (&[0x00, 0x80], "80"),
    ];
    for (bytes, text) in cases {
        assert_eq!(
            Serial::from_twos_complement(bytes).to_string(),
            text,
            "{bytes:02X?}"
        );
    }
}

#[test]
fn chains_are_linked_structurally() {
    let root = certificate("root");
    let intermediate = certificate("intermediate");
    let chained = certificate("chained");
    assert!(root.is_self_signed() && root.is_ca());
    assert!(intermediate.is_issued_by(&root));
    assert!(chained.is_issued_by(&intermediate));
    assert!(!chained.is_issued_by(&root));
    assert!(!intermediate.is_self_signed());
    let device = certificate("device");
    assert!(device.is_self_signed() && !device.is_ca());
    assert!(device.names("192.168.127.254"));
    assert!(certificate("rsa2048").names("MGATE.example.com"));
    assert!(certificate("rsa2048").names("fd00:0::1"));
    assert!(!certificate("rsa2048").names("other.example.com"));
}

#[test]
fn malformed_der_is_an_error() {
    let der = pem::import(&common::read("rsa2048.pem"), &ImportLimits::DEFAULT)
        .unwrap()
        .certificates
        .remove(0)
        .der;
    for cut in [0, 1, 10, der.len() / 2, der.len() - 1] {
        assert!(Certificate::from_der(&der[..cut]).is_err(), "cut at {cut}");
    }
    let mut trailing = der.clone();
    trailing.push(0);
    assert!(Certificate::from_der(&trailing).is_err());
    assert!(Certificate::from_der(&der).is_ok());
}

#[test]
fn a_not_before_in_the_1950s_reads_as_the_epoch() {
    // Review item 12: UTCTime 50-69 (1950-1969, RFC 5280 4.1.2.5) was refused as malformed.
    let c = certificate("before-epoch");
    let o = OpenSsl::load("before-epoch");
    assert!(
        o.field("notBefore").starts_with("1950-01-01"),
        "{}",
        o.field("notBefore")
    );
    assert_eq!(
        c.validity.not_before(),
        gateway_certs::status::UnixTime::from_secs(0)
    );
    assert_eq!(
        c.validity.not_after().as_secs(),
        common::iso_8601(o.field("notAfter"))
    );
    // The certificate is its own bytes: the fingerprint is OpenSSL's.
    assert_eq!(c.fingerprint.to_string(), o.field("sha256 Fingerprint"));
    assert_eq!(c.subject.text, o.field("subject"));
}
