//! Service Settings: the rows of the dashboard table, then the checks they run.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::ToString;
use alloc::vec::Vec;

use super::{
    Check, Outcome, Scan, Verdict, cannot_tell, fail, list, not_applicable, pass, stop_cannot_tell,
    stop_not_applicable,
};
use crate::banner::LoginBanner;
use crate::dashboard::snapshot::{ResetButton, SnmpSummary, SnmpVersion};
use crate::dashboard::{Category, Finding, Severity};
use crate::services::{self, Guide, ServiceId, ServiceState};

/// The Service Settings rows, in report order.
pub(super) const CHECKS: &[Check] = &[
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
];

/// The services checked against their recommended state, with their wording. The
/// recommended state comes from the [catalogue](crate::services), except SSH, where the
/// AIG dashboard overrides the port table. Modbus TCP is the gateway's job; its exposure is
/// `network.accessible_ip_list`.
pub(super) const SERVICE_CHECKS: &[(ServiceId, Severity, &str)] = &[
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

/// Appends the finding of every [`SERVICE_CHECKS`] row.
pub(super) fn push_service_findings(scan: &Scan<'_>, findings: &mut Vec<Finding>) {
    for &(id, severity, criterion) in SERVICE_CHECKS {
        let rows: Vec<_> = [Guide::MgateMb3000, Guide::Aig302]
            .into_iter()
            .filter_map(|guide| services::lookup(guide, id))
            .collect();
        let recommended = recommended_state(id);
        let (result, evidence) =
            service_state(scan, id, recommended).unwrap_or_else(|stopped| stopped);
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

pub(super) fn state_of(scan: &Scan<'_>, id: ServiceId) -> Option<Option<ServiceState>> {
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

fn snmp_agent_runs<'a>(scan: &Scan<'a>) -> Result<&'a SnmpSummary, Verdict> {
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
