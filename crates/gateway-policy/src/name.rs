//! Account and role names. Both guides' devices treat `Admin` and `admin` as one account: the
//! comparison lives here, in [`Name`]'s equality and hash, and the directory, the lockout and
//! the sessions all compare names through it.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::Deref;

/// The longest account or role name, in bytes.
pub const MAX_NAME_LEN: usize = 32;

/// An account or role name as it was written, at most [`MAX_NAME_LEN`] bytes. Equal to any
/// name (or `str`) that differs only in ASCII case, and hashed the same.
///
/// [`Name::new`] only bounds the length; the directory's character rule is
/// [`valid_name`](crate::accounts::valid_name).
#[derive(Clone, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Name(heapless::String<MAX_NAME_LEN>);

impl Name {
    /// `text` as a name, or `None` when it is longer than [`MAX_NAME_LEN`] bytes.
    pub fn new(text: &str) -> Option<Self> {
        heapless::String::try_from(text).ok().map(Self)
    }

    /// The first [`MAX_NAME_LEN`] bytes of `text` that end on a character boundary: the key
    /// of a name as typed, which may be longer than any account's.
    pub fn truncated(text: &str) -> Self {
        let mut name = heapless::String::new();
        for c in text.chars() {
            if name.push(c).is_err() {
                break;
            }
        }
        Self(name)
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for Name {}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for byte in self.0.bytes() {
            state.write_u8(byte.to_ascii_lowercase());
        }
        state.write_u8(0xff);
    }
}

impl TryFrom<&str> for Name {
    type Error = ();

    fn try_from(text: &str) -> Result<Self, ()> {
        Self::new(text).ok_or(())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_and_hash_ignore_ascii_case_only() {
        use core::hash::BuildHasher;
        let admin = Name::new("Admin").unwrap();
        assert_eq!(admin, Name::new("aDMIN").unwrap());
        assert_eq!(admin, "admin");
        assert_ne!(admin, Name::new("admin2").unwrap());
        // Not Unicode case folding: the directory's names are ASCII, and a typed `ADMİN`
        // (dotted capital I) is another name.
        assert_ne!(admin, "ADMİN");
        let hasher = std::hash::RandomState::new();
        assert_eq!(
            hasher.hash_one(&admin),
            hasher.hash_one(Name::new("ADMIN").unwrap())
        );
        assert_eq!(admin.as_str(), "Admin", "kept as written");
    }

    #[test]
    fn length_is_bounded() {
        let long = "a".repeat(MAX_NAME_LEN + 1);
        assert_eq!(Name::new(&long), None);
        assert_eq!(Name::truncated(&long).len(), MAX_NAME_LEN);
        // Truncation never splits a character.
        let wide = "é".repeat(MAX_NAME_LEN);
        assert_eq!(Name::truncated(&wide).len(), MAX_NAME_LEN);
        assert!(Name::new(&"a".repeat(MAX_NAME_LEN)).is_some());
    }
}
