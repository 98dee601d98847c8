//! The login flow end to end with real argon2id hashes: every path does exactly one password
//! verification (counted), unknown / wrong / locked / deactivated look the same to the client,
//! forced changes and reminders at their day boundaries, sessions, password changes.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use core::cell::Cell;
use core::net::IpAddr;

use gateway_policy::access::{AccessList, AccessListConfig};
use gateway_policy::accounts::{Directory, NewAccount, Permissions, RoleId};
use gateway_policy::identity::{ChangeError, ChangedBy, Identity};
use gateway_policy::lockout::{Failure, Lockout, LockoutPolicy};
use gateway_policy::login::{
    ChangeRequired, Detail, Fact, Granted, LoginRequest, Outcome, PublicReason, Reminder,
};
use gateway_policy::password::storage::{HashBounds, HashParams, Hasher};
use gateway_policy::password::{PasswordPolicy, Rejection, Verdict, Verifier, normalize};
use gateway_policy::services::ServiceId;
use gateway_policy::session::{SessionPolicy, Sessions, WhenFull};
use gateway_policy::source::Source;
use gateway_policy::time::{SECONDS_PER_DAY, UnixTime};

const FAST: HashParams = HashParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
    output_len: 32,
};
const T0: u64 = 1_760_000_000;
const GOOD: &str = "Kettle_Harbour_42_Lantern";

fn at(secs: u64) -> UnixTime {
    UnixTime::from_secs(T0 + secs)
}

/// Counts the verifications the login flow asks for.
struct Counting {
    hasher: Hasher<'static>,
    calls: Cell<usize>,
}

impl Verifier for Counting {
    fn verify(&self, stored: Option<&str>, password: &str) -> Verdict {
        self.calls.set(self.calls.get() + 1);
        Verifier::verify(&self.hasher, stored, password)
    }

    fn needs_rehash(&self, stored: &str) -> bool {
        Verifier::needs_rehash(&self.hasher, stored)
    }
}

fn counting(params: HashParams) -> Counting {
    Counting {
        hasher: Hasher::new(params, HashBounds::DEFAULT, &[9; 16]).unwrap(),
        calls: Cell::new(0),
    }
}

/// A deterministic stand-in for the caller's random source.
fn random() -> impl FnMut(&mut [u8]) {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    move |buf: &mut [u8]| {
        for byte in buf {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = state.to_le_bytes()[0];
        }
    }
}

fn identity(verifier: &Counting, policy: PasswordPolicy, sessions: SessionPolicy) -> Identity {
    let hash = |password: &str| {
        verifier
            .hasher
            .hash(&normalize(password).unwrap(), &[1; 16])
            .unwrap()
    };
    let mut directory = Directory::factory_default("admin", hash("moxa"), at(0)).unwrap();
    let viewer = directory.create_role("viewer", Permissions::VIEW).unwrap();
    for (name, role) in [("operator", RoleId::ADMINISTRATOR), ("viewer1", viewer)] {
        directory
            .create_account(
                NewAccount {
                    name,
                    role,
                    password: hash(GOOD),
                    must_change_password: false,
                },
                at(0),
            )
            .unwrap();
    }
    Identity {
        password_policy: policy,
        directory,
        lockout: Lockout::new(LockoutPolicy::mgate_recommended()),
        sessions: Sessions::new(sessions),
    }
}

fn request<'a>(account: &'a str, password: &'a str, source: &str, secs: u64) -> LoginRequest<'a> {
    LoginRequest {
        source: Source::Network(source.parse::<IpAddr>().unwrap()),
        service: ServiceId::HttpsServer,
        account,
        password,
        now: at(secs),
    }
}

/// One HTTPS login with no accessible IP list.
fn login(
    id: &mut Identity,
    verifier: &Counting,
    random: &mut impl FnMut(&mut [u8]),
    account: &str,
    password: &str,
    source: &str,
    secs: u64,
) -> gateway_policy::login::LoginResult {
    let inactive: AccessList = AccessList::default();
    id.login(
        &inactive,
        &request(account, password, source, secs),
        verifier,
        random,
    )
}

