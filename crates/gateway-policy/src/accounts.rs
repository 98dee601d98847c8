//! Accounts and roles (AIG-302 guide 3.4.1-3.4.2, MGate guide 3.3, IEC 62443-4-2 CR 1.3 and
//! CR 2.1).
//!
//! - The built-in **Administrator** role has every permission and cannot be edited or deleted.
//! - Custom roles carry a [`Permissions`] set; a role that accounts use is deleted only with a
//!   role to move them to ([`Directory::delete_role`]), never silently.
//! - The MGate's two user levels are [`Directory::mgate_levels`]: `admin` is the Administrator
//!   role and `user` may only view.
//! - At most `A` accounts (16 on the MGate). Accounts are created, edited, deactivated (kept,
//!   cannot log in) and deleted.
//! - **The last active holder of [`Permissions::MANAGE_ACCOUNTS`]** (the administrator
//!   permission: whoever has it can restore every other) can never be deleted, deactivated or
//!   demoted, and no role edit, role deletion or reassignment can take the permission from
//!   them. Only active accounts count. Every operation is checked the same way: the number of
//!   active holders after the change is computed before the change is made, and an operation
//!   that would take it from one or more to zero is refused with
//!   [`DirectoryError::LastAdministrator`].
//!
//! Account names are 1-32 ASCII letters, digits and `.` `_` `-` `@`, compared without regard
//! to case (`Admin` and `admin` are one account), which is also the key the lockout uses.

use core::fmt;

use crate::password::{MAX_HISTORY, PhcString};
use crate::time::UnixTime;

pub use crate::name::{MAX_NAME_LEN, Name};

/// The MGate's account limit.
pub const MGATE_MAX_ACCOUNTS: usize = 16;

/// A set of permissions.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Permissions(u16);

/// A role's identity; [`RoleId::ADMINISTRATOR`] is the built-in role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RoleId(pub u8);

/// A role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// Its identity.
    pub id: RoleId,
    /// Its unique name.
    pub name: Name,
    /// What its accounts may do.
    pub permissions: Permissions,
}

/// An account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Its name as created (compared without regard to case).
    pub name: Name,
    /// Its role.
    pub role: RoleId,
    /// Whether it may log in.
    pub active: bool,
    /// The current password hash (PHC string).
    pub password: PhcString,
    /// Previous password hashes, newest first.
    pub history: heapless::Vec<PhcString, MAX_HISTORY>,
    /// When the password was last set.
    pub password_changed: UnixTime,
    /// Whether the next login must change the password (factory default credentials, or set by
    /// an administrator).
    pub must_change_password: bool,
    /// When it was created.
    pub created: UnixTime,
    /// The last successful login.
    pub last_login: Option<UnixTime>,
}

/// A new account's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAccount<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its role.
    pub role: RoleId,
    /// Its password hash.
    pub password: PhcString,
    /// Whether the first login must change the password.
    pub must_change_password: bool,
}

/// Why a directory operation was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DirectoryError {
    /// The name is empty, too long or has a character outside `A-Za-z0-9._-@`.
    #[error("a name is 1-32 ASCII letters, digits and . _ - @")]
    InvalidName,
    /// An account or role of that name (in any case) exists.
    #[error("the name is already taken")]
    NameTaken,
    /// No such account.
    #[error("no such account")]
    UnknownAccount,
    /// No such role.
    #[error("no such role")]
    UnknownRole,
    /// The account limit is reached.
    #[error("the account limit ({0}) is reached")]
    AccountLimit(usize),
    /// The role limit is reached.
    #[error("the role limit ({0}) is reached")]
    RoleLimit(usize),
    /// The built-in Administrator role cannot be edited or deleted.
    #[error("the built-in Administrator role cannot be changed")]
    BuiltInRole,
    /// The role is in use and no role to move its accounts to was given.
    #[error("the role is used by {0} account(s); give a role to move them to")]
    RoleInUse(usize),
    /// The change would leave no active account with the administrator permission.
    #[error("the last active administrator cannot be deleted, deactivated or demoted")]
    LastAdministrator,
}

