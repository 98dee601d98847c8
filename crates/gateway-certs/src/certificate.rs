//! X.509 inspection: the fields an operator and a policy look at, read with the RustCrypto
//! `x509-cert` parser (strict DER, RFC 5280) and measured here where a helper would guess.
//!
//! Key sizes come from the key itself: RSA bits from the modulus without its leading zeros
//! (a 2047-bit modulus is 2047, not rounded to bytes), EC curves from their OID, Ed25519 and
//! Ed448 by algorithm. Serial numbers keep their sign, because some roots still in trust stores
//! carry negative serials (RFC 5280 4.1.2.2 asks users to handle them "gracefully").
//!
//! "Self-signed" here is structural, as OpenSSL's `X509_check_issued` sees it: the issuer name
//! equals the subject name and, when both key identifiers are present, they are equal. It does
//! not verify the signature: `ring` cannot verify RSA-1024 or P-521 signatures, and a weak
//! self-signed certificate is exactly what must be found.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

use der::asn1::{
    Any, BmpString, Ia5StringRef, ObjectIdentifier, PrintableStringRef, TeletexStringRef,
    Utf8StringRef,
};
use der::{Decode, Encode, Tag, Tagged};
use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage as X509ExtendedKeyUsage,
    KeyUsage as X509KeyUsage, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;

use crate::key::PublicKey;
use crate::role::{ROLE_OID, RoleExtension};
use crate::status::{UnixTime, Validity};

/// The fields of one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    /// X.509 version: 1, 2 or 3.
    pub version: u8,
    /// Subject.
    pub subject: DistinguishedName,
    /// Issuer.
    pub issuer: DistinguishedName,
    /// Serial number.
    pub serial: Serial,
    /// notBefore..=notAfter.
    pub validity: Validity,
    /// DNS names and IP addresses of the subjectAltName extension.
    pub subject_alt_names: Vec<AltName>,
    /// The subject public key.
    pub public_key: PublicKey,
    /// The algorithm the issuer signed with.
    pub signature_algorithm: SignatureAlgorithm,
    /// basicConstraints, if present.
    pub basic_constraints: Option<Constraints>,
    /// keyUsage, if present.
    pub key_usage: Option<KeyUsage>,
    /// extendedKeyUsage, if present.
    pub extended_key_usage: Option<ExtendedKeyUsage>,
    /// The Modbus/TCP Security role extension.
    pub modbus_role: RoleExtension,
    /// subjectKeyIdentifier, if present.
    pub subject_key_id: Option<Vec<u8>>,
    /// The keyIdentifier of authorityKeyIdentifier, if present.
    pub authority_key_id: Option<Vec<u8>>,
    /// SHA-256 of the DER.
    pub fingerprint: Fingerprint,
}

/// Why DER could not be read as a certificate.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// Not a DER X.509 certificate.
    #[error("not a DER X.509 certificate: {0}")]
    Malformed(String),
    /// An extension this module reads is malformed.
    #[error("the {extension} extension is malformed")]
    Extension {
        /// Which.
        extension: &'static str,
    },
    /// The subject public key cannot be read.
    #[error("the subject public key is malformed: {0}")]
    PublicKey(String),
    /// notAfter before notBefore.
    #[error("the validity period ends before it starts")]
    InvertedValidity,
}

