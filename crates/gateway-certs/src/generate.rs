//! The device's own self-signed certificate, a CSR for a third-party CA, and a small CA of the
//! device's own that issues server and Modbus/TCP Security client certificates (feature
//! `generate`, with rcgen; ring makes the keys and signs).
//!
//! MGate guide 3.2: an expired self-signed certificate is regenerated "with a new expiration
//! date" after NTP is enabled, and a third-party certificate starts from a CSR. So:
//!
//! - **Refused while the clock is untrusted**: a device that booted into 1970 would otherwise
//!   issue itself a certificate that is expired (or not yet valid) for everyone else.
//! - **Validity is explicit**: there is no default (rcgen's is 1975 to 4096). notBefore is
//!   backdated (an hour by default) so that peers whose clocks are slightly behind accept it.
//! - **SAN with the device's names and addresses**: browsers ignore the CN, and the MGate's own
//!   certificate names the device only by its IP in the CN.
//! - **A CA for trying Modbus/TCP Security out** ([`certificate_authority`], [`issue`]): a
//!   root that may issue leaves only (pathLen 0), and leaves for serverAuth or clientAuth,
//!   a client's carrying its role in the extension MB-TCP-Security defines. A production
//!   deployment uses the plant's own CA; this one lets a bench setup run without OpenSSL.
//! - **ECDSA P-256 by default**, P-384 or Ed25519 on request. ring cannot make RSA keys; an
//!   RSA device certificate has to come from a CSR with an RSA key made elsewhere.
//!
//! Key generation reads the operating system's random source through ring: that is the one
//! exception to "no I/O" in this crate, and the reason this feature needs `std`.

use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, PublicKeyData, SanType,
};
use zeroize::Zeroizing;

use crate::certificate::Certificate;
use crate::key::PublicKey;
use crate::role::{self, RoleMalformed};
use crate::status::UnixTime;

/// Who the device is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DeviceIdentity {
    /// Subject common name (the MGate uses its IP address).
    pub common_name: String,
    /// Subject organisation, if any.
    pub organization: Option<String>,
    /// DNS names for the subjectAltName.
    pub dns_names: Vec<String>,
    /// IP addresses for the subjectAltName.
    pub ip_addresses: Vec<IpAddr>,
}

/// The key algorithm of a generated key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Algorithm {
    /// ECDSA on P-256 with SHA-256.
    #[default]
    EcdsaP256,
    /// ECDSA on P-384 with SHA-384.
    EcdsaP384,
    /// Ed25519.
    Ed25519,
}

/// How to make the self-signed certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SelfSignedRequest {
    /// Who the device is.
    pub identity: DeviceIdentity,
    /// Seconds from `now` to notAfter.
    pub valid_for_secs: u64,
    /// Seconds notBefore lies before `now`.
    pub backdate_secs: u64,
    /// Key algorithm.
    pub algorithm: Algorithm,
}

impl SelfSignedRequest {
    /// One hour of backdating.
    pub const DEFAULT_BACKDATE_SECS: u64 = 3600;

    /// A request for `identity`, valid for `valid_for_secs`, P-256, backdated an hour.
    pub fn new(identity: DeviceIdentity, valid_for_secs: u64) -> Self {
        Self {
            identity,
            valid_for_secs,
            backdate_secs: Self::DEFAULT_BACKDATE_SECS,
            algorithm: Algorithm::EcdsaP256,
        }
    }
}

/// A generated certificate (or CSR) and its new private key, both PEM.
#[derive(Clone)]
pub struct Generated {
    /// `CERTIFICATE` or `CERTIFICATE REQUEST` PEM.
    pub pem: String,
    /// `PRIVATE KEY` PEM (PKCS#8), wiped from memory when dropped.
    pub private_key_pem: Zeroizing<String>,
}

impl core::fmt::Debug for Generated {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Generated")
            .field("pem", &self.pem)
            .field("private_key_pem", &"<secret>")
            .finish()
    }
}

impl Generated {
    fn new(certificate: &rcgen::Certificate, key: &KeyPair) -> Self {
        Self {
            pem: certificate.pem(),
            private_key_pem: Zeroizing::new(key.serialize_pem()),
        }
    }
}

/// Why nothing was generated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// The clock is not trusted.
    #[error(
        "the clock is not trusted: enable NTP and set the time before regenerating the certificate"
    )]
    ClockUntrusted,
    /// A validity of zero seconds, or one that ends after 9999.
    #[error("the validity period must be longer than zero and end before the year 10000")]
    Validity,
    /// No common name.
    #[error("the device identity needs a common name")]
    NoName,
    /// A DNS name rcgen cannot encode (not IA5).
    #[error("\"{0}\" is not a valid DNS name")]
    DnsName(String),
    /// The role cannot be carried by the role extension.
    #[error("the Modbus role cannot be issued: {0}")]
    Role(RoleMalformed),
    /// The CA certificate or key given to [`issue`] cannot be read, or do not belong together.
    #[error("the CA certificate or its key cannot be used: {0}")]
    Issuer(String),
    /// rcgen or ring failed.
    #[error("certificate generation failed: {0}")]
    Backend(String),
}