fn granted(outcome: &Outcome) -> &Granted {
    match outcome {
        Outcome::Granted(granted) => granted,
        Outcome::Denied(denied) => panic!("denied: {:?} / {}", denied.public, denied.detail),
    }
}

fn denied(outcome: &Outcome) -> (PublicReason, Detail) {
    match outcome {
        Outcome::Denied(denied) => (denied.public, denied.detail),
        Outcome::Granted(granted) => panic!("granted: {granted:?}"),
    }
}

#[test]
fn every_path_verifies_exactly_once_and_failures_look_alike() {
    let verifier = counting(FAST);
    let mut rng = random();
    let mut id = identity(
        &verifier,
        PasswordPolicy::mgate_recommended(),
        SessionPolicy {
            max_per_account: 1,
            when_full: WhenFull::RejectNew,
            ..SessionPolicy::RECOMMENDED
        },
    );
    let inactive: AccessList = AccessList::default();
    let mut attempt = |id: &mut Identity, req: LoginRequest<'_>| {
        let before = verifier.calls.get();
        let result = id.login(&inactive, &req, &verifier, &mut rng);
        assert_eq!(
            verifier.calls.get() - before,
            1,
            "{req:?} -> {:?}",
            result.outcome
        );
        result
    };

    // Unknown account.
    let unknown = attempt(&mut id, request("nobody", GOOD, "203.0.113.9", 0));
    assert_eq!(
        denied(&unknown.outcome),
        (PublicReason::InvalidCredentials, Detail::UnknownAccount)
    );
    // Wrong password, up to the lock (MGate recommended: 5 failures).
    for n in 1..=4u8 {
        let wrong = attempt(
            &mut id,
            request("operator", "wrong", "203.0.113.9", u64::from(n)),
        );
        assert_eq!(
            denied(&wrong.outcome),
            (
                PublicReason::InvalidCredentials,
                Detail::WrongPassword {
                    lockout: Failure::Counted {
                        failures: n,
                        remaining: 5 - n
                    }
                }
            )
        );
    }
    let fifth = attempt(&mut id, request("operator", "wrong", "203.0.113.9", 5));
    assert_eq!(
        fifth.facts.last(),
        Some(&Fact::AccountLocked { until: at(305) })
    );
    // Locked: the right password is refused, the same way.
    let locked = attempt(&mut id, request("Operator", GOOD, "198.51.100.7", 6));
    assert_eq!(
        denied(&locked.outcome),
        (
            PublicReason::InvalidCredentials,
            Detail::Locked {
                lockout: Failure::WhileLocked {
                    until: at(305),
                    extended: false
                }
            }
        )
    );
    // Deactivated.
    id.deactivate("viewer1").unwrap();
    let inactive = attempt(&mut id, request("viewer1", GOOD, "203.0.113.9", 7));
    assert_eq!(
        denied(&inactive.outcome),
        (PublicReason::InvalidCredentials, Detail::Inactive)
    );
    // A stored hash beyond the bounds.
    id.directory
        .rehash(
            "viewer1",
            "$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA"
                .try_into()
                .unwrap(),
        )
        .unwrap();
    id.directory.set_active("viewer1", true).unwrap();
    let unusable = attempt(&mut id, request("viewer1", GOOD, "203.0.113.9", 8));
    assert!(matches!(
        denied(&unusable.outcome),
        (
            PublicReason::InvalidCredentials,
            Detail::StoredHashUnusable { .. }
        )
    ));
    // The client sees one message for all of them.
    let shown: Vec<String> = [&unknown, &fifth, &locked, &inactive, &unusable]
        .iter()
        .map(|result| match &result.outcome {
            Outcome::Denied(denied) => denied.public.to_string(),
            Outcome::Granted(_) => unreachable!(),
        })
        .collect();
    assert!(shown.iter().all(|text| *text == shown[0]), "{shown:?}");

    // Right password after the lock ends.
    let ok = attempt(&mut id, request("operator", GOOD, "203.0.113.9", 305));
    assert_eq!(granted(&ok.outcome).permissions, Permissions::ALL);
    // The session limit (reject new): shown as such, after one verification.
    let second = attempt(&mut id, request("operator", GOOD, "203.0.113.9", 306));
    assert_eq!(
        denied(&second.outcome),
        (PublicReason::SessionLimit, Detail::SessionLimit { max: 1 })
    );
}

