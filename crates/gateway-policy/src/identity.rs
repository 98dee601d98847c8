//! The identity state of a device and its administration: the password policy, the accounts
//! and roles, the lockout and the sessions in one place, and the changes that must touch more
//! than one of them (deactivating or deleting an account ends its sessions; a password change
//! checks the policy, stores the hash and ends sessions). The login flow on top of it is
//! [`login`](crate::login).

use crate::accounts::{Directory, DirectoryError};
use crate::lockout::Lockout;
use crate::password::PasswordPolicy;
#[cfg(feature = "alloc")]
use crate::password::storage::{HashError, Hasher, SALT_LEN};
#[cfg(feature = "alloc")]
use crate::password::{Rejection, Rejections, normalize};
use crate::session::{SessionId, Sessions};
#[cfg(feature = "alloc")]
use crate::time::UnixTime;

/// The identity state of a device: password policy, accounts and roles, lockout and sessions.
/// The default sizes are the MGate's (16 accounts).
#[derive(Clone, Debug)]
pub struct Identity<
    const A: usize = 16,
    const R: usize = 8,
    const L: usize = 64,
    const S: usize = 32,
> {
    /// What new passwords must meet.
    pub password_policy: PasswordPolicy,
    /// Accounts and roles.
    pub directory: Directory<A, R>,
    /// Failure counters and locks.
    pub lockout: Lockout<L>,
    /// Open sessions.
    pub sessions: Sessions<S>,
}

/// Who changes a password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangedBy {
    /// The account itself, from the session given (which stays open).
    Owner(Option<SessionId>),
    /// An administrator's reset: every session ends and the next login must change it.
    Administrator,
}

/// Why a password change was refused.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChangeError {
    /// The new password breaks the policy.
    #[error("{0}")]
    Rejected(Rejections),
    /// The account is unknown.
    #[error("{0}")]
    Directory(DirectoryError),
    /// Hashing failed.
    #[error("{0}")]
    Hash(HashError),
}

impl<const A: usize, const R: usize, const L: usize, const S: usize> Identity<A, R, L, S> {
    /// Deactivates `account` and ends its sessions. Returns how many ended.
    ///
    /// # Errors
    ///
    /// As [`Directory::set_active`].
    pub fn deactivate(&mut self, account: &str) -> Result<usize, DirectoryError> {
        self.directory.set_active(account, false)?;
        Ok(self.sessions.end_account(account, None))
    }

    /// Deletes `account` and ends its sessions. Returns how many ended.
    ///
    /// # Errors
    ///
    /// As [`Directory::delete_account`].
    pub fn delete_account(&mut self, account: &str) -> Result<usize, DirectoryError> {
        self.directory.delete_account(account)?;
        self.lockout.unlock(account);
        Ok(self.sessions.end_account(account, None))
    }

    /// Sets a new password for `account`: checks it against the policy (every reason, the
    /// current password and the policy's history depth included), hashes it with `salt` (random
    /// bytes from the caller), stores it, and ends the account's sessions except the one that
    /// made the change ([`ChangedBy::Owner`]). An administrator's reset marks the account so
    /// that its next login must change the password again. Returns how many sessions ended.
    ///
    /// # Errors
    ///
    /// [`ChangeError`]; the password is not changed.
    #[cfg(feature = "alloc")]
    pub fn change_password(
        &mut self,
        account: &str,
        new_password: &str,
        by: ChangedBy,
        hasher: &Hasher<'_>,
        salt: &[u8; SALT_LEN],
        now: UnixTime,
    ) -> Result<usize, ChangeError> {
        let stored = self
            .directory
            .account(account)
            .ok_or(ChangeError::Directory(DirectoryError::UnknownAccount))?;
        let Ok(normalized) = normalize(new_password) else {
            let mut reasons = Rejections::default();
            reasons.push(Rejection::TooManyBytes);
            return Err(ChangeError::Rejected(reasons));
        };
        let mut reasons = self.password_policy.reasons(&normalized, &stored.name);
        let previous = core::iter::once(stored.password.as_str()).chain(
            stored
                .history
                .iter()
                .take(self.password_policy.history.into())
                .map(|hash| hash.as_str()),
        );
        if hasher.is_reused(&normalized, previous) {
            reasons.push(Rejection::Reused);
        }
        if !reasons.is_empty() {
            return Err(ChangeError::Rejected(reasons));
        }
        let name = stored.name.clone();
        let hash = hasher.hash(&normalized, salt).map_err(ChangeError::Hash)?;
        let (must_change, keep) = match by {
            ChangedBy::Owner(keep) => (false, keep),
            ChangedBy::Administrator => (true, None),
        };
        self.directory
            .set_password(&name, hash, self.password_policy.history, must_change, now)
            .map_err(ChangeError::Directory)?;
        Ok(self.sessions.end_account(&name, keep.as_ref()))
    }

    /// Replaces the stored hash of `account` with one made with the hasher's live parameters,
    /// after a login that returned [`Granted::rehash`](crate::login::Granted::rehash). The history and the change time stay.
    ///
    /// # Errors
    ///
    /// [`ChangeError::Hash`] or [`ChangeError::Directory`].
    #[cfg(feature = "alloc")]
    pub fn rehash(
        &mut self,
        account: &str,
        password: &str,
        hasher: &Hasher<'_>,
        salt: &[u8; SALT_LEN],
    ) -> Result<(), ChangeError> {
        let normalized = normalize(password).map_err(|_| ChangeError::Hash(HashError::TooLong))?;
        let hash = hasher.hash(&normalized, salt).map_err(ChangeError::Hash)?;
        self.directory
            .rehash(account, hash)
            .map_err(ChangeError::Directory)
    }
}
