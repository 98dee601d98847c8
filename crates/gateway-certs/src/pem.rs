//! PEM import: the only format the MGate accepts (guide 3.2, "MGate devices only accept
//! certificates using a .pem format").
//!
//! [`import`] reads a bundle of PEM blocks (certificates and private keys in any order, as a
//! certificate file with its chain and key usually is) and refuses, with a named reason, what a
//! device must not take silently:
//!
//! - DER input (a file that starts with an ASN.1 SEQUENCE), empty input, input over the size cap;
//! - encrypted keys, both PKCS#8 `ENCRYPTED PRIVATE KEY` and legacy OpenSSL `Proc-Type:
//!   4,ENCRYPTED` headers (the device has no passphrase to open them);
//! - labels it does not use, `TRUSTED CERTIFICATE` (OpenSSL's certificate with trust settings)
//!   among them, each named with its block number;
//! - broken base64, a BEGIN line without its END line, an END line with another label.
//!
//! `rustls-pki-types` decodes the base64 (in constant time for private keys); this module finds
//! the blocks first because that crate skips blocks it does not know without a word, so a bundle
//! holding only an encrypted key would come back as "no items". Text between blocks (the
//! `openssl x509 -text` dump, PKCS#12 "Bag Attributes") is ignored, as OpenSSL ignores it. `EC
//! PARAMETERS` blocks, which `openssl ecparam -genkey` writes before the key, are skipped: the
//! curve is also inside the key.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use rustls_pki_types::pem::{PemObject, SectionKind};
use zeroize::Zeroizing;

/// Limits on what [`import`] takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ImportLimits {
    /// Largest input in bytes.
    pub max_bytes: usize,
    /// Most PEM blocks in one input.
    pub max_blocks: usize,
}

impl ImportLimits {
    /// 64 KiB and 16 blocks: a leaf, a few intermediates and a key with room to spare (a
    /// 4096-bit RSA certificate is about 2 KiB of PEM).
    pub const DEFAULT: Self = Self {
        max_bytes: 64 * 1024,
        max_blocks: 16,
    };
}

impl Default for ImportLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The certificates and keys of one PEM input, in input order, DER-decoded but not yet parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bundle {
    /// `CERTIFICATE` blocks.
    pub certificates: Vec<CertificateDer>,
    /// `PRIVATE KEY`, `RSA PRIVATE KEY` and `EC PRIVATE KEY` blocks.
    pub private_keys: Vec<PrivateKeyDer>,
}

/// The DER of one certificate, with its block number in the input (from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateDer {
    /// Block number in the input, from 1.
    pub block: usize,
    /// The DER.
    pub der: Vec<u8>,
}

/// The DER of one private key, wiped from memory when dropped and never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct PrivateKeyDer {
    /// Block number in the input, from 1.
    pub block: usize,
    /// The container the PEM label named.
    pub format: KeyFormat,
    der: Zeroizing<Vec<u8>>,
}

impl PrivateKeyDer {
    /// Wraps DER bytes.
    pub fn new(block: usize, format: KeyFormat, der: Vec<u8>) -> Self {
        Self {
            block,
            format,
            der: Zeroizing::new(der),
        }
    }

    /// The secret DER.
    pub fn secret_der(&self) -> &[u8] {
        &self.der
    }
}

impl fmt::Debug for PrivateKeyDer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKeyDer")
            .field("block", &self.block)
            .field("format", &self.format)
            .field("der", &"<secret>")
            .finish()
    }
}

/// The container a private key comes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum KeyFormat {
    /// `RSA PRIVATE KEY`: RFC 8017 RSAPrivateKey.
    Pkcs1,
    /// `PRIVATE KEY`: RFC 5208/5958 PrivateKeyInfo, any algorithm.
    Pkcs8,
    /// `EC PRIVATE KEY`: RFC 5915 ECPrivateKey.
    Sec1,
}

