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
//! [`LockoutKey::AccountAndSource`] per account and source. An IPv6 source counts by its
//! [`ipv6_prefix`](LockoutPolicy::ipv6_prefix) (a /64 by default: any ISP hands out a /64,
//! so its addresses are one attacker), an IPv4 source by its address. Only existing accounts
//! are tracked (the login flow never records a failure for an unknown name, whose denial
//! looks the same either way), so a flood of random user names takes no room.
//!
//! With [`LockoutKey::AccountAndSource`], every failure from an untrusted source also counts
//! on the account's [`account_budget`](LockoutPolicy::account_budget): when it is spent the
//! account locks for every untrusted source, so that no number of source addresses buys more
//! guesses than the budget per lockout period.
//!
//! Some sources count on keys of their own, which failures elsewhere never lock:
//!
//! - the local console;
//! - each [`trusted`](LockoutPolicy::trusted) network, as one key for the whole network (not
//!   one per address: a trusted /24 gets the threshold, not 254 times it);
//! - the **known sources** of an account: the last [`KNOWN_SOURCES`] (account, source) pairs
//!   that logged in successfully. This is the way out that keeps the last administrator from
//!   being locked out from the network for good: an attacker elsewhere, trying `N` passwords
//!   every lockout period, locks the account for every source it has never logged in from,
//!   while the administrator's own workstation keeps its own counter. It is the "known device"
//!   rule of OWASP's authentication guidance; a source shared with the attacker (one NAT)
//!   gains nothing over the per-source key.
//!
//! The table holds `N` entries. When it is full, an entry whose lock and counter have run out is
//! reused first, then the open entry with the oldest failure; a lock in force is never evicted
//! ([`Lockout::evictions`] counts evictions). When every entry is a lock in force, an
//! untrusted source the table has no entry for is refused as locked until the first lock ends
//! (fail closed); the console, trusted networks and known sources are not, and their failures
//! then go uncounted ([`Failure::Untracked`]). Size `N` for the
//! accounts that may be attacked at once: each needs at most one account-wide entry, its
//! budget's worth of per-source locks (`account_budget / max_failures`), one per trusted
//! network and known source, and one for the console.

use core::net::IpAddr;

use ipnet::IpNet;

use crate::error::OutOfRange;
use crate::name::Name;
use crate::services::Guide;
use crate::source::Source;
use crate::time::UnixTime;

/// Successful (account, source) pairs remembered as known sources.
pub const KNOWN_SOURCES: usize = 8;

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
    /// The leading bits of an IPv6 source that identify it (32-128; 64 by default).
    #[cfg_attr(feature = "serde", serde(default = "default_ipv6_prefix"))]
    pub ipv6_prefix: u8,
    /// [`LockoutKey::AccountAndSource`]: failures from all untrusted sources of one account
    /// that lock it for every untrusted source (at least `max_failures`, at most 1000;
    /// 4 x `max_failures` by default).
    #[cfg_attr(feature = "serde", serde(default))]
    pub account_budget: Option<u16>,
}

#[cfg(feature = "serde")]
const fn default_ipv6_prefix() -> u8 {
    DEFAULT_IPV6_PREFIX
}

/// A /64: what one subscriber gets.
const DEFAULT_IPV6_PREFIX: u8 = 64;

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
#[non_exhaustive]
pub enum LockoutPolicyError {
    /// A number is outside the supported range.
    #[error(transparent)]
    OutOfRange(#[from] OutOfRange),
    /// A setting the device does not have.
    #[error("{field} is not a setting of this device")]
    NotOnDevice {
        /// The field.
        field: &'static str,
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
    /// Every entry of the table is a lock in force, and this source (the console, a trusted
    /// network or a known source) has a key of its own that did not fit: not counted.
    Untracked,
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
    /// (account, source key) pairs that logged in, oldest first.
    known: heapless::Deque<Key, KNOWN_SOURCES>,
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
            ipv6_prefix: DEFAULT_IPV6_PREFIX,
            account_budget: None,
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
            ipv6_prefix: DEFAULT_IPV6_PREFIX,
            account_budget: None,
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
            ipv6_prefix: DEFAULT_IPV6_PREFIX,
            account_budget: None,
        }
    }

