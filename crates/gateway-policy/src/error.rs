//! The crate's errors in one place: [`Error`] over every part's error, and [`OutOfRange`],
//! the one shape of a setting outside its range, shared by the lockout and password policies.

use core::ops::RangeInclusive;

use crate::access::{AccessListError, EntryError, SyntaxError};
use crate::accounts::DirectoryError;
use crate::banner::BannerError;
use crate::firmware::DigestError;
#[cfg(feature = "alloc")]
use crate::identity::ChangeError;
use crate::lockout::LockoutPolicyError;
#[cfg(feature = "alloc")]
use crate::password::TooManyBytes;
#[cfg(feature = "alloc")]
use crate::password::storage::HashError;
use crate::password::{PolicyError, StoredHashError};
use crate::session::SessionError;
use crate::time::TimeError;

/// A number setting outside the range this crate or the device accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field} = {value} is outside {min}..={max}")]
pub struct OutOfRange {
    /// The setting, as it is spelled in a configuration file.
    pub field: &'static str,
    /// Its value.
    pub value: u32,
    /// The smallest value accepted.
    pub min: u32,
    /// The largest value accepted.
    pub max: u32,
}

impl OutOfRange {
    /// `Ok` when `value` lies in `range`, else the error naming `field`.
    ///
    /// # Errors
    ///
    /// [`OutOfRange`] with the range's ends.
    pub fn check(field: &'static str, value: u32, range: RangeInclusive<u32>) -> Result<(), Self> {
        if range.contains(&value) {
            Ok(())
        } else {
            Err(Self {
                field,
                value,
                min: *range.start(),
                max: *range.end(),
            })
        }
    }
}

/// Any error of this crate, for callers that handle them together (`?` into one type). Each
/// part's own error stays the precise one its functions return.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An accessible IP list setting.
    #[error(transparent)]
    AccessList(#[from] AccessListError),
    /// An accessible IP list entry.
    #[error(transparent)]
    Entry(#[from] EntryError),
    /// An accessible IP list entry's text.
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
    /// The account and role directory.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// The login banner.
    #[error(transparent)]
    Banner(#[from] BannerError),
    /// The firmware digest check.
    #[error(transparent)]
    Digest(#[from] DigestError),
    /// A lockout policy setting.
    #[error(transparent)]
    LockoutPolicy(#[from] LockoutPolicyError),
    /// A password policy setting.
    #[error(transparent)]
    PasswordPolicy(#[from] PolicyError),
    /// A stored password hash.
    #[error(transparent)]
    StoredHash(#[from] StoredHashError),
    /// A password too long to normalise.
    #[cfg(feature = "alloc")]
    #[error(transparent)]
    TooManyBytes(#[from] TooManyBytes),
    /// Password hashing.
    #[cfg(feature = "alloc")]
    #[error(transparent)]
    Hash(#[from] HashError),
    /// A password change.
    #[cfg(feature = "alloc")]
    #[error(transparent)]
    Change(#[from] ChangeError),
    /// The session table.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// A time in a configuration or report.
    #[error(transparent)]
    Time(#[from] TimeError),
}