/// Makes the device's self-signed certificate at `now`.
///
/// # Errors
///
/// [`GenerateError::ClockUntrusted`] while `clock_trusted` is false, and the others for a
/// request that cannot be made.
pub fn self_signed(
    request: &SelfSignedRequest,
    now: UnixTime,
    clock_trusted: bool,
) -> Result<Generated, GenerateError> {
    if !clock_trusted {
        return Err(GenerateError::ClockUntrusted);
    }
    let mut params = params(&request.identity)?;
    validity(
        &mut params,
        now,
        request.valid_for_secs,
        request.backdate_secs,
    )?;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = alloc::vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = alloc::vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = key_pair(request.algorithm)?;
    let certificate = params.self_signed(&key).map_err(backend)?;
    Ok(Generated::new(&certificate, &key))
}

/// What a certificate issued by [`issue`] is for.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Usage {
    /// A TLS server (serverAuth): the device's Modbus/TCP Security or HTTPS certificate.
    Server,
    /// A Modbus/TCP Security client (clientAuth), with its role when it has one.
    ModbusClient {
        /// The role extension's value; `None` leaves the extension out (the server's
        /// default role applies).
        role: Option<String>,
    },
}

/// How to make a certificate under a CA of [`certificate_authority`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IssueRequest {
    /// Who the certificate names.
    pub identity: DeviceIdentity,
    /// Its purpose.
    pub usage: Usage,
    /// Seconds from `now` to notAfter.
    pub valid_for_secs: u64,
    /// Seconds notBefore lies before `now`.
    pub backdate_secs: u64,
    /// Key algorithm.
    pub algorithm: Algorithm,
}

/// Makes a CA named by `identity` (its DNS names and addresses are ignored) that may issue
/// leaf certificates only, at `now`.
///
/// # Errors
///
/// As [`self_signed`].
pub fn certificate_authority(
    identity: &DeviceIdentity,
    valid_for_secs: u64,
    now: UnixTime,
    clock_trusted: bool,
) -> Result<Generated, GenerateError> {
    if !clock_trusted {
        return Err(GenerateError::ClockUntrusted);
    }
    let mut params = params(&DeviceIdentity {
        dns_names: Vec::new(),
        ip_addresses: Vec::new(),
        ..identity.clone()
    })?;
    validity(
        &mut params,
        now,
        valid_for_secs,
        SelfSignedRequest::DEFAULT_BACKDATE_SECS,
    )?;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = alloc::vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = key_pair(Algorithm::EcdsaP256)?;
    let certificate = params.self_signed(&key).map_err(backend)?;
    Ok(Generated::new(&certificate, &key))
}

/// Issues a certificate for `request` at `now`, signed by the CA whose certificate and key
/// are `ca` (as [`certificate_authority`] made them, or read back from their PEM files).
///
/// # Errors
///
/// [`GenerateError::Issuer`] for a CA that cannot be read; [`GenerateError::Role`] for a role
/// the extension cannot carry; the others as [`self_signed`].
pub fn issue(
    request: &IssueRequest,
    ca: &Generated,
    now: UnixTime,
    clock_trusted: bool,
) -> Result<Generated, GenerateError> {
    if !clock_trusted {
        return Err(GenerateError::ClockUntrusted);
    }
    let issuer = issuer(ca)?;
    let mut params = params(&request.identity)?;
    validity(
        &mut params,
        now,
        request.valid_for_secs,
        request.backdate_secs,
    )?;
    params.is_ca = IsCa::ExplicitNoCa;
    params.use_authority_key_identifier_extension = true;
    params.key_usages = alloc::vec![KeyUsagePurpose::DigitalSignature];
    match &request.usage {
        Usage::Server => {
            params.extended_key_usages = alloc::vec![ExtendedKeyUsagePurpose::ServerAuth];
        }
        Usage::ModbusClient { role } => {
            params.extended_key_usages = alloc::vec![ExtendedKeyUsagePurpose::ClientAuth];
            if let Some(role) = role {
                let value = role::encode(role).map_err(GenerateError::Role)?;
                params
                    .custom_extensions
                    .push(CustomExtension::from_oid_content(ROLE_ARCS, value));
            }
        }
    }
    let key = key_pair(request.algorithm)?;
    let certificate = params.signed_by(&key, &issuer).map_err(backend)?;
    Ok(Generated::new(&certificate, &key))
}

