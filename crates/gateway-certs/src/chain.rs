//! Chain check of each certificate the device presents against the store's trusted roots
//! (feature `webpki`).
//!
//! rustls-webpki builds and verifies the path (signatures with ring, name chaining, CA flags,
//! path length, extended key usage). Two things are added around it:
//!
//! - **Dates of every certificate on the path, the root included.** webpki does not check a
//!   trust anchor's own validity, so a leaf under an expired root would pass. The report names
//!   the certificate on the path that has expired (or is not yet valid), and the one that
//!   expires first, so the operator knows which file to replace.
//! - **Reasons an operator can act on**, instead of webpki's error: an unknown issuer, a
//!   signature made with an algorithm ring does not verify (SHA-1, RSA below 2048 bits, P-521),
//!   a key usage that does not fit the certificate's source.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use rustls_pki_types::{CertificateDer, TrustAnchor};
use webpki::{EndEntityCert, KeyUsage};

use crate::certificate::Certificate;
use crate::status::UnixTime;
use crate::store::{Entry, Source, Store};

/// The chain check of one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    /// The entry's name.
    pub name: String,
    /// The outcome.
    pub verdict: ChainVerdict,
    /// Subjects on the structural path, leaf first (what the store could link, even when
    /// verification failed).
    pub path: Vec<String>,
    /// The subject and notAfter of the certificate on the path that expires first.
    pub expires_first: Option<(String, UnixTime)>,
}

/// The outcome of a chain check.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainVerdict {
    /// Verified to a trusted root, every certificate on the path within its dates.
    #[error("verified to a trusted root")]
    Trusted,
    /// A certificate on the path has expired (the earliest to expire, if several).
    #[error("{subject} expired at {not_after}")]
    Expired {
        /// Its subject.
        subject: String,
        /// Its notAfter.
        not_after: UnixTime,
    },
    /// A certificate on the path is not valid yet.
    #[error("{subject} is not valid before {not_before}")]
    NotYetValid {
        /// Its subject.
        subject: String,
        /// Its notBefore.
        not_before: UnixTime,
    },
    /// The path does not end at a trusted root of the store.
    #[error("not issued by a trusted CA (unknown issuer)")]
    UnknownIssuer,
    /// A signature on the path uses an algorithm that cannot be verified (SHA-1, RSA below
    /// 2048 bits, P-521 with ring).
    #[error("a signature on the chain uses an algorithm that cannot be verified")]
    UnsupportedSignature,
    /// A signature on the path is wrong.
    #[error("a signature on the chain is invalid")]
    BadSignature,
    /// The certificate's extended key usage does not allow its use (e.g. a server-only
    /// certificate as an MQTT client certificate).
    #[error("a certificate on the chain is not issued for this use (extended key usage)")]
    WrongUsage,
    /// A CA certificate as the leaf, or a leaf as an issuer.
    #[error("a CA certificate used as a leaf, or a leaf as an issuer")]
    WrongRole,
    /// The clock cannot be trusted, so dates cannot be checked.
    #[error("the clock cannot be trusted, so validity cannot be checked")]
    Indeterminate,
    /// Another verification failure, as rustls-webpki describes it.
    #[error("the chain does not verify: {0}")]
    Other(String),
}

impl Store {
    /// Checks every entry the device presents (all but the trusted roots) at `now`.
    pub fn check_chains(&self, now: UnixTime, clock_trusted: bool) -> Vec<ChainReport> {
        let anchors = anchors(
            self.entries()
                .iter()
                .filter(|entry| entry.source == Source::TrustedRootCa)
                .map(|entry| &entry.certificate),
        );
        self.entries()
            .iter()
            .filter(|entry| entry.source != Source::TrustedRootCa)
            .map(|entry| self.check_chain(entry, &anchors, now, clock_trusted))
            .collect()
    }

