//! Public keys with their exact size, and the public half of a private key, to check that a
//! key file belongs to a certificate.
//!
//! The public half is computed, not copied: an RSA key carries its modulus and exponent, but an
//! EC key may omit its public point (SEC1 makes it optional) and an Ed25519 PKCS#8 v1 key is only
//! the seed, so the point is derived from the private scalar (RustCrypto `p256`, `p384`, `p521`,
//! `ed25519-dalek`). When an EC or Ed25519 key also carries a public point, it must equal the
//! derived one, or the key is refused as inconsistent.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use der::Decode;
use der::asn1::{ObjectIdentifier, OctetStringRef};
use spki::SubjectPublicKeyInfoRef;
use zeroize::Zeroizing;

use crate::pem::{KeyFormat, PrivateKeyDer};

/// A public key: its algorithm and size, and the key itself in a canonical form (so that the
/// same key compares equal however it was encoded).
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// Algorithm and size.
    pub algorithm: KeyAlgorithm,
    material: Material,
}

#[derive(Clone, PartialEq, Eq)]
enum Material {
    /// Modulus and exponent, big-endian without leading zeros.
    Rsa { modulus: Vec<u8>, exponent: Vec<u8> },
    /// An uncompressed SEC1 point, when the curve is one this crate computes with; else the
    /// point as encoded.
    Ec(Vec<u8>),
    /// The raw key (Ed25519, Ed448) or the whole SPKI (anything else).
    Raw(Vec<u8>),
}

/// A public key algorithm with the size that decides its strength.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// RSA (rsaEncryption or RSASSA-PSS) with the modulus size in bits.
    Rsa {
        /// Bits of the modulus, counted from its highest set bit.
        bits: u32,
    },
    /// ECDSA / ECDH on a curve.
    Ec {
        /// The curve.
        curve: Curve,
    },
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
    /// DSA, with the size of its prime p (what OpenSSL prints as "Public-Key: (N bit)"),
    /// when the parameters are in the key.
    Dsa {
        /// Bits of p, counted from its highest set bit.
        bits: Option<u32>,
    },
    /// Another algorithm, by OID.
    Other {
        /// The algorithm OID, dotted.
        oid: String,
    },
}

impl KeyAlgorithm {
    /// The size a strength rule compares: RSA modulus bits, the curve's field size, 256 for
    /// Ed25519 and 456 for Ed448; `None` when unknown.
    pub fn bits(&self) -> Option<u32> {
        match self {
            Self::Rsa { bits } => Some(*bits),
            Self::Ec { curve } => curve.bits(),
            Self::Ed25519 => Some(256),
            Self::Ed448 => Some(456),
            Self::Dsa { bits } => *bits,
            Self::Other { .. } => None,
        }
    }
}

impl KeyAlgorithm {
    /// An algorithm other than RSA and EC, by OID.
    fn other(oid: ObjectIdentifier) -> Self {
        match oid {
            ED25519_OID => Self::Ed25519,
            ED448_OID => Self::Ed448,
            DSA_OID => Self::Dsa { bits: None },
            _ => Self::Other {
                oid: alloc::format!("{oid}"),
            },
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsa { bits } => write!(f, "RSA {bits} bits"),
            Self::Ec { curve } => write!(f, "EC {curve}"),
            Self::Ed25519 => f.write_str("Ed25519"),
            Self::Ed448 => f.write_str("Ed448"),
            Self::Dsa { bits: Some(bits) } => write!(f, "DSA {bits} bits"),
            Self::Dsa { bits: None } => f.write_str("DSA"),
            Self::Other { oid } => write!(f, "algorithm {oid}"),
        }
    }
}

/// An elliptic curve.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Curve {
    /// NIST P-256 (prime256v1, secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// secp256k1.
    Secp256k1,
    /// brainpoolP256r1 (RFC 5639).
    BrainpoolP256r1,
    /// brainpoolP384r1 (RFC 5639).
    BrainpoolP384r1,
    /// brainpoolP512r1 (RFC 5639).
    BrainpoolP512r1,
    /// Another named curve, by OID.
    Named {
        /// The curve OID, dotted.
        oid: String,
    },
    /// Explicit curve parameters instead of a name (RFC 5480 forbids them; they hid
    /// CVE-2020-0601).
    Explicit,
}

