//! Application Networking: the rows of the dashboard table, then the checks they run.

use alloc::format;
use alloc::string::ToString;
use alloc::vec::Vec;

use super::service::state_of;
use super::{Check, Outcome, Scan, cannot_tell, fail, list, not_applicable, pass};
use crate::access::{LintLevel, Traffic};
use crate::dashboard::{Category, Severity};
use crate::services::{self, ServiceId, ServiceState};

/// The Application Networking rows, in report order.
pub(super) const CHECKS: &[Check] = &[
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
];

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