impl Certificate {
    /// Reads one DER certificate.
    ///
    /// # Errors
    ///
    /// [`CertificateError`] when the DER is not a certificate or a field this module reads is
    /// malformed.
    pub fn from_der(der: &[u8]) -> Result<Self, CertificateError> {
        let malformed = |e: der::Error| CertificateError::Malformed(alloc::format!("{e}"));
        // UTCTime 50-69 is 1950-1969 (RFC 5280 4.1.2.5), which the DER crate cannot hold:
        // such a time is read as the epoch, the earliest this crate's UnixTime has (no clock
        // reads earlier, so no status changes). The fingerprint and the stored DER are the
        // certificate's own bytes.
        let parsed = match x509_cert::Certificate::from_der(der) {
            Ok(parsed) => parsed,
            Err(error) => match before_epoch_as_epoch(der) {
                Some(patched) => x509_cert::Certificate::from_der(&patched).map_err(malformed)?,
                None => return Err(malformed(error)),
            },
        };
        let tbs = &parsed.tbs_certificate;
        let not_before = UnixTime::from_secs(tbs.validity.not_before.to_unix_duration().as_secs());
        let not_after = UnixTime::from_secs(tbs.validity.not_after.to_unix_duration().as_secs());
        let validity =
            Validity::new(not_before, not_after).map_err(|_| CertificateError::InvertedValidity)?;
        let spki = tbs
            .subject_public_key_info
            .to_der()
            .map_err(|e| CertificateError::PublicKey(alloc::format!("{e}")))?;
        let public_key = PublicKey::from_spki_der(&spki)
            .map_err(|e| CertificateError::PublicKey(alloc::format!("{e}")))?;
        let mut certificate = Self {
            der: der.into(),
            version: match tbs.version {
                x509_cert::Version::V1 => 1,
                x509_cert::Version::V2 => 2,
                x509_cert::Version::V3 => 3,
            },
            subject: DistinguishedName::new(&tbs.subject),
            issuer: DistinguishedName::new(&tbs.issuer),
            serial: Serial::from_twos_complement(tbs.serial_number.as_bytes()),
            validity,
            subject_alt_names: Vec::new(),
            public_key,
            signature_algorithm: SignatureAlgorithm::from_oid(parsed.signature_algorithm.oid),
            basic_constraints: None,
            key_usage: None,
            extended_key_usage: None,
            modbus_role: RoleExtension::Absent,
            subject_key_id: None,
            authority_key_id: None,
            fingerprint: Fingerprint(Sha256::digest(der).into()),
        };
        for extension in tbs.extensions.iter().flatten() {
            let value = extension.extn_value.as_bytes();
            let oid = extension.extn_id;
            if oid == const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS {
                let bc =
                    BasicConstraints::from_der(value).map_err(|_| CertificateError::Extension {
                        extension: "basicConstraints",
                    })?;
                certificate.basic_constraints = Some(Constraints {
                    ca: bc.ca,
                    path_len: bc.path_len_constraint,
                });
            } else if oid == const_oid::db::rfc5280::ID_CE_KEY_USAGE {
                let ku =
                    X509KeyUsage::from_der(value).map_err(|_| CertificateError::Extension {
                        extension: "keyUsage",
                    })?;
                certificate.key_usage = Some(KeyUsage(ku.0.bits()));
            } else if oid == const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE {
                let eku = X509ExtendedKeyUsage::from_der(value).map_err(|_| {
                    CertificateError::Extension {
                        extension: "extendedKeyUsage",
                    }
                })?;
                certificate.extended_key_usage = Some(ExtendedKeyUsage::new(&eku.0));
            } else if oid == ROLE_OID {
                // Read into a named outcome, never an error: see the `role` module.
                certificate.modbus_role.read(value);
            } else if oid == const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME {
                let san =
                    SubjectAltName::from_der(value).map_err(|_| CertificateError::Extension {
                        extension: "subjectAltName",
                    })?;
                certificate.subject_alt_names = san.0.iter().map(AltName::new).collect();
            } else if oid == const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER {
                let ski = SubjectKeyIdentifier::from_der(value).map_err(|_| {
                    CertificateError::Extension {
                        extension: "subjectKeyIdentifier",
                    }
                })?;
                certificate.subject_key_id = Some(ski.0.as_bytes().into());
            } else if oid == const_oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER {
                let aki = AuthorityKeyIdentifier::from_der(value).map_err(|_| {
                    CertificateError::Extension {
                        extension: "authorityKeyIdentifier",
                    }
                })?;
                certificate.authority_key_id = aki.key_identifier.map(|id| id.as_bytes().into());
            }
        }
        Ok(certificate)
    }

    /// The DER this was read from.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// basicConstraints says cA: TRUE.
    pub fn is_ca(&self) -> bool {
        self.basic_constraints.is_some_and(|bc| bc.ca)
    }

