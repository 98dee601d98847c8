//! The checks, one function each, and the table that names them.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::net::IpAddr;

use super::snapshot::{
    Account, CertificateSummary, CertificateUsage, DeviceSnapshot, EventGroup, Provisioning,
    ResetButton, SnmpVersion,
};
use super::{Category, CheckResult, Finding, ScanPolicy, Severity};
use crate::access::{LintLevel, Traffic};
use crate::banner::LoginBanner;
use crate::services::{self, Guide, ServiceId, ServiceState};
use crate::time::UnixTime;

/// What a check sees.
struct Scan<'a> {
    snapshot: &'a DeviceSnapshot,
    now: UnixTime,
    policy: &'a ScanPolicy,
}

/// A check's result and the evidence for it.
type Verdict = (CheckResult, String);

/// `Ok` when the check judged the device (pass, fail); `Err` when it stopped before judging
/// (not applicable, cannot tell), so that `?` ends a check early.
type Outcome = Result<Verdict, Verdict>;

/// A check of the table.
struct Check {
    id: &'static str,
    category: Category,
    severity: Severity,
    criterion: &'static str,
    remediation: &'static str,
    reference: &'static str,
    run: fn(&Scan<'_>) -> Outcome,
}

/// Every check but the per-service ones, in report order.
const CHECKS: &[Check] = &[
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
    Check {
        id: "network.open_ports",
        category: Category::ApplicationNetworking,
        severity: Severity::High,
        criterion: "System should not have open network ports.",
        remediation: "Go to Security > Firewall and check the allow list: disable ports not \
                      in use and limit the sources of the ones needed.",
        reference: "AIG-302 guide 3.3.2",
        run: open_ports,
    },
    Check {
        id: "network.accessible_ip_list",
        category: Category::ApplicationNetworking,
        severity: Severity::High,
        criterion: "Modbus TCP should only accept the Modbus devices on the accessible IP \
                    list.",
        remediation: "Go to System Management > Accessible IP List, add your Modbus devices' \
                      addresses and activate the list; make sure your own PC stays on it.",
        reference: "MGate guide 3.1 and 3.4",
        run: accessible_ip_list,
    },
    Check {
        id: "resources.configurable_space",
        category: Category::ApplicationResourceUsage,
        severity: Severity::Medium,
        criterion: "IoT Edge modules should not utilize system disk's configurable space.",
        remediation: "Deploy the IoT Edge modules in the system storage paths /var/run/ and \
                      /tmp/.",
        reference: "AIG-302 guide 3.3.3",
        run: configurable_space,
    },
    Check {
        id: "resources.non_configurable_space",
        category: Category::ApplicationResourceUsage,
        severity: Severity::Medium,
        criterion: "IoT Edge modules should not utilize system disk's non-configurable space.",
        remediation: "Deploy the IoT Edge modules in the system storage paths /var/run/ and \
                      /tmp/.",
        reference: "AIG-302 guide 3.3.3",
        run: non_configurable_space,
    },
    Check {
        id: "resources.module_privileges",
        category: Category::ApplicationResourceUsage,
        severity: Severity::High,
        criterion: "IoT Edge modules should not be granted direct privileges.",
        remediation: "Go to Cloud Connectivity > Azure IoT Edge > Module Permission, create a \
                      service account, and grant the required permissions to the module.",
        reference: "AIG-302 guide 3.3.3",
        run: module_privileges,
    },
    Check {
        id: "certificates.iot_edge_downstream",
        category: Category::ProductCertificateDeployment,
        severity: Severity::Medium,
        criterion: "Production certificate should be configured as an Azure IoT Edge \
                    downstream certificate.",
        remediation: "Use your own certificate instead of the default one: go to Cloud \
                      Connectivity > Azure IoT Edge > Downstream Certificate to upload it.",
        reference: "AIG-302 guide 3.3.4",
        run: iot_edge_downstream,
    },
    Check {
        id: "certificates.provisioning",
        category: Category::ProductCertificateDeployment,
        severity: Severity::Medium,
        criterion: "Azure IoT Edge should not use a connection string for provisioning.",
        remediation: "Use TPM or X.509 attestation: Cloud Connectivity > Provisioning \
                      Settings > DPS.",
        reference: "AIG-302 guide 3.3.4",
        run: provisioning,
    },
    Check {
        id: "certificates.expiring",
        category: Category::ProductCertificateDeployment,
        severity: Severity::Medium,
        criterion: "All certificates should not expire within the next three months.",
        remediation: "Go to Security > Certificate Center to check each certificate and \
                      import a replacement for those about to expire.",
        reference: "AIG-302 guide 3.3.4",
        run: expiring,
    },
    Check {
        id: "certificates.expired",
        category: Category::ProductCertificateDeployment,
        severity: Severity::High,
        criterion: "All certificates should not have expired.",
        remediation: "Replace the certificate under Cloud Connectivity > Azure IoT \
                      Edge/Azure IoT Device/MQTT Client or Security > HTTPS; on an MGate, \
                      regenerate the self-signed certificate with NTP enabled or import a \
                      new one.",
        reference: "AIG-302 guide 3.3.4 (the table's \"should have expired\" is a typo); \
                    MGate guide 3.2",
        run: expired,
    },
    Check {
        id: "certificates.https_trusted",
        category: Category::ProductCertificateDeployment,
        severity: Severity::Medium,
        criterion: "The HTTPS console should use a certificate issued by a trusted CA, not \
                    the device's self-signed or default one.",
        remediation: "Import a PEM certificate issued by a third-party or your \
                      organisation's CA under System Management > Certificate.",
        reference: "MGate guide 3.2",
        run: https_trusted,
    },
    Check {
        id: "certificates.key_strength",
        category: Category::ProductCertificateDeployment,
        severity: Severity::Medium,
        criterion: "RSA keys should have at least 2048 bits.",
        remediation: "Replace 1024-bit certificates (the MGate's self-signed default) with a \
                      2048-bit certificate from a CA.",
        reference: "MGate guide 3.2",
        run: key_strength,
    },
    Check {
        id: "https.min_tls",
        category: Category::ProductCertificateDeployment,
        severity: Severity::High,
        criterion: "HTTPS should accept TLS 1.2 or later only.",
        remediation: "Disable TLS 1.1 and lower for the HTTPS console.",
        reference: "MGate guide 3.2",
        run: min_tls,
    },
    Check {
        id: "service.account_lock",
        category: Category::ServiceSettings,
        severity: Severity::High,
        criterion: "Account Lock Service should be enabled.",
        remediation: "Go to Security > Login Lockout (MGate: Login Password Policy > Account \
                      Login Failure Lockout) and enable login failure lockout.",
        reference: "AIG-302 guide 3.3.5; MGate guide 3.3",
        run: lockout,
    },
    Check {
        id: "service.system_use_notification",
        category: Category::ServiceSettings,
        severity: Severity::Medium,
        criterion: "System Use Notification Service should be enabled.",
        remediation: "Go to Security > System Use Notification (MGate: Misc. Settings > \
                      Notification Message) and enable it.",
        reference: "AIG-302 guide 3.3.5; MGate guide 3.3",
        run: banner,
    },
    Check {
        id: "service.snmp_versions",
        category: Category::ServiceSettings,
        severity: Severity::High,
        criterion: "If the SNMP agent runs, it should answer SNMPv3 only, with \
                    authentication and privacy.",
        remediation: "Disable the SNMP agent (System Management > SNMP Agent), or select V3 \
                      only with authentication and privacy modes on.",
        reference: "MGate guide 3.1",
        run: snmp_versions,
    },
    Check {
        id: "service.snmp_community",
        category: Category::ServiceSettings,
        severity: Severity::High,
        criterion: "SNMPv1/v2c community strings should not be the defaults \"public\" and \
                    \"private\".",
        remediation: "Disable SNMPv1/v2c, or change both community strings.",
        reference: "MGate guide 3.1",
        run: snmp_community,
    },
    Check {
        id: "service.reset_button",
        category: Category::ServiceSettings,
        severity: Severity::Low,
        criterion: "The reset button should be disabled after 60 seconds.",
        remediation: "System Management > Misc. Settings > Console Settings: set Reset \
                      button to \"Disable after 60 sec\".",
        reference: "MGate guide 3.1",
        run: reset_button,
    },
    Check {
        id: "system.firmware_current",
        category: Category::SystemStatusCheck,
        severity: Severity::High,
        criterion: "Product software package should be up to date.",
        remediation: "Go to Maintenance > Software Upgrade and click Check for Upgrade; \
                      verify the image's SHA-512 before installing it.",
        reference: "AIG-302 guide 3.3.6; MGate guide 4",
        run: firmware_current,
    },
    Check {
        id: "system.backup",
        category: Category::SystemStatusCheck,
        severity: Severity::Medium,
        criterion: "System backup should be performed at least once a year.",
        remediation: "Go to Maintenance > Backup & Restore and click Manage to back up the \
                      system.",
        reference: "AIG-302 guide 3.3.6",
        run: backup,
    },
    Check {
        id: "logging.event_groups",
        category: Category::LoggingAndAuditing,
        severity: Severity::Medium,
        criterion: "System, Network and Configuration events should be recorded in the local \
                    log or sent to a syslog server.",
        remediation: "System Management > System Log Settings: enable Local Log and/or \
                      Syslog for every event group, and set the syslog server.",
        reference: "MGate guide 3.5",
        run: event_groups,
    },
];

/// The services checked against their recommended state, with their wording. The
/// recommended state comes from the [catalogue](crate::services), except SSH, where the
/// AIG dashboard overrides the port table. Modbus TCP is the gateway's job; its exposure is
/// `network.accessible_ip_list`.
const SERVICE_CHECKS: &[(ServiceId, Severity, &str)] = &[
    (
        ServiceId::Discovery,
        Severity::Medium,
        "Discovery Service should not be enabled.",
    ),
    (
        ServiceId::Dsci,
        Severity::Medium,
        "Moxa command (DSCI) should be disabled.",
    ),
    (
        ServiceId::SshServer,
        Severity::Medium,
        "SSH Service should not be enabled.",
    ),
    (
        ServiceId::SerialConsole,
        Severity::Medium,
        "Serial Console Service should not be enabled.",
    ),
    (
        ServiceId::HttpServer,
        Severity::High,
        "The HTTP console should be disabled.",
    ),
    (
        ServiceId::HttpsServer,
        Severity::Low,
        "The HTTPS console should be enabled.",
    ),
    (
        ServiceId::TelnetServer,
        Severity::High,
        "The Telnet console should be disabled.",
    ),
    (
        ServiceId::SnmpAgent,
        Severity::Medium,
        "The SNMP agent should be disabled.",
    ),
    (
        ServiceId::DnsClient,
        Severity::Low,
        "The DNS client should be disabled.",
    ),
    (
        ServiceId::DhcpClient,
        Severity::Low,
        "The DHCP client should be disabled.",
    ),
    (
        ServiceId::DhcpServer,
        Severity::Low,
        "The DHCP server should be disabled.",
    ),
    (
        ServiceId::NtpClient,
        Severity::Low,
        "The NTP client should be disabled.",
    ),
    (
        ServiceId::SyslogClient,
        Severity::Low,
        "The syslog client should be enabled.",
    ),
    (
        ServiceId::EmailClient,
        Severity::Low,
        "The e-mail client should be enabled.",
    ),
    (
        ServiceId::SnmpTrapClient,
        Severity::Low,
        "The SNMP trap client should be enabled.",
    ),
    (
        ServiceId::ProCom,
        Severity::Medium,
        "ProCOM should be disabled.",
    ),
];

/// Runs every check.
pub(super) fn run(snapshot: &DeviceSnapshot, now: UnixTime, policy: &ScanPolicy) -> Vec<Finding> {
    let scan = Scan {
        snapshot,
        now,
        policy,
    };
    let mut findings = Vec::with_capacity(CHECKS.len() + SERVICE_CHECKS.len());
    for check in CHECKS {
        let (result, evidence) = (check.run)(&scan).unwrap_or_else(|stopped| stopped);
        findings.push(Finding {
            id: Cow::Borrowed(check.id),
            category: check.category,
            severity: check.severity,
            result,
            criterion: Cow::Borrowed(check.criterion),
            evidence,
            remediation: Cow::Borrowed(check.remediation),
            reference: Cow::Borrowed(check.reference),
        });
    }
    for &(id, severity, criterion) in SERVICE_CHECKS {
        let rows: Vec<_> = [Guide::MgateMb3000, Guide::Aig302]
            .into_iter()
            .filter_map(|guide| services::lookup(guide, id))
            .collect();
        let recommended = recommended_state(id);
        let (result, evidence) =
            service_state(&scan, id, recommended).unwrap_or_else(|stopped| stopped);
        let remark = rows.first().map_or("", |row| row.remark);
        let reference = rows
            .iter()
            .map(|row| match row.guide {
                Guide::MgateMb3000 => "MGate guide 3.1",
                Guide::Aig302 if id == ServiceId::SshServer => "AIG-302 guide 3.3.5",
                Guide::Aig302 => "AIG-302 guide 3.1",
            })
            .collect::<Vec<_>>()
            .join("; ");
        let action = match recommended {
            ServiceState::Enabled => "Enable",
            ServiceState::Disabled => "Disable",
        };
        findings.push(Finding {
            id: Cow::Owned(format!("service.{id}")),
            category: Category::ServiceSettings,
            severity,
            result,
            criterion: Cow::Borrowed(criterion),
            evidence,
            remediation: Cow::Owned(format!("{action} the service. {remark}")),
            reference: Cow::Owned(reference),
        });
    }
    findings
}

/// The state a service should be in.
pub(super) fn recommended_state(id: ServiceId) -> ServiceState {
    if id == ServiceId::SshServer {
        // AIG-302 dashboard 3.3.5 overrides the port table's "Enable".
        return ServiceState::Disabled;
    }
    services::lookup(Guide::MgateMb3000, id)
        .or_else(|| services::lookup(Guide::Aig302, id))
        .map_or(ServiceState::Disabled, |row| row.recommended)
}

fn pass(evidence: impl Into<String>) -> Outcome {
    Ok((CheckResult::Pass, evidence.into()))
}

fn fail(evidence: impl Into<String>) -> Outcome {
    Ok((CheckResult::Fail, evidence.into()))
}

fn not_applicable(evidence: impl Into<String>) -> Outcome {
    Err(stop_not_applicable(evidence))
}

fn cannot_tell(evidence: impl Into<String>) -> Outcome {
    Err(stop_cannot_tell(evidence))
}

fn stop_not_applicable(evidence: impl Into<String>) -> Verdict {
    (CheckResult::NotApplicable, evidence.into())
}

fn stop_cannot_tell(evidence: impl Into<String>) -> Verdict {
    (CheckResult::CannotTell, evidence.into())
}

/// Fails when any item failed, cannot tell when any is unknown, and passes otherwise: the
/// shape of every check that looks at a list of things.
fn judge(
    (failed_what, failed): (&str, Vec<String>),
    (unknown_what, unknown): (&str, Vec<&str>),
    passed: impl FnOnce() -> String,
) -> Outcome {
    if !failed.is_empty() {
        fail(format!("{failed_what}{}", list(failed)))
    } else if !unknown.is_empty() {
        cannot_tell(format!("{unknown_what}{}", list(unknown)))
    } else {
        pass(passed())
    }
}

/// "a, b, c" of the items.
fn list<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|item| item.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn state_of(scan: &Scan<'_>, id: ServiceId) -> Option<Option<ServiceState>> {
    scan.snapshot.services.as_ref().map(|services| {
        services
            .iter()
            .find(|status| status.id == id)
            .map(|status| status.state)
    })
}

fn service_state(scan: &Scan<'_>, id: ServiceId, recommended: ServiceState) -> Outcome {
    match state_of(scan, id) {
        None => cannot_tell("the snapshot has no service list"),
        Some(None) => not_applicable(format!("{id} is not present on this device")),
        Some(Some(state)) if state == recommended => pass(format!("{id} is {}", word(state))),
        Some(Some(state)) => fail(format!("{id} is {}", word(state))),
    }
}

fn word(state: ServiceState) -> &'static str {
    match state {
        ServiceState::Enabled => "enabled",
        ServiceState::Disabled => "disabled",
    }
}

