//! System Status Check: the rows of the dashboard table, then the checks they run.

use alloc::format;

use super::{Check, Outcome, Scan, cannot_tell, fail, pass};
use crate::dashboard::{Category, Severity};

/// The System Status Check rows, in report order.
pub(super) const CHECKS: &[Check] = &[
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
];

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
