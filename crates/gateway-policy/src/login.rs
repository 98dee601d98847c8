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

use crate::access::{AccessList, Decision, DenyReason};
use crate::accounts::{Account, Permissions};
use crate::identity::Identity;
use crate::lockout::{self, Failure};
use crate::name::Name;
use crate::password::{self, StoredHashError, Verdict, Verifier};
use crate::services::ServiceId;
use crate::session::{EndReason, Random, Session, SessionError, SessionId};
use crate::source::Source;
use crate::time::UnixTime;

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
            lockout::Status::Locked { .. }
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

    fn change_required(
        &self,
        account: &Account,
        password: &str,
        now: UnixTime,
    ) -> Option<ChangeRequired> {
        if account.must_change_password {
            return Some(ChangeRequired::Marked);
        }
        // The same comparison that refuses a default as a new password, so that a changed
        // password is never taken for a default again (and `ｍｏｘａ` is).
        if password::is_vendor_default(password) {
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
