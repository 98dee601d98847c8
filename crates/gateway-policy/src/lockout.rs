//! Login failure lockout (MGate "Account Login Failure Lockout", AIG-302 "Login Lockout",
//! IEC 62443-4-2 CR 1.11).
//!
//! # Semantics, with N = [`LockoutPolicy::max_failures`]
//!
//! | failures so far | this attempt | result |
//! |---|---|---|
//! | N - 2 or fewer | wrong password | counted; [`Failure::Counted`] says how many remain |
//! | N - 1 | wrong password | the N-th failure: locked now, for the lockout period from this attempt ([`Failure::LockedNow`]) |
//! | N - 1 | right password | logged in; the counter goes back to 0 |
//! | N (locked) | any password | refused, not counted, the lock not extended ([`Failure::WhileLocked`]) unless [`LockoutPolicy::extend_on_attempt`] |
//! | N (lock over) | any | a fresh start: the counter is 0 again |
//!
//! A lock lasts the half-open interval `[locked_at, locked_at + lockout period)`: at exactly
//! `locked_at + period` the account is open again. The counter restarts when the failure-counter
//! reset period (AIG-302) has passed since the **last** failure, as the Windows account lockout
//! policy does; the MGate has no such setting (`None`), and its counter restarts only on a
//! success or at the end of a lock.
//!
//! # Where this differs from pam_faillock
//!
//! - pam_faillock (`deny=N`) also locks at the N-th failure, but counts the failures inside a
//!   sliding `fail_interval` window, so spacing attempts just over the window apart never locks;
//!   counting from the last failure does lock them.
//! - In the usual pam_faillock stack (`preauth` ... `authfail`) an attempt during a lock is
//!   written to the tally and so moves the end of the lock; here it does not by default, so a
//!   remote attacker cannot keep an account locked by trying once a minute.
//! - After `unlock_time`, pam_faillock still counts the old failures inside `fail_interval`, so
//!   one more failure locks again at once; here the lock's end is a fresh start.
//!
//! # Keys, trusted sources and memory
//!
//! Failures are counted per canonical (ASCII lower-case) account name, and with
//! [`LockoutKey::AccountAndSource`] per account and source address. Only existing accounts are
//! tracked (the login flow never records a failure for an unknown name, whose denial looks the
//! same either way), so a flood of random user names takes no room.
//!
//! The local console and the [`trusted`](LockoutPolicy::trusted) networks always count on their
//! own key, per account and source: failures elsewhere never lock them out. With the console
//! always trusted, no remote attempt can lock the last administrator out of the device, and
//! the trusted source is still locked for its own failures.
//!
//! The table holds `N` entries. When it is full, an entry whose lock and counter have run out is
//! reused first, then the open entry with the oldest failure, then the lock that ends soonest;
//! each eviction is counted ([`Lockout::evictions`]). In the default [`LockoutKey::Account`]
//! mode there is at most one entry per account plus one per (account, trusted source), so a
//! table of twice the account count never evicts.

use ipnet::IpNet;

use crate::login::Source;
use crate::time::UnixTime;

/// The longest account name (bytes), as [`accounts`](crate::accounts) allows.
const MAX_KEY_LEN: usize = crate::accounts::MAX_NAME_LEN;

/// Lockout settings.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct LockoutPolicy {
    /// Whether failures lock at all.
    pub enabled: bool,
    /// Failures that lock (MGate "Retry failure threshold" 1-10, AIG "Max Failed Retries").
    pub max_failures: u8,
    /// Minutes without a failure after which the counter restarts (AIG "Failure Counter Reset
    /// Period"); `None` on the MGate.
    pub reset_minutes: Option<u16>,
    /// Minutes a lock lasts (MGate "Lockout time" 1-60, AIG "Lockout Period").
    pub lockout_minutes: u16,
    /// Whether failures count per account only (pam_faillock, both guides) or per account and
    /// source address.
    pub key: LockoutKey,
    /// Whether an attempt during a lock starts the lockout period again (pam_faillock's usual
    /// stack does; off by default, see the module docs).
    pub extend_on_attempt: bool,
    /// Networks counted on their own key, like the console (an engineering workstation subnet),
    /// written in CIDR form (`192.168.127.0/24`).
    #[cfg_attr(feature = "serde", serde(default, with = "cidr_list"))]
    pub trusted: heapless::Vec<IpNet, 4>,
}