#[test]
fn a_refused_source_costs_no_verification() {
    let verifier = counting(FAST);
    let mut id = identity(
        &verifier,
        PasswordPolicy::mgate_recommended(),
        SessionPolicy::RECOMMENDED,
    );
    let mut config = AccessListConfig::<16>::mgate_default();
    config.activate = true;
    config.additional_restrictions = true;
    config
        .push("192.168.127.0/255.255.255.0".parse().unwrap())
        .unwrap();
    let list = AccessList::new(&config).unwrap();
    let result = id.login(
        &list,
        &request("operator", GOOD, "203.0.113.9", 0),
        &verifier,
        &mut random(),
    );
    assert!(matches!(
        denied(&result.outcome),
        (
            PublicReason::SourceNotAllowed,
            Detail::SourceNotAllowed { .. }
        )
    ));
    assert_eq!(verifier.calls.get(), 0);
    // Not counted towards the lockout either.
    assert_eq!(id.lockout.locks(at(0)).count(), 0);
    // The console is not on the network: the list does not apply.
    let console = LoginRequest {
        source: Source::Console,
        ..request("operator", GOOD, "0.0.0.0", 1)
    };
    granted(&id.login(&list, &console, &verifier, &mut random()).outcome);
    let listed = id.login(
        &list,
        &request("admin", "moxa", "192.168.127.5", 2),
        &verifier,
        &mut random(),
    );
    granted(&listed.outcome);
}

#[test]
fn forced_changes_and_reminders_at_their_boundaries() {
    let verifier = counting(FAST);
    let mut rng = random();
    let mut id = identity(
        &verifier,
        PasswordPolicy::mgate_recommended(),
        SessionPolicy::RECOMMENDED,
    );
    // First login with the factory credentials.
    let first = login(
        &mut id,
        &verifier,
        &mut rng,
        "admin",
        "moxa",
        "192.0.2.1",
        0,
    );
    assert_eq!(
        granted(&first.outcome).change_required,
        Some(ChangeRequired::Marked)
    );
    assert!(
        first
            .facts
            .contains(&Fact::PasswordChangeRequired(ChangeRequired::Marked))
    );
    // A vendor default typed on an unmarked account.
    let hash = verifier
        .hasher
        .hash(&normalize("admin@123").unwrap(), &[2; 16])
        .unwrap();
    id.directory
        .set_password("viewer1", hash, 0, false, at(0))
        .unwrap();
    let vendor = login(
        &mut id,
        &verifier,
        &mut rng,
        "viewer1",
        "admin@123",
        "192.0.2.1",
        1,
    );
    assert_eq!(
        granted(&vendor.outcome).change_required,
        Some(ChangeRequired::VendorDefault)
    );

    // MGate recommended: 90-day lifetime.
    let day = |d: u64| d * SECONDS_PER_DAY;
    let before = login(
        &mut id,
        &verifier,
        &mut rng,
        "operator",
        GOOD,
        "192.0.2.1",
        day(90) - 1,
    );
    assert_eq!(granted(&before.outcome).change_required, None);
    let expired = login(
        &mut id,
        &verifier,
        &mut rng,
        "operator",
        GOOD,
        "192.0.2.1",
        day(90),
    );
    assert_eq!(
        granted(&expired.outcome).change_required,
        Some(ChangeRequired::Expired { age_days: 90 })
    );

    // AIG-302: reminder at 180 days, no expiry.
    id.password_policy = PasswordPolicy::aig302_default();
    let quiet = login(
        &mut id,
        &verifier,
        &mut rng,
        "operator",
        GOOD,
        "192.0.2.1",
        day(180) - 1,
    );
    assert_eq!(granted(&quiet.outcome).reminder, None);
    let reminded = login(
        &mut id,
        &verifier,
        &mut rng,
        "operator",
        GOOD,
        "192.0.2.1",
        day(180),
    );
    let granted = granted(&reminded.outcome);
    assert_eq!(
        granted.reminder,
        Some(Reminder {
            age_days: 180,
            threshold_days: 180
        })
    );
    assert_eq!(granted.change_required, None);
}