/// Accounts and roles, `A` accounts and `R` roles at most (the built-in role included).
#[derive(Clone, Debug)]
pub struct Directory<const A: usize = MGATE_MAX_ACCOUNTS, const R: usize = 8> {
    accounts: heapless::Vec<Account, A>,
    roles: heapless::Vec<Role, R>,
}

/// A change whose effect on the administrator count is computed before it is made.
#[derive(Clone, Copy)]
enum Change {
    Account {
        index: usize,
        active: bool,
        role: RoleId,
    },
    RemoveAccount(usize),
    Role {
        id: RoleId,
        permissions: Permissions,
    },
    Reassign {
        from: RoleId,
        to: RoleId,
    },
}

impl Permissions {
    /// View settings and status.
    pub const VIEW: Self = Self(1 << 0);
    /// Change settings.
    pub const CONFIGURE: Self = Self(1 << 1);
    /// Create, edit, deactivate and delete accounts and roles: the administrator permission.
    pub const MANAGE_ACCOUNTS: Self = Self(1 << 2);
    /// Import, renew and delete certificates.
    pub const MANAGE_CERTIFICATES: Self = Self(1 << 3);
    /// Upgrade the firmware.
    pub const UPGRADE_FIRMWARE: Self = Self(1 << 4);
    /// Import and export the configuration.
    pub const IMPORT_EXPORT: Self = Self(1 << 5);
    /// Read the event log.
    pub const VIEW_LOGS: Self = Self(1 << 6);
    /// Clear the event log.
    pub const CLEAR_LOGS: Self = Self(1 << 7);
    /// List and terminate other accounts' sessions.
    pub const MANAGE_SESSIONS: Self = Self(1 << 8);
    /// Run diagnostics (ping, Modbus diagnostics, traffic capture).
    pub const DIAGNOSTICS: Self = Self(1 << 9);
    /// Restart the device and restore factory defaults.
    pub const MAINTENANCE: Self = Self(1 << 10);

    /// No permission.
    pub const NONE: Self = Self(0);
    /// Every permission.
    pub const ALL: Self = Self((1 << 11) - 1);

    const NAMES: [(Self, &'static str); 11] = [
        (Self::VIEW, "view"),
        (Self::CONFIGURE, "configure"),
        (Self::MANAGE_ACCOUNTS, "manage_accounts"),
        (Self::MANAGE_CERTIFICATES, "manage_certificates"),
        (Self::UPGRADE_FIRMWARE, "upgrade_firmware"),
        (Self::IMPORT_EXPORT, "import_export"),
        (Self::VIEW_LOGS, "view_logs"),
        (Self::CLEAR_LOGS, "clear_logs"),
        (Self::MANAGE_SESSIONS, "manage_sessions"),
        (Self::DIAGNOSTICS, "diagnostics"),
        (Self::MAINTENANCE, "maintenance"),
    ];

    /// Whether every permission of `other` is in `self`.
    #[must_use]
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// `self` without `other`.
    #[must_use]
    pub const fn without(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }

    /// The raw bits (a permission this version does not know is kept).
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// From raw bits.
    pub const fn from_bits(bits: u16) -> Self {
        Self(bits)
    }

    /// The permission named `name` (as [`Display`](fmt::Display) writes it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .find(|(_, known)| *known == name)
            .map(|(permission, _)| *permission)
    }
}

impl fmt::Debug for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Permissions({self})")
    }
}