impl Curve {
    fn from_parameters(parameters: Option<der::asn1::AnyRef<'_>>) -> Self {
        match parameters.map(|any| any.decode_as::<ObjectIdentifier>()) {
            Some(Ok(oid)) => Self::from_oid(oid),
            Some(Err(_)) | None => Self::Explicit,
        }
    }

    fn from_oid(oid: ObjectIdentifier) -> Self {
        match oid {
            P256_OID => Self::P256,
            P384_OID => Self::P384,
            P521_OID => Self::P521,
            SECP256K1_OID => Self::Secp256k1,
            BRAINPOOL_P256R1_OID => Self::BrainpoolP256r1,
            BRAINPOOL_P384R1_OID => Self::BrainpoolP384r1,
            BRAINPOOL_P512R1_OID => Self::BrainpoolP512r1,
            _ => Self::Named {
                oid: alloc::format!("{oid}"),
            },
        }
    }

    /// The field size in bits, for a curve this crate knows.
    pub fn bits(&self) -> Option<u32> {
        match self {
            Self::P256 | Self::Secp256k1 | Self::BrainpoolP256r1 => Some(256),
            Self::P384 | Self::BrainpoolP384r1 => Some(384),
            Self::BrainpoolP512r1 => Some(512),
            Self::P521 => Some(521),
            Self::Named { .. } | Self::Explicit => None,
        }
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::P256 => f.write_str("P-256"),
            Self::P384 => f.write_str("P-384"),
            Self::P521 => f.write_str("P-521"),
            Self::Secp256k1 => f.write_str("secp256k1"),
            Self::BrainpoolP256r1 => f.write_str("brainpoolP256r1"),
            Self::BrainpoolP384r1 => f.write_str("brainpoolP384r1"),
            Self::BrainpoolP512r1 => f.write_str("brainpoolP512r1"),
            Self::Named { oid } => write!(f, "curve {oid}"),
            Self::Explicit => f.write_str("explicit parameters"),
        }
    }
}

/// Why a key could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The DER is not the structure its label named.
    #[error("the key is not a valid {format} structure")]
    Malformed {
        /// What it should have been.
        format: &'static str,
    },
    /// An algorithm whose public half this crate cannot compute.
    #[error("{0} private keys are not supported")]
    Unsupported(KeyAlgorithm),
    /// The private scalar is not a valid key on its curve.
    #[error("the private key is not a valid {0} scalar")]
    InvalidScalar(Curve),
    /// Explicit curve parameters instead of a named curve (what `openssl ecparam -param_enc
    /// explicit` writes).
    #[error(
        "the key has explicit EC curve parameters instead of a named curve (RFC 5915); make it with `-param_enc named_curve`"
    )]
    ExplicitCurve,
    /// The embedded public point is not the one the private scalar gives.
    #[error("the key is inconsistent: its embedded public key does not belong to its private key")]
    Inconsistent,
}

impl PublicKey {
    /// Reads a DER SubjectPublicKeyInfo.
    ///
    /// # Errors
    ///
    /// [`KeyError::Malformed`] when the SPKI, or the RSA key inside it, is not valid DER.
    pub fn from_spki_der(spki: &[u8]) -> Result<Self, KeyError> {
        let malformed = KeyError::Malformed {
            format: "SubjectPublicKeyInfo",
        };
        let info = SubjectPublicKeyInfoRef::from_der(spki).map_err(|_| malformed.clone())?;
        let key = info.subject_public_key.raw_bytes();
        let oid = info.algorithm.oid;
        if oid == RSA_OID || oid == RSA_PSS_OID {
            let rsa = pkcs1::RsaPublicKey::from_der(key).map_err(|_| KeyError::Malformed {
                format: "RSAPublicKey",
            })?;
            return Ok(Self::rsa(
                rsa.modulus.as_bytes(),
                rsa.public_exponent.as_bytes(),
            ));
        }
        if oid == EC_OID {
            let curve = Curve::from_parameters(info.algorithm.parameters);
            let point = canonical_point(&curve, key).unwrap_or_else(|| key.into());
            return Ok(Self {
                algorithm: KeyAlgorithm::Ec { curve },
                material: Material::Ec(point),
            });
        }
        let algorithm = match KeyAlgorithm::other(oid) {
            KeyAlgorithm::Dsa { .. } => KeyAlgorithm::Dsa {
                bits: info.algorithm.parameters.and_then(dsa_prime_bits),
            },
            other => other,
        };
        let raw = match algorithm {
            KeyAlgorithm::Ed25519 | KeyAlgorithm::Ed448 => key.into(),
            _ => spki.into(),
        };
        Ok(Self {
            algorithm,
            material: Material::Raw(raw),
        })
    }