fn active_accounts<'a>(scan: &Scan<'a>) -> Option<impl Iterator<Item = &'a Account>> {
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

/// Sources written in an allow rule that mean "anyone".
fn admits_anyone(source: &str) -> bool {
    matches!(source.trim(), "0.0.0.0/0" | "::/0" | "any" | "*" | "")
}

fn open_ports(scan: &Scan<'_>) -> Outcome {
    let Some(ports) = scan.snapshot.open_ports.as_ref() else {
        return cannot_tell("the snapshot has no list of open ports");
    };
    let firewall = scan.snapshot.firewall.as_ref().filter(|f| f.enabled);
    // The traffic an active accessible IP list with at least one active entry limits:
    // protocol traffic, and device services too under "apply additional restrictions".
    let listed = scan
        .snapshot
        .access_list
        .as_ref()
        .filter(|list| list.activate && list.entries.iter().any(|e| e.active));
    let limits = |traffic: Traffic| {
        listed.is_some_and(|list| traffic == Traffic::Protocol || list.additional_restrictions)
    };
    let exposed: Vec<_> = ports
        .iter()
        .filter(|open| {
            let by_firewall = firewall.is_some_and(|firewall| {
                firewall.allow.iter().any(|rule| {
                    rule.transport == open.transport
                        && rule.port == open.port
                        && !rule.sources.is_empty()
                        && !rule.sources.iter().any(|s| admits_anyone(s))
                })
            });
            let by_access_list = match open.service {
                Some(id) => limits(id.traffic()),
                None => services::by_port(open.transport, open.port)
                    .any(|spec| limits(spec.id.traffic())),
            };
            !(by_firewall || by_access_list)
        })
        .map(|open| {
            let range = services::PortRange {
                transport: open.transport,
                first: open.port,
                last: open.port,
            };
            match &open.process {
                Some(process) => format!("{range} ({process})"),
                None => range.to_string(),
            }
        })
        .collect();
    if exposed.is_empty() {
        pass(format!(
            "{} open ports, each limited to listed sources",
            ports.len()
        ))
    } else {
        fail(format!("open to any source: {}", list(exposed)))
    }
}

