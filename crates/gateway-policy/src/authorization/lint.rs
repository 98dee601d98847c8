//! The authorisation policy's linter: what a reviewer would flag before the policy goes live.

use core::fmt;

use super::function::shape;
use super::{Access, AuthorizationError, AuthorizationPolicy, Function, Rule, RuleRef, Units};

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum LintLevel {
    /// Valid, but probably not what was meant.
    Warning,
    /// Valid, and it undoes what the policy is for.
    Danger,
    /// [`AuthorizationPolicy::validate`] refuses the policy.
    Refused,
}

/// One finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthorizationLint {
    /// The policy is refused.
    Invalid(AuthorizationError),
    /// Every function code, reading and writing, every unit and address: the role is
    /// authorised for everything, and the policy no longer limits it.
    AllowsEverything(RuleRef),
    /// An earlier rule of the role allows everything this one does.
    Unreachable {
        /// The rule that is never the first to match.
        at: RuleRef,
        /// The earlier rule's index in the role.
        covered_by: usize,
    },
    /// No request can match the rule: its functions do not make its access or do not touch
    /// its table (FC 03 with coils, a write to input registers).
    MatchesNothing(RuleRef),
    /// The role has a rule for writing, and no rule of it can allow any write.
    WritesNothing {
        /// The role's index.
        role: usize,
    },
    /// A function code that is neither public nor user-defined (65-72, 100-110).
    UnknownFunction {
        /// The rule.
        at: RuleRef,
        /// The code.
        function: u8,
    },
    /// The default role, given to certificates without the role extension, can write.
    DefaultRoleWrites {
        /// The role's index.
        role: usize,
    },
}

impl AuthorizationLint {
    /// How serious it is.
    pub fn level(&self) -> LintLevel {
        match self {
            Self::Invalid(_) => LintLevel::Refused,
            Self::AllowsEverything(_) | Self::DefaultRoleWrites { .. } => LintLevel::Danger,
            _ => LintLevel::Warning,
        }
    }
}

impl fmt::Display for AuthorizationLint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(error) => write!(f, "{error}"),
            Self::AllowsEverything(at) => write!(
                f,
                "{at} allows every function, reading and writing, on every unit and address"
            ),
            Self::Unreachable { at, covered_by } => write!(
                f,
                "{at} is never used: rule {} of the role already allows everything it does",
                covered_by + 1
            ),
            Self::MatchesNothing(at) => write!(
                f,
                "{at} matches no request: its functions do not make its access or touch its table"
            ),
            Self::WritesNothing { role } => write!(
                f,
                "role {} has a rule for writing, but none of its rules can allow a write",
                role + 1
            ),
            Self::UnknownFunction { at, function } => write!(
                f,
                "{at} names function {function:02X}, which is neither public nor user-defined"
            ),
            Self::DefaultRoleWrites { role } => write!(
                f,
                "the default role (role {}) can write: every certificate without a role gets it",
                role + 1
            ),
        }
    }
}

impl<const ROLES: usize, const RULES: usize> AuthorizationPolicy<ROLES, RULES> {
    /// Reports every finding, refusals first.
    pub fn lint(&self, mut report: impl FnMut(AuthorizationLint)) {
        self.errors(|error| report(AuthorizationLint::Invalid(error)));
        for (role_index, role) in self.roles.iter().enumerate() {
            for (rule_index, rule) in role.rules.iter().enumerate() {
                let at = RuleRef {
                    role: role_index,
                    rule: rule_index,
                };
                if rule.access.is_none()
                    && rule.units == Units::ALL
                    && rule.addresses.is_none()
                    && rule.functions.contains(&Function::Any)
                {
                    report(AuthorizationLint::AllowsEverything(at));
                }
                for function in &rule.functions {
                    if let Function::Code(code) = *function {
                        if shape(code, None).is_none() && !user_defined(code) {
                            report(AuthorizationLint::UnknownFunction { at, function: code });
                        }
                    }
                }
                if !rule.functions.is_empty() && !can_make(rule, None) {
                    report(AuthorizationLint::MatchesNothing(at));
                }
                if let Some(covered_by) = role
                    .rules
                    .iter()
                    .take(rule_index)
                    .position(|earlier| covers(earlier, rule))
                {
                    report(AuthorizationLint::Unreachable { at, covered_by });
                }
            }
            let writes = |rule: &Rule| can_make(rule, Some(Access::Write));
            let meant_to_write = role.rules.iter().any(|r| r.access == Some(Access::Write));
            if meant_to_write && !role.rules.iter().any(writes) {
                report(AuthorizationLint::WritesNothing { role: role_index });
            }
            let is_default = self
                .default_role
                .as_ref()
                .is_some_and(|default| *default == role.name);
            if is_default && role.rules.iter().any(writes) {
                report(AuthorizationLint::DefaultRoleWrites { role: role_index });
            }
        }
    }

    /// Every finding, in the order [`lint`](Self::lint) reports them.
    #[cfg(feature = "alloc")]
    pub fn lints(&self) -> alloc::vec::Vec<AuthorizationLint> {
        let mut lints = alloc::vec::Vec::new();
        self.lint(|lint| lints.push(lint));
        lints
    }
}

/// Function codes 65-72 and 100-110, which the specification leaves to vendors.
fn user_defined(code: u8) -> bool {
    matches!(code, 65..=72 | 100..=110)
}

/// Whether some request can match `rule` (with the access `only`, when given).
fn can_make(rule: &Rule, only: Option<Access>) -> bool {
    let accesses = [Access::Read, Access::Write];
    accesses
        .into_iter()
        .filter(|access| only.is_none_or(|only| only == *access))
        .filter(|access| rule.access.is_none_or(|allowed| allowed == *access))
        .any(|access| {
            rule.functions
                .iter()
                .any(|function| match function.shape() {
                    // Every code, or one this crate cannot see into: it may.
                    None => true,
                    Some(shape) => {
                        shape.makes(access)
                            && rule
                                .addresses
                                .is_none_or(|addresses| shape.table == Some(addresses.table))
                    }
                })
        })
}

/// Whether `earlier` allows every request `later` allows.
fn covers(earlier: &Rule, later: &Rule) -> bool {
    let functions = later
        .functions
        .iter()
        .all(|f| earlier.functions.iter().any(|g| f.within(*g)));
    let access = earlier.access.is_none() || earlier.access == later.access;
    let addresses = match (earlier.addresses, later.addresses) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(wide), Some(narrow)) => {
            wide.table == narrow.table && wide.first <= narrow.first && narrow.last <= wide.last
        }
    };
    functions && access && later.units.within(earlier.units) && addresses
}