    /// The public half of a private key.
    ///
    /// # Errors
    ///
    /// [`KeyError`] when the key is malformed, of an algorithm this crate cannot compute with,
    /// or inconsistent.
    pub fn from_private_key(key: &PrivateKeyDer) -> Result<Self, KeyError> {
        match key.format {
            KeyFormat::Pkcs1 => Self::from_pkcs1(key.secret_der()),
            KeyFormat::Sec1 => Self::from_sec1(key.secret_der(), None),
            KeyFormat::Pkcs8 => Self::from_pkcs8(key.secret_der()),
        }
    }

    fn rsa(modulus: &[u8], exponent: &[u8]) -> Self {
        let modulus = strip_zeros(modulus);
        let bits = bit_length(modulus);
        Self {
            algorithm: KeyAlgorithm::Rsa { bits },
            material: Material::Rsa {
                modulus: modulus.into(),
                exponent: strip_zeros(exponent).into(),
            },
        }
    }

    fn from_pkcs1(der: &[u8]) -> Result<Self, KeyError> {
        let key = pkcs1::RsaPrivateKey::from_der(der).map_err(|_| KeyError::Malformed {
            format: "PKCS#1 RSAPrivateKey",
        })?;
        Ok(Self::rsa(
            key.modulus.as_bytes(),
            key.public_exponent.as_bytes(),
        ))
    }

    fn from_pkcs8(der: &[u8]) -> Result<Self, KeyError> {
        let malformed = || KeyError::Malformed {
            format: "PKCS#8 PrivateKeyInfo",
        };
        let info = pkcs8::PrivateKeyInfo::from_der(der).map_err(|_| malformed())?;
        let oid = info.algorithm.oid;
        if oid == RSA_OID || oid == RSA_PSS_OID {
            return Self::from_pkcs1(info.private_key);
        }
        if oid == EC_OID {
            let curve = Curve::from_parameters(info.algorithm.parameters);
            return Self::from_sec1(info.private_key, Some(curve));
        }
        if oid == ED25519_OID {
            // RFC 8410 7: CurvePrivateKey ::= OCTET STRING, the 32-byte seed.
            let seed = OctetStringRef::from_der(info.private_key).map_err(|_| malformed())?;
            let seed =
                Zeroizing::new(<[u8; 32]>::try_from(seed.as_bytes()).map_err(|_| malformed())?);
            let public = ed25519_dalek::SigningKey::from_bytes(&seed)
                .verifying_key()
                .to_bytes();
            if info.public_key.is_some_and(|embedded| embedded != public) {
                return Err(KeyError::Inconsistent);
            }
            return Ok(Self {
                algorithm: KeyAlgorithm::Ed25519,
                material: Material::Raw(public.into()),
            });
        }
        Err(KeyError::Unsupported(KeyAlgorithm::other(oid)))
    }