impl fmt::Display for Permissions {
    /// The names joined by `+`, or `none`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (permission, name) in Self::NAMES {
            if self.contains(permission) {
                if !first {
                    f.write_str("+")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

impl RoleId {
    /// The built-in Administrator role.
    pub const ADMINISTRATOR: Self = Self(0);
}

impl<const A: usize, const R: usize> Directory<A, R> {
    /// The name of the built-in role.
    pub const ADMINISTRATOR_ROLE: &'static str = "Administrator";

    /// The built-in Administrator role and no account.
    pub fn new() -> Self {
        let mut roles = heapless::Vec::new();
        let _ = roles.push(Role {
            id: RoleId::ADMINISTRATOR,
            name: name_of(Self::ADMINISTRATOR_ROLE),
            permissions: Permissions::ALL,
        });
        Self {
            accounts: heapless::Vec::new(),
            roles,
        }
    }

    /// The MGate's user levels: `admin` (the Administrator role) and `user` (view settings and
    /// the log). Returns the directory and the `user` role.
    pub fn mgate_levels() -> (Self, RoleId) {
        const { assert!(R >= 2, "the MGate levels need room for two roles") };
        let mut directory = Self::new();
        let user = directory.free_role_id().unwrap_or(RoleId(1));
        let _ = directory.roles.push(Role {
            id: user,
            name: name_of("user"),
            permissions: Permissions::VIEW.union(Permissions::VIEW_LOGS),
        });
        (directory, user)
    }

    /// The factory default: the built-in role and one administrator `name` whose password
    /// (`password`, the hash of the vendor default such as `moxa` or `admin@123`) must be
    /// changed at first login (AIG-302 guide 3.2).
    ///
    /// # Errors
    ///
    /// As [`Directory::create_account`].
    pub fn factory_default(
        name: &str,
        password: PhcString,
        now: UnixTime,
    ) -> Result<Self, DirectoryError> {
        let mut directory = Self::new();
        directory.create_account(
            NewAccount {
                name,
                role: RoleId::ADMINISTRATOR,
                password,
                must_change_password: true,
            },
            now,
        )?;
        Ok(directory)
    }

    /// The accounts.
    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.iter()
    }

    /// The roles, the built-in one first.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.iter()
    }

    /// The account named `name` (in any case).
    pub fn account(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|account| account.name == name)
    }

    /// The role `id`.
    pub fn role(&self, id: RoleId) -> Option<&Role> {
        self.roles.iter().find(|role| role.id == id)
    }

    /// The role named `name` (in any case).
    pub fn role_named(&self, name: &str) -> Option<&Role> {
        self.roles.iter().find(|role| role.name == name)
    }

    /// What `name` may do: its role's permissions if it is active, none otherwise.
    pub fn permissions(&self, name: &str) -> Permissions {
        self.account(name)
            .filter(|account| account.active)
            .and_then(|account| self.role(account.role))
            .map_or(Permissions::NONE, |role| role.permissions)
    }

    /// How many accounts use role `id`.
    pub fn role_users(&self, id: RoleId) -> usize {
        self.accounts
            .iter()
            .filter(|account| account.role == id)
            .count()
    }

    /// How many active accounts hold [`Permissions::MANAGE_ACCOUNTS`].
    pub fn active_administrators(&self) -> usize {
        self.administrators_after(None)
    }

    /// Creates a role.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::InvalidName`], [`NameTaken`](DirectoryError::NameTaken) or
    /// [`RoleLimit`](DirectoryError::RoleLimit).
    pub fn create_role(
        &mut self,
        name: &str,
        permissions: Permissions,
    ) -> Result<RoleId, DirectoryError> {
        let name = valid_name(name)?;
        if self.role_named(&name).is_some() {
            return Err(DirectoryError::NameTaken);
        }
        let id = self
            .free_role_id()
            .filter(|_| !self.roles.is_full())
            .ok_or(DirectoryError::RoleLimit(R))?;
        self.roles
            .push(Role {
                id,
                name,
                permissions,
            })
            .map_err(|_| DirectoryError::RoleLimit(R))?;
        Ok(id)
    }

    /// The lowest role id no role has: ids of deleted roles are given again (no account can
    /// hold a deleted role), so that create/delete cycles never run out of ids.
    fn free_role_id(&self) -> Option<RoleId> {
        (1..u8::MAX)
            .map(RoleId)
            .find(|id| self.roles.iter().all(|role| role.id != *id))
    }

    /// Renames a custom role and sets its permissions.
    ///
    /// # Errors
    ///
    /// [`BuiltInRole`](DirectoryError::BuiltInRole), [`UnknownRole`](DirectoryError::UnknownRole),
    /// name errors, or [`LastAdministrator`](DirectoryError::LastAdministrator) when the edit
    /// would take the administrator permission from the last active holders.
    pub fn edit_role(
        &mut self,
        id: RoleId,
        name: &str,
        permissions: Permissions,
    ) -> Result<(), DirectoryError> {
        if id == RoleId::ADMINISTRATOR {
            return Err(DirectoryError::BuiltInRole);
        }
        let name = valid_name(name)?;
        if self.role_named(&name).is_some_and(|other| other.id != id) {
            return Err(DirectoryError::NameTaken);
        }
        self.role(id).ok_or(DirectoryError::UnknownRole)?;
        self.keep_an_administrator(Change::Role { id, permissions })?;
        if let Some(role) = self.roles.iter_mut().find(|role| role.id == id) {
            role.name = name;
            role.permissions = permissions;
        }
        Ok(())
    }

