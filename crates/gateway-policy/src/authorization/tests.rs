use alloc::string::ToString;

use super::*;
use crate::authorization::lint::AuthorizationLint as L;

type Policy = AuthorizationPolicy<8, 8>;

fn functions(codes: &[&str]) -> heapless::Vec<Function, MAX_FUNCTIONS> {
    codes.iter().map(|code| code.parse().unwrap()).collect()
}

fn role(name: &str, rules: &[Rule]) -> RolePolicy<8> {
    RolePolicy {
        name: Name::new(name).unwrap(),
        rules: rules.iter().cloned().collect(),
    }
}

fn holding(first: u16, last: u16, access: Option<Access>, codes: &[&str]) -> Rule {
    Rule {
        functions: functions(codes),
        access,
        units: Units::ALL,
        addresses: Some(Addresses {
            table: Table::HoldingRegisters,
            first,
            last,
        }),
    }
}

fn write(function: u8, first: u16, count: u16) -> Request {
    Request::data(function, first, count).unwrap()
}

#[test]
fn the_read_only_operator_reads_and_is_refused_writes_with_exception_01() {
    let policy = Policy::presets();
    for function in [0x01, 0x02, 0x03, 0x04, 0x18] {
        let read = Request::data(function, 0, 1).unwrap();
        assert_eq!(
            policy.authorize(Some("operator"), &read, 1),
            Decision::Allow { role: 0, rule: 0 },
            "FC {function:02X}"
        );
    }
    for read in [
        Request::encapsulated(0x0E),
        Request::diagnostics(0x00),
        Request::diagnostics(0x0B),
        Request::other(0x11),
    ] {
        assert!(
            policy.authorize(Some("operator"), &read, 1).is_allowed(),
            "{read:?}"
        );
    }
    let denied = policy.authorize(Some("operator"), &write(0x10, 100, 4), 1);
    assert_eq!(
        denied,
        Decision::Deny(Denial::NoRule {
            role: 0,
            part: Part {
                access: Access::Write,
                span: Some(Span {
                    table: Table::HoldingRegisters,
                    first: 100,
                    count: 4
                })
            }
        })
    );
    assert_eq!(denied.exception(), Some(0x01));
    let Decision::Deny(denial) = denied else {
        unreachable!()
    };
    assert_eq!(
        denial.to_string(),
        "no rule of the role allows writing 4 holding registers from address 100"
    );
    for write in [
        Request::diagnostics(0x01),
        Request::diagnostics(0x0A),
        Request::encapsulated(0x0D),
        Request::other(0x15),
        Request::other(0x41),
        Request::read_write_multiple((0, 1), (0, 1)),
    ] {
        assert!(
            !policy.authorize(Some("operator"), &write, 1).is_allowed(),
            "{write:?}"
        );
    }
}

#[test]
fn the_engineer_writes_data_and_only_the_administrator_restarts() {
    let policy = Policy::presets();
    for request in [
        write(0x05, 3, 1),
        write(0x06, 3, 1),
        write(0x0F, 0, 16),
        write(0x10, 0, 123),
        write(0x16, 9, 1),
        Request::read_write_multiple((0, 10), (20, 10)),
    ] {
        assert!(
            policy.authorize(Some("engineer"), &request, 1).is_allowed(),
            "{request:?}"
        );
    }
    let restart = Request::diagnostics(0x01);
    assert!(!policy.authorize(Some("engineer"), &restart, 1).is_allowed());
    assert_eq!(
        policy.authorize(Some("administrator"), &restart, 1),
        Decision::Allow { role: 2, rule: 0 }
    );
    // Role names compare without ASCII case, as account names do.
    assert!(
        policy
            .authorize(Some("Engineer"), &write(0x06, 0, 1), 1)
            .is_allowed()
    );
    // User-defined codes are in no preset.
    assert!(
        !policy
            .authorize(Some("administrator"), &Request::other(0x41), 1)
            .is_allowed()
    );
}

#[test]
fn every_address_written_must_be_inside_the_rule() {
    let mut policy = Policy::default();
    policy
        .roles
        .push(role(
            "tuner",
            &[holding(100, 199, Some(Access::Write), &["06", "10"])],
        ))
        .unwrap();
    let tuner = |request: &Request| policy.authorize(Some("tuner"), request, 1).is_allowed();
    assert!(tuner(&write(0x10, 195, 5)), "195..=199");
    assert!(!tuner(&write(0x10, 195, 6)), "runs to 200");
    assert!(!tuner(&write(0x06, 99, 1)));
    assert!(tuner(&write(0x06, 100, 1)));
    assert!(!tuner(&write(0x10, 150, 0)), "an empty span");
    assert!(!tuner(&write(0x10, u16::MAX, 2)), "past the last address");
    assert!(!tuner(&write(0x05, 150, 1)), "coils are another table");
    assert!(!tuner(&Request::data(0x03, 150, 1).unwrap()), "writes only");
}

