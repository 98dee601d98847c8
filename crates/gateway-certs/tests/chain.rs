//! Chain checks with rustls-webpki plus the dates webpki leaves out, on OpenSSL-made chains.

#![cfg(feature = "webpki")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;

use gateway_certs::chain::ChainVerdict;
use gateway_certs::status::UnixTime;
use gateway_certs::store::{Source, Store, StoreSettings};

fn at(date: &str) -> UnixTime {
    UnixTime::from_secs(common::iso_8601(&format!("{date} 00:00:00Z")))
}

fn store() -> Store {
    let mut store = Store::new(StoreSettings::default());
    common::add_roots(&mut store);
    let with_chain = |leaf: &str, chain: &str| {
        let mut pem = common::with_key(leaf);
        pem.extend(common::read(&format!("{chain}.pem")));
        pem
    };
    let entries: [(&str, Source, Vec<u8>); 8] = [
        (
            "chained",
            Source::HttpsServer,
            with_chain("chained", "intermediate"),
        ),
        (
            "chained, no intermediate",
            Source::HttpsServer,
            common::with_key("chained"),
        ),
        (
            "under expired intermediate",
            Source::HttpsServer,
            with_chain("under-expired-intermediate", "expired-intermediate"),
        ),
        (
            "under expired root",
            Source::HttpsServer,
            common::with_key("under-expired-root"),
        ),
        ("sha1", Source::HttpsServer, common::with_key("sha1")),
        ("device", Source::HttpsServer, common::with_key("device")),
        ("rsa1024", Source::HttpsServer, common::with_key("rsa1024")),
        (
            "server cert as client",
            Source::MqttClient,
            common::with_key("p256"),
        ),
    ];
    for (name, source, pem) in entries {
        store.add(name, source, &pem).unwrap();
    }
    store
}

#[test]
fn each_entry_gets_a_verdict_that_names_the_culprit() {
    let store = store();
    let reports = store.check_chains(at("2026-06-01"), true);
    let verdict = |name: &str| {
        reports
            .iter()
            .find(|report| report.name == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(reports.len(), 8, "trusted roots are not checked as leaves");

    let chained = verdict("chained");
    assert_eq!(chained.verdict, ChainVerdict::Trusted);
    assert_eq!(
        chained.path,
        [
            "CN=chained.example.com",
            "O=Gateway Test,CN=Gateway Test Intermediate",
            "C=TW,O=Gateway Test,CN=Gateway Test Root CA"
        ]
    );
    assert_eq!(
        chained.expires_first,
        Some(("CN=chained.example.com".into(), at("2034-01-01")))
    );

    assert_eq!(
        verdict("chained, no intermediate").verdict,
        ChainVerdict::UnknownIssuer
    );
    assert_eq!(
        verdict("under expired intermediate").verdict,
        ChainVerdict::Expired {
            subject: "O=Gateway Test,CN=Expired Intermediate".into(),
            not_after: at("2024-01-01"),
        }
    );
    // webpki alone accepts this one: it does not check the trust anchor's dates.
    assert_eq!(
        verdict("under expired root").verdict,
        ChainVerdict::Expired {
            subject: "O=Gateway Test,CN=Expired Root CA".into(),
            not_after: at("2025-01-01"),
        }
    );
    assert_eq!(verdict("sha1").verdict, ChainVerdict::UnsupportedSignature);
    assert_eq!(verdict("device").verdict, ChainVerdict::UnknownIssuer);
    // A weak key signed by a strong root verifies: strength is a separate verdict.
    assert_eq!(verdict("rsa1024").verdict, ChainVerdict::Trusted);
    assert_eq!(
        verdict("server cert as client").verdict,
        ChainVerdict::WrongUsage
    );
}

#[test]
fn dates_and_the_clock() {
    let store = store();
    let before = store.check_chains(at("2023-06-01"), true);
    let chained = before.iter().find(|r| r.name == "chained").unwrap();
    assert_eq!(
        chained.verdict,
        ChainVerdict::NotYetValid {
            subject: "CN=chained.example.com".into(),
            not_before: at("2024-01-01"),
        }
    );
    assert!(
        store
            .check_chains(at("2026-06-01"), false)
            .iter()
            .all(|r| r.verdict == ChainVerdict::Indeterminate)
    );
    // After the leaf and the root have both expired, the earlier one is named.
    let late = store.check_chains(at("2041-06-01"), true);
    assert_eq!(
        late.iter().find(|r| r.name == "chained").unwrap().verdict,
        ChainVerdict::Expired {
            subject: "CN=chained.example.com".into(),
            not_after: at("2034-01-01"),
        }
    );
    let under_old_root = late
        .iter()
        .find(|r| r.name == "under expired root")
        .unwrap();
    assert_eq!(
        under_old_root.expires_first,
        Some(("O=Gateway Test,CN=Expired Root CA".into(), at("2025-01-01")))
    );
}
