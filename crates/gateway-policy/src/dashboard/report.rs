//! The text form of a [`Report`].

use core::fmt;

use super::{Category, CheckResult, Report, ResultCounts, Severity};

impl fmt::Display for Report {
    /// A report for a terminal or a ticket: a summary line, then each category with its
    /// findings, failures first.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ResultCounts {
            passed,
            failed,
            not_applicable,
            cannot_tell,
        } = self.counts();
        writeln!(
            f,
            "Security dashboard for {} at {}",
            self.model.as_deref().unwrap_or("the device"),
            self.scanned_at
        )?;
        writeln!(
            f,
            "{} checks: {passed} pass, {failed} fail, {not_applicable} not applicable, \
             {cannot_tell} cannot tell",
            self.findings.len()
        )?;
        let mut categories: alloc::vec::Vec<Category> = self
            .findings
            .iter()
            .map(|finding| finding.category)
            .collect();
        categories.sort_unstable();
        categories.dedup();
        for category in categories {
            writeln!(f, "\n{}", category.title())?;
            let mut findings: alloc::vec::Vec<_> = self
                .findings
                .iter()
                .filter(|finding| finding.category == category)
                .collect();
            findings.sort_by_key(|finding| {
                (rank(finding.result), core::cmp::Reverse(finding.severity))
            });
            for finding in findings {
                writeln!(
                    f,
                    "  {:<5} {:<8} {:<34} {}",
                    label(finding.result),
                    severity(finding.severity),
                    finding.id,
                    finding.criterion
                )?;
                writeln!(f, "        evidence: {}", finding.evidence)?;
                if finding.result == CheckResult::Fail {
                    writeln!(f, "        fix: {}", finding.remediation)?;
                }
            }
        }
        Ok(())
    }
}

fn rank(result: CheckResult) -> u8 {
    match result {
        CheckResult::Fail => 0,
        CheckResult::CannotTell => 1,
        CheckResult::Pass => 2,
        CheckResult::NotApplicable => 3,
    }
}

fn label(result: CheckResult) -> &'static str {
    match result {
        CheckResult::Pass => "PASS",
        CheckResult::Fail => "FAIL",
        CheckResult::NotApplicable => "N/A",
        CheckResult::CannotTell => "?",
    }
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}