    /// Structurally self-issued: issuer equals subject and the key identifiers, where both
    /// are present, agree (see the module documentation).
    pub fn is_self_signed(&self) -> bool {
        self.issuer.der == self.subject.der
            && match (&self.subject_key_id, &self.authority_key_id) {
                (Some(subject), Some(authority)) => subject == authority,
                _ => true,
            }
    }

    /// Whether `issuer` is structurally the issuer of this certificate: its subject is this
    /// certificate's issuer and the key identifiers, where both are present, agree.
    pub fn is_issued_by(&self, issuer: &Self) -> bool {
        self.issuer.der == issuer.subject.der
            && match (&self.authority_key_id, &issuer.subject_key_id) {
                (Some(authority), Some(subject)) => authority == subject,
                _ => true,
            }
    }

    /// Whether `name` (a DNS name, any case) or `ip` is among the subjectAltNames.
    pub fn names(&self, name: &str) -> bool {
        self.subject_alt_names.iter().any(|alt| match alt {
            AltName::Dns(dns) => dns.eq_ignore_ascii_case(name),
            AltName::Ip(ip) => name.parse::<IpAddr>().is_ok_and(|parsed| parsed == *ip),
            AltName::Other => false,
        })
    }
}

/// A distinguished name: the DER, the RFC 4514 text and the first common name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistinguishedName {
    der: Vec<u8>,
    /// RFC 4514 text, most specific RDN first (`CN=device,O=Moxa,C=TW`), as OpenSSL prints it
    /// with `-nameopt RFC2253`.
    pub text: String,
    /// The first commonName, if any.
    pub common_name: Option<String>,
}

impl DistinguishedName {
    fn new(name: &Name) -> Self {
        let common_name = name
            .0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .find(|atv| atv.oid == const_oid::db::rfc4519::CN)
            .and_then(|atv| string_value(&atv.value));
        Self {
            der: name.to_der().unwrap_or_default(),
            text: rfc2253(name),
            common_name,
        }
    }

    /// The DER of the name.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The common name, or else the whole name: what the "Issued to" and "Issued by" columns
    /// show.
    pub fn display_name(&self) -> &str {
        self.common_name.as_deref().unwrap_or(&self.text)
    }
}

/// The name as `openssl x509 -nameopt RFC2253` prints it: every attribute in reverse DER
/// order (so a multi-valued RDN's attributes too), `,` between RDNs and `+` inside one, RFC 4514
/// escapes, and every byte of a non-ASCII character as `\XX` (OpenSSL's ESC_MSB:
/// `O=M\C3\BCller`).
fn rfc2253(name: &Name) -> String {
    use core::fmt::Write as _;
    let attributes: Vec<(usize, String)> = name
        .0
        .iter()
        .enumerate()
        .flat_map(|(rdn, set)| set.0.iter().map(move |atv| (rdn, alloc::format!("{atv}"))))
        .collect();
    let mut out = String::new();
    let mut previous = None;
    for (rdn, text) in attributes.iter().rev() {
        if let Some(previous) = previous {
            out.push(if previous == *rdn { '+' } else { ',' });
        }
        for c in text.chars() {
            if c.is_ascii() {
                out.push(c);
            } else {
                let mut utf8 = [0u8; 4];
                for byte in c.encode_utf8(&mut utf8).bytes() {
                    let _ = write!(out, "\\{byte:02X}");
                }
            }
        }
        previous = Some(*rdn);
    }
    out
}

fn string_value(value: &Any) -> Option<String> {
    match value.tag() {
        Tag::Utf8String => Utf8StringRef::try_from(value)
            .ok()
            .map(|s| s.as_str().into()),
        Tag::PrintableString => PrintableStringRef::try_from(value)
            .ok()
            .map(|s| s.as_str().into()),
        Tag::Ia5String => Ia5StringRef::try_from(value)
            .ok()
            .map(|s| s.as_str().into()),
        Tag::TeletexString => TeletexStringRef::try_from(value)
            .ok()
            .map(|s| s.as_str().into()),
        Tag::BmpString => value
            .decode_as::<BmpString>()
            .ok()
            .map(|s| alloc::format!("{s}")),
        _ => None,
    }
}

