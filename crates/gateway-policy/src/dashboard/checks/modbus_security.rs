//! Modbus/TCP Security (MB-TCP-Security v21): the rows of the dashboard table, then the checks
//! they run. A device without the protocol reports them not applicable.

use alloc::format;

use super::service::state_of;
use super::{
    Check, Outcome, Scan, Verdict, cannot_tell, fail, list, pass, stop_cannot_tell,
    stop_not_applicable,
};
use crate::dashboard::snapshot::{ClientCa, ModbusSecuritySummary};
use crate::dashboard::{Category, Severity};
use crate::services::{ServiceId, ServiceState};

/// The Modbus/TCP Security rows, in report order.
pub(super) const CHECKS: &[Check] = &[
    Check {
        id: "modbus_security.plain_modbus",
        category: Category::ApplicationNetworking,
        severity: Severity::Medium,
        criterion: "Plain Modbus TCP should be off where Modbus/TCP Security is available.",
        remediation: "Move every client to Modbus/TCP Security (port 802) and disable the \
                      Modbus TCP service (ports 502 and 7502).",
        reference: "MGate guide 2 (services with stronger security); MB-TCP-Security v21",
        run: plain_modbus,
    },
    Check {
        id: "modbus_security.min_tls",
        category: Category::ProductCertificateDeployment,
        severity: Severity::High,
        criterion: "Modbus/TCP Security should accept TLS 1.2 or later only.",
        remediation: "Set the lowest TLS version of Modbus/TCP Security to 1.2 (1.3 where \
                      every client supports it).",
        reference: "MB-TCP-Security v21 (TLS 1.2 or newer)",
        run: min_tls,
    },
    Check {
        id: "modbus_security.client_ca",
        category: Category::ProductCertificateDeployment,
        severity: Severity::Medium,
        criterion: "Client certificates should be verified against the plant's own CA.",
        remediation: "Configure the CA bundle that issues the plant's Modbus client \
                      certificates; do not run on a CA the device made for trying it out.",
        reference: "MB-TCP-Security v21 (mutual authentication)",
        run: client_ca,
    },
    Check {
        id: "modbus_security.role_policy",
        category: Category::AccountSettings,
        severity: Severity::High,
        criterion: "No Modbus role should be authorised for every function on every unit.",
        remediation: "Give each role only the function codes, units and address ranges it \
                      needs; keep writes to the roles that must write.",
        reference: "MB-TCP-Security v21 (role-based authorisation)",
        run: role_policy,
    },
];

/// The summary of a device where the protocol runs.
fn enabled<'a>(scan: &Scan<'a>) -> Result<&'a ModbusSecuritySummary, Verdict> {
    match scan.snapshot.modbus_security.as_ref() {
        None => Err(stop_cannot_tell(
            "the snapshot does not say whether Modbus/TCP Security runs",
        )),
        Some(summary) if !summary.enabled => {
            Err(stop_not_applicable("Modbus/TCP Security is not in use"))
        }
        Some(summary) => Ok(summary),
    }
}

fn plain_modbus(scan: &Scan<'_>) -> Outcome {
    enabled(scan)?;
    match state_of(scan, ServiceId::ModbusTcp) {
        None => cannot_tell("the snapshot has no service list"),
        Some(Some(ServiceState::Enabled)) => {
            fail("plain Modbus TCP is enabled beside Modbus/TCP Security")
        }
        Some(None | Some(ServiceState::Disabled)) => {
            pass("Modbus is reachable through Modbus/TCP Security only")
        }
    }
}

fn min_tls(scan: &Scan<'_>) -> Outcome {
    let summary = enabled(scan)?;
    if summary.min_tls >= scan.policy.min_tls {
        pass(format!("lowest accepted version: {}", summary.min_tls))
    } else {
        fail(format!(
            "accepts {}, below {}",
            summary.min_tls, scan.policy.min_tls
        ))
    }
}

fn client_ca(scan: &Scan<'_>) -> Outcome {
    match enabled(scan)?.client_ca {
        ClientCa::Missing => fail("no client CA is configured: no client can be authenticated"),
        ClientCa::Bench => fail(
            "client certificates are verified against the device's bench CA: whoever can read \
             its key can issue any role",
        ),
        ClientCa::Operator => pass("client certificates are verified against the operator's CA"),
    }
}

fn role_policy(scan: &Scan<'_>) -> Outcome {
    let roles = &enabled(scan)?.roles_allowing_everything;
    if roles.is_empty() {
        pass("every role is limited to listed functions, units or addresses")
    } else {
        fail(format!("authorised for everything: {}", list(roles)))
    }
}
