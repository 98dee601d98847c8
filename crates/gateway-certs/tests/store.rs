//! The Certificate Center store: key matching, device limits, strength, origin, the table,
//! summaries and the renewal plan, on OpenSSL-made certificates.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;

use gateway_certs::certificate::SignatureAlgorithm;
use gateway_certs::key::{KeyAlgorithm, KeyError, PublicKey};
use gateway_certs::pem::{ImportLimits, KeyFormat, PrivateKeyDer, import};
use gateway_certs::renewal::Action;
use gateway_certs::status::{CertStatus, ExpiryWindow, UnixTime};
use gateway_certs::store::{
    Column, DefaultCertificates, Origin, Query, Source, Store, StoreError, StoreSettings, Tab,
};
use gateway_certs::strength::{DeviceLimits, LimitExceeded, StrengthPolicy, Weakness};

const DAY: u64 = 86_400;

fn at(date: &str) -> UnixTime {
    UnixTime::from_secs(common::iso_8601(&format!("{date} 00:00:00Z")))
}

fn store() -> Store {
    Store::new(StoreSettings::default())
}

fn key_of(file: &str) -> Result<PublicKey, KeyError> {
    let bundle = import(&common::read(file), &ImportLimits::DEFAULT).unwrap();
    PublicKey::from_private_key(&bundle.private_keys[0])
}

#[test]
fn every_key_type_and_container_matches_its_certificate() {
    for name in [
        "rsa1024", "rsa2047", "rsa2048", "rsa4096", "p256", "p384", "p521", "ed25519", "device",
    ] {
        let mut store = store();
        store
            .add(name, Source::HttpsServer, &common::with_key(name))
            .unwrap();
        assert!(store.get(name).unwrap().has_key, "{name}");
    }
    // PKCS#1, SEC1 with and without the public point, and ecparam output.
    let mut pem = common::read("rsa2048.pem");
    pem.extend(common::read("rsa2048-pkcs1.key"));
    store().add("pkcs1", Source::HttpsServer, &pem).unwrap();
    let mut pem = common::read("p256.pem");
    pem.extend(common::read("p256-sec1.key"));
    store().add("sec1", Source::MqttClient, &pem).unwrap();
    let mut pem = common::read("p384.pem");
    pem.extend(common::read("p384-sec1-no-public.key"));
    store()
        .add("sec1 derived", Source::MqttClient, &pem)
        .unwrap();
    assert!(matches!(
        key_of("ecparam-genkey.key").unwrap().algorithm,
        KeyAlgorithm::Ec { .. }
    ));
    assert_eq!(
        key_of("rsa2048-pkcs1.key").unwrap(),
        key_of("rsa2048.key").unwrap()
    );
    assert_eq!(
        key_of("p256-sec1.key").unwrap(),
        key_of("p256.key").unwrap()
    );
}

#[test]
fn a_key_of_another_certificate_is_refused() {
    let mut pem = common::read("rsa2048.pem");
    pem.extend(common::read("rsa4096.key"));
    assert_eq!(
        store().add("https", Source::HttpsServer, &pem),
        Err(StoreError::KeyMismatch { block: 2 })
    );
    // Same algorithm and size, another key.
    let mut pem = common::read("p256.pem");
    pem.extend(common::read("chained.key"));
    assert_eq!(
        store().add("https", Source::HttpsServer, &pem),
        Err(StoreError::KeyMismatch { block: 2 })
    );
    let mut pem = common::read("ed25519.pem");
    pem.extend(common::read("p256.key"));
    assert!(matches!(
        store().add("https", Source::HttpsServer, &pem),
        Err(StoreError::KeyMismatch { .. })
    ));
}

#[test]
fn keys_are_required_only_where_the_device_presents_the_certificate() {
    let mut store = store();
    assert_eq!(
        store.add("https", Source::HttpsServer, &common::read("rsa2048.pem")),
        Err(StoreError::MissingKey(Source::HttpsServer))
    );
    assert!(matches!(
        store.add("root", Source::TrustedRootCa, &common::with_key("root")),
        Err(StoreError::UnexpectedKey { block: 2, .. })
    ));
    store
        .add("root", Source::TrustedRootCa, &common::read("root.pem"))
        .unwrap();
    assert!(matches!(
        store.add(
            "leaf as root",
            Source::TrustedRootCa,
            &common::read("rsa2048.pem")
        ),
        Err(StoreError::NotCa { .. })
    ));
    let mut two_keys = common::with_key("p256");
    two_keys.extend(common::read("p256-sec1.key"));
    assert!(matches!(
        store.add("two keys", Source::HttpsServer, &two_keys),
        Err(StoreError::UnexpectedKey { block: 3, .. })
    ));
    assert_eq!(
        store.add("key only", Source::HttpsServer, &common::read("p256.key")),
        Err(StoreError::NoCertificate)
    );
}