/// The CA of `ca`, after checking that its certificate is a CA's and its key is that
/// certificate's: rcgen would sign with any key, and the result would verify nowhere.
fn issuer(ca: &Generated) -> Result<Issuer<'static, KeyPair>, GenerateError> {
    let refused = |why: &str| GenerateError::Issuer(why.into());
    let rcgen_error = |error: rcgen::Error| GenerateError::Issuer(alloc::format!("{error}"));
    let bundle = crate::pem::import(ca.pem.as_bytes(), &crate::pem::ImportLimits::DEFAULT)
        .map_err(|error| GenerateError::Issuer(alloc::format!("{error}")))?;
    let [block] = bundle.certificates.as_slice() else {
        return Err(refused("give exactly one CA certificate"));
    };
    let certificate = Certificate::from_der(&block.der)
        .map_err(|error| GenerateError::Issuer(alloc::format!("{error}")))?;
    if !certificate.is_ca() {
        return Err(refused("the certificate is not a CA certificate"));
    }
    let key = KeyPair::from_pem(&ca.private_key_pem).map_err(rcgen_error)?;
    let public = PublicKey::from_spki_der(&key.subject_public_key_info())
        .map_err(|error| GenerateError::Issuer(alloc::format!("{error}")))?;
    if public != certificate.public_key {
        return Err(refused("the key does not belong to the CA certificate"));
    }
    Issuer::from_ca_cert_pem(&ca.pem, key).map_err(rcgen_error)
}

/// [`ROLE_OID`](crate::role::ROLE_OID) as rcgen takes an OID.
const ROLE_ARCS: &[u64] = &[1, 3, 6, 1, 4, 1, 50316, 802, 1];

/// Makes a new key and a CSR for it, for a third-party CA (MGate guide 3.2, "Importing a
/// Third-party Trusted SSL Certificate", step 2).
///
/// # Errors
///
/// [`GenerateError`] for a request that cannot be made.
pub fn certificate_request(
    identity: &DeviceIdentity,
    algorithm: Algorithm,
) -> Result<Generated, GenerateError> {
    let params = params(identity)?;
    let key = key_pair(algorithm)?;
    let csr = params.serialize_request(&key).map_err(backend)?;
    Ok(Generated {
        pem: csr.pem().map_err(backend)?,
        private_key_pem: Zeroizing::new(key.serialize_pem()),
    })
}

fn params(identity: &DeviceIdentity) -> Result<CertificateParams, GenerateError> {
    if identity.common_name.trim().is_empty() {
        return Err(GenerateError::NoName);
    }
    // Most general first, as X.500 names are ordered (and printed reversed by RFC 4514).
    let mut name = DistinguishedName::new();
    if let Some(organization) = &identity.organization {
        name.push(DnType::OrganizationName, organization.as_str());
    }
    name.push(DnType::CommonName, identity.common_name.as_str());
    let mut params = CertificateParams::default();
    params.distinguished_name = name;
    for dns in &identity.dns_names {
        let ia5 = dns
            .as_str()
            .try_into()
            .map_err(|_| GenerateError::DnsName(dns.clone()))?;
        params.subject_alt_names.push(SanType::DnsName(ia5));
    }
    params.subject_alt_names.extend(
        identity
            .ip_addresses
            .iter()
            .map(|ip| SanType::IpAddress(*ip)),
    );
    Ok(params)
}

/// notBefore `backdate_secs` before `now`, notAfter `valid_for_secs` after it.
fn validity(
    params: &mut CertificateParams,
    now: UnixTime,
    valid_for_secs: u64,
    backdate_secs: u64,
) -> Result<(), GenerateError> {
    if valid_for_secs == 0 {
        return Err(GenerateError::Validity);
    }
    params.not_before = datetime(now.as_secs().saturating_sub(backdate_secs))?;
    params.not_after = datetime(
        now.as_secs()
            .checked_add(valid_for_secs)
            .ok_or(GenerateError::Validity)?,
    )?;
    Ok(())
}

fn key_pair(algorithm: Algorithm) -> Result<KeyPair, GenerateError> {
    let algorithm = match algorithm {
        Algorithm::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        Algorithm::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        Algorithm::Ed25519 => &rcgen::PKCS_ED25519,
    };
    KeyPair::generate_for(algorithm).map_err(backend)
}

fn datetime(secs: u64) -> Result<time::OffsetDateTime, GenerateError> {
    let secs = i64::try_from(secs).map_err(|_| GenerateError::Validity)?;
    let datetime =
        time::OffsetDateTime::from_unix_timestamp(secs).map_err(|_| GenerateError::Validity)?;
    if datetime.year() > 9999 {
        return Err(GenerateError::Validity);
    }
    Ok(datetime)
}

fn backend(error: rcgen::Error) -> GenerateError {
    GenerateError::Backend(alloc::format!("{error}"))
}