    /// Checks the numbers: 1-100 failures (NIST SP 800-63B caps consecutive failures at 100),
    /// 1-1440 minutes.
    ///
    /// # Errors
    ///
    /// The first field out of range.
    pub fn validate(&self) -> Result<(), LockoutPolicyError> {
        let check = |field, value: u32, min, max| OutOfRange::check(field, value, min..=max);
        check("max_failures", self.max_failures.into(), 1, 100)?;
        check("lockout_minutes", self.lockout_minutes.into(), 1, 1440)?;
        if let Some(minutes) = self.reset_minutes {
            check("reset_minutes", minutes.into(), 1, 1440)?;
        }
        check("ipv6_prefix", self.ipv6_prefix.into(), 32, 128)?;
        if let Some(budget) = self.account_budget {
            check(
                "account_budget",
                budget.into(),
                self.max_failures.into(),
                1000,
            )?;
        }
        Ok(())
    }

    /// [`validate`](Self::validate), then the ranges the device's console accepts: MGate
    /// guide 3.3, retry failure threshold 1-10 and lockout time 1-60 minutes, and no
    /// failure-counter reset period (the MGate has none). The AIG-302 guide gives no ranges
    /// beyond the general ones.
    ///
    /// # Errors
    ///
    /// The first field out of the general or the device's range.
    pub fn validate_for(&self, guide: Guide) -> Result<(), LockoutPolicyError> {
        self.validate()?;
        if guide == Guide::MgateMb3000 {
            let check = |field, value: u16, max: u16| {
                OutOfRange::check(field, value.into(), 1..=max.into())
            };
            check("max_failures", self.max_failures.into(), 10)?;
            check("lockout_minutes", self.lockout_minutes, 60)?;
            if self.reset_minutes.is_some() {
                return Err(LockoutPolicyError::NotOnDevice {
                    field: "reset_minutes",
                });
            }
        }
        Ok(())
    }

    /// The failures from all untrusted sources that lock an account under
    /// [`LockoutKey::AccountAndSource`].
    pub fn account_budget(&self) -> u16 {
        self.account_budget
            .unwrap_or_else(|| u16::from(self.max_failures).saturating_mul(4))
    }

    /// Whether `source` counts on its own key: the console or a trusted network.
    pub fn is_trusted(&self, source: Source) -> bool {
        self.trusted_key(source).is_some()
    }

    /// The key a trusted source counts on: the console, or its trusted network's address.
    fn trusted_key(&self, source: Source) -> Option<Source> {
        match source {
            Source::Console => Some(Source::Console),
            Source::Network(address) => {
                let address = address.to_canonical();
                self.trusted
                    .iter()
                    .find(|net| net.contains(&address))
                    .map(|net| Source::Network(net.network()))
            }
        }
    }

    /// The address an untrusted source counts as: IPv4 (mapped or not) as itself, IPv6 by
    /// its prefix.
    fn source_key(&self, source: Source) -> Source {
        match source {
            Source::Network(address) => match address.to_canonical() {
                IpAddr::V6(v6) => {
                    let prefix = self.ipv6_prefix.clamp(32, 128);
                    let net = ipnet::Ipv6Net::new(v6, prefix).map_or(v6, |net| net.network());
                    Source::Network(IpAddr::V6(net))
                }
                v4 => Source::Network(v4),
            },
            Source::Console => Source::Console,
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
            known: heapless::Deque::new(),
            evictions: 0,
        }
    }

    /// The settings.
    pub fn policy(&self) -> &LockoutPolicy {
        &self.policy
    }

    /// Where `account` stands for `source` at `now`.
    pub fn status(&self, account: &str, source: Source, now: UnixTime) -> Status {
        if !self.policy.enabled {
            return Status::Open { failures: 0 };
        }
        let keys = self.keys(account, source);
        let own = match self.find(&keys.own) {
            Some(entry) => entry.status(&self.policy, now),
            None if keys.fails_closed && self.full_of_locks(now) => {
                return Status::Locked {
                    until: self.first_lock_end(now),
                };
            }
            None => Status::Open { failures: 0 },
        };
        let budget = keys
            .budget
            .as_ref()
            .and_then(|key| self.find(key))
            .map(|entry| entry.status(&self.policy, now));
        match (own, budget) {
            (Status::Locked { until }, Some(Status::Locked { until: other })) => Status::Locked {
                until: until.max(other),
            },
            (_, Some(locked @ Status::Locked { .. })) => locked,
            (own, _) => own,
        }
    }