#[test]
fn inconsistent_and_unsupported_keys_are_named() {
    // A SEC1 key carrying another key's public point: p256-sec1.key with its last 65 bytes
    // (the uncompressed point) taken from chained.key, whose PKCS#8 form also ends with its
    // point.
    let secret = |file: &str| {
        import(&common::read(file), &ImportLimits::DEFAULT)
            .unwrap()
            .private_keys[0]
            .secret_der()
            .to_vec()
    };
    let mut forged = secret("p256-sec1.key");
    let other = secret("chained.key");
    let n = forged.len();
    forged[n - 65..].copy_from_slice(&other[other.len() - 65..]);
    assert_eq!(
        PublicKey::from_private_key(&PrivateKeyDer::new(1, KeyFormat::Sec1, forged)),
        Err(KeyError::Inconsistent)
    );
    // Not a key at all.
    assert_eq!(
        PublicKey::from_private_key(&PrivateKeyDer::new(1, KeyFormat::Pkcs1, vec![0x30, 0x00])),
        Err(KeyError::Malformed {
            format: "PKCS#1 RSAPrivateKey"
        })
    );
    // The explicit-parameter key cannot be matched.
    // The explicit-parameter key is refused by name.
    assert_eq!(key_of("explicit-ec.key"), Err(KeyError::ExplicitCurve));
    assert_eq!(
        store().add(
            "explicit",
            Source::HttpsServer,
            &common::with_key("explicit-ec")
        ),
        Err(StoreError::Key {
            block: 2,
            error: KeyError::ExplicitCurve
        })
    );
}

#[test]
fn the_device_limit_is_separate_from_strength() {
    let settings = StoreSettings {
        device: DeviceLimits::MGATE,
        ..StoreSettings::default()
    };
    let mut mgate = Store::new(settings);
    assert_eq!(
        mgate.add("https", Source::HttpsServer, &common::with_key("rsa4096")),
        Err(StoreError::DeviceLimit(LimitExceeded {
            bits: 4096,
            max: 2048
        }))
    );
    mgate
        .add("https", Source::HttpsServer, &common::with_key("rsa2048"))
        .unwrap();
    // The limit is on keys the device uses; a 4096-bit root is only verified with.
    let mut other = store();
    other
        .add("https", Source::HttpsServer, &common::with_key("rsa4096"))
        .unwrap();
    assert!(
        StrengthPolicy::RECOMMENDED
            .assess(&other.get("https").unwrap().certificate)
            .is_empty()
    );
}

#[test]
fn strength_verdicts_with_reasons() {
    let mut store = store();
    for name in [
        "rsa1024", "rsa2047", "rsa2048", "p256", "p521", "ed25519", "sha1", "device",
    ] {
        store
            .add(name, Source::Other, &common::with_key(name))
            .unwrap();
    }
    store
        .add("root", Source::TrustedRootCa, &common::read("root.pem"))
        .unwrap();
    let policy = StrengthPolicy::RECOMMENDED;
    let verdict = |name: &str| policy.assess(&store.get(name).unwrap().certificate);
    assert_eq!(verdict("rsa1024"), [Weakness::LegacyDeviceDefault]);
    assert_eq!(verdict("device"), [Weakness::LegacyDeviceDefault]);
    assert_eq!(
        verdict("rsa2047"),
        [Weakness::RsaTooShort {
            bits: 2047,
            min: 2048
        }]
    );
    assert_eq!(
        verdict("sha1"),
        [Weakness::BrokenSignatureHash(
            SignatureAlgorithm::Sha1WithRsa
        )]
    );
    for strong in ["rsa2048", "p256", "p521", "ed25519", "root"] {
        assert_eq!(verdict(strong), [], "{strong}");
    }
    let lenient = StrengthPolicy {
        min_rsa_bits: 1024,
        allow_broken_hashes: true,
        ..StrengthPolicy::RECOMMENDED
    };
    assert!(
        lenient
            .assess(&store.get("sha1").unwrap().certificate)
            .is_empty()
    );
    assert!(
        lenient
            .assess(&store.get("rsa1024").unwrap().certificate)
            .is_empty()
    );
    assert_eq!(
        Weakness::LegacyDeviceDefault.to_string(),
        "RSA-1024, the old device self-signed default: replace it with a 2048-bit certificate from a CA"
    );
}