fn accessible_ip_list(scan: &Scan<'_>) -> Outcome {
    match state_of(scan, ServiceId::ModbusTcp) {
        Some(None | Some(ServiceState::Disabled)) => {
            return not_applicable("Modbus TCP is not running");
        }
        None | Some(Some(ServiceState::Enabled)) => {}
    }
    let Some(config) = scan.snapshot.access_list.as_ref() else {
        return cannot_tell("the snapshot has no accessible IP list");
    };
    if !config.activate {
        return fail("the accessible IP list is not activated: any host may use Modbus TCP");
    }
    let lints = config.lints(None);
    let serious: Vec<_> = lints
        .iter()
        .filter(|lint| lint.level() >= LintLevel::Danger)
        .collect();
    if !serious.is_empty() {
        return fail(list(serious));
    }
    let active = config.entries.iter().filter(|e| e.active).count();
    if lints.is_empty() {
        pass(format!("activated with {active} active entries"))
    } else {
        pass(format!(
            "activated with {active} active entries; warnings: {}",
            list(lints)
        ))
    }
}

fn edge<'a>(scan: &Scan<'a>) -> Result<&'a super::IotEdge, Verdict> {
    match scan.snapshot.iot_edge.as_ref() {
        None => Err(stop_cannot_tell(
            "the snapshot does not say whether IoT Edge runs",
        )),
        Some(edge) if !edge.enabled => Err(stop_not_applicable("Azure IoT Edge is not in use")),
        Some(edge) => Ok(edge),
    }
}

