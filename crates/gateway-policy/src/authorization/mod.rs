//! Modbus/TCP Security authorisation (MB-TCP-Security v21, 2018-07-24): what a client's role
//! may do, as data.
//!
//! A Modbus/TCP Security client proves who it is with its certificate, which carries its role
//! (gateway-certs reads it); the server decides each request by that role. Here a role is a
//! list of **allow rules**; a request that no rule of its role allows is denied, and the
//! server answers it with exception 01 Illegal Function, as the specification asks of a
//! request its role is not authorised for ([`Denial::EXCEPTION`]). A certificate without the
//! role extension gets the policy's default role, and there is none unless one is configured.
//!
//! A rule allows function codes (FC 08 sub-functions and FC 2B MEI types may be named alone),
//! a range of unit ids, reading or writing or both, and optionally one table with an address
//! range. A request is allowed when every access it makes is inside one rule: FC 17 reads one
//! span and writes another, and both must be allowed; a write of 10 registers is not allowed
//! by a rule whose range ends 5 registers in.
//!
//! [`AuthorizationPolicy::authorize`] takes the request as plain data ([`Request`]): the gateway
//! maps its own decoded request into it, so this crate does not depend on a Modbus stack. It
//! does not allocate, and costs one pass over the role's rules per access.
//!
//! # Example
//!
//! ```
//! use gateway_policy::authorization::{AuthorizationPolicy, Decision, Request, Table};
//!
//! let policy = AuthorizationPolicy::<4, 8>::presets();
//! let read = Request::data(0x03, 0, 10).unwrap();
//! let write = Request::data(0x06, 7, 1).unwrap();
//! assert!(policy.authorize(Some("operator"), &read, 1).is_allowed());
//! let denied = policy.authorize(Some("operator"), &write, 1);
//! assert_eq!(denied.exception(), Some(0x01));
//! assert!(policy.authorize(Some("engineer"), &write, 1).is_allowed());
//! // No role extension, and no default role: denied.
//! assert!(!policy.authorize(None, &read, 1).is_allowed());
//! ```

mod function;
mod lint;
mod presets;

use core::fmt;

pub use function::{Function, FunctionSyntax};
pub use lint::{AuthorizationLint, LintLevel};

use crate::name::Name;

/// Most function entries in one rule.
pub const MAX_FUNCTIONS: usize = 24;

/// A table of the Modbus data model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Table {
    /// Coils (FC 01, 05, 0F).
    Coils,
    /// Discrete inputs (FC 02), read-only.
    DiscreteInputs,
    /// Input registers (FC 04), read-only.
    InputRegisters,
    /// Holding registers (FC 03, 06, 10, 16, 17, 18).
    HoldingRegisters,
}

impl Table {
    /// The name the specification gives it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Coils => "coils",
            Self::DiscreteInputs => "discrete inputs",
            Self::InputRegisters => "input registers",
            Self::HoldingRegisters => "holding registers",
        }
    }
}

/// Reading or writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Access {
    /// Reads data, identification or counters.
    Read,
    /// Changes outputs, registers, files, counters or the device's state.
    Write,
}

/// `count` addresses from `first` of one table, as a request names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Span {
    /// The table.
    pub table: Table,
    /// The first address (0-based, as on the wire).
    pub first: u16,
    /// How many coils or registers; at least 1.
    pub count: u16,
}

impl Span {
    /// The last address, or `None` when the span runs past 65535 or is empty.
    pub fn last(self) -> Option<u16> {
        self.first.checked_add(self.count.checked_sub(1)?)
    }
}

/// One access of a request: what it does, and to which addresses when it has any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Part {
    /// Read or write.
    pub access: Access,
    /// The addresses; `None` for a request without addresses in the four tables.
    pub span: Option<Span>,
}

/// A request as the policy sees it: its function code, FC 08 sub-function or FC 2B MEI type,
/// and the one or two accesses it makes. Build it with the constructors, which know what each
/// public function code does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Request {
    function: u8,
    sub_function: Option<u16>,
    parts: [Option<Part>; 2],
}