    /// Deletes a custom role. Accounts that use it move to `reassign_to`; without one, a role
    /// in use is refused. Returns how many accounts moved.
    ///
    /// # Errors
    ///
    /// [`BuiltInRole`](DirectoryError::BuiltInRole), [`UnknownRole`](DirectoryError::UnknownRole)
    /// (for either role), [`RoleInUse`](DirectoryError::RoleInUse), or
    /// [`LastAdministrator`](DirectoryError::LastAdministrator).
    pub fn delete_role(
        &mut self,
        id: RoleId,
        reassign_to: Option<RoleId>,
    ) -> Result<usize, DirectoryError> {
        if id == RoleId::ADMINISTRATOR {
            return Err(DirectoryError::BuiltInRole);
        }
        self.role(id).ok_or(DirectoryError::UnknownRole)?;
        let users = self.role_users(id);
        if users > 0 {
            let to = reassign_to.ok_or(DirectoryError::RoleInUse(users))?;
            if to == id || self.role(to).is_none() {
                return Err(DirectoryError::UnknownRole);
            }
            self.keep_an_administrator(Change::Reassign { from: id, to })?;
            for account in self
                .accounts
                .iter_mut()
                .filter(|account| account.role == id)
            {
                account.role = to;
            }
        }
        self.roles.retain(|role| role.id != id);
        Ok(users)
    }

    /// Creates an account.
    ///
    /// # Errors
    ///
    /// Name errors, [`UnknownRole`](DirectoryError::UnknownRole) or
    /// [`AccountLimit`](DirectoryError::AccountLimit).
    pub fn create_account(
        &mut self,
        new: NewAccount<'_>,
        now: UnixTime,
    ) -> Result<(), DirectoryError> {
        let name = valid_name(new.name)?;
        if self.account(&name).is_some() {
            return Err(DirectoryError::NameTaken);
        }
        self.role(new.role).ok_or(DirectoryError::UnknownRole)?;
        self.accounts
            .push(Account {
                name,
                role: new.role,
                active: true,
                password: new.password,
                history: heapless::Vec::new(),
                password_changed: now,
                must_change_password: new.must_change_password,
                created: now,
                last_login: None,
            })
            .map_err(|_| DirectoryError::AccountLimit(A))
    }

    /// Gives `name` another role.
    ///
    /// # Errors
    ///
    /// [`UnknownAccount`](DirectoryError::UnknownAccount), [`UnknownRole`](DirectoryError::UnknownRole)
    /// or [`LastAdministrator`](DirectoryError::LastAdministrator) (a demotion of the last one).
    pub fn set_role(&mut self, name: &str, role: RoleId) -> Result<(), DirectoryError> {
        self.role(role).ok_or(DirectoryError::UnknownRole)?;
        self.update(name, |account| account.role = role)
    }

    /// Activates or deactivates `name`.
    ///
    /// # Errors
    ///
    /// [`UnknownAccount`](DirectoryError::UnknownAccount) or
    /// [`LastAdministrator`](DirectoryError::LastAdministrator).
    pub fn set_active(&mut self, name: &str, active: bool) -> Result<(), DirectoryError> {
        self.update(name, |account| account.active = active)
    }

    /// Deletes `name`.
    ///
    /// # Errors
    ///
    /// [`UnknownAccount`](DirectoryError::UnknownAccount) or
    /// [`LastAdministrator`](DirectoryError::LastAdministrator).
    pub fn delete_account(&mut self, name: &str) -> Result<Account, DirectoryError> {
        let index = self.index(name)?;
        self.keep_an_administrator(Change::RemoveAccount(index))?;
        Ok(self.accounts.remove(index))
    }