fn configurable_space(scan: &Scan<'_>) -> Outcome {
    let edge = edge(scan)?;
    let allowed = &scan.policy.edge_module_paths;
    let outside: Vec<_> = edge
        .modules
        .iter()
        .flat_map(|module| {
            module
                .host_paths
                .iter()
                .filter(|path| !allowed.iter().any(|prefix| within(path, prefix)))
                .map(move |path| format!("{} writes {path}", module.name))
        })
        .collect();
    if outside.is_empty() {
        pass(format!(
            "{} modules write only under {}",
            edge.modules.len(),
            list(allowed)
        ))
    } else {
        fail(list(outside))
    }
}

/// Whether `path` is `prefix` or inside it, without being fooled by `..` or a shared name
/// prefix (`/tmpfoo` is not in `/tmp/`).
fn within(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    if path.split('/').any(|part| part == "..") {
        return false;
    }
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn non_configurable_space(scan: &Scan<'_>) -> Outcome {
    let edge = edge(scan)?;
    let using: Vec<_> = edge
        .modules
        .iter()
        .filter(|m| m.uses_non_configurable_space == Some(true))
        .map(|m| m.name.clone())
        .collect();
    let unknown: Vec<_> = edge
        .modules
        .iter()
        .filter(|m| m.uses_non_configurable_space.is_none())
        .map(|m| m.name.as_str())
        .collect();
    judge(
        ("modules using it: ", using),
        ("not known for: ", unknown),
        || format!("none of {} modules uses it", edge.modules.len()),
    )
}

fn module_privileges(scan: &Scan<'_>) -> Outcome {
    let edge = edge(scan)?;
    let privileged: Vec<_> = edge
        .modules
        .iter()
        .filter(|m| m.privileged)
        .map(|m| m.name.as_str())
        .collect();
    if privileged.is_empty() {
        pass(format!(
            "none of {} modules is privileged",
            edge.modules.len()
        ))
    } else {
        fail(format!("privileged modules: {}", list(privileged)))
    }
}

fn iot_edge_downstream(scan: &Scan<'_>) -> Outcome {
    let edge = edge(scan)?;
    let Some(name) = edge.downstream_certificate.as_deref() else {
        return fail("no downstream certificate is configured: the default one is used");
    };
    let certificate = scan
        .snapshot
        .certificates
        .as_ref()
        .and_then(|certificates| certificates.iter().find(|c| c.name == name));
    match certificate.map(|c| c.vendor_default) {
        Some(Some(true)) => fail(format!("{name} is the vendor default certificate")),
        Some(Some(false)) => pass(format!("{name} is the operator's own certificate")),
        Some(None) => cannot_tell(format!("not known whether {name} is the vendor default")),
        None => cannot_tell(format!("{name} is not in the certificate list")),
    }
}

fn provisioning(scan: &Scan<'_>) -> Outcome {
    let edge = edge(scan)?;
    match edge.provisioning {
        None => cannot_tell("the provisioning method is not known"),
        Some(Provisioning::ConnectionString) => fail("provisioned with a connection string"),
        Some(Provisioning::SymmetricKey) => {
            fail("provisioned with a DPS symmetric key, not TPM or X.509 attestation")
        }
        Some(Provisioning::Tpm) => pass("provisioned with TPM attestation"),
        Some(Provisioning::X509) => pass("provisioned with X.509 attestation"),
    }
}

fn certificates<'a>(scan: &Scan<'a>) -> Result<&'a [CertificateSummary], Verdict> {
    match scan.snapshot.certificates.as_deref() {
        None => Err(stop_cannot_tell("the snapshot has no certificate list")),
        Some([]) => Err(stop_not_applicable("no certificates")),
        Some(certificates) => Ok(certificates),
    }
}