    /// Records a wrong password for an existing `account` from `source`.
    pub fn record_failure(&mut self, account: &str, source: Source, now: UnixTime) -> Failure {
        if !self.policy.enabled {
            return Failure::Disabled;
        }
        if let Status::Locked { until } = self.status(account, source, now) {
            return self.while_locked(account, source, until, now);
        }
        let keys = self.keys(account, source);
        if let Some(budget) = keys.budget {
            let limit = self.policy.account_budget();
            if let Some(index) = self.entry_for(budget, now) {
                if let Some(entry) = self.entries.get_mut(index) {
                    let _ = entry.count(&self.policy, limit, now);
                }
            }
        }
        let Some(index) = self.entry_for(keys.own, now) else {
            // Every entry is a lock in force. Untrusted sources are refused as locked (see
            // `status`); this one has a key of its own and keeps its way in, uncounted.
            return Failure::Untracked;
        };
        let policy = &self.policy;
        let Some(entry) = self.entries.get_mut(index) else {
            return Failure::Disabled;
        };
        let failure = entry.count(policy, policy.max_failures.into(), now);
        match (failure, self.status(account, source, now)) {
            // The budget ran out with this failure: locked for every untrusted source.
            (Failure::Counted { .. }, Status::Locked { until }) => Failure::LockedNow { until },
            (failure, _) => failure,
        }
    }

    /// Records a successful login: the counter for this key goes back to 0, and the source is
    /// remembered as one the account is known at.
    pub fn record_success(&mut self, account: &str, source: Source) {
        let keys = self.keys(account, source);
        self.entries.retain(|entry| entry.key != keys.own);
        if self.policy.trusted_key(source).is_some() {
            return;
        }
        let known = Key {
            account: keys.own.account,
            source: Some(self.policy.source_key(source)),
        };
        if let Some(position) = self.known.iter().position(|k| *k == known) {
            // Move it to the back (most recent).
            let mut kept = heapless::Deque::new();
            for (index, key) in self.known.iter().enumerate() {
                if index != position {
                    let _ = kept.push_back(key.clone());
                }
            }
            self.known = kept;
        } else if self.known.is_full() {
            self.known.pop_front();
        }
        let _ = self.known.push_back(known);
    }

    /// An administrator unlocks `account` for every source (CR 1.11 "until unlocked by an
    /// administrator"). Returns how many entries were cleared.
    pub fn unlock(&mut self, account: &str) -> usize {
        let before = self.entries.len();
        self.entries.retain(|entry| entry.key.account != account);
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

    /// The keys a failure of `account` from `source` counts on.
    fn keys(&self, account: &str, source: Source) -> Keys {
        let name = Name::truncated(account);
        if let Some(trusted) = self.policy.trusted_key(source) {
            return Keys {
                own: Key {
                    account: name,
                    source: Some(trusted),
                },
                budget: None,
                fails_closed: false,
            };
        }
        let address = self.policy.source_key(source);
        let per_source = Key {
            account: name.clone(),
            source: Some(address),
        };
        if self.known.iter().any(|known| *known == per_source) {
            return Keys {
                own: per_source,
                budget: None,
                fails_closed: false,
            };
        }
        let any = Key {
            account: name,
            source: None,
        };
        match self.policy.key {
            LockoutKey::Account => Keys {
                own: any,
                budget: None,
                fails_closed: true,
            },
            LockoutKey::AccountAndSource => Keys {
                own: per_source,
                budget: Some(any),
                fails_closed: true,
            },
        }
    }

    /// The index of `key`'s entry, inserting it (evicting an entry that holds no lock in force
    /// if the table is full); `None` when every entry is a lock in force.
    fn entry_for(&mut self, key: Key, now: UnixTime) -> Option<usize> {
        if let Some(index) = self.entries.iter().position(|entry| entry.key == key) {
            return Some(index);
        }
        self.insert(key, now)
    }

    /// A failure while `source` is locked: not counted; the lock is moved if the policy says
    /// so.
    fn while_locked(
        &mut self,
        account: &str,
        source: Source,
        until: UnixTime,
        now: UnixTime,
    ) -> Failure {
        if !self.policy.extend_on_attempt {
            return Failure::WhileLocked {
                until,
                extended: false,
            };
        }
        let until = now.plus_secs(self.policy.lock_secs());
        let keys = self.keys(account, source);
        for entry in &mut self.entries {
            let ours = entry.key == keys.own || Some(&entry.key) == keys.budget.as_ref();
            if ours && entry.locked_until.is_some_and(|end| now < end) {
                entry.locked_until = Some(until);
            }
        }
        Failure::WhileLocked {
            until,
            extended: true,
        }
    }

    /// Whether every entry is a lock in force and the table is full.
    fn full_of_locks(&self, now: UnixTime) -> bool {
        self.entries.is_full()
            && self
                .entries
                .iter()
                .all(|entry| matches!(entry.status(&self.policy, now), Status::Locked { .. }))
    }

    /// When the first lock in force ends.
    fn first_lock_end(&self, now: UnixTime) -> UnixTime {
        self.locks(now)
            .map(|lock| lock.until)
            .min()
            .unwrap_or_else(|| now.plus_secs(self.policy.lock_secs()))
    }

    fn find(&self, key: &Key) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.key == *key)
    }

    /// Adds a fresh entry, evicting one if the table is full; returns its index, or `None`
    /// when every entry is a lock in force (never evicted).
    fn insert(&mut self, key: Key, now: UnixTime) -> Option<usize> {
        let entry = Entry {
            key,
            failures: 0,
            last_failure: now,
            locked_until: None,
        };
        if self.entries.is_full() {
            let policy = &self.policy;
            // Spent entries first, then the oldest open per-source one, then the oldest open
            // account-wide one (the budget); never a lock in force.
            let (victim, spent) = self
                .entries
                .iter()
                .enumerate()
                .filter_map(|(index, old)| match old.status(policy, now) {
                    Status::Open { failures: 0 } => Some((index, (0, 0))),
                    Status::Open { .. } => {
                        let tier = if old.key.source.is_some() { 1 } else { 2 };
                        Some((index, (tier, old.last_failure.as_secs())))
                    }
                    Status::Locked { .. } => None,
                })
                .min_by_key(|(_, rank)| *rank)
                .map(|(index, rank)| (index, rank.0 == 0))?;
            if !spent {
                self.evictions = self.evictions.saturating_add(1);
            }
            self.entries.swap_remove(victim);
        }
        self.entries.push(entry).ok()?;
        Some(self.entries.len() - 1)
    }
}

