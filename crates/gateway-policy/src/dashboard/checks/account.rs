//! Account Settings: the rows of the dashboard table, then the checks they run.

use alloc::format;
use alloc::vec::Vec;
use core::net::IpAddr;

use super::{Check, Outcome, Scan, cannot_tell, fail, judge, list, not_applicable, pass};
use crate::dashboard::snapshot::AccountSummary;
use crate::dashboard::{Category, Severity};

/// The Account Settings rows, in report order.
pub(super) const CHECKS: &[Check] = &[
    Check {
        id: "account.password_age",
        category: Category::AccountSettings,
        severity: Severity::Medium,
        criterion: "Password should be changed within the preset interval.",
        remediation: "Go to Account Management > Accounts to change the password; set the \
                      interval in Password Policy > Reminder Threshold.",
        reference: "AIG-302 guide 3.3.1; MGate guide 3.3 (password lifetime)",
        run: password_age,
    },
    Check {
        id: "account.single_session",
        category: Category::AccountSettings,
        severity: Severity::Medium,
        criterion: "An account should only have one active session at any given time.",
        remediation: "Go to Security > Session Management to monitor and end concurrent \
                      sessions you are not aware of.",
        reference: "AIG-302 guide 3.3.1",
        run: single_session,
    },
    Check {
        id: "account.abnormal_sessions",
        category: Category::AccountSettings,
        severity: Severity::High,
        criterion: "An account should not have abnormal connections (more than one session \
                    per account from different source IPs).",
        remediation: "Go to Security > Session Management and delete the connections you are \
                      not aware of.",
        reference: "AIG-302 guide 3.3.1",
        run: abnormal_sessions,
    },
    Check {
        id: "account.default_password",
        category: Category::AccountSettings,
        severity: Severity::Critical,
        criterion: "No account should keep the vendor's default password (admin/moxa, \
                    admin/admin@123).",
        remediation: "Change the password after the first login; the AIG-302 forces this.",
        reference: "MGate guide 3; AIG-302 guide 3.2",
        run: default_password,
    },
    Check {
        id: "account.default_admin",
        category: Category::AccountSettings,
        severity: Severity::Medium,
        criterion: "Manage the device with another administrator-level account instead of \
                    the default \"admin\" account.",
        remediation: "Create a new administrator-level account, use it, and monitor the \
                      original \"admin\" account for brute-force attempts.",
        reference: "MGate guide 3.3",
        run: default_admin,
    },
    Check {
        id: "account.password_policy",
        category: Category::AccountSettings,
        severity: Severity::Medium,
        criterion: "The password policy should require a minimum length of 16, all \
                    complexity checks, and a password lifetime.",
        remediation: "Go to System Management > Misc. Settings > Login Password Policy: set \
                      the minimum length to 16, enable every complexity check and the \
                      password lifetime.",
        reference: "MGate guide 3.3",
        run: password_policy,
    },
];

fn active_accounts<'a>(scan: &Scan<'a>) -> Option<impl Iterator<Item = &'a AccountSummary>> {
    scan.snapshot
        .accounts
        .as_ref()
        .map(|accounts| accounts.iter().filter(|account| account.active))
}

fn password_age(scan: &Scan<'_>) -> Outcome {
    let Some(accounts) = active_accounts(scan) else {
        return cannot_tell("the snapshot has no account list");
    };
    let interval = scan
        .snapshot
        .password_policy
        .and_then(|policy| policy.reminder_days.or(policy.lifetime_days))
        .unwrap_or(scan.policy.password_max_age_days);
    let (mut stale, mut unknown, mut checked) = (Vec::new(), Vec::new(), 0);
    for account in accounts {
        checked += 1;
        match account.password_changed.map(|at| scan.now.days_since(at)) {
            None => unknown.push(account.name.as_str()),
            Some(Some(days)) if days > u64::from(interval) => {
                stale.push(format!("{} ({days} days)", account.name));
            }
            Some(_) => {}
        }
    }
    if checked == 0 {
        return not_applicable("no active account");
    }
    judge(
        (&format!("passwords older than {interval} days: "), stale),
        ("password age unknown for: ", unknown),
        || format!("all {checked} active accounts changed their password within {interval} days"),
    )
}

