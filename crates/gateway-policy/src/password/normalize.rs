//! NFKC normalisation into a buffer that is wiped when dropped.

use alloc::string::String;
use core::fmt;

use unicode_normalization::UnicodeNormalization as _;
use zeroize::Zeroizing;

use super::MAX_PASSWORD_BYTES;

/// A password in NFKC, wiped from memory when dropped.
///
/// Its buffer is allocated once at its largest size, so that no reallocation leaves a copy
/// behind in freed memory.
pub struct Normalized {
    text: Zeroizing<String>,
    chars: usize,
}

/// The password is over [`MAX_PASSWORD_BYTES`], before or after normalisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the password is over {MAX_PASSWORD_BYTES} bytes")]
#[non_exhaustive]
pub struct TooManyBytes;

/// Normalises `password` to NFKC (see the [module docs](super) for why that form).
///
/// # Errors
///
/// [`TooManyBytes`]; normalisation stops as soon as the cap is passed.
pub fn normalize(password: &str) -> Result<Normalized, TooManyBytes> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(TooManyBytes);
    }
    let mut text = Zeroizing::new(String::with_capacity(MAX_PASSWORD_BYTES));
    let mut chars = 0;
    for c in password.nfkc() {
        if text.len() + c.len_utf8() > MAX_PASSWORD_BYTES {
            return Err(TooManyBytes);
        }
        text.push(c);
        chars += 1;
    }
    Ok(Normalized { text, chars })
}

impl Normalized {
    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Its length in Unicode scalar values.
    pub fn chars(&self) -> usize {
        self.chars
    }
}

impl fmt::Debug for Normalized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Normalized")
            .field("chars", &self.chars)
            .finish_non_exhaustive()
    }
}