#[test]
fn sessions_end_oldest_flag_abnormal_and_end_on_account_changes() {
    let verifier = counting(FAST);
    let mut rng = random();
    let mut id = identity(
        &verifier,
        PasswordPolicy::mgate_recommended(),
        SessionPolicy {
            max_per_account: 2,
            when_full: WhenFull::EndOldest,
            ..SessionPolicy::RECOMMENDED
        },
    );
    let a = login(
        &mut id,
        &verifier,
        &mut rng,
        "operator",
        GOOD,
        "192.0.2.1",
        0,
    );
    let first = granted(&a.outcome).session;
    let b = login(
        &mut id,
        &verifier,
        &mut rng,
        "operator",
        GOOD,
        "192.0.2.2",
        1,
    );
    assert!(b.facts.contains(&Fact::AbnormalSessions));
    assert_eq!(id.sessions.abnormal().collect::<Vec<_>>(), ["operator"]);
    let c = login(
        &mut id,
        &verifier,
        &mut rng,
        "operator",
        GOOD,
        "192.0.2.2",
        2,
    );
    let ended = c.facts.iter().find_map(|fact| match fact {
        Fact::SessionEnded { session, .. } => Some(session.id),
        _ => None,
    });
    assert_eq!(ended, Some(first));
    assert_eq!(id.sessions.count("operator"), 2);
    // Ids differ and are 32 hex digits.
    let own = granted(&c.outcome).session;
    assert_eq!(own.to_string().len(), 32);
    assert_ne!(own, granted(&b.outcome).session);

    // A password change ends the other sessions and keeps the one that made it.
    let new_password = "Lighthouse_Copper_77_Meadow";
    let ended = id
        .change_password(
            "operator",
            new_password,
            ChangedBy::Owner(Some(own)),
            &verifier.hasher,
            &[3; 16],
            at(3),
        )
        .unwrap();
    assert_eq!(ended, 1);
    assert!(id.sessions.get(&own).is_some());
    // Deactivation ends the rest.
    assert_eq!(id.deactivate("operator").unwrap(), 1);
    assert_eq!(id.sessions.count("operator"), 0);
}

#[test]
fn a_change_away_from_a_vendor_default_never_lands_on_one() {
    // Review item 9: under aig302_default the forced change from `admin@123` to `Admin@123`
    // was accepted, and every login after it demanded another change, forever; a full-width
    // `ｍｏｘａ` logged in with no change demanded.
    let verifier = counting(FAST);
    let mut rng = random();
    let mut id = identity(
        &verifier,
        PasswordPolicy::aig302_default(),
        SessionPolicy::RECOMMENDED,
    );
    let hash = verifier
        .hasher
        .hash(&normalize("admin@123").unwrap(), &[2; 16])
        .unwrap();
    id.directory
        .set_password("operator", hash, 0, false, at(0))
        .unwrap();
    let first = login(
        &mut id,
        &verifier,
        &mut rng,
        "operator",
        "admin@123",
        "192.0.2.1",
        1,
    );
    assert_eq!(
        granted(&first.outcome).change_required,
        Some(ChangeRequired::VendorDefault)
    );
    let change = id.change_password(
        "operator",
        "Admin@123",
        ChangedBy::Owner(None),
        &verifier.hasher,
        &[4; 16],
        at(2),
    );
    assert!(
        matches!(change, Err(ChangeError::Rejected(ref r)) if r.contains(&Rejection::VendorDefault)),
        "{change:?}"
    );
    // A real change ends the demands.
    id.change_password(
        "operator",
        "Kettle@Harbour42",
        ChangedBy::Owner(None),
        &verifier.hasher,
        &[4; 16],
        at(3),
    )
    .unwrap();
    let after = login(
        &mut id,
        &verifier,
        &mut rng,
        "operator",
        "Kettle@Harbour42",
        "192.0.2.1",
        4,
    );
    assert_eq!(granted(&after.outcome).change_required, None);

    // The factory password typed in full-width letters is the factory password: NFKC makes it
    // `moxa`, which verifies, and the login demands a change.
    let mut id = identity(
        &verifier,
        PasswordPolicy::mgate_default(),
        SessionPolicy::RECOMMENDED,
    );
    id.directory
        .set_password(
            "admin",
            verifier
                .hasher
                .hash(&normalize("moxa").unwrap(), &[2; 16])
                .unwrap(),
            0,
            false,
            at(0),
        )
        .unwrap();
    let wide = login(
        &mut id,
        &verifier,
        &mut rng,
        "admin",
        "ｍｏｘａ",
        "192.0.2.1",
        5,
    );
    assert_eq!(
        granted(&wide.outcome).change_required,
        Some(ChangeRequired::VendorDefault)
    );
}

