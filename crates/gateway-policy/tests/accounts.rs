//! Accounts and roles: the built-in role, role deletion that is never silent, the MGate limit
//! of 16 accounts, and the last-administrator invariant under random operation sequences
//! checked against an independent model.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use gateway_policy::accounts::{
    Directory, DirectoryError, MGATE_MAX_ACCOUNTS, NewAccount, Permissions, RoleId,
};
use gateway_policy::password::PhcString;
use gateway_policy::time::UnixTime;
use proptest::prelude::*;

const NOW: UnixTime = UnixTime::from_secs(1_760_000_000);

fn hash() -> PhcString {
    PhcString::try_from(
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    )
    .unwrap()
}

fn new(name: &str, role: RoleId) -> NewAccount<'_> {
    NewAccount {
        name,
        role,
        password: hash(),
        must_change_password: false,
    }
}

#[test]
fn built_in_role_is_immutable() {
    let mut directory: Directory = Directory::new();
    assert_eq!(
        directory.edit_role(RoleId::ADMINISTRATOR, "root", Permissions::NONE),
        Err(DirectoryError::BuiltInRole)
    );
    assert_eq!(
        directory.delete_role(RoleId::ADMINISTRATOR, None),
        Err(DirectoryError::BuiltInRole)
    );
    assert_eq!(
        directory.create_role("administrator", Permissions::VIEW),
        Err(DirectoryError::NameTaken)
    );
    assert_eq!(
        directory.role(RoleId::ADMINISTRATOR).unwrap().permissions,
        Permissions::ALL
    );
}

#[test]
fn a_role_in_use_is_never_deleted_silently() {
    let mut directory: Directory = Directory::new();
    let operator = directory
        .create_role("operator", Permissions::VIEW.union(Permissions::CONFIGURE))
        .unwrap();
    let viewer = directory.create_role("viewer", Permissions::VIEW).unwrap();
    directory
        .create_account(new("admin", RoleId::ADMINISTRATOR), NOW)
        .unwrap();
    directory.create_account(new("op1", operator), NOW).unwrap();
    directory.create_account(new("op2", operator), NOW).unwrap();
    assert_eq!(
        directory.delete_role(operator, None),
        Err(DirectoryError::RoleInUse(2))
    );
    assert_eq!(
        directory.delete_role(operator, Some(operator)),
        Err(DirectoryError::UnknownRole)
    );
    assert_eq!(directory.delete_role(operator, Some(viewer)), Ok(2));
    assert_eq!(directory.account("OP1").unwrap().role, viewer);
    assert_eq!(directory.permissions("op2"), Permissions::VIEW);
    // An unused role goes without a target.
    let spare = directory.create_role("spare", Permissions::NONE).unwrap();
    assert_eq!(directory.delete_role(spare, None), Ok(0));
}

#[test]
fn mgate_levels_and_the_16_account_limit() {
    let (mut directory, user) = Directory::<MGATE_MAX_ACCOUNTS>::mgate_levels();
    assert_eq!(
        directory.role(user).unwrap().permissions.to_string(),
        "view+view_logs"
    );
    directory
        .create_account(new("admin", RoleId::ADMINISTRATOR), NOW)
        .unwrap();
    let names: Vec<String> = (1..16).map(|i| format!("user{i}")).collect();
    for name in &names {
        directory.create_account(new(name, user), NOW).unwrap();
    }
    assert_eq!(
        directory.create_account(new("one-too-many", user), NOW),
        Err(DirectoryError::AccountLimit(16))
    );
    assert_eq!(
        directory.create_account(new("USER1", user), NOW),
        Err(DirectoryError::NameTaken)
    );
    assert!(
        !directory
            .permissions("user1")
            .contains(Permissions::CONFIGURE)
    );
}

#[test]
fn names_are_checked() {
    let mut directory: Directory = Directory::new();
    for bad in ["", "a b", "admin\n", "é", "<script>", &"x".repeat(33)] {
        assert_eq!(
            directory.create_account(new(bad, RoleId::ADMINISTRATOR), NOW),
            Err(DirectoryError::InvalidName),
            "{bad:?}"
        );
    }
    directory
        .create_account(new("ops.team-1_a@site", RoleId::ADMINISTRATOR), NOW)
        .unwrap();
}