/// A certificate serial number as its sign and big-endian magnitude.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Serial {
    /// The serial is below zero (not RFC 5280 conforming, but found in old roots).
    pub negative: bool,
    /// Magnitude, big-endian, without leading zeros (empty for zero).
    pub magnitude: Vec<u8>,
}

impl Serial {
    /// From DER INTEGER content octets (two's complement, big-endian).
    pub fn from_twos_complement(bytes: &[u8]) -> Self {
        let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
        let mut magnitude: Vec<u8> = if negative {
            // Two's complement negation: invert and add one.
            let mut out: Vec<u8> = bytes.iter().map(|b| !b).collect();
            for byte in out.iter_mut().rev() {
                let (sum, carry) = byte.overflowing_add(1);
                *byte = sum;
                if !carry {
                    break;
                }
            }
            out
        } else {
            bytes.into()
        };
        let leading = magnitude.iter().take_while(|&&b| b == 0).count();
        magnitude.drain(..leading);
        Self {
            negative,
            magnitude,
        }
    }
}

/// Hex as `openssl x509 -serial` prints it: upper case, even length, `-` before a negative
/// serial.
impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        if self.magnitude.is_empty() {
            return f.write_str("00");
        }
        self.magnitude.iter().try_for_each(|b| write!(f, "{b:02X}"))
    }
}

impl fmt::Debug for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Serial({self})")
    }
}

/// A subjectAltName entry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AltName {
    /// dNSName.
    Dns(String),
    /// iPAddress.
    Ip(IpAddr),
    /// Another form (e-mail, URI, directory name, ...), or a malformed address.
    Other,
}

impl AltName {
    fn new(name: &GeneralName) -> Self {
        match name {
            GeneralName::DnsName(dns) => Self::Dns(dns.as_str().into()),
            GeneralName::IpAddress(octets) => match octets.as_bytes() {
                &[a, b, c, d] => Self::Ip(IpAddr::from([a, b, c, d])),
                bytes => <[u8; 16]>::try_from(bytes).map_or(Self::Other, |v6| Self::Ip(v6.into())),
            },
            _ => Self::Other,
        }
    }
}

/// basicConstraints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Constraints {
    /// cA.
    pub ca: bool,
    /// pathLenConstraint.
    pub path_len: Option<u8>,
}

/// keyUsage bits, bit 0 = digitalSignature (RFC 5280 4.2.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct KeyUsage(pub u16);

impl KeyUsage {
    /// The names OpenSSL prints, in bit order.
    pub const NAMES: [&'static str; 9] = [
        "Digital Signature",
        "Non Repudiation",
        "Key Encipherment",
        "Data Encipherment",
        "Key Agreement",
        "Certificate Sign",
        "CRL Sign",
        "Encipher Only",
        "Decipher Only",
    ];

    /// keyCertSign.
    pub fn key_cert_sign(self) -> bool {
        self.0 & (1 << 5) != 0
    }

    /// digitalSignature: what a TLS 1.2/1.3 peer signs its handshake with.
    pub fn digital_signature(self) -> bool {
        self.0 & 1 != 0
    }

    /// The names of the bits set, in bit order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .into_iter()
            .enumerate()
            .filter(move |(bit, _)| self.0 & (1 << bit) != 0)
            .map(|(_, name)| name)
    }
}

/// The purposes of extendedKeyUsage (RFC 5280 4.2.1.12) that TLS cares about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ExtendedKeyUsage {
    /// id-kp-serverAuth.
    pub server_auth: bool,
    /// id-kp-clientAuth.
    pub client_auth: bool,
    /// anyExtendedKeyUsage (which rustls-webpki, like browsers, does not take for either).
    pub any: bool,
    /// How many other purposes are listed.
    pub others: usize,
}