fn expiring(scan: &Scan<'_>) -> Outcome {
    let certificates = certificates(scan)?;
    let days = scan.policy.certificate_warning_days;
    let horizon = scan.now.plus_days(u64::from(days));
    let soon: Vec<_> = certificates
        .iter()
        .filter_map(|c| {
            let end = c.not_after?;
            (end > scan.now && end <= horizon).then(|| format!("{} expires {end}", c.name))
        })
        .collect();
    judge(
        ("", soon),
        ("expiry not known for: ", unknown_expiry(certificates)),
        || {
            format!(
                "none of {} certificates expires within {days} days",
                certificates.len()
            )
        },
    )
}

fn expired(scan: &Scan<'_>) -> Outcome {
    let certificates = certificates(scan)?;
    let invalid: Vec<_> = certificates
        .iter()
        .filter_map(|c| match (c.not_before, c.not_after) {
            (_, Some(end)) if end <= scan.now => Some(format!("{} expired {end}", c.name)),
            (Some(start), _) if start > scan.now => {
                Some(format!("{} is not valid before {start}", c.name))
            }
            _ => None,
        })
        .collect();
    judge(
        ("", invalid),
        ("expiry not known for: ", unknown_expiry(certificates)),
        || format!("all {} certificates are valid now", certificates.len()),
    )
}