#[test]
fn last_administrator_cannot_be_deleted_deactivated_or_demoted() {
    let mut directory: Directory = Directory::factory_default("admin", hash(), NOW).unwrap();
    let viewer = directory.create_role("viewer", Permissions::VIEW).unwrap();
    let admins = directory
        .create_role(
            "admins",
            Permissions::ALL.without(Permissions::UPGRADE_FIRMWARE),
        )
        .unwrap();
    assert_eq!(
        directory.delete_account("admin").unwrap_err(),
        DirectoryError::LastAdministrator
    );
    assert_eq!(
        directory.set_active("admin", false),
        Err(DirectoryError::LastAdministrator)
    );
    assert_eq!(
        directory.set_role("admin", viewer),
        Err(DirectoryError::LastAdministrator)
    );

    // A second holder through a custom role makes the first one free to go...
    directory.create_account(new("alice", admins), NOW).unwrap();
    directory.set_active("admin", false).unwrap();
    // ...and then the custom role cannot lose the permission, nor be deleted into a role
    // without it.
    assert_eq!(
        directory.edit_role(admins, "admins", Permissions::VIEW),
        Err(DirectoryError::LastAdministrator)
    );
    assert_eq!(
        directory.delete_role(admins, Some(viewer)),
        Err(DirectoryError::LastAdministrator)
    );
    // Inactive accounts do not count: alice is the last one.
    assert_eq!(directory.active_administrators(), 1);
    assert_eq!(
        directory.delete_account("alice").unwrap_err(),
        DirectoryError::LastAdministrator
    );
    // Reactivating admin frees alice.
    directory.set_active("admin", true).unwrap();
    directory.delete_account("alice").unwrap();
}

#[test]
fn factory_default_forces_a_change() {
    let directory: Directory = Directory::factory_default("admin", hash(), NOW).unwrap();
    assert!(directory.account("admin").unwrap().must_change_password);
}

// ---- The invariant under random sequences, against a model. ----

#[derive(Clone, Debug)]
enum Op {
    CreateAccount(u8, u8),
    SetRole(u8, u8),
    SetActive(u8, bool),
    DeleteAccount(u8),
    CreateRole(u8, bool),
    EditRole(u8, bool),
    DeleteRole(u8, Option<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..6u8, 0..5u8).prop_map(|(a, r)| Op::CreateAccount(a, r)),
        (0..6u8, 0..5u8).prop_map(|(a, r)| Op::SetRole(a, r)),
        (0..6u8, any::<bool>()).prop_map(|(a, on)| Op::SetActive(a, on)),
        (0..6u8).prop_map(Op::DeleteAccount),
        (0..5u8, any::<bool>()).prop_map(|(r, admin)| Op::CreateRole(r, admin)),
        (0..5u8, any::<bool>()).prop_map(|(r, admin)| Op::EditRole(r, admin)),
        (0..5u8, proptest::option::of(0..5u8)).prop_map(|(r, to)| Op::DeleteRole(r, to)),
    ]
}

/// The model: accounts (name, active, role) and roles (id, administrator permission).
#[derive(Clone, Default)]
struct Model {
    accounts: Vec<(u8, bool, RoleId)>,
    roles: Vec<(RoleId, bool)>,
}

impl Model {
    fn admins(&self) -> usize {
        self.accounts
            .iter()
            .filter(|(_, active, role)| {
                *active && self.roles.iter().any(|(id, admin)| id == role && *admin)
            })
            .count()
    }
}

fn perms(admin: bool) -> Permissions {
    if admin {
        Permissions::VIEW.union(Permissions::MANAGE_ACCOUNTS)
    } else {
        Permissions::VIEW
    }
}

