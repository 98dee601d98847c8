//! The dashboard's checks: one file per category, each starting with its table rows
//! followed by the functions they run, and here what they share.

mod account;
mod certificates;
mod logging;
mod modbus_security;
mod network;
mod resources;
mod service;
mod system;

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::snapshot::DeviceSnapshot;
use super::{Category, CheckResult, Finding, ScanPolicy, Severity};
use crate::time::UnixTime;

/// The categories' tables in report order; the per-service rows follow them.
const TABLES: [&[Check]; 8] = [
    account::CHECKS,
    network::CHECKS,
    resources::CHECKS,
    certificates::CHECKS,
    modbus_security::CHECKS,
    service::CHECKS,
    system::CHECKS,
    logging::CHECKS,
];

/// What a check sees.
pub(super) struct Scan<'a> {
    pub(super) snapshot: &'a DeviceSnapshot,
    pub(super) now: UnixTime,
    pub(super) policy: &'a ScanPolicy,
}

/// A check's result and the evidence for it.
pub(super) type Verdict = (CheckResult, String);

/// `Ok` when the check judged the device (pass, fail); `Err` when it stopped before judging
/// (not applicable, cannot tell), so that `?` ends a check early.
pub(super) type Outcome = Result<Verdict, Verdict>;

/// A check of the table.
pub(super) struct Check {
    pub(super) id: &'static str,
    pub(super) category: Category,
    pub(super) severity: Severity,
    pub(super) criterion: &'static str,
    pub(super) remediation: &'static str,
    pub(super) reference: &'static str,
    pub(super) run: fn(&Scan<'_>) -> Outcome,
}

/// Runs every check.
pub(super) fn run(snapshot: &DeviceSnapshot, now: UnixTime, policy: &ScanPolicy) -> Vec<Finding> {
    let scan = Scan {
        snapshot,
        now,
        policy,
    };
    let rows = TABLES.iter().map(|table| table.len()).sum::<usize>();
    let mut findings = Vec::with_capacity(rows + service::SERVICE_CHECKS.len());
    for check in TABLES.into_iter().flatten() {
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
    service::push_service_findings(&scan, &mut findings);
    findings
}

pub(super) fn pass(evidence: impl Into<String>) -> Outcome {
    Ok((CheckResult::Pass, evidence.into()))
}

pub(super) fn fail(evidence: impl Into<String>) -> Outcome {
    Ok((CheckResult::Fail, evidence.into()))
}

pub(super) fn not_applicable(evidence: impl Into<String>) -> Outcome {
    Err(stop_not_applicable(evidence))
}

pub(super) fn cannot_tell(evidence: impl Into<String>) -> Outcome {
    Err(stop_cannot_tell(evidence))
}

pub(super) fn stop_not_applicable(evidence: impl Into<String>) -> Verdict {
    (CheckResult::NotApplicable, evidence.into())
}

pub(super) fn stop_cannot_tell(evidence: impl Into<String>) -> Verdict {
    (CheckResult::CannotTell, evidence.into())
}

/// Fails when any item failed, cannot tell when any is unknown, and passes otherwise: the
/// shape of every check that looks at a list of things.
pub(super) fn judge(
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
pub(super) fn list<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|item| item.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn edge<'a>(scan: &Scan<'a>) -> Result<&'a crate::dashboard::IotEdge, Verdict> {
    match scan.snapshot.iot_edge.as_ref() {
        None => Err(stop_cannot_tell(
            "the snapshot does not say whether IoT Edge runs",
        )),
        Some(edge) if !edge.enabled => Err(stop_not_applicable("Azure IoT Edge is not in use")),
        Some(edge) => Ok(edge),
    }
}
