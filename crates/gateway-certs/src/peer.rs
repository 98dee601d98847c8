//! The peer checks of Modbus/TCP Security (MB-TCP-Security v21, 2018-07-24; feature `webpki`):
//! is the certificate a TLS peer presented fit to be a Modbus/TCP Security client, or the
//! device's own certificate fit to serve one?
//!
//! A TLS library's verifier answers "does this chain verify?". A security reviewer, and the
//! audit log, need to know *which* check refused a peer, so [`check_client`] and
//! [`check_server`] run the checks one by one and stop at the first that fails:
//!
//! 1. **Trust and dates** (the [`chain`] module): the path to one of the
//!    [`TrustedRoots`] verifies with rustls-webpki, and every certificate on it, the root
//!    included, is within its dates at `now` on a trusted clock.
//! 2. **Key usage**: a keyUsage extension, when present, allows digitalSignature (what a TLS
//!    1.2/1.3 peer signs its handshake with, RFC 5246 7.4.8, RFC 8446 4.4.3).
//! 3. **Extended key usage**: an extendedKeyUsage extension, when present, lists clientAuth
//!    (serverAuth for a server); [`PeerPolicy::STRICT`] also refuses a certificate without
//!    the extension, which RFC 5280 4.2.1.12 (and webpki, OpenSSL and browsers) otherwise let
//!    through.
//! 4. **Role**: a client's role extension is absent or one well-formed role
//!    ([`RoleExtension`]); a defective one is refused rather than guessed at.
//! 5. **Strength** ([`StrengthPolicy`]): no certificate on the path is weak (an RSA-1024 leaf
//!    verifies, and must still be refused).
//! 6. **Names** (server): every name and address the device answers to is in the
//!    subjectAltName, as rustls-webpki matches them for a TLS client.
//!
//! Trust comes before everything that reads the certificate's claims, so that a stranger's
//! certificate is reported as a stranger's and not by its contents.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use rustls_pki_types::{CertificateDer, ServerName, TrustAnchor};
use webpki::{EndEntityCert, KeyUsage};

use crate::certificate::{Certificate, CertificateError, Fingerprint};
use crate::chain::{self, ChainVerdict};
use crate::pem::{self, ImportLimits, PemError};
use crate::renewal::structural_path;
use crate::role::RoleExtension;
use crate::status::UnixTime;
use crate::strength::{StrengthPolicy, Weakness};

/// Checks the chain a TLS client presented (leaf first, as TLS sends it) for use as a
/// Modbus/TCP Security client at `now`.
///
/// # Errors
///
/// [`PeerRefusal`] naming the first check that failed (see the module documentation).
pub fn check_client(
    presented: &[Certificate],
    roots: &TrustedRoots,
    now: UnixTime,
    clock_trusted: bool,
    policy: &PeerPolicy,
) -> Result<PeerIdentity, PeerRefusal> {
    check(
        presented,
        roots,
        Purpose::ClientAuth,
        &[],
        now,
        clock_trusted,
        policy,
    )
}

/// Checks a server certificate chain (leaf first) for use as a Modbus/TCP Security server
/// answering to every one of `names` (DNS names or IP addresses) at `now`: the device's own
/// certificate before it is put in service, or a server the gateway connects to.
///
/// # Errors
///
/// [`PeerRefusal`] naming the first check that failed (see the module documentation).
pub fn check_server(
    presented: &[Certificate],
    roots: &TrustedRoots,
    names: &[&str],
    now: UnixTime,
    clock_trusted: bool,
    policy: &PeerPolicy,
) -> Result<PeerIdentity, PeerRefusal> {
    check(
        presented,
        roots,
        Purpose::ServerAuth,
        names,
        now,
        clock_trusted,
        policy,
    )
}

/// The CA certificates peers are verified against: for a server, the client CA bundle.
#[derive(Clone, Debug)]
pub struct TrustedRoots {
    certificates: Vec<Certificate>,
    anchors: Vec<TrustAnchor<'static>>,
}

impl TrustedRoots {
    /// Trusts `certificates`.
    ///
    /// # Errors
    ///
    /// [`RootsError`] when there are none, or one is not a CA certificate or cannot be a
    /// trust anchor: a bundle that trusts a leaf by mistake is refused whole, not partly used.
    pub fn new(certificates: Vec<Certificate>) -> Result<Self, RootsError> {
        if certificates.is_empty() {
            return Err(RootsError::Empty);
        }
        let mut anchors = Vec::with_capacity(certificates.len());
        for certificate in &certificates {
            if !certificate.is_ca() {
                return Err(RootsError::NotCa {
                    subject: certificate.subject.text.clone(),
                });
            }
            let der = CertificateDer::from(certificate.der());
            let anchor = webpki::anchor_from_trusted_cert(&der)
                .map_err(|_| RootsError::NotAnAnchor {
                    subject: certificate.subject.text.clone(),
                })?
                .to_owned();
            anchors.push(anchor);
        }
        Ok(Self {
            certificates,
            anchors,
        })
    }