/// Certificates whose end of validity is not known.
fn unknown_expiry(certificates: &[CertificateSummary]) -> Vec<&str> {
    certificates
        .iter()
        .filter(|c| c.not_after.is_none())
        .map(|c| c.name.as_str())
        .collect()
}

/// Checked whether or not HTTPS runs now: its certificate serves as soon as it is enabled.
fn https_trusted(scan: &Scan<'_>) -> Outcome {
    let certificates = certificates(scan)?;
    let https: Vec<_> = certificates
        .iter()
        .filter(|c| c.usage == CertificateUsage::HttpsServer)
        .collect();
    if https.is_empty() {
        return cannot_tell("no certificate is marked as the HTTPS server's");
    }
    let defaults: Vec<_> = https
        .iter()
        .filter(|c| c.vendor_default == Some(true))
        .map(|c| c.name.as_str())
        .collect();
    if !defaults.is_empty() {
        fail(format!("self-signed or vendor default: {}", list(defaults)))
    } else if https.iter().any(|c| c.vendor_default.is_none()) {
        cannot_tell("not known whether the HTTPS certificate is the vendor default")
    } else {
        pass(format!(
            "HTTPS uses {}",
            list(https.iter().map(|c| c.name.as_str()))
        ))
    }
}

fn key_strength(scan: &Scan<'_>) -> Outcome {
    let certificates = certificates(scan)?;
    let min = scan.policy.min_rsa_bits;
    let weak: Vec<_> = certificates
        .iter()
        .filter_map(|c| match (c.rsa, c.key_bits) {
            (Some(true), Some(bits)) if bits < min => {
                Some(format!("{} has a {bits}-bit RSA key", c.name))
            }
            _ => None,
        })
        .collect();
    let unknown: Vec<_> = certificates
        .iter()
        .filter(|c| c.rsa.is_none() || (c.rsa == Some(true) && c.key_bits.is_none()))
        .map(|c| c.name.as_str())
        .collect();
    judge(("", weak), ("key size not known for: ", unknown), || {
        format!("no RSA key below {min} bits")
    })
}