impl ExtendedKeyUsage {
    fn new(purposes: &[ObjectIdentifier]) -> Self {
        use const_oid::db::rfc5280::{
            ANY_EXTENDED_KEY_USAGE, ID_KP_CLIENT_AUTH, ID_KP_SERVER_AUTH,
        };
        let mut usage = Self::default();
        for purpose in purposes {
            match *purpose {
                ID_KP_SERVER_AUTH => usage.server_auth = true,
                ID_KP_CLIENT_AUTH => usage.client_auth = true,
                ANY_EXTENDED_KEY_USAGE => usage.any = true,
                _ => usage.others += 1,
            }
        }
        usage
    }
}

/// A SHA-256 fingerprint.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

/// `AB:CD:...` as `openssl x509 -fingerprint -sha256` prints it.
impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// The issuer's signature algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// md2WithRSAEncryption.
    Md2WithRsa,
    /// md5WithRSAEncryption.
    Md5WithRsa,
    /// sha1WithRSAEncryption.
    Sha1WithRsa,
    /// sha224WithRSAEncryption.
    Sha224WithRsa,
    /// sha256WithRSAEncryption.
    Sha256WithRsa,
    /// sha384WithRSAEncryption.
    Sha384WithRsa,
    /// sha512WithRSAEncryption.
    Sha512WithRsa,
    /// RSASSA-PSS (the hash is in the parameters).
    RsaPss,
    /// ecdsa-with-SHA1.
    EcdsaWithSha1,
    /// ecdsa-with-SHA224.
    EcdsaWithSha224,
    /// ecdsa-with-SHA256.
    EcdsaWithSha256,
    /// ecdsa-with-SHA384.
    EcdsaWithSha384,
    /// ecdsa-with-SHA512.
    EcdsaWithSha512,
    /// dsa-with-SHA1.
    DsaWithSha1,
    /// dsa-with-SHA224 (RFC 5758).
    DsaWithSha224,
    /// dsa-with-SHA256 (RFC 5758).
    DsaWithSha256,
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
    /// Anything else.
    Unknown,
}

impl SignatureAlgorithm {
    fn from_oid(oid: ObjectIdentifier) -> Self {
        use const_oid::db::{rfc5912, rfc8410};
        match oid {
            o if o == rfc5912::MD_2_WITH_RSA_ENCRYPTION => Self::Md2WithRsa,
            o if o == rfc5912::MD_5_WITH_RSA_ENCRYPTION => Self::Md5WithRsa,
            o if o == rfc5912::SHA_1_WITH_RSA_ENCRYPTION => Self::Sha1WithRsa,
            o if o == rfc5912::SHA_224_WITH_RSA_ENCRYPTION => Self::Sha224WithRsa,
            o if o == rfc5912::SHA_256_WITH_RSA_ENCRYPTION => Self::Sha256WithRsa,
            o if o == rfc5912::SHA_384_WITH_RSA_ENCRYPTION => Self::Sha384WithRsa,
            o if o == rfc5912::SHA_512_WITH_RSA_ENCRYPTION => Self::Sha512WithRsa,
            o if o == rfc5912::ID_RSASSA_PSS => Self::RsaPss,
            o if o == ECDSA_WITH_SHA_1 => Self::EcdsaWithSha1,
            o if o == rfc5912::ECDSA_WITH_SHA_224 => Self::EcdsaWithSha224,
            o if o == rfc5912::ECDSA_WITH_SHA_256 => Self::EcdsaWithSha256,
            o if o == rfc5912::ECDSA_WITH_SHA_384 => Self::EcdsaWithSha384,
            o if o == rfc5912::ECDSA_WITH_SHA_512 => Self::EcdsaWithSha512,
            o if o == rfc5912::DSA_WITH_SHA_1 => Self::DsaWithSha1,
            o if o == DSA_WITH_SHA_224 => Self::DsaWithSha224,
            o if o == DSA_WITH_SHA_256 => Self::DsaWithSha256,
            o if o == rfc8410::ID_ED_25519 => Self::Ed25519,
            o if o == rfc8410::ID_ED_448 => Self::Ed448,
            _ => Self::Unknown,
        }
    }