    /// Trusts every certificate of a PEM bundle (a CA file such as OpenSSL's `-CAfile`).
    ///
    /// # Errors
    ///
    /// [`RootsError`]: the PEM refusal, a certificate that cannot be read, a private key in
    /// the bundle, or a refusal of [`TrustedRoots::new`].
    pub fn from_pem(input: &[u8], limits: &ImportLimits) -> Result<Self, RootsError> {
        let bundle = pem::import(input, limits)?;
        if !bundle.private_keys.is_empty() {
            return Err(RootsError::PrivateKey);
        }
        let certificates = bundle
            .certificates
            .iter()
            .map(|block| Certificate::from_der(&block.der))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(certificates)
    }

    /// The trusted certificates, in the order given.
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }
}

/// Why a set of trusted roots was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RootsError {
    /// No certificate.
    #[error("the CA bundle holds no certificate")]
    Empty,
    /// The PEM input was refused.
    #[error(transparent)]
    Pem(#[from] PemError),
    /// A certificate could not be read.
    #[error(transparent)]
    Certificate(#[from] CertificateError),
    /// A private key in a CA bundle: the wrong file, and a secret in the wrong place.
    #[error("the CA bundle holds a private key: give the CA certificates only")]
    PrivateKey,
    /// A certificate without basicConstraints cA: TRUE.
    #[error("{subject} is not a CA certificate, so it cannot issue client certificates")]
    NotCa {
        /// Its subject.
        subject: String,
    },
    /// rustls-webpki cannot take the certificate as a trust anchor.
    #[error("{subject} cannot be used as a trust anchor")]
    NotAnAnchor {
        /// Its subject.
        subject: String,
    },
}

/// What a peer certificate must have beyond a verified chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct PeerPolicy {
    /// Key strength of every certificate on the path.
    pub strength: StrengthPolicy,
    /// Refuse a leaf without the extendedKeyUsage extension.
    pub require_extended_key_usage: bool,
}

impl PeerPolicy {
    /// [`StrengthPolicy::RECOMMENDED`]; a leaf without extendedKeyUsage is taken, as RFC 5280,
    /// rustls-webpki and OpenSSL take it.
    pub const RECOMMENDED: Self = Self {
        strength: StrengthPolicy::RECOMMENDED,
        require_extended_key_usage: false,
    };

    /// [`PeerPolicy::RECOMMENDED`], and the leaf must name its purpose (clientAuth or
    /// serverAuth) in extendedKeyUsage: for a CA that issues Modbus certificates only.
    pub const STRICT: Self = Self {
        strength: StrengthPolicy::RECOMMENDED,
        require_extended_key_usage: true,
    };
}

impl Default for PeerPolicy {
    fn default() -> Self {
        Self::RECOMMENDED
    }
}

/// A peer that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerIdentity {
    /// The leaf's subject (RFC 4514).
    pub subject: String,
    /// The leaf's SHA-256 fingerprint.
    pub fingerprint: Fingerprint,
    /// The role the certificate carries; `None` when it has no role extension, so the
    /// server's default role applies.
    pub role: Option<String>,
    /// The earliest notAfter on the path: when this peer stops being accepted.
    pub expires_at: UnixTime,
    /// The subject of the certificate that sets `expires_at`, when it is not the leaf.
    pub limited_by: Option<String>,
}

/// The TLS purpose a leaf is checked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Purpose {
    /// id-kp-clientAuth.
    ClientAuth,
    /// id-kp-serverAuth.
    ServerAuth,
}

impl Purpose {
    /// The name RFC 5280 gives it.
    pub fn name(self) -> &'static str {
        match self {
            Self::ClientAuth => "clientAuth",
            Self::ServerAuth => "serverAuth",
        }
    }

    fn key_usage(self) -> KeyUsage {
        match self {
            Self::ClientAuth => KeyUsage::client_auth(),
            Self::ServerAuth => KeyUsage::server_auth(),
        }
    }
}

/// Why a peer certificate was refused: the first check that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerRefusal {
    /// The peer presented no certificate.
    NoCertificate,
    /// The chain does not verify to a trusted root, or a date on it is out of range (or the
    /// clock cannot be trusted to tell).
    Chain(ChainVerdict),
    /// The leaf's keyUsage does not allow digitalSignature.
    KeyUsage {
        /// The leaf's subject.
        subject: String,
    },
    /// The leaf's extendedKeyUsage does not list the purpose, or is absent under
    /// [`PeerPolicy::STRICT`].
    ExtendedKeyUsage {
        /// The leaf's subject.
        subject: String,
        /// The purpose that was needed.
        needed: Purpose,
        /// Whether the extension is present (without the purpose) rather than absent.
        present: bool,
    },
    /// The role extension is defective.
    Role(RoleExtension),
    /// A certificate on the path is weak.
    Weak {
        /// Its subject.
        subject: String,
        /// Every reason.
        weaknesses: Vec<Weakness>,
    },
    /// A name the server answers to is not in its certificate.
    NameMissing {
        /// The name or address.
        name: String,
    },
}

