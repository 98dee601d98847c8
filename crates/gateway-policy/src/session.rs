//! Sessions (AIG-302 guide 3.3.1 "Session Management", IEC 62443-4-2 CR 2.5 session lock,
//! CR 2.6 remote session termination, CR 2.7 concurrent session control).
//!
//! - Idle and absolute timeouts; a session is checked against both on every
//!   [`touch`](Sessions::touch) and ended by [`expire`](Sessions::expire).
//! - A per-account limit with a chosen behaviour when reached: refuse the new session or end
//!   the oldest ([`WhenFull`]). The AIG-302 dashboard asks for one session per account.
//! - The same account from two or more source addresses is abnormal (AIG-302 3.3.1: "more than
//!   one session per account from different source IPs"): [`Opened::abnormal`] and
//!   [`Sessions::abnormal`] flag it. With one session per account (the recommended policy) the
//!   second login ends the first, so the flag also covers a session that displaced a live one
//!   from another address ([`Session::displaced`]), for as long as it lives.
//! - All of an account's sessions end on deactivation, deletion or password change
//!   ([`end_account`](Sessions::end_account)); an administrator ends any one
//!   ([`end`](Sessions::end)).
//! - Session ids are 128 random bits from the caller's [`Random`] source and are compared in
//!   constant time.

use core::fmt;

use subtle::ConstantTimeEq as _;

use crate::name::Name;
use crate::services::ServiceId;
use crate::source::Source;
use crate::time::UnixTime;

/// A source of cryptographically secure random bytes, supplied by the caller (the OS, a
/// hardware RNG, a DRBG). Any `FnMut(&mut [u8])` is one.
pub trait Random {
    /// Fills `buf`.
    fn fill(&mut self, buf: &mut [u8]);
}

impl<F: FnMut(&mut [u8])> Random for F {
    fn fill(&mut self, buf: &mut [u8]) {
        self(buf);
    }
}

/// A session id: 128 random bits, shown as 32 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionId([u8; 16]);

/// Session settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct SessionPolicy {
    /// Seconds without activity after which a session ends.
    pub idle_timeout_secs: u32,
    /// Seconds after login after which a session ends whatever its activity.
    pub absolute_timeout_secs: u32,
    /// Sessions one account may hold at once (at least 1).
    pub max_per_account: u8,
    /// What happens when an account at the limit logs in again.
    pub when_full: WhenFull,
}

/// The behaviour at the per-account limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum WhenFull {
    /// Refuse the new login.
    RejectNew,
    /// End the account's oldest session and open the new one.
    EndOldest,
}

/// An open session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Its id.
    pub id: SessionId,
    /// The account (as the directory spells it).
    pub account: Name,
    /// Where it comes from.
    pub source: Source,
    /// Through which service.
    pub service: ServiceId,
    /// When it began.
    pub started: UnixTime,
    /// The last request.
    pub last_activity: UnixTime,
    /// The source of the live session of the same account that this one ended to make room
    /// ([`WhenFull::EndOldest`]), when it was another address: the two were concurrent from
    /// different places, which stays abnormal while this session lives.
    pub displaced: Option<Source>,
}

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum EndReason {
    /// The user logged out.
    Logout,
    /// No activity for the idle timeout.
    IdleTimeout,
    /// The absolute timeout passed.
    AbsoluteTimeout,
    /// A new login of the same account at its limit ended it ([`WhenFull::EndOldest`]).
    Replaced,
    /// An administrator ended it.
    Terminated,
    /// The account was deactivated or deleted, or its password changed.
    AccountChanged,
}

/// A new session and what opening it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The new session's id.
    pub id: SessionId,
    /// The session ended to make room, if any.
    pub replaced: Option<Session>,
    /// Whether the account now has sessions from two or more source addresses.
    pub abnormal: bool,
}

/// Why a session was not opened or not found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The account holds its maximum and the policy refuses new ones.
    #[error("the account already has {0} session(s), the most it may hold")]
    AccountLimit(u8),
    /// Every slot of the table is taken by a live session.
    #[error("the session table is full")]
    TableFull,
    /// No session has that id.
    #[error("no such session")]
    Unknown,
    /// The session had ended by timeout (now removed).
    #[error("the session has ended ({0:?})")]
    Expired(EndReason),
}

