//! Entry points for the fuzz targets in `fuzz/` and the corpus replay test. Each one checks a
//! law, not only the absence of panics. Not part of the API.

// A fuzz helper reports a broken law by panicking: that is what the fuzzer detects.
#![allow(clippy::panic, clippy::expect_used, missing_docs)]

use sha2::{Digest, Sha256};

use crate::certificate::Certificate;
use crate::key::PublicKey;
use crate::pem::{self, ImportLimits};
use crate::status::UnixTime;
use crate::store::{Query, Source, Store, StoreSettings};

/// Untrusted certificate files: the bytes as a PEM bundle, and the same bytes as DER (so the
/// fuzzer reaches the X.509 parser without having to find base64). Laws: a certificate reads
/// the same twice and its fingerprint is the SHA-256 of its DER; an import the store accepts
/// lists, summarises, plans and walks a path no longer than what was imported plus a root.
pub fn certificate_import(data: &[u8]) {
    if let Ok(certificate) = Certificate::from_der(data) {
        check_certificate(&certificate, data);
    }
    let _ = PublicKey::from_spki_der(data);
    let Ok(bundle) = pem::import(data, &ImportLimits::DEFAULT) else {
        return;
    };
    for der in &bundle.certificates {
        if let Ok(certificate) = Certificate::from_der(&der.der) {
            check_certificate(&certificate, &der.der);
        }
    }
    for key in &bundle.private_keys {
        let _ = PublicKey::from_private_key(key);
    }
    let mut store = Store::new(StoreSettings::default());
    let root = store.add("root", Source::TrustedRootCa, data).is_ok();
    let own = store.add("own", Source::HttpsServer, data).is_ok();
    let now = UnixTime::from_secs(1_800_000_000);
    let rows = store.list(&Query::default(), now, true).len();
    assert_eq!(
        rows,
        usize::from(own),
        "the My Certificates tab lists exactly the own entry"
    );
    assert_eq!(
        store.summaries(now, true).len(),
        usize::from(root) + usize::from(own)
    );
    let plan = store.renewal_plan(now, true);
    assert!(plan.next_look.is_none_or(|next| next > now));
    for entry in store.entries() {
        assert!(store.path(entry).len() <= entry.chain.len() + 2);
    }
}

fn check_certificate(certificate: &Certificate, der: &[u8]) {
    assert_eq!(certificate.der(), der);
    assert_eq!(
        certificate.fingerprint.0,
        <[u8; 32]>::from(Sha256::digest(der))
    );
    assert_eq!(Certificate::from_der(der).as_ref(), Ok(certificate));
    assert!(certificate.validity.not_before() <= certificate.validity.not_after());
}