/// What failures are counted against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum LockoutKey {
    /// The account, whatever the source: an attacker anywhere locks it for everyone (except
    /// trusted sources).
    Account,
    /// The account from one source address: an attacker locks only itself out, and the table
    /// needs room for the sources it uses.
    AccountAndSource,
}

/// Why a policy is not valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LockoutPolicyError {
    /// A number is outside the supported range.
    #[error("{field} = {value} is outside {min}..={max}")]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// Its value.
        value: u32,
        /// Smallest accepted.
        min: u32,
        /// Largest accepted.
        max: u32,
    },
}

/// Where an account stands for one source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not locked.
    Open {
        /// Failures counted so far.
        failures: u8,
    },
    /// Locked until the given time (exclusive).
    Locked {
        /// When the lock ends.
        until: UnixTime,
    },
}

/// What [`Lockout::record_failure`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "result"))]
pub enum Failure {
    /// Counted; not locked yet.
    Counted {
        /// Failures so far.
        failures: u8,
        /// Failures left before the lock.
        remaining: u8,
    },
    /// This failure locked the account (for this key).
    LockedNow {
        /// When the lock ends.
        until: UnixTime,
    },
    /// The account was already locked; the failure was not counted.
    WhileLocked {
        /// When the lock ends (later than before if it was extended).
        until: UnixTime,
        /// Whether this attempt extended it.
        extended: bool,
    },
    /// Lockout is disabled.
    Disabled,
}

/// A lock in force, for an administrator's list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lock<'a> {
    /// The account (canonical name).
    pub account: &'a str,
    /// The source it applies to: `None` for every untrusted source.
    pub source: Option<Source>,
    /// When it ends.
    pub until: UnixTime,
}

/// The failure counters and locks, in `N` entries.
#[derive(Clone, Debug)]
pub struct Lockout<const N: usize = 64> {
    policy: LockoutPolicy,
    entries: heapless::Vec<Entry, N>,
    evictions: u32,
}

impl LockoutPolicy {
    /// The MGate as shipped: off; threshold 5 and 5 minutes when switched on (guide 3.3).
    pub const fn mgate_default() -> Self {
        Self {
            enabled: false,
            max_failures: 5,
            reset_minutes: None,
            lockout_minutes: 5,
            key: LockoutKey::Account,
            extend_on_attempt: false,
            trusted: heapless::Vec::new(),
        }
    }

    /// The MGate guide's suggestion: switched on, with the values its page shows.
    pub const fn mgate_recommended() -> Self {
        Self {
            enabled: true,
            max_failures: 5,
            reset_minutes: None,
            lockout_minutes: 5,
            key: LockoutKey::Account,
            extend_on_attempt: false,
            trusted: heapless::Vec::new(),
        }
    }

    /// The AIG-302 guide's page (3.3.5): 10 failures, counter reset after 15 minutes, locked for
    /// 10 minutes. Also the IEC 62443-4-2 CR 1.11 preset: the standard asks for a configurable
    /// number of attempts in a configurable period and a lock for a specified time, and gives no
    /// numbers.
    pub const fn aig302_default() -> Self {
        Self {
            enabled: true,
            max_failures: 10,
            reset_minutes: Some(15),
            lockout_minutes: 10,
            key: LockoutKey::Account,
            extend_on_attempt: false,
            trusted: heapless::Vec::new(),
        }
    }