    /// Stores a new password hash for `name`: the old one goes into the history (keeping
    /// `history` entries), the change time is `now`, and the forced change is cleared unless
    /// `must_change` (an administrator's reset).
    ///
    /// # Errors
    ///
    /// [`UnknownAccount`](DirectoryError::UnknownAccount).
    pub fn set_password(
        &mut self,
        name: &str,
        password: PhcString,
        history: u8,
        must_change: bool,
        now: UnixTime,
    ) -> Result<(), DirectoryError> {
        let index = self.index(name)?;
        let account = self
            .accounts
            .get_mut(index)
            .ok_or(DirectoryError::UnknownAccount)?;
        let keep = usize::from(history).min(MAX_HISTORY);
        let previous = core::mem::replace(&mut account.password, password);
        if keep > 0 {
            if account.history.is_full() {
                account.history.pop();
            }
            let _ = account.history.insert(0, previous);
        }
        account.history.truncate(keep);
        account.password_changed = now;
        account.must_change_password = must_change;
        Ok(())
    }

    /// Replaces the hash of `name` without touching the history or the change time: for a
    /// rehash with new parameters after a successful login.
    ///
    /// # Errors
    ///
    /// [`UnknownAccount`](DirectoryError::UnknownAccount).
    pub fn rehash(&mut self, name: &str, password: PhcString) -> Result<(), DirectoryError> {
        let index = self.index(name)?;
        if let Some(account) = self.accounts.get_mut(index) {
            account.password = password;
        }
        Ok(())
    }

    /// Records a successful login.
    pub(crate) fn logged_in(&mut self, name: &str, now: UnixTime) {
        if let Ok(index) = self.index(name) {
            if let Some(account) = self.accounts.get_mut(index) {
                account.last_login = Some(now);
            }
        }
    }

    fn index(&self, name: &str) -> Result<usize, DirectoryError> {
        self.accounts
            .iter()
            .position(|account| account.name == name)
            .ok_or(DirectoryError::UnknownAccount)
    }

    /// Applies `edit` to the account `name` if the administrator count allows it.
    fn update(
        &mut self,
        name: &str,
        edit: impl FnOnce(&mut Account),
    ) -> Result<(), DirectoryError> {
        let index = self.index(name)?;
        let mut edited = self
            .accounts
            .get(index)
            .ok_or(DirectoryError::UnknownAccount)?
            .clone();
        edit(&mut edited);
        self.keep_an_administrator(Change::Account {
            index,
            active: edited.active,
            role: edited.role,
        })?;
        if let Some(account) = self.accounts.get_mut(index) {
            *account = edited;
        }
        Ok(())
    }

    fn keep_an_administrator(&self, change: Change) -> Result<(), DirectoryError> {
        if self.active_administrators() > 0 && self.administrators_after(Some(change)) == 0 {
            Err(DirectoryError::LastAdministrator)
        } else {
            Ok(())
        }
    }

    /// Active holders of the administrator permission once `change` is made.
    fn administrators_after(&self, change: Option<Change>) -> usize {
        let permissions = |role: RoleId| {
            let role = match change {
                Some(Change::Reassign { from, to }) if role == from => to,
                _ => role,
            };
            match change {
                Some(Change::Role { id, permissions }) if id == role => permissions,
                _ => self
                    .role(role)
                    .map_or(Permissions::NONE, |role| role.permissions),
            }
        };
        self.accounts
            .iter()
            .enumerate()
            .filter_map(|(index, account)| match change {
                Some(Change::RemoveAccount(removed)) if removed == index => None,
                Some(Change::Account {
                    index: edited,
                    active,
                    role,
                }) if edited == index => Some((active, role)),
                _ => Some((account.active, account.role)),
            })
            .filter(|&(active, role)| {
                active && permissions(role).contains(Permissions::MANAGE_ACCOUNTS)
            })
            .count()
    }
}

impl<const A: usize, const R: usize> Default for Directory<A, R> {
    fn default() -> Self {
        Self::new()
    }
}

/// Checks an account or role name.
///
/// # Errors
///
/// [`DirectoryError::InvalidName`].
pub fn valid_name(name: &str) -> Result<Name, DirectoryError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    if name.is_empty() || !name.chars().all(allowed) {
        return Err(DirectoryError::InvalidName);
    }
    Name::new(name).ok_or(DirectoryError::InvalidName)
}

fn name_of(name: &str) -> Name {
    Name::new(name).unwrap_or_default()
}