#[test]
fn read_write_multiple_needs_both_of_its_accesses() {
    let mut policy = Policy::default();
    let rules = [
        holding(0, 99, Some(Access::Read), &["17"]),
        holding(0, 9, Some(Access::Write), &["17"]),
    ];
    policy.roles.push(role("mixer", &rules)).unwrap();
    let decide = |read, write| {
        let request = Request::read_write_multiple(read, write);
        policy.authorize(Some("mixer"), &request, 1)
    };
    assert_eq!(
        decide((50, 10), (0, 5)),
        Decision::Allow { role: 0, rule: 1 }
    );
    let denied_part = |decision| match decision {
        Decision::Deny(Denial::NoRule { part, .. }) => Some(part.access),
        _ => None,
    };
    assert_eq!(
        denied_part(decide((50, 10), (5, 10))),
        Some(Access::Write),
        "the write runs past register 9"
    );
    assert_eq!(
        denied_part(decide((95, 10), (0, 1))),
        Some(Access::Read),
        "the read runs past register 99"
    );
}

#[test]
fn units_roles_and_the_default_role() {
    let mut policy = Policy::presets();
    let read = Request::data(0x03, 0, 1).unwrap();
    assert_eq!(
        policy.authorize(None, &read, 1),
        Decision::Deny(Denial::NoRole)
    );
    assert_eq!(
        policy.authorize(Some("guest"), &read, 1),
        Decision::Deny(Denial::UnknownRole)
    );
    assert_eq!(
        policy.authorize(Some(&"x".repeat(200)), &read, 1),
        Decision::Deny(Denial::UnknownRole)
    );
    policy.default_role = Name::new("operator");
    assert!(policy.authorize(None, &read, 1).is_allowed());
    assert!(policy.validate().is_ok());

    let mut rule = Rule::new(&[Function::Code(3)]).unwrap();
    rule.units = Units { first: 1, last: 10 };
    let mut limited = Policy::default();
    limited.roles.push(role("line 1", &[rule])).unwrap();
    let at = |unit| limited.authorize(Some("line 1"), &read, unit).is_allowed();
    assert!(!at(0), "broadcast");
    assert!(at(1) && at(10));
    assert!(!at(11));
}

#[test]
fn a_refused_policy_says_why() {
    let mut policy = Policy::presets();
    policy.default_role = Name::new("nobody");
    assert_eq!(
        policy.validate(),
        Err(AuthorizationError::UnknownDefaultRole)
    );

    let mut policy = Policy::presets();
    policy.roles.push(RolePolicy::engineer("OPERATOR")).unwrap();
    assert_eq!(
        policy.validate(),
        Err(AuthorizationError::DuplicateRole { role: 3 })
    );

    let mut policy = Policy::default();
    let mut reversed = holding(10, 5, None, &["03"]);
    let empty = Rule {
        functions: heapless::Vec::new(),
        ..reversed.clone()
    };
    reversed.units = Units::ALL;
    policy.roles.push(role("r", &[empty, reversed])).unwrap();
    let at = |rule| RuleRef { role: 0, rule };
    assert_eq!(
        policy.lints(),
        [
            L::Invalid(AuthorizationError::NoFunction(at(0))),
            L::Invalid(AuthorizationError::ReversedRange(at(0))),
            L::Invalid(AuthorizationError::ReversedRange(at(1))),
        ]
    );
    assert_eq!(
        AuthorizationError::ReversedRange(at(1)).to_string(),
        "role 1 rule 2 has a range that ends before it starts"
    );
    assert_eq!(
        Rule::new(&[Function::Any; MAX_FUNCTIONS + 1]),
        Err(AuthorizationError::TooManyFunctions)
    );
}

