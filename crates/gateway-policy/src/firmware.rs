//! Firmware image check against the vendor's published SHA-512 digest (MGate guide section
//! 4.2: "The website provides an SHA-512 value so that you can double-check whether the
//! firmware is identical to the one on the website").
//!
//! The check streams: feed the image in chunks of any size as it is read or received, so it
//! never has to fit in memory.
//!
//! ```
//! use gateway_policy::firmware::{FirmwareCheck, FirmwareVerdict, Sha512Digest};
//!
//! // The digest as published (a `sha512sum` line is accepted too).
//! let published: Sha512Digest = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
//!     2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f  MGate_fw.rom".parse()?;
//! let mut check = FirmwareCheck::new(published);
//! for chunk in [&b"a"[..], b"bc"] {
//!     check.update(chunk);
//! }
//! assert_eq!(check.finish(), FirmwareVerdict::Verified { bytes: 3 });
//! # Ok::<(), gateway_policy::firmware::DigestError>(())
//! ```

use core::fmt;
use core::str::FromStr;

use sha2::{Digest, Sha512};

/// A SHA-512 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha512Digest(pub [u8; DIGEST_LEN]);

/// Bytes in a SHA-512 digest.
pub const DIGEST_LEN: usize = 64;

impl FromStr for Sha512Digest {
    type Err = DigestError;

    /// Parses 128 hexadecimal digits, in either case, surrounded by any whitespace. A
    /// `sha512sum` line (`<digest>  <file name>`) is accepted: only its first word is read.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let word = text.split_whitespace().next().unwrap_or("");
        if word.len() != DIGEST_LEN * 2 {
            return Err(DigestError::Length {
                digits: word.chars().count(),
            });
        }
        let mut digest = [0u8; DIGEST_LEN];
        for (index, (byte, pair)) in digest.iter_mut().zip(word.as_bytes().chunks(2)).enumerate() {
            let digit = |offset: usize| {
                pair.get(offset)
                    .and_then(|&c| char::from(c).to_digit(16))
                    .ok_or(DigestError::NotHex {
                        position: index.saturating_mul(2).saturating_add(offset),
                    })
            };
            // Both digits are below 16, so the value fits in a byte.
            *byte = u8::try_from(digit(0)? << 4 | digit(1)?).unwrap_or(0);
        }
        Ok(Self(digest))
    }
}

impl fmt::Display for Sha512Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for Sha512Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha512Digest({self})")
    }
}

/// Why a published digest could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DigestError {
    /// Not 128 digits: probably a different hash (SHA-256 has 64) or a cut-off copy.
    #[error("a SHA-512 digest has 128 hexadecimal digits, this one has {digits}")]
    Length {
        /// Characters in the first word.
        digits: usize,
    },
    /// A character that is not a hexadecimal digit.
    #[error("character {position} of the digest is not a hexadecimal digit")]
    NotHex {
        /// Position from 0.
        position: usize,
    },
}

/// A streaming firmware image check.
#[derive(Clone, Debug)]
pub struct FirmwareCheck {
    expected: Sha512Digest,
    hasher: Sha512,
    bytes: u64,
}

impl FirmwareCheck {
    /// Starts a check against the published digest.
    pub fn new(expected: Sha512Digest) -> Self {
        Self {
            expected,
            hasher: Sha512::new(),
            bytes: 0,
        }
    }

    /// Feeds the next chunk of the image.
    pub fn update(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
        self.bytes = self
            .bytes
            .saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
    }

    /// Bytes fed so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The verdict once the whole image has been fed.
    pub fn finish(self) -> FirmwareVerdict {
        if self.bytes == 0 {
            return FirmwareVerdict::Empty;
        }
        let actual = Sha512Digest(self.hasher.finalize().into());
        if actual == self.expected {
            FirmwareVerdict::Verified { bytes: self.bytes }
        } else {
            FirmwareVerdict::Mismatch {
                expected: self.expected,
                actual,
                bytes: self.bytes,
            }
        }
    }
}

/// The result of a [`FirmwareCheck`].
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirmwareVerdict {
    /// The image is the one the vendor published: it may be installed.
    Verified {
        /// Size of the image.
        bytes: u64,
    },
    /// The image differs from the published one (corrupted download, wrong model or
    /// version, or tampering): do not install it.
    Mismatch {
        /// The published digest.
        expected: Sha512Digest,
        /// The digest of the image.
        actual: Sha512Digest,
        /// Size of the image.
        bytes: u64,
    },
    /// No bytes were fed: the file is empty or the transfer failed.
    Empty,
}

impl FirmwareVerdict {
    /// Whether the image may be installed.
    pub fn is_verified(&self) -> bool {
        matches!(self, Self::Verified { .. })
    }
}

impl fmt::Display for FirmwareVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Verified { bytes } => write!(
                f,
                "verified: the {bytes}-byte image matches the published SHA-512 digest"
            ),
            Self::Mismatch {
                expected,
                actual,
                bytes,
            } => write!(
                f,
                "do not install: the {bytes}-byte image has SHA-512 {actual}, the published \
                 digest is {expected}"
            ),
            Self::Empty => f.write_str("do not install: the image is empty"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    /// FIPS 180-2, appendix C: SHA-512 of "abc" and of one million 'a'.
    const ABC: &str = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
                       2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
    const MILLION_A: &str = "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb\
                             de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b";

    #[test]
    fn fips_vectors_streamed_in_uneven_chunks() {
        let mut check = FirmwareCheck::new(MILLION_A.parse().unwrap());
        let image = [b'a'; 7919];
        let mut left = 1_000_000usize;
        while left > 0 {
            let take = left.min(image.len());
            check.update(&image[..take]);
            left -= take;
        }
        assert_eq!(
            check.finish(),
            FirmwareVerdict::Verified { bytes: 1_000_000 }
        );
        let upper = ABC.to_ascii_uppercase();
        let mut check = FirmwareCheck::new(upper.parse().unwrap());
        check.update(b"abc");
        assert!(check.finish().is_verified());
    }

    #[test]
    fn a_changed_byte_is_a_mismatch_naming_both_digests() {
        let mut check = FirmwareCheck::new(ABC.parse().unwrap());
        check.update(b"abd");
        let verdict = check.finish();
        assert!(!verdict.is_verified());
        let text = verdict.to_string();
        assert!(
            text.starts_with("do not install: the 3-byte image has SHA-512 "),
            "{text}"
        );
        assert!(text.ends_with(ABC), "{text}");
        assert_eq!(
            FirmwareCheck::new(ABC.parse().unwrap()).finish(),
            FirmwareVerdict::Empty
        );
    }

    #[test]
    fn published_digest_forms_and_errors() {
        let line = alloc::format!("{ABC} *MGate_MB3170_fw_4.3.rom\n");
        assert_eq!(line.parse::<Sha512Digest>().unwrap().to_string(), ABC);
        assert_eq!(
            "".parse::<Sha512Digest>(),
            Err(DigestError::Length { digits: 0 })
        );
        // A SHA-256 digest pasted by mistake.
        assert_eq!(
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
                .parse::<Sha512Digest>(),
            Err(DigestError::Length { digits: 64 })
        );
        let mut bad = ABC.to_string();
        bad.replace_range(9..10, "g");
        assert_eq!(
            bad.parse::<Sha512Digest>(),
            Err(DigestError::NotHex { position: 9 })
        );
        let mut wide = ABC.to_string();
        wide.replace_range(0..2, "\u{e9}");
        assert!(wide.parse::<Sha512Digest>().is_err());
    }
}