impl Request {
    /// FC 01-06, 0F, 10, 16 and 18: `count` items from `first` of the function's table.
    /// `None` for another function code. (FC 05, 06 and 16 write one item: pass 1; FC 18's
    /// address is its FIFO pointer.)
    pub fn data(function: u8, first: u16, count: u16) -> Option<Self> {
        let shape = function::shape(function, None)?;
        let table = shape.table?;
        if shape.reads && shape.writes {
            return None;
        }
        let access = if shape.writes {
            Access::Write
        } else {
            Access::Read
        };
        let span = Span {
            table,
            first,
            count,
        };
        Some(Self::with(
            function,
            None,
            [Some(access), None],
            [Some(span), None],
        ))
    }

    /// FC 17 Read/Write Multiple Registers: reads `read`, writes `write`, both in the holding
    /// registers.
    pub fn read_write_multiple(read: (u16, u16), write: (u16, u16)) -> Self {
        let span = |(first, count)| {
            Some(Span {
                table: Table::HoldingRegisters,
                first,
                count,
            })
        };
        Self::with(
            function::READ_WRITE_MULTIPLE,
            None,
            [Some(Access::Read), Some(Access::Write)],
            [span(read), span(write)],
        )
    }

    /// FC 08 with `sub_function`: a read for Return Query Data and the counters, a write for
    /// the sub-functions that change the device and for undefined ones.
    pub fn diagnostics(sub_function: u16) -> Self {
        let access = function::diagnostic_access(sub_function);
        Self::with(
            function::DIAGNOSTICS,
            Some(sub_function),
            [Some(access), None],
            [None, None],
        )
    }

    /// FC 2B with `mei_type`: 0E Read Device Identification reads; 0D CANopen General
    /// Reference and undefined types count as writes.
    pub fn encapsulated(mei_type: u8) -> Self {
        let access = if mei_type == 0x0E {
            Access::Read
        } else {
            Access::Write
        };
        Self::with(
            function::ENCAPSULATED,
            Some(u16::from(mei_type)),
            [Some(access), None],
            [None, None],
        )
    }

    /// A request without addresses in the four tables: FC 07, 0B, 0C, 11 and 14 read, FC 15
    /// writes; any other code (user-defined ones, and codes the constructors above take) counts
    /// as a write, the access no read-only role has.
    pub fn other(function: u8) -> Self {
        let access = match function::shape(function, None) {
            Some(shape) if shape.table.is_none() && !shape.writes => Access::Read,
            _ => Access::Write,
        };
        Self::with(function, None, [Some(access), None], [None, None])
    }

    fn with(
        function: u8,
        sub_function: Option<u16>,
        access: [Option<Access>; 2],
        spans: [Option<Span>; 2],
    ) -> Self {
        let part = |i: usize| {
            Some(Part {
                access: *access.get(i)?.as_ref()?,
                span: *spans.get(i)?,
            })
        };
        Self {
            function,
            sub_function,
            parts: [part(0), part(1)],
        }
    }

    /// The function code.
    pub fn function(&self) -> u8 {
        self.function
    }

    /// The FC 08 sub-function or FC 2B MEI type.
    pub fn sub_function(&self) -> Option<u16> {
        self.sub_function
    }

    /// The accesses the request makes, in order (FC 17: the read, then the write).
    pub fn parts(&self) -> impl Iterator<Item = &Part> {
        self.parts.iter().flatten()
    }
}

/// Unit ids `first..=last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Units {
    /// The first unit id.
    pub first: u8,
    /// The last unit id.
    pub last: u8,
}

impl Units {
    /// Every unit id, 0 (broadcast) to 255.
    pub const ALL: Self = Self {
        first: 0,
        last: 255,
    };

    fn contains(self, unit: u8) -> bool {
        (self.first..=self.last).contains(&unit)
    }

    fn within(self, other: Self) -> bool {
        other.first <= self.first && self.last <= other.last
    }
}

impl Default for Units {
    fn default() -> Self {
        Self::ALL
    }
}

/// Addresses `first..=last` of one table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Addresses {
    /// The table.
    pub table: Table,
    /// The first address.
    #[cfg_attr(feature = "serde", serde(default))]
    pub first: u16,
    /// The last address.
    #[cfg_attr(feature = "serde", serde(default = "last_address"))]
    pub last: u16,
}

#[cfg(feature = "serde")]
fn last_address() -> u16 {
    u16::MAX
}