#[test]
fn the_linter_finds_what_a_reviewer_would() {
    assert_eq!(Policy::presets().lints(), []);

    let at = |role, rule| RuleRef { role, rule };
    let mut policy = Policy::default();
    let everything = Rule::new(&[Function::Any]).unwrap();
    let coils_by_fc03 = Rule {
        addresses: Some(Addresses {
            table: Table::Coils,
            first: 0,
            last: 9,
        }),
        ..Rule::new(&[Function::Code(3)]).unwrap()
    };
    policy
        .roles
        .push(role(
            "root",
            &[everything.clone(), holding(0, 9, None, &["03"])],
        ))
        .unwrap();
    let write_inputs = Rule {
        access: Some(Access::Write),
        addresses: Some(Addresses {
            table: Table::InputRegisters,
            first: 0,
            last: u16::MAX,
        }),
        ..Rule::new(&[Function::Code(4), Function::Code(6)]).unwrap()
    };
    policy
        .roles
        .push(role("odd", &[coils_by_fc03, write_inputs]))
        .unwrap();
    let unknown = Rule::new(&[Function::Code(0x09), Function::Code(0x41)]).unwrap();
    policy.roles.push(role("vendor", &[unknown])).unwrap();
    policy
        .roles
        .push(RolePolicy::engineer("maintainer"))
        .unwrap();
    policy.default_role = Name::new("maintainer");

    let lints = policy.lints();
    assert_eq!(
        lints,
        [
            L::AllowsEverything(at(0, 0)),
            L::Unreachable {
                at: at(0, 1),
                covered_by: 0
            },
            L::MatchesNothing(at(1, 0)),
            L::MatchesNothing(at(1, 1)),
            L::WritesNothing { role: 1 },
            L::UnknownFunction {
                at: at(2, 0),
                function: 0x09
            },
            L::DefaultRoleWrites { role: 3 },
        ]
    );
    assert_eq!(lints[0].level(), LintLevel::Danger);
    assert_eq!(lints[1].level(), LintLevel::Warning);
    assert_eq!(
        lints[1].to_string(),
        "role 1 rule 2 is never used: rule 1 of the role already allows everything it does"
    );
    assert_eq!(
        lints[4].to_string(),
        "role 2 has a rule for writing, but none of its rules can allow a write"
    );
    // A sub-function is covered by its code; a narrower range by a wider one.
    let mut narrower = Policy::default();
    let wide = holding(0, 99, None, &["08", "03"]);
    let narrow = Rule {
        access: Some(Access::Read),
        ..holding(10, 20, None, &["08/00", "03"])
    };
    narrower.roles.push(role("n", &[wide, narrow])).unwrap();
    assert!(narrower.lints().contains(&L::Unreachable {
        at: at(0, 1),
        covered_by: 0
    }));
}

#[cfg(feature = "serde")]
#[test]
fn a_policy_is_written_in_toml_in_the_specification_notation() {
    let text = r#"
        default_role = "viewer"

        [[roles]]
        name = "viewer"
        [[roles.rules]]
        functions = ["01", "02", "03", "04", "2B/0E", "08/00"]
        access = "read"

        [[roles]]
        name = "tuner"
        [[roles.rules]]
        functions = ["06", "0x10"]
        access = "write"
        units = { first = 1, last = 4 }
        addresses = { table = "holding_registers", first = 100, last = 199 }
    "#;
    let policy: AuthorizationPolicy<4, 4> = toml::from_str(text).unwrap();
    assert!(policy.validate().is_ok());
    assert_eq!(policy.lints(), []);
    assert_eq!(
        policy.roles[1].rules[0].addresses,
        Some(Addresses {
            table: Table::HoldingRegisters,
            first: 100,
            last: 199
        })
    );
    assert!(
        policy
            .authorize(None, &Request::encapsulated(0x0E), 1)
            .is_allowed()
    );
    assert!(
        policy
            .authorize(Some("tuner"), &write(0x06, 150, 1), 4)
            .is_allowed()
    );
    assert!(
        !policy
            .authorize(Some("tuner"), &write(0x06, 150, 1), 5)
            .is_allowed()
    );

    let round_trip: AuthorizationPolicy<4, 4> =
        toml::from_str(&toml::to_string(&policy).unwrap()).unwrap();
    assert_eq!(round_trip, policy);

    let bad = text.replace("\"2B/0E\"", "\"2B/100\"");
    let error = toml::from_str::<AuthorizationPolicy<4, 4>>(&bad).unwrap_err();
    assert!(
        error.to_string().contains("`08/SUB` or `2B/MEI`"),
        "{error}"
    );
    let unknown_field = text.replace("access = \"write\"", "acess = \"write\"");
    assert!(toml::from_str::<AuthorizationPolicy<4, 4>>(&unknown_field).is_err());
}

proptest::proptest! {
    /// Any request against any rule decides without panicking, and a span inside an allowed
    /// span is allowed too.
    #[test]
    fn decisions_are_total_and_monotonic_in_the_span(
        function in proptest::prelude::any::<u8>(),
        first in proptest::prelude::any::<u16>(),
        count in proptest::prelude::any::<u16>(),
        unit in proptest::prelude::any::<u8>(),
        allowed_first in proptest::prelude::any::<u16>(),
        allowed_last in proptest::prelude::any::<u16>(),
        shrink in 0u16..4,
    ) {
        let mut policy = AuthorizationPolicy::<1, 1>::default();
        let rule = holding(allowed_first, allowed_last, None, &["*"]);
        let only = RolePolicy { name: Name::new("p").unwrap(), rules: [rule].into_iter().collect() };
        policy.roles.push(only).unwrap();
        let decide = |request: &Request| policy.authorize(Some("p"), request, unit).is_allowed();
        let _ = decide(&Request::other(function));
        let _ = decide(&Request::read_write_multiple((first, count), (count, first)));
        if let Some(request) = Request::data(function, first, count) {
            if decide(&request) && count > shrink * 2 {
                let inner = Request::data(function, first + shrink, count - shrink * 2).unwrap();
                proptest::prop_assert!(decide(&inner));
            }
        }
    }
}
