//! The three roles a Modbus/TCP Security deployment starts from.
//!
//! | role | reads | writes |
//! |---|---|---|
//! | `operator` | every table, identification (2B/0E), counters and echo (FC 08 reads), exception status, event counter and log, server id, file records, FIFO | nothing |
//! | `engineer` | as operator, and FC 17's read | coils and holding registers (05, 06, 0F, 10, 16, 17), file records (15) |
//! | `administrator` | every public function code | every public function code, FC 08 restart and clear counters, 2B/0D included |
//!
//! Every unit id and address. None of them is the default role: a certificate without the
//! role extension is denied until the operator names one.

use super::{Access, AuthorizationPolicy, Function, RolePolicy, Rule, Units};
use crate::name::Name;

/// What the operator reads: every public read, as one rule limited to reading.
const READS: [u8; 12] = [
    0x01, 0x02, 0x03, 0x04, 0x07, 0x08, 0x0B, 0x0C, 0x11, 0x14, 0x18, 0x2B,
];
/// What the engineer writes, beyond the operator.
const WRITES: [u8; 7] = [0x05, 0x06, 0x0F, 0x10, 0x15, 0x16, 0x17];
/// Every public function code of the Modbus Application Protocol v1.1b3.
const PUBLIC: [u8; 19] = [
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0B, 0x0C, 0x0F, 0x10, 0x11, 0x14, 0x15, 0x16,
    0x17, 0x18, 0x2B,
];

fn rule(codes: &[u8], access: Option<Access>) -> Rule {
    Rule {
        functions: codes.iter().map(|&code| Function::Code(code)).collect(),
        access,
        units: Units::ALL,
        addresses: None,
    }
}

impl<const RULES: usize> RolePolicy<RULES> {
    const CAN_HOLD_A_PRESET: () = assert!(RULES >= 2, "a preset role has two rules");

    /// Reads everything, writes nothing. `name` is truncated to the longest role name.
    pub fn read_only_operator(name: &str) -> Self {
        let () = Self::CAN_HOLD_A_PRESET;
        Self::preset(name, &[rule(&READS, Some(Access::Read))])
    }

    /// Reads everything (FC 17's read too), writes coils, holding registers and file records.
    pub fn engineer(name: &str) -> Self {
        let () = Self::CAN_HOLD_A_PRESET;
        let mut reads = rule(&READS, Some(Access::Read));
        // Cannot fail: READS leaves room under MAX_FUNCTIONS.
        let _ = reads.functions.push(Function::Code(0x17));
        Self::preset(name, &[reads, rule(&WRITES, Some(Access::Write))])
    }

    /// Every public function code, reading and writing.
    pub fn administrator(name: &str) -> Self {
        let () = Self::CAN_HOLD_A_PRESET;
        Self::preset(name, &[rule(&PUBLIC, None)])
    }

    fn preset(name: &str, rules: &[Rule]) -> Self {
        Self {
            name: Name::truncated(name),
            rules: rules.iter().cloned().collect(),
        }
    }
}

impl<const ROLES: usize, const RULES: usize> AuthorizationPolicy<ROLES, RULES> {
    const CAN_HOLD_THE_PRESETS: () = assert!(ROLES >= 3, "the presets are three roles");

    /// The roles `operator` (read-only), `engineer` and `administrator`, with no default
    /// role.
    pub fn presets() -> Self {
        let () = Self::CAN_HOLD_THE_PRESETS;
        let roles = [
            RolePolicy::read_only_operator("operator"),
            RolePolicy::engineer("engineer"),
            RolePolicy::administrator("administrator"),
        ];
        Self {
            roles: roles.into_iter().collect(),
            default_role: None,
        }
    }
}
