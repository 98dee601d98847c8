//! PEM import: bundles, key containers, and every named refusal, on OpenSSL-made files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;

use gateway_certs::pem::{ImportLimits, KeyFormat, PemError, import};

fn limits() -> ImportLimits {
    ImportLimits::DEFAULT
}

#[test]
fn bundles_of_certificates_and_keys_in_any_order() {
    let mut pem = common::read("chained.key");
    pem.extend(common::read("chained.pem"));
    pem.extend(b"some text between blocks, as `openssl x509 -text` leaves\n");
    pem.extend(common::read("intermediate.pem"));
    pem.extend(common::read("root.pem"));
    let bundle = import(&pem, &limits()).unwrap();
    assert_eq!(bundle.certificates.len(), 3);
    assert_eq!(
        bundle
            .certificates
            .iter()
            .map(|c| c.block)
            .collect::<Vec<_>>(),
        [2, 3, 4]
    );
    assert_eq!(bundle.private_keys.len(), 1);
    assert_eq!(bundle.private_keys[0].format, KeyFormat::Pkcs8);
    // The key never shows in Debug output.
    let debug = format!("{:?}", bundle.private_keys[0]);
    assert!(
        debug.contains("<secret>") && !debug.contains("der: ["),
        "{debug}"
    );
}

#[test]
fn key_containers_are_named_by_their_label() {
    let format =
        |file: &str| import(&common::read(file), &limits()).unwrap().private_keys[0].format;
    assert_eq!(format("rsa2048.key"), KeyFormat::Pkcs8);
    assert_eq!(format("rsa2048-pkcs1.key"), KeyFormat::Pkcs1);
    assert_eq!(format("p256-sec1.key"), KeyFormat::Sec1);
    // `openssl ecparam -genkey` writes EC PARAMETERS before the key: skipped.
    let bundle = import(&common::read("ecparam-genkey.key"), &limits()).unwrap();
    assert_eq!(bundle.private_keys.len(), 1);
    assert_eq!(bundle.private_keys[0].block, 2);
}

#[test]
fn line_endings_bom_and_trailing_spaces_do_not_matter() {
    let pem = common::text("rsa2048.pem");
    let expected = import(pem.as_bytes(), &limits()).unwrap();
    let crlf = pem.replace('\n', "\r\n");
    let cr = pem.replace('\n', "\r");
    let spaces = pem.replace('\n', "  \t\n");
    let bom = format!("\u{FEFF}{pem}");
    for variant in [crlf, cr, spaces, bom] {
        assert_eq!(import(variant.as_bytes(), &limits()).unwrap(), expected);
    }
}

#[test]
fn refusals_are_named() {
    let cases: Vec<(&str, Vec<u8>, PemError)> = vec![
        ("empty", Vec::new(), PemError::Empty),
        ("blank", b" \n\r\n\t".to_vec(), PemError::Empty),
        ("DER", common::read("rsa2048.der"), PemError::Der),
        (
            "no blocks",
            b"this is not a certificate\n".to_vec(),
            PemError::NoBlocks,
        ),
        (
            "PKCS#8 encrypted",
            common::read("encrypted-pkcs8.key"),
            PemError::EncryptedKey {
                block: 1,
                label: "ENCRYPTED PRIVATE KEY".into(),
            },
        ),
        (
            "legacy encrypted",
            common::read("encrypted-pkcs1.key"),
            PemError::EncryptedKey {
                block: 1,
                label: "RSA PRIVATE KEY".into(),
            },
        ),
        (
            // Review item 16: refused as an encrypted private key before.
            "certificate with encryption headers",
            b"-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nMIIB\n-----END CERTIFICATE-----\n"
                .to_vec(),
            PemError::EncryptedCertificate { block: 1 },
        ),
        (
            "trusted certificate",
            common::read("trusted-certificate.pem"),
            PemError::UnsupportedLabel {
                block: 1,
                label: "TRUSTED CERTIFICATE".into(),
                hint: "OpenSSL trust settings; strip them with `openssl x509 -in FILE -out FILE.pem`",
            },
        ),
    ];
    for (what, input, expected) in cases {
        assert_eq!(import(&input, &limits()), Err(expected), "{what}");
    }
}