#[test]
fn password_change_returns_every_reason_and_remembers_history() {
    let verifier = counting(FAST);
    let mut id = identity(
        &verifier,
        PasswordPolicy::iec62443_4_2(gateway_policy::password::SecurityLevel::Sl3),
        SessionPolicy::RECOMMENDED,
    );
    let change = |id: &mut Identity, password: &str, now: u64| {
        id.change_password(
            "operator",
            password,
            ChangedBy::Owner(None),
            &verifier.hasher,
            &[4; 16],
            at(now),
        )
    };
    // The current password, which also breaks nothing else.
    let Err(ChangeError::Rejected(reasons)) = change(&mut id, GOOD, 0) else {
        panic!()
    };
    assert_eq!(
        reasons.iter().copied().collect::<Vec<_>>(),
        [Rejection::Reused]
    );
    // Every reason at once.
    let Err(ChangeError::Rejected(reasons)) = change(&mut id, "operator", 0) else {
        panic!()
    };
    assert_eq!(
        reasons.to_string(),
        "the password is 8 characters long; at least 12 are needed; needs at least one digit \
         (0-9); needs both upper-case and lower-case letters; needs at least one special \
         character (a symbol or punctuation); contains the account name; is a commonly used \
         password"
    );
    // Five generations are remembered (SL3).
    let passwords = [
        "Alpha_Harbour_11",
        "Bravo_Harbour_22",
        "Charlie_Harbour_33",
        "Delta_Harbour_44",
        "Echo_Harbour_55",
    ];
    for (i, password) in passwords.iter().enumerate() {
        change(&mut id, password, i as u64).unwrap();
    }
    for password in passwords.iter().chain([&GOOD]) {
        let result = change(&mut id, password, 10);
        assert!(
            matches!(result, Err(ChangeError::Rejected(ref r)) if r.contains(&Rejection::Reused)),
            "{password}"
        );
    }
    // The sixth-oldest (the original) has fallen out after one more change.
    change(&mut id, "Foxtrot_Harbour_66", 11).unwrap();
    change(&mut id, GOOD, 12).unwrap();
}

#[test]
fn administrator_reset_forces_a_change_and_rehash_is_flagged() {
    let verifier = counting(FAST);
    let mut rng = random();
    let inactive: AccessList = AccessList::default();
    let mut id = identity(
        &verifier,
        PasswordPolicy::mgate_recommended(),
        SessionPolicy::RECOMMENDED,
    );
    id.change_password(
        "viewer1",
        "Temporary_Pass_123",
        ChangedBy::Administrator,
        &verifier.hasher,
        &[5; 16],
        at(0),
    )
    .unwrap();
    let login = login(
        &mut id,
        &verifier,
        &mut rng,
        "viewer1",
        "Temporary_Pass_123",
        "192.0.2.9",
        1,
    );
    assert_eq!(
        granted(&login.outcome).change_required,
        Some(ChangeRequired::Marked)
    );
    assert!(!granted(&login.outcome).rehash);

    // The device moves to stronger parameters: old hashes still verify and are flagged.
    let stronger = counting(HashParams {
        iterations: 2,
        ..FAST
    });
    let login = id.login(
        &inactive,
        &request("operator", GOOD, "192.0.2.9", 2),
        &stronger,
        &mut rng,
    );
    assert!(granted(&login.outcome).rehash);
    id.rehash("operator", GOOD, &stronger.hasher, &[6; 16])
        .unwrap();
    id.sessions.end_account("operator", None);
    let again = id.login(
        &inactive,
        &request("operator", GOOD, "192.0.2.9", 3),
        &stronger,
        &mut rng,
    );
    assert!(!granted(&again.outcome).rehash);
}