    /// The name OpenSSL prints ("Signature Algorithm:").
    pub fn name(self) -> &'static str {
        match self {
            Self::Md2WithRsa => "md2WithRSAEncryption",
            Self::Md5WithRsa => "md5WithRSAEncryption",
            Self::Sha1WithRsa => "sha1WithRSAEncryption",
            Self::Sha224WithRsa => "sha224WithRSAEncryption",
            Self::Sha256WithRsa => "sha256WithRSAEncryption",
            Self::Sha384WithRsa => "sha384WithRSAEncryption",
            Self::Sha512WithRsa => "sha512WithRSAEncryption",
            Self::RsaPss => "rsassaPss",
            Self::EcdsaWithSha1 => "ecdsa-with-SHA1",
            Self::EcdsaWithSha224 => "ecdsa-with-SHA224",
            Self::EcdsaWithSha256 => "ecdsa-with-SHA256",
            Self::EcdsaWithSha384 => "ecdsa-with-SHA384",
            Self::EcdsaWithSha512 => "ecdsa-with-SHA512",
            Self::DsaWithSha1 => "dsa_with_SHA1",
            Self::DsaWithSha224 => "dsa_with_SHA224",
            Self::DsaWithSha256 => "dsa_with_SHA256",
            Self::Ed25519 => "ED25519",
            Self::Ed448 => "ED448",
            Self::Unknown => "unknown",
        }
    }

    /// MD2, MD5 or SHA-1: collisions are practical, so a signature with them proves little.
    pub fn has_broken_hash(self) -> bool {
        matches!(
            self,
            Self::Md2WithRsa
                | Self::Md5WithRsa
                | Self::Sha1WithRsa
                | Self::EcdsaWithSha1
                | Self::DsaWithSha1
        )
    }
}

/// A copy of `der` whose validity UTCTimes of 1950-1969 read `700101000000Z`, or `None` when
/// it has none (or is not a certificate's shape).
fn before_epoch_as_epoch(der: &[u8]) -> Option<Vec<u8>> {
    use der::{Reader as _, SliceReader};

    /// The header and content of the TLV at the start of `bytes`: (header length, total).
    fn tlv(bytes: &[u8]) -> Option<(usize, usize)> {
        let mut reader = SliceReader::new(bytes).ok()?;
        let header = der::Header::decode(&mut reader).ok()?;
        let header_len = usize::try_from(reader.position()).ok()?;
        let content = usize::try_from(header.length).ok()?;
        Some((header_len, header_len.checked_add(content)?))
    }
    let (cert_header, _) = tlv(der)?;
    let tbs_at = cert_header;
    let (tbs_header, _) = tlv(der.get(tbs_at..)?)?;
    let mut at = tbs_at.checked_add(tbs_header)?;
    // [0] version (optional), serialNumber, signature, issuer: skip to validity.
    if der.get(at) == Some(&0xA0) {
        at = at.checked_add(tlv(der.get(at..)?)?.1)?;
    }
    for _ in 0..3 {
        at = at.checked_add(tlv(der.get(at..)?)?.1)?;
    }
    let (validity_header, _) = tlv(der.get(at..)?)?;
    let mut time_at = at.checked_add(validity_header)?;
    let mut patched = der.to_vec();
    let mut changed = false;
    for _ in 0..2 {
        let (header, total) = tlv(der.get(time_at..)?)?;
        let value = der.get(time_at.checked_add(header)?..time_at.checked_add(total)?)?;
        let utc_time = der.get(time_at) == Some(&0x17);
        if utc_time && value.len() == 13 && matches!(value.first(), Some(b'5' | b'6')) {
            let start = time_at.checked_add(header)?;
            patched
                .get_mut(start..start.checked_add(13)?)?
                .copy_from_slice(b"700101000000Z");
            changed = true;
        }
        time_at = time_at.checked_add(total)?;
    }
    changed.then_some(patched)
}

/// dsa-with-SHA224 and dsa-with-SHA256 (RFC 5758 3.1).
const DSA_WITH_SHA_224: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.3.1");
const DSA_WITH_SHA_256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.3.2");

/// ecdsa-with-SHA1 (RFC 3279 2.2.3), not in the RFC 5912 module of `const-oid`.
const ECDSA_WITH_SHA_1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