    /// Checks the numbers: 1-100 failures (NIST SP 800-63B caps consecutive failures at 100),
    /// 1-1440 minutes.
    ///
    /// # Errors
    ///
    /// The first field out of range.
    pub fn validate(&self) -> Result<(), LockoutPolicyError> {
        let check = |field, value: u32, min, max| {
            if (min..=max).contains(&value) {
                Ok(())
            } else {
                Err(LockoutPolicyError::OutOfRange {
                    field,
                    value,
                    min,
                    max,
                })
            }
        };
        check("max_failures", self.max_failures.into(), 1, 100)?;
        check("lockout_minutes", self.lockout_minutes.into(), 1, 1440)?;
        if let Some(minutes) = self.reset_minutes {
            check("reset_minutes", minutes.into(), 1, 1440)?;
        }
        Ok(())
    }

    /// Whether `source` counts on its own key.
    pub fn is_trusted(&self, source: Source) -> bool {
        match source {
            Source::Console => true,
            Source::Network(address) => {
                let address = address.to_canonical();
                self.trusted.iter().any(|net| net.contains(&address))
            }
        }
    }

    fn lock_secs(&self) -> u64 {
        u64::from(self.lockout_minutes) * 60
    }
}

impl Default for LockoutPolicy {
    /// [`LockoutPolicy::mgate_recommended`].
    fn default() -> Self {
        Self::mgate_recommended()
    }
}

impl<const N: usize> Lockout<N> {
    /// An empty table.
    pub const fn new(policy: LockoutPolicy) -> Self {
        Self {
            policy,
            entries: heapless::Vec::new(),
            evictions: 0,
        }
    }

    /// The settings.
    pub fn policy(&self) -> &LockoutPolicy {
        &self.policy
    }

    /// Where `account` stands for `source` at `now`.
    pub fn status(&self, account: &str, source: Source, now: UnixTime) -> Status {
        let key = self.key(account, source);
        match self.find(&key) {
            Some(entry) if self.policy.enabled => entry.status(&self.policy, now),
            _ => Status::Open { failures: 0 },
        }
    }

    /// Records a wrong password for an existing `account` from `source`.
    pub fn record_failure(&mut self, account: &str, source: Source, now: UnixTime) -> Failure {
        if !self.policy.enabled {
            return Failure::Disabled;
        }
        let key = self.key(account, source);
        let index = match self.entries.iter().position(|entry| entry.key == key) {
            Some(index) => index,
            None => {
                let Some(index) = self.insert(key, now) else {
                    // Only when N is 0.
                    return Failure::Disabled;
                };
                index
            }
        };
        let policy = &self.policy;
        let Some(entry) = self.entries.get_mut(index) else {
            return Failure::Disabled;
        };
        match entry.status(policy, now) {
            Status::Locked { until } => {
                if policy.extend_on_attempt {
                    let until = now.plus_secs(policy.lock_secs());
                    entry.locked_until = Some(until);
                    Failure::WhileLocked {
                        until,
                        extended: true,
                    }
                } else {
                    Failure::WhileLocked {
                        until,
                        extended: false,
                    }
                }
            }
            Status::Open { failures } => {
                let failures = failures.saturating_add(1);
                entry.failures = failures;
                entry.last_failure = now;
                entry.locked_until = None;
                if failures >= policy.max_failures {
                    let until = now.plus_secs(policy.lock_secs());
                    entry.locked_until = Some(until);
                    Failure::LockedNow { until }
                } else {
                    Failure::Counted {
                        failures,
                        remaining: policy.max_failures - failures,
                    }
                }
            }
        }
    }

    /// Records a successful login: the counter for this key goes back to 0. (The login flow
    /// never calls this during a lock.)
    pub fn record_success(&mut self, account: &str, source: Source) {
        let key = self.key(account, source);
        self.entries.retain(|entry| entry.key != key);
    }

    /// An administrator unlocks `account` for every source (CR 1.11 "until unlocked by an
    /// administrator"). Returns how many entries were cleared.
    pub fn unlock(&mut self, account: &str) -> usize {
        let before = self.entries.len();
        self.entries
            .retain(|entry| !entry.key.account.eq_ignore_ascii_case(account));
        before - self.entries.len()
    }

