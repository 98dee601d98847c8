//! Logging and Auditing: the rows of the dashboard table, then the checks they run.

use alloc::format;
use alloc::vec::Vec;

use super::{Check, Outcome, Scan, cannot_tell, fail, list, pass};
use crate::dashboard::snapshot::EventGroup;
use crate::dashboard::{Category, Severity};

/// The Logging and Auditing rows, in report order.
pub(super) const CHECKS: &[Check] = &[Check {
    id: "logging.event_groups",
    category: Category::LoggingAndAuditing,
    severity: Severity::Medium,
    criterion: "System, Network and Configuration events should be recorded in the local \
                    log or sent to a syslog server.",
    remediation: "System Management > System Log Settings: enable Local Log and/or \
                      Syslog for every event group, and set the syslog server.",
    reference: "MGate guide 3.5",
    run: event_groups,
}];

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