    fn check_chain(
        &self,
        entry: &Entry,
        anchors: &[TrustAnchor<'_>],
        now: UnixTime,
        clock_trusted: bool,
    ) -> ChainReport {
        let path = self.path(entry);
        let usage = match entry.source {
            Source::MqttClient | Source::IotDevice | Source::DlmClient => KeyUsage::client_auth(),
            _ => KeyUsage::server_auth(),
        };
        let verdict = if clock_trusted {
            verify(&path, &entry.chain, anchors, now, &usage)
        } else {
            ChainVerdict::Indeterminate
        };
        let first = expires_first(&path);
        ChainReport {
            name: entry.name.clone(),
            verdict,
            path: path.iter().map(|c| c.subject.text.clone()).collect(),
            expires_first: first.map(|c| (c.subject.text.clone(), c.validity.not_after())),
        }
    }
}

/// The certificate on `path` that expires first.
pub(crate) fn expires_first<'a>(path: &[&'a Certificate]) -> Option<&'a Certificate> {
    path.iter()
        .copied()
        .min_by_key(|certificate| certificate.validity.not_after())
}

/// Verifies `path[0]` (the leaf, `path` its structural path) for `usage` at `now` with
/// rustls-webpki against `anchors`, `chain` offered as intermediates, after the dates of
/// every certificate on `path`.
pub(crate) fn verify(
    path: &[&Certificate],
    chain: &[Certificate],
    anchors: &[TrustAnchor<'_>],
    now: UnixTime,
    usage: &KeyUsage,
) -> ChainVerdict {
    if let Some(verdict) = dates(path, now) {
        return verdict;
    }
    let Some(leaf) = path.first() else {
        return ChainVerdict::Other("no certificate".into());
    };
    let leaf = CertificateDer::from(leaf.der());
    let Ok(leaf) = EndEntityCert::try_from(&leaf) else {
        return ChainVerdict::Other("the certificate is not usable as a leaf".into());
    };
    let intermediates: Vec<CertificateDer<'_>> = chain
        .iter()
        .map(|certificate| CertificateDer::from(certificate.der()))
        .collect();
    let time = rustls_pki_types::UnixTime::since_unix_epoch(Duration::from_secs(now.as_secs()));
    let verified = leaf.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        anchors,
        &intermediates,
        time,
        usage,
        None,
        None,
    );
    match verified {
        Ok(_) => ChainVerdict::Trusted,
        Err(error) => verdict(&error),
    }
}

/// Trust anchors for rustls-webpki from trusted root certificates; a certificate webpki
/// cannot take as an anchor is left out.
pub(crate) fn anchors<'a>(
    roots: impl Iterator<Item = &'a Certificate>,
) -> Vec<TrustAnchor<'static>> {
    roots
        .filter_map(|root| {
            webpki::anchor_from_trusted_cert(&CertificateDer::from(root.der()))
                .ok()
                .map(|anchor| anchor.to_owned())
        })
        .collect()
}

/// The first date problem on the path: the earliest expiry, else the latest start.
fn dates(path: &[&Certificate], now: UnixTime) -> Option<ChainVerdict> {
    if let Some(expired) = path
        .iter()
        .filter(|c| now > c.validity.not_after())
        .min_by_key(|c| c.validity.not_after())
    {
        return Some(ChainVerdict::Expired {
            subject: expired.subject.text.clone(),
            not_after: expired.validity.not_after(),
        });
    }
    path.iter()
        .filter(|c| now < c.validity.not_before())
        .max_by_key(|c| c.validity.not_before())
        .map(|early| ChainVerdict::NotYetValid {
            subject: early.subject.text.clone(),
            not_before: early.validity.not_before(),
        })
}

fn verdict(error: &webpki::Error) -> ChainVerdict {
    use webpki::Error as E;
    match error {
        E::UnknownIssuer => ChainVerdict::UnknownIssuer,
        E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            ChainVerdict::UnsupportedSignature
        }
        E::InvalidSignatureForPublicKey | E::SignatureAlgorithmMismatch => {
            ChainVerdict::BadSignature
        }
        E::RequiredEkuNotFoundContext(_) | E::EmptyEkuExtension => ChainVerdict::WrongUsage,
        E::CaUsedAsEndEntity | E::EndEntityUsedAsCa => ChainVerdict::WrongRole,
        other => ChainVerdict::Other(alloc::format!("{other}")),
    }
}
