//! Key-strength and signature verdicts, with reasons.
//!
//! Two different questions, kept apart as DESIGN.md asks:
//!
//! - [`StrengthPolicy`]: is this certificate strong enough to trust? RSA below 2048 bits is
//!   weak (NIST SP 800-131A Rev. 2 disallowed RSA-1024 for signatures after 2013), and RSA-1024
//!   is named as the old MGate self-signed default; EC below 256 bits is weak; MD2, MD5 and
//!   SHA-1 signatures are weak (collisions are practical: SHAttered, 2017); explicit EC curve
//!   parameters are refused (RFC 5480 2.1.1 requires a named curve; explicit parameters were
//!   the way into CVE-2020-0601).
//! - [`DeviceLimits`]: can this device use the key at all? The MGate accepts RSA keys of at
//!   most 2048 bits (guide 3.2, "The maximum supported key length for MGate devices is 2,048
//!   bits"); a 4096-bit key is strong, and still refused there.
//!
//! The self-signature of a trust anchor (a self-signed CA) is never used to decide trust, so
//! its hash is not held against it, as browsers and OpenSSL ignore it.

use alloc::vec::Vec;

use crate::certificate::{Certificate, SignatureAlgorithm};
use crate::key::{Curve, KeyAlgorithm};

/// What a certificate must have to count as strong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct StrengthPolicy {
    /// Smallest RSA modulus, in bits.
    pub min_rsa_bits: u32,
    /// Smallest EC field size, in bits.
    pub min_ec_bits: u32,
    /// Accept MD2, MD5 and SHA-1 signatures.
    pub allow_broken_hashes: bool,
}

impl StrengthPolicy {
    /// RSA 2048, EC 256, no broken hashes: the floor of both guides (the AIG-302 and MGate
    /// both recommend replacing 1024-bit certificates) and of NIST SP 800-131A.
    pub const RECOMMENDED: Self = Self {
        min_rsa_bits: 2048,
        min_ec_bits: 256,
        allow_broken_hashes: false,
    };

    /// Every reason the certificate is weak; empty when it is not.
    pub fn assess(&self, certificate: &Certificate) -> Vec<Weakness> {
        let mut weaknesses = Vec::new();
        match &certificate.public_key.algorithm {
            KeyAlgorithm::Rsa { bits } if *bits < self.min_rsa_bits => {
                weaknesses.push(if *bits == 1024 {
                    Weakness::LegacyDeviceDefault
                } else {
                    Weakness::RsaTooShort {
                        bits: *bits,
                        min: self.min_rsa_bits,
                    }
                });
            }
            KeyAlgorithm::Ec {
                curve: Curve::Explicit,
            } => weaknesses.push(Weakness::ExplicitCurve),
            KeyAlgorithm::Ec { curve } => match curve.bits() {
                Some(bits) if bits < self.min_ec_bits => weaknesses.push(Weakness::EcTooSmall {
                    bits,
                    min: self.min_ec_bits,
                }),
                Some(_) => {}
                None => weaknesses.push(Weakness::UnknownCurve),
            },
            KeyAlgorithm::Dsa { .. } => weaknesses.push(Weakness::Dsa),
            KeyAlgorithm::Other { .. } => weaknesses.push(Weakness::UnknownAlgorithm),
            _ => {}
        }
        let anchor = certificate.is_self_signed() && certificate.is_ca();
        if !self.allow_broken_hashes && !anchor && certificate.signature_algorithm.has_broken_hash()
        {
            weaknesses.push(Weakness::BrokenSignatureHash(
                certificate.signature_algorithm,
            ));
        }
        weaknesses
    }
}

impl Default for StrengthPolicy {
    fn default() -> Self {
        Self::RECOMMENDED
    }
}

/// Why a certificate is weak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Weakness {
    /// RSA-1024: the MGate's self-signed default (guide 3.2), below every current floor.
    #[error(
        "RSA-1024, the old device self-signed default: replace it with a 2048-bit certificate from a CA"
    )]
    LegacyDeviceDefault,
    /// An RSA modulus below the policy.
    #[error("RSA key of {bits} bits, below the {min}-bit minimum")]
    RsaTooShort {
        /// Modulus bits.
        bits: u32,
        /// The policy's minimum.
        min: u32,
    },
    /// An EC curve below the policy.
    #[error("EC key of {bits} bits, below the {min}-bit minimum")]
    EcTooSmall {
        /// Field bits.
        bits: u32,
        /// The policy's minimum.
        min: u32,
    },
    /// Explicit EC parameters.
    #[error("explicit EC curve parameters instead of a named curve (RFC 5480)")]
    ExplicitCurve,
    /// A named curve this crate does not know the size of.
    #[error("an EC curve of unknown strength")]
    UnknownCurve,
    /// DSA.
    #[error("a DSA key (withdrawn by FIPS 186-5)")]
    Dsa,
    /// An algorithm this crate does not know.
    #[error("a public key algorithm of unknown strength")]
    UnknownAlgorithm,
    /// MD2, MD5 or SHA-1.
    #[error("signed with {}, a hash with practical collisions", .0.name())]
    BrokenSignatureHash(SignatureAlgorithm),
}

/// What the device itself can use, separate from what is strong.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct DeviceLimits {
    /// The largest RSA modulus the device's TLS stack takes; `None` for no limit.
    #[cfg_attr(feature = "serde", serde(default))]
    pub max_rsa_bits: Option<u32>,
}

impl DeviceLimits {
    /// The MGate MB3000: RSA keys of at most 2048 bits.
    pub const MGATE: Self = Self {
        max_rsa_bits: Some(2048),
    };

    /// `Err` when the device cannot use `key`.
    ///
    /// # Errors
    ///
    /// [`LimitExceeded`] naming the size and the limit.
    pub fn check(&self, key: &KeyAlgorithm) -> Result<(), LimitExceeded> {
        match (key, self.max_rsa_bits) {
            (KeyAlgorithm::Rsa { bits }, Some(max)) if *bits > max => {
                Err(LimitExceeded { bits: *bits, max })
            }
            _ => Ok(()),
        }
    }
}

/// A key larger than the device takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the device accepts RSA keys of at most {max} bits; this one has {bits}")]
pub struct LimitExceeded {
    /// The key's bits.
    pub bits: u32,
    /// The device's limit.
    pub max: u32,
}
