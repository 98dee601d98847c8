//! The login flow: one call that applies the accessible IP list, the lockout, the account's
//! state, the password and the session rules, and returns a typed outcome with the audit facts
//! to record.
//!
//! # Order
//!
//! 1. **Accessible IP list** (network sources; the console is not on the network). A refused
//!    source gets [`PublicReason::SourceNotAllowed`] at once: no password is hashed and nothing
//!    is counted, so a refused address cannot make the device do argon2 work (it learns only
//!    what the refused TCP connection would tell it anyway).
//! 2. **Account** lookup, without regard to case.
//! 3. **Lockout** status of the account for this source.
//! 4. **Exactly one password verification**, whatever the case: against the account's hash, or
//!    against the dummy hash when the account does not exist. A locked or deactivated account's
//!    password is verified too and the result not used, so the time taken says nothing.
//! 5. **Decision**: an unknown account, a wrong password, a locked account, a deactivated
//!    account and an unusable stored hash all return [`PublicReason::InvalidCredentials`]; the
//!    [`Detail`] says which, for the log. Only a wrong password for an existing, open account
//!    counts towards the lockout.
//! 6. **Session**: after a right password, the lockout counter is cleared and a session is
//!    opened under the [`SessionPolicy`](crate::session::SessionPolicy). A refusal at the
//!    per-account limit is shown as such ([`PublicReason::SessionLimit`]): the client has
//!    proved the password.
//! 7. **Password state**: a forced change (first login with factory credentials, a vendor
//!    default password, an administrator's reset, an expired password) or a reminder.

use core::fmt;
use core::net::IpAddr;

use crate::access::{AccessList, Decision, DenyReason};
use crate::accounts::{Directory, DirectoryError, Name, Permissions};
use crate::lockout::{Failure, Lockout};
use crate::password::{PasswordPolicy, StoredHashError, Verdict};
use crate::services::ServiceId;
use crate::session::{EndReason, Random, Session, SessionError, SessionId, Sessions};
use crate::time::UnixTime;

/// Where a login comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Source {
    /// The local serial console.
    Console,
    /// A network peer.
    Network(IpAddr),
}

/// Checks a password against a stored hash; [`Hasher`](crate::password::storage::Hasher) is
/// one. The login flow calls [`verify`](Verifier::verify) exactly once per attempt that passes
/// the accessible IP list.
pub trait Verifier {
    /// Verifies `password` against `stored`, or does the same work against a dummy hash when
    /// `stored` is `None` (unknown account) and returns [`Verdict::Mismatch`].
    fn verify(&self, stored: Option<&str>, password: &str) -> Verdict;

    /// Whether `stored` should be replaced by a hash with the current parameters.
    fn needs_rehash(&self, _stored: &str) -> bool {
        false
    }
}

/// One login attempt.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct LoginRequest<'a> {
    /// Where it comes from.
    pub source: Source,
    /// Through which service (HTTPS, SSH, serial console...).
    pub service: ServiceId,
    /// The account name as typed.
    pub account: &'a str,
    /// The password as typed.
    pub password: &'a str,
    /// The time.
    pub now: UnixTime,
}

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

/// What a login did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginResult {
    /// Granted or denied.
    pub outcome: Outcome,
    /// What to record in the audit log, in order.
    pub facts: heapless::Vec<Fact, 4>,
}

/// Granted or denied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Logged in.
    Granted(Granted),
    /// Refused.
    Denied(Denied),
}

/// A successful login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Granted {
    /// The new session.
    pub session: SessionId,
    /// The account as the directory spells it.
    pub account: Name,
    /// What it may do.
    pub permissions: Permissions,
    /// Set when the password must be changed before anything else.
    pub change_required: Option<ChangeRequired>,
    /// Set when the password is older than the reminder threshold.
    pub reminder: Option<Reminder>,
    /// Whether the stored hash should be replaced now, while the password is at hand.
    pub rehash: bool,
}

/// Why the password must be changed now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ChangeRequired {
    /// The account is marked: first login with factory credentials, or an administrator's reset.
    Marked,
    /// The password is a vendor default.
    VendorDefault,
    /// Older than the policy's lifetime.
    Expired {
        /// Its age in days.
        age_days: u64,
    },
}

/// A change reminder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Reminder {
    /// The password's age in days.
    pub age_days: u64,
    /// The threshold.
    pub threshold_days: u16,
}

/// A refusal: what to show and what to log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Denied {
    /// Safe to show to the client.
    pub public: PublicReason,
    /// For the log only.
    pub detail: Detail,
}

/// What the client is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum PublicReason {
    /// The source address is not on the accessible IP list.
    SourceNotAllowed,
    /// Unknown account, wrong password, locked or deactivated account: one answer for all.
    InvalidCredentials,
    /// The account holds its maximum number of sessions.
    SessionLimit,
    /// The device cannot open a session now.
    Unavailable,
}