    /// `outer` is the curve from a PKCS#8 wrapper, if any.
    fn from_sec1(der: &[u8], outer: Option<Curve>) -> Result<Self, KeyError> {
        let key = sec1::EcPrivateKey::from_der(der).map_err(|_| {
            if has_explicit_parameters(der) {
                KeyError::ExplicitCurve
            } else {
                KeyError::Malformed {
                    format: "SEC1 ECPrivateKey",
                }
            }
        })?;
        let inner = key
            .parameters
            .and_then(|parameters| parameters.named_curve())
            .map(Curve::from_oid);
        let curve = match (outer, inner) {
            (Some(outer), Some(inner)) if outer != inner => return Err(KeyError::Inconsistent),
            (Some(Curve::Explicit), _) => return Err(KeyError::ExplicitCurve),
            // RFC 5915 3: without a PKCS#8 wrapper the parameters are required.
            (None, None) => {
                return Err(KeyError::Malformed {
                    format: "SEC1 ECPrivateKey",
                });
            }
            (Some(curve), _) | (None, Some(curve)) => curve,
        };
        let derived = derive_point(&curve, key.private_key)?;
        if let Some(embedded) = key.public_key {
            if canonical_point(&curve, embedded).as_deref() != Some(derived.as_slice()) {
                return Err(KeyError::Inconsistent);
            }
        }
        Ok(Self {
            algorithm: KeyAlgorithm::Ec { curve },
            material: Material::Ec(derived),
        })
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// The uncompressed SEC1 point of the private scalar `secret`.
fn derive_point(curve: &Curve, secret: &[u8]) -> Result<Vec<u8>, KeyError> {
    let invalid = || KeyError::InvalidScalar(curve.clone());
    Ok(match curve {
        Curve::P256 => {
            let key = p256::SecretKey::from_slice(secret).map_err(|_| invalid())?;
            p256::EncodedPoint::from(key.public_key()).as_bytes().into()
        }
        Curve::P384 => {
            let key = p384::SecretKey::from_slice(secret).map_err(|_| invalid())?;
            p384::EncodedPoint::from(key.public_key()).as_bytes().into()
        }
        Curve::P521 => {
            let key = p521::SecretKey::from_slice(secret).map_err(|_| invalid())?;
            p521::EncodedPoint::from(key.public_key()).as_bytes().into()
        }
        other => {
            return Err(KeyError::Unsupported(KeyAlgorithm::Ec {
                curve: other.clone(),
            }));
        }
    })
}

/// The uncompressed form of a SEC1 point (compressed or not) on a curve this crate computes
/// with; `None` for another curve or a point not on the curve.
fn canonical_point(curve: &Curve, point: &[u8]) -> Option<Vec<u8>> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    match curve {
        Curve::P256 => p256::PublicKey::from_sec1_bytes(point)
            .ok()
            .map(|key| key.to_encoded_point(false).as_bytes().into()),
        Curve::P384 => p384::PublicKey::from_sec1_bytes(point)
            .ok()
            .map(|key| key.to_encoded_point(false).as_bytes().into()),
        Curve::P521 => p521::PublicKey::from_sec1_bytes(point)
            .ok()
            .map(|key| key.to_encoded_point(false).as_bytes().into()),
        _ => None,
    }
}

/// Whether SEC1 DER carries explicit curve parameters (`[0]` holding a SEQUENCE rather than an
/// OID), which the `sec1` crate does not read.
fn has_explicit_parameters(der: &[u8]) -> bool {
    use der::asn1::{AnyRef, ContextSpecific};
    use der::{Reader, Tagged};
    let Ok(mut reader) = der::SliceReader::new(der) else {
        return false;
    };
    reader
        .sequence(|reader| {
            let _version = u8::decode(reader)?;
            let _secret = OctetStringRef::decode(reader)?;
            let parameters =
                ContextSpecific::<AnyRef<'_>>::decode_explicit(reader, der::TagNumber::N0)?;
            let rest = reader.remaining_len();
            reader.read_slice(rest)?;
            Ok(parameters.is_some_and(|p| p.value.tag() == der::Tag::Sequence))
        })
        .unwrap_or(false)
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let leading = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.get(leading..).unwrap_or_default()
}

const RSA_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const RSA_PSS_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const EC_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const DSA_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");
const ED25519_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const ED448_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
const P256_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const P521_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const SECP256K1_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");
const BRAINPOOL_P256R1_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.7");
const BRAINPOOL_P384R1_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.11");
const BRAINPOOL_P512R1_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.13");

/// Bits of a big-endian unsigned integer without leading zero bytes, from its highest set bit.
fn bit_length(magnitude: &[u8]) -> u32 {
    magnitude.first().map_or(0, |&top| {
        u32::try_from(magnitude.len())
            .unwrap_or(u32::MAX / 8)
            .saturating_mul(8)
            .saturating_sub(top.leading_zeros())
    })
}

/// The size of p in DSA's Dss-Parms (RFC 3279 2.3.2: SEQUENCE { p, q, g INTEGER }).
fn dsa_prime_bits(parameters: der::asn1::AnyRef<'_>) -> Option<u32> {
    if der::Tagged::tag(&parameters) != der::Tag::Sequence {
        return None;
    }
    let mut reader = der::SliceReader::new(parameters.value()).ok()?;
    let p = der::asn1::UintRef::decode(&mut reader).ok()?;
    Some(bit_length(strip_zeros(p.as_bytes())))
}