#[test]
fn broken_blocks_are_named_with_their_number() {
    let cert = common::text("rsa2048.pem");
    let key = common::text("rsa2048.key");

    // The END line is missing from the second block.
    let truncated = format!("{cert}{}", key.replace("-----END PRIVATE KEY-----", ""));
    assert_eq!(
        import(truncated.as_bytes(), &limits()),
        Err(PemError::MissingEnd {
            block: 2,
            label: "PRIVATE KEY".into()
        })
    );
    // A BEGIN inside a block that never ended.
    let nested = format!("{}{key}", cert.replace("-----END CERTIFICATE-----", ""));
    assert!(matches!(
        import(nested.as_bytes(), &limits()),
        Err(PemError::MissingEnd { block: 1, .. })
    ));
    // END with another label.
    let mismatched = cert.replace("-----END CERTIFICATE-----", "-----END PRIVATE KEY-----");
    assert_eq!(
        import(mismatched.as_bytes(), &limits()),
        Err(PemError::MismatchedEnd {
            block: 1,
            label: "CERTIFICATE".into(),
            found: "PRIVATE KEY".into()
        })
    );
    // A character outside the base64 alphabet in the body.
    let mut lines: Vec<&str> = cert.lines().collect();
    let corrupted = format!("{}!{}", &lines[3][..10], &lines[3][11..]);
    lines[3] = &corrupted;
    assert_eq!(
        import(lines.join("\n").as_bytes(), &limits()),
        Err(PemError::Base64 {
            block: 1,
            label: "CERTIFICATE".into()
        })
    );
    // A malformed BEGIN line.
    assert_eq!(
        import(
            b"-----BEGIN CERTIFICATE----\nAAAA\n-----END CERTIFICATE-----\n",
            &limits()
        ),
        Err(PemError::MalformedBegin { line: 1 })
    );
    // An empty body.
    assert_eq!(
        import(
            b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
            &limits()
        ),
        Err(PemError::EmptyBlock {
            block: 1,
            label: "CERTIFICATE".into()
        })
    );
    // Unknown labels are named, with a hint.
    let error = import(
        b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n",
        &limits(),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "block 1: \"X509 CRL\" is not accepted (revocation lists are not imported here)"
    );
    let error = import(b"-----BEGIN FOO\x01-----\n", &limits()).unwrap_err();
    assert_eq!(error, PemError::MalformedBegin { line: 1 });
}

#[test]
fn size_and_block_caps() {
    let cert = common::read("rsa2048.pem");
    let small = ImportLimits {
        max_bytes: cert.len() - 1,
        max_blocks: 16,
    };
    assert_eq!(
        import(&cert, &small),
        Err(PemError::TooLarge {
            len: cert.len(),
            max: cert.len() - 1
        })
    );
    let many: Vec<u8> = cert.iter().copied().cycle().take(cert.len() * 3).collect();
    let two = ImportLimits {
        max_bytes: 1 << 20,
        max_blocks: 2,
    };
    assert_eq!(import(&many, &two), Err(PemError::TooManyBlocks { max: 2 }));
    assert_eq!(
        import(&many, &ImportLimits::DEFAULT)
            .unwrap()
            .certificates
            .len(),
        3
    );
}

#[test]
fn every_prefix_of_a_bundle_is_an_error_or_a_smaller_bundle() {
    let pem = common::with_key("rsa2048");
    let whole = import(&pem, &limits()).unwrap();
    for cut in 0..pem.len() {
        if let Ok(bundle) = import(&pem[..cut], &limits()) {
            assert!(
                bundle.certificates.len() + bundle.private_keys.len() < 2 || cut + 1 >= pem.len()
            );
            for (got, want) in bundle.certificates.iter().zip(&whole.certificates) {
                assert_eq!(got, want, "cut at {cut}");
            }
        }
    }
}