impl PeerRefusal {
    /// The check that refused the peer, as a short identifier for an audit record.
    pub fn check(&self) -> &'static str {
        match self {
            Self::NoCertificate => "certificate",
            Self::Chain(ChainVerdict::Expired { .. } | ChainVerdict::NotYetValid { .. }) => {
                "validity"
            }
            Self::Chain(ChainVerdict::Indeterminate) => "clock",
            Self::Chain(_) => "chain",
            Self::KeyUsage { .. } => "key-usage",
            Self::ExtendedKeyUsage { .. } => "extended-key-usage",
            Self::Role(_) => "role",
            Self::Weak { .. } => "strength",
            Self::NameMissing { .. } => "name",
        }
    }
}

impl fmt::Display for PeerRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoCertificate => f.write_str("no certificate was presented"),
            Self::Chain(verdict) => write!(f, "{verdict}"),
            Self::KeyUsage { subject } => {
                write!(f, "{subject}: keyUsage does not allow digitalSignature")
            }
            Self::ExtendedKeyUsage {
                subject,
                needed,
                present,
            } => {
                let needed = needed.name();
                if *present {
                    write!(f, "{subject}: extendedKeyUsage does not list {needed}")
                } else {
                    write!(
                        f,
                        "{subject}: no extendedKeyUsage, and {needed} is required"
                    )
                }
            }
            Self::Role(role) => write!(f, "the Modbus role extension is defective: {role}"),
            Self::Weak {
                subject,
                weaknesses,
            } => {
                write!(f, "{subject} is weak")?;
                for (i, weakness) in weaknesses.iter().enumerate() {
                    f.write_str(if i == 0 { ": " } else { "; " })?;
                    write!(f, "{weakness}")?;
                }
                Ok(())
            }
            Self::NameMissing { name } => {
                write!(f, "the certificate does not name {name}")
            }
        }
    }
}

impl core::error::Error for PeerRefusal {}

fn check(
    presented: &[Certificate],
    roots: &TrustedRoots,
    purpose: Purpose,
    names: &[&str],
    now: UnixTime,
    clock_trusted: bool,
    policy: &PeerPolicy,
) -> Result<PeerIdentity, PeerRefusal> {
    let (leaf, chain) = presented.split_first().ok_or(PeerRefusal::NoCertificate)?;
    let path = structural_path(leaf, chain, roots.certificates.iter());
    if !clock_trusted {
        return Err(PeerRefusal::Chain(ChainVerdict::Indeterminate));
    }
    let subject = || leaf.subject.text.clone();
    let listed = leaf.extended_key_usage.map(|eku| match purpose {
        Purpose::ClientAuth => eku.client_auth,
        Purpose::ServerAuth => eku.server_auth,
    });
    let wrong_purpose = |present| PeerRefusal::ExtendedKeyUsage {
        subject: subject(),
        needed: purpose,
        present,
    };
    match chain::verify(&path, chain, &roots.anchors, now, &purpose.key_usage()) {
        ChainVerdict::Trusted => {}
        // webpki checks extendedKeyUsage while it builds the path: name the leaf when it is
        // the leaf's own that lacks the purpose.
        ChainVerdict::WrongUsage if listed == Some(false) => return Err(wrong_purpose(true)),
        verdict => return Err(PeerRefusal::Chain(verdict)),
    }
    if leaf
        .key_usage
        .is_some_and(|usage| !usage.digital_signature())
    {
        return Err(PeerRefusal::KeyUsage { subject: subject() });
    }
    if listed.is_none() && policy.require_extended_key_usage {
        return Err(wrong_purpose(false));
    }
    if purpose == Purpose::ClientAuth && leaf.modbus_role.is_defective() {
        return Err(PeerRefusal::Role(leaf.modbus_role.clone()));
    }
    for certificate in &path {
        let weaknesses = policy.strength.assess(certificate);
        if !weaknesses.is_empty() {
            return Err(PeerRefusal::Weak {
                subject: certificate.subject.text.clone(),
                weaknesses,
            });
        }
    }
    if let Some(name) = missing_name(leaf, names) {
        return Err(PeerRefusal::NameMissing { name: name.into() });
    }
    let limiting = chain::expires_first(&path).unwrap_or(leaf);
    Ok(PeerIdentity {
        subject: subject(),
        fingerprint: leaf.fingerprint,
        role: leaf.modbus_role.role().map(String::from),
        expires_at: limiting.validity.not_after(),
        limited_by: (!core::ptr::eq(limiting, leaf)).then(|| limiting.subject.text.clone()),
    })
}

/// The first of `names` the leaf is not valid for, as rustls-webpki matches a TLS server name
/// (subjectAltName only, wildcards in the leftmost label; a name that is neither a DNS name
/// nor an address is never valid).
fn missing_name<'a>(leaf: &Certificate, names: &[&'a str]) -> Option<&'a str> {
    let der = CertificateDer::from(leaf.der());
    let end_entity = EndEntityCert::try_from(&der).ok();
    names.iter().copied().find(|name| {
        let Ok(server_name) = ServerName::try_from(*name) else {
            return true;
        };
        end_entity.as_ref().is_none_or(|end_entity| {
            end_entity
                .verify_is_valid_for_subject_name(&server_name)
                .is_err()
        })
    })
}