/// One allow rule.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Rule {
    /// The function codes it allows.
    pub functions: heapless::Vec<Function, MAX_FUNCTIONS>,
    /// Reading, writing, or both when `None`.
    #[cfg_attr(feature = "serde", serde(default))]
    pub access: Option<Access>,
    /// The unit ids.
    #[cfg_attr(feature = "serde", serde(default))]
    pub units: Units,
    /// One table and its address range; `None` for every table and requests without
    /// addresses.
    #[cfg_attr(feature = "serde", serde(default))]
    pub addresses: Option<Addresses>,
}

impl Rule {
    /// A rule for `functions` with every unit, both accesses and every address.
    ///
    /// # Errors
    ///
    /// [`AuthorizationError::TooManyFunctions`] beyond [`MAX_FUNCTIONS`].
    pub fn new(functions: &[Function]) -> Result<Self, AuthorizationError> {
        Ok(Self {
            functions: heapless::Vec::from_slice(functions)
                .map_err(|()| AuthorizationError::TooManyFunctions)?,
            access: None,
            units: Units::ALL,
            addresses: None,
        })
    }

    /// Whether the rule allows `part` of a request with `function` and `sub_function` to
    /// `unit`.
    fn allows(&self, function: u8, sub_function: Option<u16>, part: &Part, unit: u8) -> bool {
        self.access.is_none_or(|access| access == part.access)
            && self.units.contains(unit)
            && self
                .functions
                .iter()
                .any(|f| f.matches(function, sub_function))
            && self.addresses.is_none_or(|allowed| {
                part.span.is_some_and(|span| {
                    span.table == allowed.table
                        && span.first >= allowed.first
                        && span.last().is_some_and(|last| last <= allowed.last)
                })
            })
    }
}

/// A role and its rules.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct RolePolicy<const RULES: usize = 16> {
    /// The role, as the certificate's role extension spells it (compared without ASCII case).
    pub name: Name,
    /// Its allow rules, in order: a decision names the first that allowed the request.
    pub rules: heapless::Vec<Rule, RULES>,
}

/// Every role's rules, and the default role for certificates without the role extension.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct AuthorizationPolicy<const ROLES: usize = 8, const RULES: usize = 16> {
    /// The roles.
    pub roles: heapless::Vec<RolePolicy<RULES>, ROLES>,
    /// The role of a client whose certificate has no role extension; `None` denies it
    /// everything.
    #[cfg_attr(feature = "serde", serde(default))]
    pub default_role: Option<Name>,
}

impl<const ROLES: usize, const RULES: usize> AuthorizationPolicy<ROLES, RULES> {
    /// Decides `request` to `unit` by a client with `role` (`None`: its certificate has no
    /// role extension).
    pub fn authorize(&self, role: Option<&str>, request: &Request, unit: u8) -> Decision {
        let Some(name) = role.or(self.default_role.as_deref()) else {
            return Decision::Deny(Denial::NoRole);
        };
        let Some((index, policy)) = self
            .roles
            .iter()
            .enumerate()
            .find(|(_, policy)| policy.name == name)
        else {
            return Decision::Deny(Denial::UnknownRole);
        };
        let mut allowed_by = None;
        for part in request.parts() {
            let rule = policy
                .rules
                .iter()
                .position(|rule| rule.allows(request.function, request.sub_function, part, unit));
            match rule {
                // The write of FC 17 is named over its read: it is what the rule is for.
                Some(rule) => allowed_by = Some(rule),
                None => {
                    return Decision::Deny(Denial::NoRule {
                        role: index,
                        part: *part,
                    });
                }
            }
        }
        match allowed_by {
            Some(rule) => Decision::Allow { role: index, rule },
            // A request with no access at all cannot be built; deny rather than assume.
            None => Decision::Deny(Denial::NoRule {
                role: index,
                part: Part {
                    access: Access::Write,
                    span: None,
                },
            }),
        }
    }

    /// Checks the policy: role names unique, the default role defined, every rule with a
    /// function and with ranges that are not reversed.
    ///
    /// # Errors
    ///
    /// The first [`AuthorizationError`] found; [`lints`](Self::lint) reports them all, with
    /// the warnings.
    pub fn validate(&self) -> Result<(), AuthorizationError> {
        let mut first = Ok(());
        self.errors(|error| {
            if first.is_ok() {
                first = Err(error);
            }
        });
        first
    }