/// Why a PEM input was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PemError {
    /// Nothing but whitespace.
    #[error("the file is empty")]
    Empty,
    /// Over [`ImportLimits::max_bytes`].
    #[error("the file is {len} bytes, more than the {max} bytes accepted")]
    TooLarge {
        /// Input length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Over [`ImportLimits::max_blocks`].
    #[error("the file has more than {max} PEM blocks")]
    TooManyBlocks {
        /// The limit.
        max: usize,
    },
    /// Binary DER, not PEM.
    #[error(
        "the file is binary DER; only PEM is accepted (convert it with `openssl x509 -inform der -in FILE -out FILE.pem`)"
    )]
    Der,
    /// Text without a `-----BEGIN` line.
    #[error("the file has no PEM block (no \"-----BEGIN ...-----\" line)")]
    NoBlocks,
    /// A BEGIN line that is not `-----BEGIN LABEL-----`.
    #[error("line {line}: malformed BEGIN line")]
    MalformedBegin {
        /// Line number, from 1.
        line: usize,
    },
    /// A BEGIN line without an END line.
    #[error("block {block} ({label}): no \"-----END {label}-----\" line")]
    MissingEnd {
        /// Block number, from 1.
        block: usize,
        /// The label of the BEGIN line.
        label: String,
    },
    /// An END line with another label than its BEGIN line.
    #[error("block {block}: BEGIN {label} ends with END {found}")]
    MismatchedEnd {
        /// Block number, from 1.
        block: usize,
        /// The label of the BEGIN line.
        label: String,
        /// The label of the END line.
        found: String,
    },
    /// A passphrase-protected key.
    #[error(
        "block {block} ({label}): the private key is encrypted; import it decrypted (`openssl pkey -in KEY -out KEY.pem`)"
    )]
    EncryptedKey {
        /// Block number, from 1.
        block: usize,
        /// The label.
        label: String,
    },
    /// A CERTIFICATE block with RFC 1421 encryption headers (`Proc-Type: 4,ENCRYPTED`):
    /// certificates are public and never encrypted, so the block is damaged or not what it
    /// says.
    #[error(
        "block {block} (CERTIFICATE): has encryption headers (Proc-Type), which no certificate has; export the certificate again"
    )]
    EncryptedCertificate {
        /// Block number, from 1.
        block: usize,
    },
    /// A label this import does not take.
    #[error("block {block}: \"{label}\" is not accepted ({hint})")]
    UnsupportedLabel {
        /// Block number, from 1.
        block: usize,
        /// The label.
        label: String,
        /// What to do instead.
        hint: &'static str,
    },
    /// The body is not valid base64.
    #[error("block {block} ({label}): the base64 body is corrupt")]
    Base64 {
        /// Block number, from 1.
        block: usize,
        /// The label.
        label: String,
    },
    /// A block whose body is empty.
    #[error("block {block} ({label}) is empty")]
    EmptyBlock {
        /// Block number, from 1.
        block: usize,
        /// The label.
        label: String,
    },
}