/// What actually happened, for the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "detail"))]
pub enum Detail {
    /// Refused by the accessible IP list.
    SourceNotAllowed {
        /// Why.
        #[cfg_attr(feature = "serde", serde(skip))]
        reason: DenyReason,
    },
    /// No such account.
    UnknownAccount,
    /// Wrong password, and what the lockout did with it.
    WrongPassword {
        /// The lockout's answer.
        lockout: Failure,
    },
    /// The account is locked for this source (the password was not looked at).
    Locked {
        /// The lockout's answer.
        lockout: Failure,
    },
    /// The account is deactivated.
    Inactive,
    /// The account's stored hash was refused.
    StoredHashUnusable {
        /// Why.
        #[cfg_attr(feature = "serde", serde(skip))]
        error: StoredHashError,
    },
    /// The per-account session limit, with [`WhenFull::RejectNew`](crate::session::WhenFull).
    SessionLimit {
        /// The limit.
        max: u8,
    },
    /// The session table is full.
    SessionTableFull,
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
pub enum ChangeError {
    /// The new password breaks the policy.
    #[error("{0}")]
    Rejected(crate::password::Rejections),
    /// The account is unknown.
    #[error("{0}")]
    Directory(DirectoryError),
    /// Hashing failed.
    #[error("{0}")]
    Hash(crate::password::storage::HashError),
}

/// Something to record in the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact {
    /// A login succeeded.
    LoginSucceeded {
        /// Its session.
        session: SessionId,
    },
    /// A login failed.
    LoginFailed(Detail),
    /// This attempt locked the account.
    AccountLocked {
        /// Until when.
        until: UnixTime,
    },
    /// A session ended to make room.
    SessionEnded {
        /// The session.
        session: Session,
        /// Why.
        reason: EndReason,
    },
    /// The account now has sessions from different source addresses.
    AbnormalSessions,
    /// The password must be changed.
    PasswordChangeRequired(ChangeRequired),
}

impl<const A: usize, const R: usize, const L: usize, const S: usize> Identity<A, R, L, S> {
    /// Runs one login attempt (see the [module docs](self) for the order). Without an
    /// accessible IP list, pass an inactive one,
    /// `&AccessList::<1>::default()`.
    pub fn login<const N: usize>(
        &mut self,
        access: &AccessList<N>,
        request: &LoginRequest<'_>,
        verifier: &impl Verifier,
        random: &mut impl Random,
    ) -> LoginResult {
        let mut facts = heapless::Vec::new();
        let LoginRequest {
            source,
            service,
            account: typed,
            password,
            now,
        } = *request;

        if let Source::Network(address) = source {
            if let Decision::Deny(reason) = access.check(address, service.traffic()) {
                return denied(
                    PublicReason::SourceNotAllowed,
                    Detail::SourceNotAllowed { reason },
                    facts,
                );
            }
        }

        let Some(account) = self.directory.account(typed) else {
            let _same_work = verifier.verify(None, password);
            return denied(
                PublicReason::InvalidCredentials,
                Detail::UnknownAccount,
                facts,
            );
        };
        let locked = matches!(
            self.lockout.status(&account.name, source, now),
            crate::lockout::Status::Locked { .. }
        );
        let verdict = verifier.verify(Some(&account.password), password);
        let name = account.name.clone();
        let active = account.active;

        if locked {
            let lockout = self.lockout.record_failure(&name, source, now);
            return denied(
                PublicReason::InvalidCredentials,
                Detail::Locked { lockout },
                facts,
            );
        }
        if !active {
            return denied(PublicReason::InvalidCredentials, Detail::Inactive, facts);
        }
        match verdict {
            Verdict::Match => {}
            Verdict::Unusable(error) => {
                return denied(
                    PublicReason::InvalidCredentials,
                    Detail::StoredHashUnusable { error },
                    facts,
                );
            }
            Verdict::Mismatch => {
                let lockout = self.lockout.record_failure(&name, source, now);
                if let Failure::LockedNow { until } = lockout {
                    let _ = facts.push(Fact::AccountLocked { until });
                }
                return denied(
                    PublicReason::InvalidCredentials,
                    Detail::WrongPassword { lockout },
                    facts,
                );
            }
        }

        self.lockout.record_success(&name, source);
        let opened = match self.sessions.open(&name, source, service, now, random) {
            Ok(opened) => opened,
            Err(SessionError::AccountLimit(max)) => {
                return denied(
                    PublicReason::SessionLimit,
                    Detail::SessionLimit { max },
                    facts,
                );
            }
            Err(_) => return denied(PublicReason::Unavailable, Detail::SessionTableFull, facts),
        };
        self.directory.logged_in(&name, now);
        let _ = facts.push(Fact::LoginSucceeded { session: opened.id });
        if let Some(session) = opened.replaced {
            let _ = facts.push(Fact::SessionEnded {
                session,
                reason: EndReason::Replaced,
            });
        }
        if opened.abnormal {
            let _ = facts.push(Fact::AbnormalSessions);
        }

        let (change_required, reminder, rehash) = match self.directory.account(&name) {
            Some(account) => (
                self.change_required(account, password, now),
                self.reminder(account.password_changed, now),
                verifier.needs_rehash(&account.password),
            ),
            None => (None, None, false),
        };
        if let Some(change) = change_required {
            let _ = facts.push(Fact::PasswordChangeRequired(change));
        }
        LoginResult {
            outcome: Outcome::Granted(Granted {
                session: opened.id,
                permissions: self.directory.permissions(&name),
                account: name,
                change_required,
                reminder: if change_required.is_some() {
                    None
                } else {
                    reminder
                },
                rehash,
            }),
            facts,
        }
    }

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
        hasher: &crate::password::storage::Hasher<'_>,
        salt: &[u8; crate::password::storage::SALT_LEN],
        now: UnixTime,
    ) -> Result<usize, ChangeError> {
        use crate::password::{Rejection, Rejections, normalize};

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
    /// after a login that returned [`Granted::rehash`]. The history and the change time stay.
    ///
    /// # Errors
    ///
    /// [`ChangeError::Hash`] or [`ChangeError::Directory`].
    #[cfg(feature = "alloc")]
    pub fn rehash(
        &mut self,
        account: &str,
        password: &str,
        hasher: &crate::password::storage::Hasher<'_>,
        salt: &[u8; crate::password::storage::SALT_LEN],
    ) -> Result<(), ChangeError> {
        let normalized = crate::password::normalize(password)
            .map_err(|_| ChangeError::Hash(crate::password::storage::HashError::TooLong))?;
        let hash = hasher.hash(&normalized, salt).map_err(ChangeError::Hash)?;
        self.directory
            .rehash(account, hash)
            .map_err(ChangeError::Directory)
    }

    fn change_required(
        &self,
        account: &crate::accounts::Account,
        password: &str,
        now: UnixTime,
    ) -> Option<ChangeRequired> {
        if account.must_change_password {
            return Some(ChangeRequired::Marked);
        }
        // The same comparison that refuses a default as a new password, so that a changed
        // password is never taken for a default again (and `ｍｏｘａ` is).
        if crate::password::is_vendor_default(password) {
            return Some(ChangeRequired::VendorDefault);
        }
        let age_days = now.days_since(account.password_changed).unwrap_or(0);
        self.password_policy
            .lifetime_days
            .filter(|&lifetime| age_days >= u64::from(lifetime))
            .map(|_| ChangeRequired::Expired { age_days })
    }

    fn reminder(&self, changed: UnixTime, now: UnixTime) -> Option<Reminder> {
        let age_days = now.days_since(changed).unwrap_or(0);
        self.password_policy
            .reminder_days
            .filter(|&threshold| age_days >= u64::from(threshold))
            .map(|threshold_days| Reminder {
                age_days,
                threshold_days,
            })
    }
}