/// Checked whether or not HTTPS runs now, as for the certificate.
fn min_tls(scan: &Scan<'_>) -> Outcome {
    let Some(https) = scan.snapshot.https else {
        return cannot_tell("the snapshot has no HTTPS settings");
    };
    if https.min_tls >= scan.policy.min_tls {
        pass(format!("lowest accepted version: {}", https.min_tls))
    } else {
        fail(format!(
            "accepts {}, below {}",
            https.min_tls, scan.policy.min_tls
        ))
    }
}

fn lockout(scan: &Scan<'_>) -> Outcome {
    let Some(lockout) = scan.snapshot.lockout else {
        return cannot_tell("the snapshot has no lockout settings");
    };
    if !lockout.enabled {
        return fail("login failure lockout is disabled");
    }
    if lockout.max_failures > scan.policy.max_login_failures {
        return fail(format!(
            "lockout after {} failures (at most {})",
            lockout.max_failures, scan.policy.max_login_failures
        ));
    }
    if lockout.lockout_minutes == 0 {
        return fail("the lockout period is zero minutes");
    }
    pass(format!(
        "locks for {} minutes after {} failures",
        lockout.lockout_minutes, lockout.max_failures
    ))
}

fn banner(scan: &Scan<'_>) -> Outcome {
    let Some(banner) = scan.snapshot.banner.as_ref() else {
        return cannot_tell("the snapshot has no system use notification settings");
    };
    if !banner.enabled {
        return fail("the system use notification is disabled");
    }
    match LoginBanner::new(&banner.text, &scan.policy.banner_limits) {
        Ok(_) => pass(format!(
            "enabled, {} characters",
            banner.text.chars().count()
        )),
        Err(error) => fail(format!("enabled, but the text is refused: {error}")),
    }
}

fn snmp_agent_runs<'a>(scan: &Scan<'a>) -> Result<&'a super::SnmpSummary, Verdict> {
    match state_of(scan, ServiceId::SnmpAgent) {
        Some(None | Some(ServiceState::Disabled)) => {
            return Err(stop_not_applicable("the SNMP agent is not running"));
        }
        None | Some(Some(ServiceState::Enabled)) => {}
    }
    scan.snapshot
        .snmp
        .as_ref()
        .ok_or_else(|| stop_cannot_tell("the snapshot has no SNMP settings"))
}