#[test]
fn a_remote_attacker_cannot_lock_the_console_administrator_out() {
    let verifier = counting(FAST);
    let mut rng = random();
    let inactive: AccessList = AccessList::default();
    let mut id = identity(
        &verifier,
        PasswordPolicy::mgate_recommended(),
        SessionPolicy::RECOMMENDED,
    );
    id.lockout = Lockout::new(LockoutPolicy {
        extend_on_attempt: true,
        ..LockoutPolicy::mgate_recommended()
    });
    // An attacker keeps trying every minute for a day.
    for step in 0..1440 {
        login(
            &mut id,
            &verifier,
            &mut rng,
            "operator",
            "guess",
            "203.0.113.9",
            step * 60,
        );
    }
    let console = LoginRequest {
        source: Source::Console,
        service: ServiceId::SerialConsole,
        ..request("operator", GOOD, "0.0.0.0", 86_400)
    };
    granted(&id.login(&inactive, &console, &verifier, &mut rng).outcome);
}

#[test]
fn the_live_identity_feeds_the_security_dashboard() {
    use gateway_policy::dashboard::{CheckResult, DeviceSnapshot, scan};

    let verifier = counting(FAST);
    let mut rng = random();
    let mut id = identity(
        &verifier,
        PasswordPolicy::mgate_default(),
        SessionPolicy {
            max_per_account: 2,
            ..SessionPolicy::RECOMMENDED
        },
    );
    id.lockout = Lockout::new(LockoutPolicy::mgate_default());
    let mut snapshot = DeviceSnapshot::default();
    snapshot.record_identity(&id);
    let report = scan(&snapshot, at(0));
    for check in [
        "account.default_password",
        "account.password_policy",
        "service.account_lock",
    ] {
        assert_eq!(
            report.finding(check).unwrap().result,
            CheckResult::Fail,
            "{check}"
        );
    }
    assert_eq!(
        report.finding("account.abnormal_sessions").unwrap().result,
        CheckResult::Pass
    );

    // Hardened: factory password changed, MGate recommended policy and lockout.
    id.password_policy = PasswordPolicy::mgate_recommended();
    id.lockout = Lockout::new(LockoutPolicy::mgate_recommended());
    id.change_password(
        "admin",
        "Lighthouse_Copper_77_Meadow",
        ChangedBy::Owner(None),
        &verifier.hasher,
        &[8; 16],
        at(1),
    )
    .unwrap();
    login(
        &mut id,
        &verifier,
        &mut rng,
        "operator",
        GOOD,
        "192.0.2.1",
        2,
    );
    login(
        &mut id,
        &verifier,
        &mut rng,
        "operator",
        GOOD,
        "198.51.100.7",
        3,
    );
    snapshot.record_identity(&id);
    let report = scan(&snapshot, at(4));
    for check in [
        "account.default_password",
        "account.password_policy",
        "service.account_lock",
    ] {
        assert_eq!(
            report.finding(check).unwrap().result,
            CheckResult::Pass,
            "{check}"
        );
    }
    for check in ["account.abnormal_sessions", "account.single_session"] {
        assert_eq!(
            report.finding(check).unwrap().result,
            CheckResult::Fail,
            "{check}"
        );
    }
}

#[test]
fn a_flood_of_random_user_names_takes_no_lockout_room() {
    let verifier = counting(FAST);
    let mut rng = random();
    let mut id = identity(
        &verifier,
        PasswordPolicy::mgate_recommended(),
        SessionPolicy::RECOMMENDED,
    );
    for i in 0..2000 {
        let name = format!("user{i:05}");
        let result = login(
            &mut id,
            &verifier,
            &mut rng,
            &name,
            "guess",
            "203.0.113.9",
            i,
        );
        assert_eq!(
            denied(&result.outcome),
            (PublicReason::InvalidCredentials, Detail::UnknownAccount)
        );
    }
    assert!(id.lockout.is_empty());
    assert_eq!(verifier.calls.get(), 2000);
    // The real account is still counted normally.
    login(
        &mut id,
        &verifier,
        &mut rng,
        "admin",
        "guess",
        "203.0.113.9",
        3000,
    );
    assert_eq!(id.lockout.len(), 1);
}