    /// The locks in force at `now`.
    pub fn locks(&self, now: UnixTime) -> impl Iterator<Item = Lock<'_>> {
        let enabled = self.policy.enabled;
        self.entries
            .iter()
            .filter_map(move |entry| match entry.locked_until {
                Some(until) if enabled && now < until => Some(Lock {
                    account: &entry.key.account,
                    source: entry.key.source,
                    until,
                }),
                _ => None,
            })
    }

    /// How many entries are in use (at most `N`).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is in use.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many entries were evicted because the table was full.
    pub fn evictions(&self) -> u32 {
        self.evictions
    }

    fn key(&self, account: &str, source: Source) -> Key {
        let mut name = heapless::String::new();
        for c in account.chars() {
            if name.push(c.to_ascii_lowercase()).is_err() {
                break;
            }
        }
        let source = match source {
            Source::Network(address) => Source::Network(address.to_canonical()),
            Source::Console => Source::Console,
        };
        let source = if self.policy.is_trusted(source) {
            Some(source)
        } else {
            match (self.policy.key, source) {
                (LockoutKey::AccountAndSource, Source::Network(address)) => {
                    Some(Source::Network(address))
                }
                _ => None,
            }
        };
        Key {
            account: name,
            source,
        }
    }

    fn find(&self, key: &Key) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.key == *key)
    }

    /// Adds a fresh entry, evicting one if the table is full; returns its index.
    fn insert(&mut self, key: Key, now: UnixTime) -> Option<usize> {
        let entry = Entry {
            key,
            failures: 0,
            last_failure: now,
            locked_until: None,
        };
        if self.entries.is_full() {
            let policy = &self.policy;
            // Spent entries first, then the oldest open one, then the lock ending soonest.
            let victim = self
                .entries
                .iter()
                .enumerate()
                .min_by_key(|(_, old)| match old.status(policy, now) {
                    Status::Open { failures: 0 } => (0, 0),
                    Status::Open { .. } => (1, old.last_failure.as_secs()),
                    Status::Locked { until } => (2, until.as_secs()),
                })
                .map(|(index, _)| index)?;
            let spent = matches!(
                self.entries.get(victim).map(|old| old.status(policy, now)),
                Some(Status::Open { failures: 0 })
            );
            if !spent {
                self.evictions = self.evictions.saturating_add(1);
            }
            self.entries.swap_remove(victim);
        }
        self.entries.push(entry).ok()?;
        Some(self.entries.len() - 1)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Key {
    account: heapless::String<MAX_KEY_LEN>,
    /// `None`: the account from any untrusted source.
    source: Option<Source>,
}

#[derive(Clone, Debug)]
struct Entry {
    key: Key,
    failures: u8,
    last_failure: UnixTime,
    locked_until: Option<UnixTime>,
}

impl Entry {
    fn status(&self, policy: &LockoutPolicy, now: UnixTime) -> Status {
        if let Some(until) = self.locked_until {
            return if now < until {
                Status::Locked { until }
            } else {
                // The end of a lock is a fresh start.
                Status::Open { failures: 0 }
            };
        }
        let reset = policy
            .reset_minutes
            .is_some_and(|minutes| now.secs_since(self.last_failure) >= u64::from(minutes) * 60);
        Status::Open {
            failures: if reset { 0 } else { self.failures },
        }
    }
}

#[cfg(feature = "serde")]
mod cidr_list {
    use core::fmt::Write as _;

    use ipnet::IpNet;
    use serde::de::Error as _;
    use serde::{Deserialize as _, Deserializer, Serializer};

    type Text = heapless::String<64>;

    pub(super) fn serialize<S: Serializer>(
        nets: &heapless::Vec<IpNet, 4>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(nets.iter().map(|net| {
            let mut text = Text::new();
            let _fits = write!(text, "{net}");
            text
        }))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<heapless::Vec<IpNet, 4>, D::Error> {
        let texts = heapless::Vec::<Text, 4>::deserialize(d)?;
        texts
            .iter()
            .map(|text| {
                text.parse::<IpNet>()
                    .map(|net| net.trunc())
                    .map_err(|_| D::Error::custom(format_args!("{text:?} is not a CIDR network")))
            })
            .collect()
    }
}