fn snmp_versions(scan: &Scan<'_>) -> Outcome {
    let snmp = snmp_agent_runs(scan)?;
    let clear: Vec<_> = snmp
        .versions
        .iter()
        .filter(|v| matches!(v, SnmpVersion::V1 | SnmpVersion::V2c))
        .map(ToString::to_string)
        .collect();
    if !clear.is_empty() {
        fail(format!(
            "answers {} (community strings in clear text)",
            list(clear)
        ))
    } else if !snmp.v3_auth_and_privacy {
        fail("SNMPv3 without authentication and privacy")
    } else {
        pass("SNMPv3 only, with authentication and privacy")
    }
}

/// Community strings every scanner tries first.
const DEFAULT_COMMUNITIES: [&str; 2] = ["public", "private"];

fn snmp_community(scan: &Scan<'_>) -> Outcome {
    let snmp = snmp_agent_runs(scan)?;
    if !snmp
        .versions
        .iter()
        .any(|v| matches!(v, SnmpVersion::V1 | SnmpVersion::V2c))
    {
        return not_applicable("SNMPv1/v2c are off: community strings are not used");
    }
    let weak: Vec<_> = [
        ("read", &snmp.read_community),
        ("write", &snmp.write_community),
    ]
    .into_iter()
    .filter_map(|(which, community)| {
        let community = community.as_deref().unwrap_or("");
        (community.is_empty() || DEFAULT_COMMUNITIES.contains(&community))
            .then(|| format!("{which} community \"{community}\""))
    })
    .collect();
    if weak.is_empty() {
        pass("community strings changed from the defaults")
    } else {
        fail(list(weak))
    }
}

fn reset_button(scan: &Scan<'_>) -> Outcome {
    match scan.snapshot.reset_button {
        None => cannot_tell("the snapshot has no reset button setting"),
        Some(ResetButton::Enabled) => {
            fail("the reset button restores factory settings at any time")
        }
        Some(ResetButton::DisableAfter60s) => pass("disabled 60 seconds after power-on"),
        Some(ResetButton::Disabled) => pass("disabled"),
    }
}

fn firmware_current(scan: &Scan<'_>) -> Outcome {
    let Some(firmware) = scan.snapshot.firmware.as_ref() else {
        return cannot_tell("the snapshot has no firmware information");
    };
    match firmware.update_available {
        None => cannot_tell(format!(
            "version {}; never checked for upgrades",
            firmware.version
        )),
        Some(true) => fail(format!(
            "version {} is installed and a newer release is available",
            firmware.version
        )),
        Some(false) => pass(format!("version {} is the latest", firmware.version)),
    }
}

fn backup(scan: &Scan<'_>) -> Outcome {
    let Some(backup) = scan.snapshot.backup else {
        return cannot_tell("the snapshot has no backup information");
    };
    let max = scan.policy.backup_max_age_days;
    match backup.last {
        None => fail("the system has never been backed up"),
        Some(last) => match scan.now.days_since(last) {
            Some(days) if days > u64::from(max) => {
                fail(format!("last backup {last}, {days} days ago"))
            }
            _ => pass(format!("last backup {last}")),
        },
    }
}

fn event_groups(scan: &Scan<'_>) -> Outcome {
    let Some(logging) = scan.snapshot.logging.as_ref() else {
        return cannot_tell("the snapshot has no log settings");
    };
    let mut gaps = Vec::new();
    for group in EventGroup::ALL {
        let routing = logging.groups.iter().find(|r| r.group == group);
        if !routing.is_some_and(|r| r.local_log || r.syslog) {
            gaps.push(format!("{group:?} events are not recorded"));
        }
    }
    let uses_syslog = logging.groups.iter().any(|r| r.syslog);
    if uses_syslog && logging.syslog_server.as_deref().is_none_or(str::is_empty) {
        gaps.push("syslog is selected but no syslog server is set".into());
    }
    if gaps.is_empty() {
        pass("every event group reaches a log")
    } else {
        fail(list(gaps))
    }
}