/// The session table, `N` sessions at most.
#[derive(Clone, Debug)]
pub struct Sessions<const N: usize = 32> {
    policy: SessionPolicy,
    table: heapless::Vec<Session, N>,
}

impl SessionId {
    /// From raw bytes (for tests and for ids read back from a cookie).
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Parses 32 hex digits (either case).
    pub fn parse_hex(text: &str) -> Option<Self> {
        let digits = text.as_bytes();
        if digits.len() != 32 {
            return None;
        }
        let nibble = |digit: u8| char::from(digit).to_digit(16);
        let mut bytes = [0; 16];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let (high, low) = (nibble(*pair.first()?)?, nibble(*pair.get(1)?)?);
            *byte = u8::try_from(high << 4 | low).ok()?;
        }
        Some(Self(bytes))
    }

    fn matches(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for SessionId {
    /// The first four hex digits only: a log line must not carry a usable session id.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, ..] = self.0;
        write!(f, "SessionId({a:02x}{b:02x}…)")
    }
}

impl SessionPolicy {
    /// One session per account (the AIG-302 dashboard check), a new login ending the old one;
    /// 15 minutes idle and 12 hours absolute (OWASP ASVS 4.0 3.3.2 level 2: "12 hours or 30
    /// minutes of inactivity", with the idle time halved for a device that controls a process).
    pub const RECOMMENDED: Self = Self {
        idle_timeout_secs: 15 * 60,
        absolute_timeout_secs: 12 * 60 * 60,
        max_per_account: 1,
        when_full: WhenFull::EndOldest,
    };
}

impl Default for SessionPolicy {
    /// [`SessionPolicy::RECOMMENDED`].
    fn default() -> Self {
        Self::RECOMMENDED
    }
}

impl<const N: usize> Sessions<N> {
    /// An empty table.
    pub const fn new(policy: SessionPolicy) -> Self {
        Self {
            policy,
            table: heapless::Vec::new(),
        }
    }

    /// The settings.
    pub fn policy(&self) -> &SessionPolicy {
        &self.policy
    }

    /// The open sessions (some may have timed out since the last [`expire`](Self::expire)).
    pub fn iter(&self) -> impl Iterator<Item = &Session> {
        self.table.iter()
    }

    /// Opens a session for `account` (already authenticated). Sessions that have timed out
    /// are dropped first.
    ///
    /// # Errors
    ///
    /// [`SessionError::AccountLimit`] with [`WhenFull::RejectNew`], or
    /// [`SessionError::TableFull`].
    pub fn open(
        &mut self,
        account: &str,
        source: Source,
        service: ServiceId,
        now: UnixTime,
        random: &mut impl Random,
    ) -> Result<Opened, SessionError> {
        self.expire(now, |_, _| {});
        let account_name = Name::new(account).ok_or(SessionError::Unknown)?;
        let held = self.count(account);
        let limit = usize::from(self.policy.max_per_account.max(1));
        let mut replaced = None;
        if held >= limit {
            match self.policy.when_full {
                WhenFull::RejectNew => {
                    return Err(SessionError::AccountLimit(self.policy.max_per_account));
                }
                WhenFull::EndOldest => {
                    let oldest = self
                        .table
                        .iter()
                        .enumerate()
                        .filter(|(_, session)| session.account == account)
                        .min_by_key(|(_, session)| session.started)
                        .map(|(index, _)| index);
                    replaced = oldest.map(|index| self.table.swap_remove(index));
                }
            }
        }
        if self.table.is_full() {
            return Err(SessionError::TableFull);
        }
        let mut bytes = [0; 16];
        random.fill(&mut bytes);
        let id = SessionId(bytes);
        let displaced = replaced
            .as_ref()
            .map(|old| old.source)
            .filter(|&old| canonical(old) != canonical(source));
        let _ = self.table.push(Session {
            id,
            account: account_name,
            source,
            service,
            started: now,
            last_activity: now,
            displaced,
        });
        Ok(Opened {
            id,
            replaced,
            abnormal: self.is_abnormal(account),
        })
    }