#[test]
fn explicit_curves_are_weak() {
    let bundle = import(&common::read("explicit-ec.pem"), &ImportLimits::DEFAULT).unwrap();
    let certificate =
        gateway_certs::certificate::Certificate::from_der(&bundle.certificates[0].der).unwrap();
    assert_eq!(
        StrengthPolicy::RECOMMENDED.assess(&certificate),
        [Weakness::ExplicitCurve]
    );
}

#[test]
fn origin_tells_the_default_and_self_signed_from_the_operators() {
    let root = import(&common::read("root.pem"), &ImportLimits::DEFAULT).unwrap();
    let root_fingerprint =
        gateway_certs::certificate::Certificate::from_der(&root.certificates[0].der)
            .unwrap()
            .fingerprint;
    let settings = StoreSettings {
        defaults: DefaultCertificates {
            fingerprints: vec![[0xAB; 32]],
            issuer_names: vec!["Expired Root CA".into()],
            device_names: vec!["192.168.127.254".into(), "mgate-3348".into()],
        },
        ..StoreSettings::default()
    };
    let mut store = Store::new(settings.clone());
    store
        .add("device", Source::HttpsServer, &common::with_key("device"))
        .unwrap();
    store
        .add("mine", Source::HttpsServer, &common::with_key("rsa2048"))
        .unwrap();
    store
        .add(
            "vendor",
            Source::IotEdgeDownstream,
            &common::with_key("under-expired-root"),
        )
        .unwrap();
    store
        .add("root", Source::TrustedRootCa, &common::read("root.pem"))
        .unwrap();
    let origin = |name: &str| store.origin(store.get(name).unwrap());
    assert_eq!(origin("device"), Origin::DeviceSelfSigned);
    assert_eq!(origin("mine"), Origin::Operator);
    assert_eq!(origin("vendor"), Origin::VendorDefault);
    assert_eq!(origin("root"), Origin::Operator);
    // By fingerprint.
    let mut by_fingerprint = Store::new(StoreSettings {
        defaults: DefaultCertificates {
            fingerprints: vec![root_fingerprint.0],
            ..DefaultCertificates::default()
        },
        ..StoreSettings::default()
    });
    by_fingerprint
        .add("root", Source::TrustedRootCa, &common::read("root.pem"))
        .unwrap();
    assert_eq!(
        by_fingerprint.origin(by_fingerprint.get("root").unwrap()),
        Origin::VendorDefault
    );
}

#[test]
fn add_replace_delete_and_capacity() {
    let mut store = Store::new(StoreSettings {
        max_entries: 2,
        ..StoreSettings::default()
    });
    store
        .add("https", Source::HttpsServer, &common::with_key("rsa1024"))
        .unwrap();
    assert_eq!(
        store.add("HTTPS", Source::HttpsServer, &common::with_key("rsa2048")),
        Err(StoreError::NameTaken("HTTPS".into()))
    );
    store
        .replace("https", Source::HttpsServer, &common::with_key("rsa2048"))
        .unwrap();
    assert_eq!(issued_to(&store, "https"), Some("rsa2048.example.com"));
    // A failed replacement leaves the entry as it was.
    assert!(
        store
            .replace("https", Source::HttpsServer, &common::read("rsa4096.pem"))
            .is_err()
    );
    assert_eq!(issued_to(&store, "https"), Some("rsa2048.example.com"));
    assert_eq!(
        store.replace("mqtt", Source::MqttClient, &common::with_key("p256")),
        Err(StoreError::NoSuchName("mqtt".into()))
    );
    store
        .add("mqtt", Source::MqttClient, &common::with_key("p256"))
        .unwrap();
    assert_eq!(
        store.add("third", Source::Other, &common::with_key("p384")),
        Err(StoreError::Full { max: 2 })
    );
    assert_eq!(store.delete("MQTT").unwrap().name, "mqtt");
    assert_eq!(
        store.delete("mqtt"),
        Err(StoreError::NoSuchName("mqtt".into()))
    );
    // Review item 16: a bidi override shows "evil\u{202E}txt.pem" as "evilmep.txt".
    for bad in [
        "",
        "a\u{7}b",
        &"n".repeat(65),
        "evil\u{202E}txt.pem",
        "a\u{2066}b",
        "zero\u{200B}width",
        "\u{FEFF}bom",
    ] {
        assert_eq!(
            store.add(bad, Source::Other, &common::with_key("p384")),
            Err(StoreError::InvalidName),
            "{bad:?}"
        );
    }
}