/// The directory's own count, recomputed from what it exposes.
fn counted(directory: &Directory<8, 6>) -> usize {
    directory
        .accounts()
        .filter(|account| {
            account.active
                && directory
                    .role(account.role)
                    .is_some_and(|role| role.permissions.contains(Permissions::MANAGE_ACCOUNTS))
        })
        .count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn an_active_administrator_always_remains(ops in proptest::collection::vec(op(), 1..60)) {
        let mut directory: Directory<8, 6> = Directory::new();
        let mut model = Model { roles: vec![(RoleId::ADMINISTRATOR, true)], ..Model::default() };
        // Role slot n of the model's creation order -> id.
        let mut slots: Vec<RoleId> = vec![RoleId::ADMINISTRATOR];
        let role = |slots: &Vec<RoleId>, r: u8| slots.get(usize::from(r) % slots.len()).copied().unwrap();
        for op in ops {
            let before = counted(&directory);
            let mut after_model = model.clone();
            let result: Result<(), DirectoryError> = match op {
                Op::CreateAccount(a, r) => {
                    let name = format!("user{a}");
                    let id = role(&slots, r);
                    let result = directory.create_account(new(&name, id), NOW);
                    if result.is_ok() { after_model.accounts.push((a, true, id)); }
                    result
                }
                Op::SetRole(a, r) => {
                    let id = role(&slots, r);
                    if let Some(entry) = after_model.accounts.iter_mut().find(|e| e.0 == a) { entry.2 = id; }
                    directory.set_role(&format!("user{a}"), id)
                }
                Op::SetActive(a, on) => {
                    if let Some(entry) = after_model.accounts.iter_mut().find(|e| e.0 == a) { entry.1 = on; }
                    directory.set_active(&format!("user{a}"), on)
                }
                Op::DeleteAccount(a) => {
                    after_model.accounts.retain(|e| e.0 != a);
                    directory.delete_account(&format!("user{a}")).map(|_| ())
                }
                Op::CreateRole(r, admin) => {
                    let result = directory.create_role(&format!("role{r}"), perms(admin));
                    if let Ok(id) = result { slots.push(id); after_model.roles.push((id, admin)); }
                    result.map(|_| ())
                }
                Op::EditRole(r, admin) => {
                    let id = role(&slots, r);
                    let name = directory.role(id).map(|role| role.name.to_string()).unwrap_or_default();
                    if let Some(entry) = after_model.roles.iter_mut().find(|e| e.0 == id) { entry.1 = admin; }
                    directory.edit_role(id, &name, perms(admin))
                }
                Op::DeleteRole(r, to) => {
                    let id = role(&slots, r);
                    let to = to.map(|t| role(&slots, t));
                    if let Some(to) = to {
                        for entry in after_model.accounts.iter_mut().filter(|e| e.2 == id) { entry.2 = to; }
                    }
                    after_model.roles.retain(|e| e.0 != id);
                    let result = directory.delete_role(id, to).map(|_| ());
                    if result.is_ok() { slots.retain(|slot| *slot != id); }
                    result
                }
            };
            let after = counted(&directory);
            // The invariant.
            prop_assert!(before == 0 || after > 0, "{op:?}: {before} -> {after}");
            match result {
                Ok(()) => model = after_model,
                Err(DirectoryError::LastAdministrator) => {
                    // Refused exactly when the model says the change would leave none.
                    prop_assert!(model.admins() > 0 && after_model.admins() == 0, "{op:?}");
                    prop_assert_eq!(before, after);
                }
                Err(_) => {}
            }
            prop_assert_eq!(counted(&directory), model.admins());
        }
    }
}

#[test]
fn role_ids_of_deleted_roles_are_given_again() {
    // Review item 11: ids were never reused, so role creation failed after 254 create/delete
    // cycles.
    let mut directory: Directory = Directory::new();
    let mut ids = Vec::new();
    for cycle in 0..1_000 {
        let id = directory
            .create_role(&format!("role{cycle}"), Permissions::VIEW)
            .unwrap();
        if !ids.contains(&id) {
            ids.push(id);
        }
        directory.delete_role(id, None).unwrap();
    }
    assert_eq!(ids.len(), 1, "the one free id, each time");
    let a = directory.create_role("a", Permissions::VIEW).unwrap();
    let b = directory.create_role("b", Permissions::VIEW).unwrap();
    directory.delete_role(a, None).unwrap();
    let c = directory.create_role("c", Permissions::VIEW).unwrap();
    assert_eq!(c, a, "the lowest free id");
    assert_ne!(c, b);
}