/// The keys one attempt counts on.
struct Keys {
    /// Its own counter.
    own: Key,
    /// The account's budget over every untrusted source, under `AccountAndSource`.
    budget: Option<Key>,
    /// Untrusted, never logged in from: refused when the table is full of locks.
    fails_closed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Key {
    account: Name,
    /// `None`: the account from any untrusted source.
    source: Option<Source>,
}

#[derive(Clone, Debug)]
struct Entry {
    key: Key,
    failures: u16,
    last_failure: UnixTime,
    locked_until: Option<UnixTime>,
}

impl Entry {
    /// Counts a failure against `limit`: the entry locks when it is reached.
    fn count(&mut self, policy: &LockoutPolicy, limit: u16, now: UnixTime) -> Failure {
        let Some(failures) = self.failures_at(policy, now) else {
            return Failure::Disabled;
        };
        let failures = failures.saturating_add(1);
        self.failures = failures;
        self.last_failure = now;
        self.locked_until = None;
        if failures >= limit {
            let until = now.plus_secs(policy.lock_secs());
            self.locked_until = Some(until);
            Failure::LockedNow { until }
        } else {
            Failure::Counted {
                failures: u8::try_from(failures).unwrap_or(u8::MAX),
                remaining: u8::try_from(limit - failures).unwrap_or(u8::MAX),
            }
        }
    }

    fn status(&self, policy: &LockoutPolicy, now: UnixTime) -> Status {
        match (self.locked_until, self.failures_at(policy, now)) {
            (Some(until), None) => Status::Locked { until },
            (_, failures) => Status::Open {
                failures: u8::try_from(failures.unwrap_or(0)).unwrap_or(u8::MAX),
            },
        }
    }

    /// Failures counted at `now`, or `None` while locked.
    fn failures_at(&self, policy: &LockoutPolicy, now: UnixTime) -> Option<u16> {
        if let Some(until) = self.locked_until {
            // The end of a lock is a fresh start.
            return (now >= until).then_some(0);
        }
        let reset = policy
            .reset_minutes
            .is_some_and(|minutes| now.secs_since(self.last_failure) >= u64::from(minutes) * 60);
        Some(if reset { 0 } else { self.failures })
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