fn issued_to<'a>(store: &'a Store, name: &str) -> Option<&'a str> {
    store
        .get(name)
        .unwrap()
        .certificate
        .subject
        .common_name
        .as_deref()
}

fn center() -> Store {
    let mut store = store();
    store
        .add(
            "thingspro_https_default",
            Source::HttpsServer,
            &common::with_key("rsa2048"),
        )
        .unwrap();
    store
        .add(
            "enroll.crt",
            Source::DlmClient,
            &common::with_key("chained"),
        )
        .unwrap();
    store
        .add("mqtt", Source::MqttClient, &common::with_key("expired"))
        .unwrap();
    store
        .add(
            "Azure edge",
            Source::IotEdgeDownstream,
            &common::with_key("p384"),
        )
        .unwrap();
    common::add_roots(&mut store);
    store
}

#[test]
fn the_table_has_two_tabs_search_and_sorting() {
    let store = center();
    let now = at("2026-06-01");
    let names = |query: Query<'_>| -> Vec<String> {
        store
            .list(&query, now, true)
            .iter()
            .map(|row| row.name.to_owned())
            .collect()
    };
    assert_eq!(
        names(Query::default()),
        [
            "Azure edge",
            "enroll.crt",
            "mqtt",
            "thingspro_https_default"
        ]
    );
    assert_eq!(
        names(Query {
            tab: Tab::TrustedRootCa,
            ..Query::default()
        }),
        ["old root", "root"]
    );
    assert_eq!(
        names(Query {
            sort: Column::Source,
            ..Query::default()
        }),
        [
            "Azure edge",
            "thingspro_https_default",
            "enroll.crt",
            "mqtt"
        ]
    );
    assert_eq!(
        names(Query {
            sort: Column::Status,
            descending: true,
            ..Query::default()
        }),
        // Three expire on the same day: the name breaks the tie, reversed with the rest.
        [
            "thingspro_https_default",
            "enroll.crt",
            "Azure edge",
            "mqtt"
        ]
    );
    // Search runs over name, issued to, issued by and source, in any case.
    assert_eq!(
        names(Query {
            search: Some("INTERMEDIATE"),
            ..Query::default()
        }),
        ["enroll.crt"]
    );
    assert_eq!(
        names(Query {
            search: Some("dlm"),
            ..Query::default()
        }),
        ["enroll.crt"]
    );
    let rows = store.list(&Query::default(), now, true);
    let mqtt = rows.iter().find(|row| row.name == "mqtt").unwrap();
    assert_eq!(mqtt.issued_to, "expired.example.com");
    assert_eq!(mqtt.issued_by, "Gateway Test Root CA");
    assert!(matches!(mqtt.status, CertStatus::Expired { .. }));
}

#[test]
fn summaries_carry_what_a_dashboard_checks() {
    let store = center();
    let summaries = store.summaries(at("2026-06-01"), true);
    assert_eq!(summaries.len(), 6);
    let https = &summaries[0];
    assert_eq!(https.name, "thingspro_https_default");
    assert_eq!(https.source, Source::HttpsServer);
    assert_eq!((https.key_bits, https.rsa), (Some(2048), true));
    assert_eq!(https.status, CertStatus::Valid);
    assert_eq!(https.origin, Origin::Operator);
    let expired = summaries.iter().find(|s| s.name == "old root").unwrap();
    assert!(matches!(expired.status, CertStatus::Expired { .. }));
    // An untrusted clock makes every status indeterminate.
    assert!(
        store
            .summaries(at("1970-01-02"), false)
            .iter()
            .all(|s| s.status == CertStatus::Indeterminate)
    );
}

#[test]
fn boundaries_at_not_before_and_not_after_exactly() {
    let mut store = store();
    store
        .add("future", Source::Other, &common::with_key("future"))
        .unwrap();
    let validity = store.get("future").unwrap().certificate.validity;
    let start = validity.not_before();
    let end = validity.not_after();
    let status = |t: u64| store.status(store.get("future").unwrap(), UnixTime::from_secs(t), true);
    assert_eq!(
        status(start.as_secs() - 1),
        CertStatus::NotYetValid { starts_in_secs: 1 }
    );
    assert_eq!(status(start.as_secs()), CertStatus::Valid);
    assert_eq!(
        status(end.as_secs()),
        CertStatus::ExpiringSoon { expires_in_secs: 0 }
    );
    assert_eq!(
        status(end.as_secs() + 1),
        CertStatus::Expired { since_secs: 1 }
    );
    assert_eq!(start, at("2099-01-01"));
    assert_eq!(end, at("2100-01-01"));
}