/// Reads every certificate and private key of a PEM input.
///
/// # Errors
///
/// A [`PemError`] naming the first problem and the block it is in.
pub fn import(input: &[u8], limits: &ImportLimits) -> Result<Bundle, PemError> {
    if input.len() > limits.max_bytes {
        return Err(PemError::TooLarge {
            len: input.len(),
            max: limits.max_bytes,
        });
    }
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(PemError::Empty);
    }
    // An ASN.1 SEQUENCE with a definite length: every DER certificate and key starts so.
    if matches!(input, [0x30, 0x80..=0x84, ..]) {
        return Err(PemError::Der);
    }
    let mut bundle = Bundle::default();
    let mut blocks = 0_usize;
    let mut lines = Lines::new(input.strip_prefix(UTF8_BOM).unwrap_or(input));
    while let Some(begin) = lines.next() {
        let Some(rest) = begin.text.strip_prefix(BEGIN) else {
            continue;
        };
        blocks += 1;
        if blocks > limits.max_blocks {
            return Err(PemError::TooManyBlocks {
                max: limits.max_blocks,
            });
        }
        let label = rest
            .strip_suffix(DASHES)
            .filter(|label| is_label(label))
            .ok_or(PemError::MalformedBegin { line: begin.number })?;
        let mut encrypted = false;
        // The block again with its lines trimmed and LF line ends, which is what
        // rustls-pki-types decodes; it may hold a key, so it is wiped after use.
        let mut block = Zeroizing::new(Vec::with_capacity(input.len().min(16 * 1024)));
        block.extend_from_slice(begin.text);
        block.push(b'\n');
        loop {
            let Some(body) = lines.next() else {
                return Err(PemError::MissingEnd {
                    block: blocks,
                    label: text(label),
                });
            };
            if let Some(found) = body.text.strip_prefix(END) {
                let found = found.strip_suffix(DASHES).unwrap_or(found);
                if found != label {
                    return Err(PemError::MismatchedEnd {
                        block: blocks,
                        label: text(label),
                        found: text(found),
                    });
                }
                block.extend_from_slice(body.text);
                block.push(b'\n');
                break;
            }
            if body.text.starts_with(BEGIN) {
                return Err(PemError::MissingEnd {
                    block: blocks,
                    label: text(label),
                });
            }
            // RFC 1421 headers of a legacy OpenSSL encrypted key.
            encrypted |= body.text.starts_with(b"Proc-Type:") && contains(body.text, b"ENCRYPTED");
            block.extend_from_slice(body.text);
            block.push(b'\n');
        }
        let kind = classify(label, encrypted).map_err(|refusal| refusal.into_error(blocks))?;
        let Some(kind) = kind else {
            continue;
        };
        let der = decode(&block).ok_or_else(|| PemError::Base64 {
            block: blocks,
            label: text(label),
        })?;
        if der.is_empty() {
            return Err(PemError::EmptyBlock {
                block: blocks,
                label: text(label),
            });
        }
        match kind {
            SectionKind::Certificate => bundle
                .certificates
                .push(CertificateDer { block: blocks, der }),
            SectionKind::RsaPrivateKey => {
                bundle
                    .private_keys
                    .push(PrivateKeyDer::new(blocks, KeyFormat::Pkcs1, der));
            }
            SectionKind::EcPrivateKey => {
                bundle
                    .private_keys
                    .push(PrivateKeyDer::new(blocks, KeyFormat::Sec1, der));
            }
            _ => bundle
                .private_keys
                .push(PrivateKeyDer::new(blocks, KeyFormat::Pkcs8, der)),
        }
    }
    if blocks == 0 {
        return Err(PemError::NoBlocks);
    }
    Ok(bundle)
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";
const DASHES: &[u8] = b"-----";