/// Sessions grouped by account: (account, number of sessions, distinct canonical sources).
fn sessions_by_account<'a>(scan: &Scan<'a>) -> Option<Vec<(&'a str, usize, Vec<IpAddr>)>> {
    let sessions = scan.snapshot.sessions.as_ref()?;
    let mut grouped: Vec<(&str, usize, Vec<IpAddr>)> = Vec::new();
    for session in sessions {
        let source = session.source.to_canonical();
        let index = match grouped
            .iter()
            .position(|(name, _, _)| *name == session.account)
        {
            Some(index) => index,
            None => {
                grouped.push((session.account.as_str(), 0, Vec::new()));
                grouped.len() - 1
            }
        };
        if let Some((_, count, sources)) = grouped.get_mut(index) {
            *count += 1;
            let displaced = session.displaced.map(|address| address.to_canonical());
            for source in core::iter::once(source).chain(displaced) {
                if !sources.contains(&source) {
                    sources.push(source);
                }
            }
        }
    }
    Some(grouped)
}

fn single_session(scan: &Scan<'_>) -> Outcome {
    let Some(grouped) = sessions_by_account(scan) else {
        return cannot_tell("the snapshot has no session list");
    };
    let many: Vec<_> = grouped
        .iter()
        .filter(|(_, count, _)| *count > 1)
        .map(|(name, count, _)| format!("{name} ({count} sessions)"))
        .collect();
    if many.is_empty() {
        pass(format!("{} accounts with one session each", grouped.len()))
    } else {
        fail(format!("concurrent sessions: {}", list(many)))
    }
}

fn abnormal_sessions(scan: &Scan<'_>) -> Outcome {
    let Some(grouped) = sessions_by_account(scan) else {
        return cannot_tell("the snapshot has no session list");
    };
    let abnormal: Vec<_> = grouped
        .iter()
        .filter(|(_, _, sources)| sources.len() > 1)
        .map(|(name, _, sources)| format!("{name} from {}", list(sources)))
        .collect();
    if abnormal.is_empty() {
        pass("no account has sessions from more than one source address")
    } else {
        fail(format!(
            "sessions from several addresses: {}",
            abnormal.join("; ")
        ))
    }
}

fn default_password(scan: &Scan<'_>) -> Outcome {
    let Some(accounts) = active_accounts(scan) else {
        return cannot_tell("the snapshot has no account list");
    };
    let accounts: Vec<_> = accounts.collect();
    let defaults: Vec<_> = accounts
        .iter()
        .filter(|a| a.default_password == Some(true))
        .map(|a| a.name.clone())
        .collect();
    let unknown: Vec<_> = accounts
        .iter()
        .filter(|a| a.default_password.is_none())
        .map(|a| a.name.as_str())
        .collect();
    judge(
        ("still on the vendor default password: ", defaults),
        ("not known for: ", unknown),
        || "no active account has the vendor default password".into(),
    )
}

/// The vendor's default administrator account name on both devices.
const DEFAULT_ADMIN: &str = "admin";

fn default_admin(scan: &Scan<'_>) -> Outcome {
    let Some(accounts) = active_accounts(scan) else {
        return cannot_tell("the snapshot has no account list");
    };
    let admins: Vec<_> = accounts.filter(|a| a.administrator).collect();
    let Some(default) = admins.iter().find(|a| a.name == DEFAULT_ADMIN) else {
        return pass(
            "the default \"admin\" account is deactivated, removed or not an administrator",
        );
    };
    let others: Vec<_> = admins.iter().filter(|a| a.name != DEFAULT_ADMIN).collect();
    if others.is_empty() {
        return fail("\"admin\" is the only active administrator account");
    }
    let latest_other = others.iter().filter_map(|a| a.last_login).max();
    match (default.last_login, latest_other) {
        (Some(admin), Some(other)) if admin > other => fail(format!(
            "\"admin\" is still the administrator in use (last login {admin}, other \
             administrators {other})"
        )),
        (Some(admin), None) => fail(format!(
            "\"admin\" logged in at {admin}; the other administrators never did"
        )),
        _ => pass(format!(
            "other administrators: {}; keep monitoring \"admin\"",
            list(others.iter().map(|a| a.name.as_str()))
        )),
    }
}

fn password_policy(scan: &Scan<'_>) -> Outcome {
    let Some(policy) = scan.snapshot.password_policy else {
        return cannot_tell("the snapshot has no password policy");
    };
    let mut gaps = Vec::new();
    if policy.min_length < scan.policy.min_password_length {
        gaps.push(format!(
            "minimum length {} (recommended {})",
            policy.min_length, scan.policy.min_password_length
        ));
    }
    for (required, what) in [
        (policy.require_digit, "no digit required"),
        (policy.require_mixed_case, "no mixed case required"),
        (policy.require_special, "no special character required"),
    ] {
        if !required {
            gaps.push(what.into());
        }
    }
    if policy.lifetime_days.is_none() && policy.reminder_days.is_none() {
        gaps.push("no password lifetime".into());
    }
    if gaps.is_empty() {
        pass(format!(
            "minimum length {}, all complexity checks, lifetime set",
            policy.min_length
        ))
    } else {
        fail(list(gaps))
    }
}
