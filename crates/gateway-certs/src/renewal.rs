//! Renewal planning: what to renew now, and the next time the store needs to be looked at.
//!
//! A certificate is only as good as the shortest-lived certificate on its path: an
//! intermediate or a trusted root that expires before the leaf ends the leaf's usefulness with
//! it (and rustls-webpki does not check a trust anchor's own dates). So each entry's plan runs
//! on the earliest notAfter of its path (the leaf, the chain imported with it, and the trusted
//! root of the store that issued the top of that chain) and names the certificate that sets it.
//!
//! The window comes from [`StoreSettings::expiry`](crate::store::StoreSettings): the guides'
//! three months, or a share of the lifetime as certbot and cert-manager use. A fixed window as
//! long as the certificate's life falls back to a third of it (see
//! [`Validity::renew_at`](crate::status::Validity::renew_at)), so a short-lived certificate is
//! never "due" from its first second. `next_look` is the earliest future moment any entry's
//! action changes, so a scheduler can sleep until then instead of polling.

use alloc::string::String;
use alloc::vec::Vec;

use crate::certificate::Certificate;
use crate::status::{UnixTime, Validity};
use crate::store::{Entry, Source, Store};

/// The plan for the whole store.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Plan {
    /// One plan per entry, in store order.
    pub entries: Vec<EntryPlan>,
    /// The earliest future moment an action changes; `None` when nothing will change or the
    /// clock cannot be trusted.
    pub next_look: Option<UnixTime>,
}

/// The plan for one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EntryPlan {
    /// The entry's name.
    pub name: String,
    /// What to do now.
    pub action: Action,
    /// When the renewal window opens, on the path's earliest notAfter.
    pub renew_at: UnixTime,
    /// The path's earliest notAfter.
    pub expires_at: UnixTime,
    /// The subject of the certificate that sets `expires_at`, when it is not the entry's own.
    pub limited_by: Option<String>,
}

/// What to do about an entry now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Action {
    /// Nothing until `renew_at`.
    Nothing,
    /// Inside the window: renew before `expires_at`.
    Renew,
    /// Past `expires_at`: replace it now.
    Replace,
    /// The certificate is not valid yet.
    WaitUntilValid,
    /// The clock cannot be trusted: set it (NTP) before deciding anything.
    SetClock,
}

impl Store {
    /// What to renew at `now`, and when to look again.
    pub fn renewal_plan(&self, now: UnixTime, clock_trusted: bool) -> Plan {
        let window = &self.settings().expiry;
        let mut next_look: Option<UnixTime> = None;
        let mut later = |at: UnixTime| {
            if at > now && next_look.is_none_or(|next| at < next) {
                next_look = Some(at);
            }
        };
        let entries = self
            .entries()
            .iter()
            .map(|entry| {
                let leaf = &entry.certificate;
                let limiting = self
                    .path(entry)
                    .into_iter()
                    .min_by_key(|certificate| certificate.validity.not_after())
                    .unwrap_or(leaf);
                let expires_at = limiting.validity.not_after();
                let effective =
                    Validity::new(leaf.validity.not_before(), expires_at).unwrap_or(leaf.validity);
                let renew_at = effective.renew_at(window);
                let action = if !clock_trusted {
                    Action::SetClock
                } else if now < leaf.validity.not_before() {
                    Action::WaitUntilValid
                } else if now > expires_at {
                    Action::Replace
                } else if now >= renew_at {
                    Action::Renew
                } else {
                    Action::Nothing
                };
                if clock_trusted {
                    later(leaf.validity.not_before());
                    later(renew_at);
                    later(expires_at.plus_secs(1));
                }
                EntryPlan {
                    name: entry.name.clone(),
                    action,
                    renew_at,
                    expires_at,
                    limited_by: (!core::ptr::eq(limiting, leaf))
                        .then(|| limiting.subject.text.clone()),
                }
            })
            .collect();
        Plan { entries, next_look }
    }

    /// The structural path of an entry: its certificate, the chain imported with it in issuing
    /// order, and the trusted root of this store that issued the last of them, if any. A
    /// certificate of the imported chain that issues nothing on the path is left out.
    pub fn path<'a>(&'a self, entry: &'a Entry) -> Vec<&'a Certificate> {
        let roots = self
            .entries()
            .iter()
            .filter(|root| root.source == Source::TrustedRootCa)
            .map(|root| &root.certificate);
        structural_path(&entry.certificate, &entry.chain, roots)
    }
}

/// `leaf`, then the certificates of `chain` that issue it in turn, then the first of `roots`
/// that issued the last of them, if any: linked by name and key identifier, not signature.
pub(crate) fn structural_path<'a>(
    leaf: &'a Certificate,
    chain: &'a [Certificate],
    roots: impl Iterator<Item = &'a Certificate> + Clone,
) -> Vec<&'a Certificate> {
    let mut path = alloc::vec![leaf];
    let mut current = leaf;
    // Each step adds a certificate not yet on the path, so this ends.
    while !current.is_self_signed() {
        let on_path = |candidate: &&Certificate| {
            path.iter()
                .any(|seen| core::ptr::eq(*seen, *candidate) || seen.der() == candidate.der())
        };
        let issuer = chain
            .iter()
            .find(|candidate| current.is_issued_by(candidate) && !on_path(candidate))
            .or_else(|| {
                roots
                    .clone()
                    .find(|root| current.is_issued_by(root) && !on_path(root))
            });
        let Some(issuer) = issuer else {
            break;
        };
        path.push(issuer);
        current = issuer;
    }
    path
}