    /// Checks session `id` at `now` and records the activity.
    ///
    /// # Errors
    ///
    /// [`SessionError::Unknown`], or [`SessionError::Expired`] (the session is removed).
    pub fn touch(&mut self, id: &SessionId, now: UnixTime) -> Result<&Session, SessionError> {
        let index = self.position(id).ok_or(SessionError::Unknown)?;
        let policy = self.policy;
        let expired = self
            .table
            .get(index)
            .and_then(|session| timed_out(&policy, session, now));
        if let Some(reason) = expired {
            self.table.swap_remove(index);
            return Err(SessionError::Expired(reason));
        }
        let session = self.table.get_mut(index).ok_or(SessionError::Unknown)?;
        session.last_activity = now;
        Ok(session)
    }

    /// The session `id`, without recording activity.
    pub fn get(&self, id: &SessionId) -> Option<&Session> {
        self.position(id).and_then(|index| self.table.get(index))
    }

    /// Ends the sessions that have timed out at `now`, calling `ended` for each. Returns how
    /// many.
    pub fn expire(&mut self, now: UnixTime, mut ended: impl FnMut(&Session, EndReason)) -> usize {
        let policy = self.policy;
        let before = self.table.len();
        self.table
            .retain(|session| match timed_out(&policy, session, now) {
                Some(reason) => {
                    ended(session, reason);
                    false
                }
                None => true,
            });
        before - self.table.len()
    }

    /// Ends session `id` (logout, or an administrator's termination).
    pub fn end(&mut self, id: &SessionId) -> Option<Session> {
        self.position(id).map(|index| self.table.swap_remove(index))
    }

    /// Ends every session of `account` except `keep` (the session that changed its own
    /// password). Returns how many.
    pub fn end_account(&mut self, account: &str, keep: Option<&SessionId>) -> usize {
        let before = self.table.len();
        self.table.retain(|session| {
            session.account != account || keep.is_some_and(|keep| session.id.matches(keep))
        });
        before - self.table.len()
    }

    /// How many sessions `account` holds.
    pub fn count(&self, account: &str) -> usize {
        self.table
            .iter()
            .filter(|session| session.account == account)
            .count()
    }

    /// Whether `account` has sessions from two or more source addresses, or one that
    /// displaced a live session from another address.
    pub fn is_abnormal(&self, account: &str) -> bool {
        let mut sessions = self
            .table
            .iter()
            .filter(|session| session.account == account);
        let Some(first) = sessions.next() else {
            return false;
        };
        first.displaced.is_some()
            || sessions.any(|session| {
                session.displaced.is_some() || canonical(session.source) != canonical(first.source)
            })
    }

    /// The accounts with sessions from two or more source addresses, each once.
    pub fn abnormal(&self) -> impl Iterator<Item = &str> {
        self.table
            .iter()
            .enumerate()
            .filter_map(|(index, session)| {
                let first = self
                    .table
                    .iter()
                    .position(|other| other.account == session.account);
                (first == Some(index) && self.is_abnormal(&session.account))
                    .then_some(session.account.as_str())
            })
    }

    /// Looks `id` up, comparing with every entry in constant time.
    fn position(&self, id: &SessionId) -> Option<usize> {
        let mut found = None;
        for (index, session) in self.table.iter().enumerate() {
            if session.id.matches(id) {
                found = Some(index);
            }
        }
        found
    }
}

fn canonical(source: Source) -> Source {
    match source {
        Source::Network(address) => Source::Network(address.to_canonical()),
        Source::Console => Source::Console,
    }
}

fn timed_out(policy: &SessionPolicy, session: &Session, now: UnixTime) -> Option<EndReason> {
    if now.secs_since(session.started) >= u64::from(policy.absolute_timeout_secs) {
        Some(EndReason::AbsoluteTimeout)
    } else if now.secs_since(session.last_activity) >= u64::from(policy.idle_timeout_secs) {
        Some(EndReason::IdleTimeout)
    } else {
        None
    }
}