fn denied(public: PublicReason, detail: Detail, mut facts: heapless::Vec<Fact, 4>) -> LoginResult {
    facts.insert(0, Fact::LoginFailed(detail)).ok();
    LoginResult {
        outcome: Outcome::Denied(Denied { public, detail }),
        facts,
    }
}

impl fmt::Display for PublicReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SourceNotAllowed => "Access from this address is not allowed.",
            // The MGate's default "Login authentication failure message".
            Self::InvalidCredentials => {
                "The account or password you entered is incorrect. (Your account will be \
                 temporarily locked if excessive tried.)"
            }
            Self::SessionLimit => "This account already has the most sessions it may hold.",
            Self::Unavailable => "Login is not possible now. Try again later.",
        })
    }
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SourceNotAllowed { reason } => write!(f, "{reason}"),
            Self::UnknownAccount => f.write_str("no such account"),
            Self::WrongPassword { lockout } => match lockout {
                Failure::Counted {
                    failures,
                    remaining,
                } => write!(
                    f,
                    "wrong password ({failures} failures, {remaining} before lockout)"
                ),
                Failure::LockedNow { until } => {
                    write!(f, "wrong password; account locked until {until}")
                }
                Failure::WhileLocked { until, .. } => {
                    write!(f, "wrong password; account locked until {until}")
                }
                Failure::Disabled | Failure::Untracked => f.write_str("wrong password"),
            },
            Self::Locked { lockout } => match lockout {
                Failure::WhileLocked {
                    until,
                    extended: true,
                } => write!(f, "account locked; lock extended until {until}"),
                Failure::WhileLocked { until, .. } | Failure::LockedNow { until } => {
                    write!(f, "account locked until {until}")
                }
                _ => f.write_str("account locked"),
            },
            Self::Inactive => f.write_str("account deactivated"),
            Self::StoredHashUnusable { error } => write!(f, "{error}"),
            Self::SessionLimit { max } => {
                write!(f, "the account already holds {max} session(s)")
            }
            Self::SessionTableFull => f.write_str("the session table is full"),
        }
    }
}

impl fmt::Debug for LoginRequest<'_> {
    /// Everything but the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("source", &self.source)
            .field("service", &self.service)
            .field("account", &self.account)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}
