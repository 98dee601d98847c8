//! Application Resource Usage: the rows of the dashboard table, then the checks they run.

use alloc::format;
use alloc::vec::Vec;

use super::{Check, Outcome, Scan, edge, fail, judge, list, pass};
use crate::dashboard::{Category, Severity};

/// The Application Resource Usage rows, in report order.
pub(super) const CHECKS: &[Check] = &[
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
];

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
