//! The hash chain over stored records: each record's tag covers the previous record's tag, its
//! own sequence number and its payload, so that altering, removing or reordering a record breaks
//! every tag after it.
//!
//! Without a key the tag is SHA-256; it detects corruption and edits by anyone who does not
//! recompute the chain. With a key it is HMAC-SHA-256 (RFC 2104): without the key, no one can
//! produce a chain that verifies. Tags are truncated to [`TAG_LEN`] bytes (128 bits, as
//! NIST SP 800-107 allows for HMAC).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Bytes of a stored tag.
pub const TAG_LEN: usize = 16;

/// A chain tag.
pub type Tag = [u8; TAG_LEN];

/// The secret that keys the chain. Keep it off the log's storage (in a secure element, or
/// derived from a device secret), or anyone who can rewrite the storage can rewrite the chain.
#[derive(Clone)]
pub struct ChainKey([u8; 32]);

impl ChainKey {
    /// A key from 32 secret bytes.
    pub const fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl core::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ChainKey(..)")
    }
}

/// The tag of a record with `sequence` and `payload` that follows a record tagged `previous`.
pub(crate) fn tag(key: Option<&ChainKey>, previous: &Tag, sequence: u64, payload: &[u8]) -> Tag {
    let mut out = [0u8; TAG_LEN];
    match key {
        Some(key) => {
            // HMAC accepts keys of any length; new_from_slice cannot fail.
            if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key.0) {
                mac.update(previous);
                mac.update(&sequence.to_be_bytes());
                mac.update(payload);
                let full = mac.finalize().into_bytes();
                out.copy_from_slice(full.get(..TAG_LEN).unwrap_or(&[0; TAG_LEN]));
            }
        }
        None => {
            let mut hash = Sha256::new();
            hash.update(previous);
            hash.update(sequence.to_be_bytes());
            hash.update(payload);
            let full = hash.finalize();
            out.copy_from_slice(full.get(..TAG_LEN).unwrap_or(&[0; TAG_LEN]));
        }
    }
    out
}