enum Refusal {
    Encrypted(&'static str),
    EncryptedCertificate,
    Unsupported(&'static str),
    UnknownLabel(String),
}

impl Refusal {
    fn into_error(self, block: usize) -> PemError {
        match self {
            Self::Encrypted(label) => PemError::EncryptedKey {
                block,
                label: label.into(),
            },
            Self::EncryptedCertificate => PemError::EncryptedCertificate { block },
            Self::Unsupported(label) => PemError::UnsupportedLabel {
                block,
                label: label.into(),
                hint: hint(label),
            },
            Self::UnknownLabel(label) => PemError::UnsupportedLabel {
                block,
                label,
                hint: "only CERTIFICATE, PRIVATE KEY, RSA PRIVATE KEY and EC PRIVATE KEY are read",
            },
        }
    }
}

/// `Ok(None)` for a block to skip.
fn classify(label: &[u8], encrypted: bool) -> Result<Option<SectionKind>, Refusal> {
    let kind = match label {
        b"CERTIFICATE" => SectionKind::Certificate,
        b"PRIVATE KEY" => SectionKind::PrivateKey,
        b"RSA PRIVATE KEY" => SectionKind::RsaPrivateKey,
        b"EC PRIVATE KEY" => SectionKind::EcPrivateKey,
        b"EC PARAMETERS" => return Ok(None),
        b"ENCRYPTED PRIVATE KEY" => return Err(Refusal::Encrypted("ENCRYPTED PRIVATE KEY")),
        b"TRUSTED CERTIFICATE" => return Err(Refusal::Unsupported("TRUSTED CERTIFICATE")),
        b"X509 CRL" => return Err(Refusal::Unsupported("X509 CRL")),
        b"CERTIFICATE REQUEST" => return Err(Refusal::Unsupported("CERTIFICATE REQUEST")),
        b"NEW CERTIFICATE REQUEST" => return Err(Refusal::Unsupported("NEW CERTIFICATE REQUEST")),
        b"PUBLIC KEY" => return Err(Refusal::Unsupported("PUBLIC KEY")),
        b"RSA PUBLIC KEY" => return Err(Refusal::Unsupported("RSA PUBLIC KEY")),
        b"PKCS7" => return Err(Refusal::Unsupported("PKCS7")),
        b"DSA PRIVATE KEY" => return Err(Refusal::Unsupported("DSA PRIVATE KEY")),
        b"OPENSSH PRIVATE KEY" => return Err(Refusal::Unsupported("OPENSSH PRIVATE KEY")),
        other => return Err(Refusal::UnknownLabel(text(other))),
    };
    if encrypted {
        return Err(match kind {
            SectionKind::Certificate => Refusal::EncryptedCertificate,
            SectionKind::RsaPrivateKey => Refusal::Encrypted("RSA PRIVATE KEY"),
            SectionKind::EcPrivateKey => Refusal::Encrypted("EC PRIVATE KEY"),
            _ => Refusal::Encrypted("PRIVATE KEY"),
        });
    }
    Ok(Some(kind))
}

fn hint(label: &str) -> &'static str {
    match label {
        "TRUSTED CERTIFICATE" => {
            "OpenSSL trust settings; strip them with `openssl x509 -in FILE -out FILE.pem`"
        }
        "X509 CRL" => "revocation lists are not imported here",
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => {
            "a CSR is sent to a CA; import the certificate the CA returns"
        }
        "PUBLIC KEY" | "RSA PUBLIC KEY" => "import the certificate, not its public key",
        "PKCS7" => "split it with `openssl pkcs7 -print_certs -in FILE`",
        "DSA PRIVATE KEY" => "DSA keys are not supported; use RSA, ECDSA or Ed25519",
        _ => "convert it with `openssl pkey -in KEY -out KEY.pem`",
    }
}

/// Base64 decoding of one block by rustls-pki-types (constant time for key labels).
fn decode(pem: &[u8]) -> Option<Vec<u8>> {
    match <(SectionKind, Vec<u8>)>::pem_slice_iter(pem).next() {
        Some(Ok((_, der))) => Some(der),
        _ => None,
    }
}

/// RFC 7468 labels: printable ASCII without '-' at either end.
fn is_label(label: &[u8]) -> bool {
    !label.is_empty()
        && label.len() <= 64
        && label.iter().all(|b| matches!(b, b' '..=b'~'))
        && label.first() != Some(&b'-')
        && label.last() != Some(&b'-')
}

fn text(label: &[u8]) -> String {
    label
        .iter()
        .take(64)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                char::from(b)
            } else {
                '?'
            }
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A line without its line break and its leading and trailing spaces and tabs.
struct Line<'a> {
    /// Line number, from 1.
    number: usize,
    text: &'a [u8],
}

/// Lines split at CR, LF or CRLF.
struct Lines<'a> {
    rest: &'a [u8],
    number: usize,
}

impl<'a> Lines<'a> {
    fn new(input: &'a [u8]) -> Self {
        Self {
            rest: input,
            number: 0,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let end = self
            .rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(self.rest.len());
        let (line, after) = self.rest.split_at(end);
        let after = match after {
            [b'\r', b'\n', after @ ..] | [b'\r' | b'\n', after @ ..] => after,
            _ => after,
        };
        self.rest = after;
        self.number += 1;
        let blank = |b: &u8| *b == b' ' || *b == b'\t';
        let first = line.iter().position(|b| !blank(b)).unwrap_or(line.len());
        let last = line
            .iter()
            .rposition(|b| !blank(b))
            .map_or(first, |last| last + 1);
        let text = line.get(first..last).unwrap_or_default();
        Some(Line {
            number: self.number,
            text,
        })
    }
}