#[test]
fn the_renewal_plan_follows_the_path_and_says_when_to_look_again() {
    let mut store = center();
    store
        .add(
            "under old root",
            Source::MqttClient,
            &common::with_key("under-expired-root"),
        )
        .unwrap();
    // The imported chain is part of the path: leaf + expired intermediate.
    let mut bundle = common::with_key("under-expired-intermediate");
    bundle.extend(common::read("expired-intermediate.pem"));
    store
        .add("under old intermediate", Source::Other, &bundle)
        .unwrap();

    let now = at("2024-06-01");
    let plan = store.renewal_plan(now, true);
    let entry = |name: &str| plan.entries.iter().find(|e| e.name == name).unwrap();

    let https = entry("thingspro_https_default");
    assert_eq!(https.action, Action::Nothing);
    assert_eq!(https.expires_at, at("2034-01-01"));
    // Three calendar months (2 October to 1 January is 92 days, not 90).
    assert_eq!(https.renew_at, at("2033-10-01"));
    assert_eq!(https.limited_by, None);

    // Leaf valid to 2034, its root only to 2025: the root sets the date.
    let old_root = entry("under old root");
    assert_eq!(old_root.expires_at, at("2025-01-01"));
    assert_eq!(old_root.action, Action::Nothing);
    assert_eq!(
        old_root.limited_by.as_deref(),
        Some("O=Gateway Test,CN=Expired Root CA")
    );
    // Leaf valid to 2034, the intermediate imported with it only to 2024: replace now.
    let old_intermediate = entry("under old intermediate");
    assert_eq!(old_intermediate.expires_at, at("2024-01-01"));
    assert_eq!(old_intermediate.action, Action::Replace);
    assert_eq!(entry("mqtt").action, Action::Replace);

    // The next look is the earliest future change: the expired root's window opening, three
    // calendar months before its end.
    let opens = at("2024-10-01");
    assert_eq!(plan.next_look, Some(opens));
    let later = store.renewal_plan(opens, true);
    let action = |plan: &gateway_certs::renewal::Plan, name: &str| {
        plan.entries.iter().find(|e| e.name == name).unwrap().action
    };
    assert_eq!(action(&later, "under old root"), Action::Renew);
    assert_eq!(action(&later, "old root"), Action::Renew);
    assert_eq!(
        action(
            &store.renewal_plan(UnixTime::from_secs(opens.as_secs() - 1), true),
            "under old root"
        ),
        Action::Nothing
    );
    assert_eq!(
        later.next_look,
        Some(UnixTime::from_secs(at("2025-01-01").as_secs() + 1))
    );
    // A leaf that is not valid yet waits.
    assert_eq!(
        action(
            &store.renewal_plan(at("2023-06-01"), true),
            "thingspro_https_default"
        ),
        Action::WaitUntilValid
    );

    // Without a trusted clock nothing is decided.
    let blind = store.renewal_plan(now, false);
    assert!(blind.entries.iter().all(|e| e.action == Action::SetClock));
    assert_eq!(blind.next_look, None);
}

#[test]
fn short_lived_certificates_are_not_due_from_birth() {
    // A 7-day certificate under the three-month window: due only in its last third.
    let mut store = Store::new(StoreSettings {
        expiry: ExpiryWindow::THREE_MONTHS,
        ..StoreSettings::default()
    });
    store
        .add(
            "short",
            Source::MqttClient,
            &common::with_key("short-lived"),
        )
        .unwrap();
    let validity = store.get("short").unwrap().certificate.validity;
    let born = validity.not_before();
    let plan = store.renewal_plan(born, true);
    assert_eq!(plan.entries[0].action, Action::Nothing);
    let due = plan.entries[0].renew_at;
    assert_eq!(due.as_secs(), validity.not_after().as_secs() - 7 * DAY / 3);
    assert_eq!(plan.next_look, Some(due));
    assert_eq!(
        store
            .renewal_plan(UnixTime::from_secs(due.as_secs() - 1), true)
            .entries[0]
            .action,
        Action::Nothing
    );
    assert_eq!(
        store.renewal_plan(due, true).entries[0].action,
        Action::Renew
    );
    assert_eq!(
        store.status(store.get("short").unwrap(), born, true),
        CertStatus::Valid
    );
}