    /// The role at `index` of a [`Decision`].
    pub fn role(&self, index: usize) -> Option<&RolePolicy<RULES>> {
        self.roles.get(index)
    }

    fn errors(&self, mut report: impl FnMut(AuthorizationError)) {
        for (index, role) in self.roles.iter().enumerate() {
            if self
                .roles
                .iter()
                .take(index)
                .any(|seen| seen.name == role.name)
            {
                report(AuthorizationError::DuplicateRole { role: index });
            }
            for (rule_index, rule) in role.rules.iter().enumerate() {
                let at = RuleRef {
                    role: index,
                    rule: rule_index,
                };
                if rule.functions.is_empty() {
                    report(AuthorizationError::NoFunction(at));
                }
                let units_reversed = rule.units.first > rule.units.last;
                let addresses_reversed = rule.addresses.is_some_and(|a| a.first > a.last);
                if units_reversed || addresses_reversed {
                    report(AuthorizationError::ReversedRange(at));
                }
            }
        }
        if let Some(default) = &self.default_role {
            if !self.roles.iter().any(|role| role.name == *default) {
                report(AuthorizationError::UnknownDefaultRole);
            }
        }
    }
}

impl<const ROLES: usize, const RULES: usize> Default for AuthorizationPolicy<ROLES, RULES> {
    /// No role: every request denied.
    fn default() -> Self {
        Self {
            roles: heapless::Vec::new(),
            default_role: None,
        }
    }
}

/// A rule of a role, by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RuleRef {
    /// The role's index in [`AuthorizationPolicy::roles`].
    pub role: usize,
    /// The rule's index in its role.
    pub rule: usize,
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "role {} rule {}", self.role + 1, self.rule + 1)
    }
}

/// Why a policy is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// Two roles with the same name (without ASCII case).
    #[error("role {} has the name of an earlier role", .role + 1)]
    DuplicateRole {
        /// The later role's index.
        role: usize,
    },
    /// The default role is not one of the roles.
    #[error("the default role is not one of the roles")]
    UnknownDefaultRole,
    /// A rule without a function code allows nothing.
    #[error("{0} names no function")]
    NoFunction(RuleRef),
    /// A unit or address range whose first is after its last.
    #[error("{0} has a range that ends before it starts")]
    ReversedRange(RuleRef),
    /// More function entries than [`MAX_FUNCTIONS`].
    #[error("a rule names at most {MAX_FUNCTIONS} functions")]
    TooManyFunctions,
    /// More roles or rules than the policy holds.
    #[error("the policy holds no more roles or rules")]
    Full,
}

/// The decision on one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[must_use]
pub enum Decision {
    /// Allowed by `rule` of `role` (indices into the policy).
    Allow {
        /// The role's index.
        role: usize,
        /// The rule's index in the role.
        rule: usize,
    },
    /// Denied: answer with [`Denial::EXCEPTION`].
    Deny(Denial),
}

impl Decision {
    /// Whether the request is allowed.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allow { .. })
    }

    /// The exception code the server answers a denied request with.
    pub fn exception(&self) -> Option<u8> {
        match self {
            Self::Allow { .. } => None,
            Self::Deny(_) => Some(Denial::EXCEPTION),
        }
    }
}

/// Why a request was denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Denial {
    /// The certificate has no role extension and the policy has no default role.
    NoRole,
    /// The certificate's role is not in the policy.
    UnknownRole,
    /// No rule of the role allows this access.
    NoRule {
        /// The role's index.
        role: usize,
        /// The access no rule allows.
        part: Part,
    },
}

impl Denial {
    /// Exception 01 Illegal Function: MB-TCP-Security's answer to a request the client's
    /// role is not authorised for.
    pub const EXCEPTION: u8 = 0x01;
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRole => {
                f.write_str("the certificate carries no role and there is no default role")
            }
            Self::UnknownRole => f.write_str("the certificate's role is not in the policy"),
            Self::NoRule { part, .. } => {
                let access = match part.access {
                    Access::Read => "reading",
                    Access::Write => "writing",
                };
                match part.span {
                    Some(span) => write!(
                        f,
                        "no rule of the role allows {access} {} {} from address {}",
                        span.count,
                        span.table.name(),
                        span.first
                    ),
                    None => write!(f, "no rule of the role allows {access} with this function"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
