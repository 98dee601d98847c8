//! Hardening profiles: the network-facing settings of this crate as named presets, each with
//! where its numbers come from.
//!
//! | preset | services | accessible IP list | banner | scan thresholds |
//! |---|---|---|---|---|
//! | [`mgate_default`](HardeningProfile::mgate_default) | MGate factory defaults (guide 3.1, first table) | off | off | as [`ScanPolicy::default`] |
//! | [`mgate_recommended`](HardeningProfile::mgate_recommended) | MGate suggested settings (3.1, second table) | on, with additional restrictions (3.4) | on, 240 characters (3.3) | as [`ScanPolicy::default`] |
//! | [`aig302_default`](HardeningProfile::aig302_default) | AIG-302 suggested settings (3.1), SSH and serial console off (3.3.5) | n/a (the AIG uses its firewall) | the guide's default text (3.3.5) | AIG limits for the banner |
//! | [`iec62443_4_2`](HardeningProfile::iec62443_4_2) | least functionality: every optional service off | on, with additional restrictions | on | 30-day certificate warning, TLS 1.2 |
//!
//! The IEC 62443-4-2 preset follows the component requirements that apply to these settings:
//! CR 7.7 (least functionality: only the Modbus and HTTPS services that the gateway's job
//! needs, plus syslog for CR 2.8 auditable events), CR 1.12 (system use notification), CR 4.3
//! (use of cryptography: TLS 1.2 or later), CR 1.11 (unsuccessful login attempts: lockout after
//! at most 10 failures). The standard states capabilities, not numbers; where a number is
//! needed it is the MGate recommendation, except the certificate warning, shortened to 30 days
//! so that the alarm comes with time to act but late enough not to be ignored (the OPC UA
//! expiration alarm practice).

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::access::AccessListConfig;
use crate::banner::{AIG_302_DEFAULT_TEXT, BannerError, BannerLimits, LoginBanner};
use crate::dashboard::{ScanPolicy, ServiceStatus};
use crate::services::{self, Guide, ServiceId, ServiceState};

/// A named set of settings.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct HardeningProfile {
    /// Short name.
    pub name: Cow<'static, str>,
    /// Where the numbers come from.
    pub source: Cow<'static, str>,
    /// The state of each service the profile covers.
    pub services: Vec<ServiceStatus>,
    /// The accessible IP list switches (entries are site data and start empty).
    pub access_list: AccessListConfig,
    /// The login banner.
    pub banner: BannerSettings,
    /// The dashboard thresholds.
    pub scan: ScanPolicy,
}

/// The system use notification settings.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct BannerSettings {
    /// Whether the banner is shown before login.
    pub enabled: bool,
    /// Its text.
    pub text: Cow<'static, str>,
    /// Its size limits.
    pub limits: BannerLimits,
}

impl BannerSettings {
    /// The banner to show, if enabled.
    ///
    /// # Errors
    ///
    /// [`BannerError`] when the banner is enabled and its text is refused.
    pub fn banner(&self) -> Result<Option<LoginBanner<'_>>, BannerError> {
        if !self.enabled {
            return Ok(None);
        }
        LoginBanner::new(&self.text, &self.limits).map(Some)
    }
}

/// A banner that fits the MGate's 240 characters.
pub const SHORT_BANNER_TEXT: &str = "This gateway system is for the use of authorized users only. \
Activity on this system is monitored and recorded.";

impl HardeningProfile {
    /// The MGate MB3000 as shipped (guide 3.1 first table, 3.3 and 3.4 defaults).
    pub fn mgate_default() -> Self {
        Self {
            name: "mgate_default".into(),
            source: "MGate MB3000 hardening guide: 3.1 default settings; 3.4 list off; 3.3 \
                     empty login message"
                .into(),
            services: states(Guide::MgateMb3000, |spec| {
                spec.default.unwrap_or(ServiceState::Disabled)
            }),
            access_list: AccessListConfig::mgate_default(),
            banner: BannerSettings {
                enabled: false,
                text: Cow::Borrowed(""),
                limits: BannerLimits::MGATE,
            },
            scan: ScanPolicy::default(),
        }
    }

    /// The MGate MB3000 hardened as its guide suggests.
    pub fn mgate_recommended() -> Self {
        Self {
            name: "mgate_recommended".into(),
            source: "MGate MB3000 hardening guide: 3.1 suggested settings; 3.4 list activated \
                     with additional restrictions; 3.3 login message; 3.3 password policy \
                     (minimum length 16) in the scan thresholds"
                .into(),
            services: states(Guide::MgateMb3000, |spec| spec.recommended),
            access_list: restricted_list(),
            banner: BannerSettings {
                enabled: true,
                text: Cow::Borrowed(SHORT_BANNER_TEXT),
                limits: BannerLimits::MGATE,
            },
            scan: ScanPolicy::default(),
        }
    }

    /// The AIG-302 as its guide suggests.
    pub fn aig302_default() -> Self {
        let mut services = states(Guide::Aig302, |spec| spec.recommended);
        for status in &mut services {
            if status.id == ServiceId::SshServer {
                // The dashboard (3.3.5) wins over the port table (3.1).
                status.state = ServiceState::Disabled;
            }
        }
        Self {
            name: "aig302_default".into(),
            source: "AIG-302 hardening guide: 3.1 suggested settings with SSH off per the 3.3.5 \
                     dashboard; 3.3.5 default system use notification"
                .into(),
            services,
            access_list: AccessListConfig::mgate_default(),
            banner: BannerSettings {
                enabled: true,
                text: Cow::Borrowed(AIG_302_DEFAULT_TEXT),
                limits: BannerLimits::AIG_302,
            },
            scan: ScanPolicy {
                banner_limits: BannerLimits::AIG_302,
                ..ScanPolicy::default()
            },
        }
    }

    /// Oriented to IEC 62443-4-2 (see the module docs for the requirement behind each value).
    pub fn iec62443_4_2() -> Self {
        let needed = [
            ServiceId::ModbusTcp,
            ServiceId::HttpsServer,
            ServiceId::SyslogClient,
        ];
        Self {
            name: "iec62443_4_2".into(),
            source: "IEC 62443-4-2 CR 7.7, CR 1.12, CR 4.3, CR 1.11, CR 2.8; numbers from the \
                     MGate recommendations, 30-day certificate warning"
                .into(),
            services: ServiceId::ALL
                .into_iter()
                .map(|id| ServiceStatus {
                    id,
                    state: if needed.contains(&id) {
                        ServiceState::Enabled
                    } else {
                        ServiceState::Disabled
                    },
                })
                .collect(),
            access_list: restricted_list(),
            banner: BannerSettings {
                enabled: true,
                text: Cow::Borrowed(SHORT_BANNER_TEXT),
                limits: BannerLimits::MGATE,
            },
            scan: ScanPolicy {
                certificate_warning_days: 30,
                ..ScanPolicy::default()
            },
        }
    }
}

fn states(
    guide: Guide,
    state: impl Fn(&services::ServiceSpec) -> ServiceState,
) -> Vec<ServiceStatus> {
    services::catalogue()
        .filter(|spec| spec.guide == guide)
        .map(|spec| ServiceStatus {
            id: spec.id,
            state: state(spec),
        })
        .collect()
}

fn restricted_list() -> AccessListConfig {
    AccessListConfig {
        activate: true,
        additional_restrictions: true,
        ..AccessListConfig::mgate_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(profile: &HardeningProfile, id: ServiceId) -> Option<ServiceState> {
        profile
            .services
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.state)
    }

    #[test]
    fn presets_carry_the_guides_numbers() {
        let factory = HardeningProfile::mgate_default();
        assert_eq!(
            state(&factory, ServiceId::HttpServer),
            Some(ServiceState::Enabled)
        );
        assert_eq!(
            state(&factory, ServiceId::ProCom),
            Some(ServiceState::Enabled)
        );
        assert!(!factory.access_list.activate);
        assert_eq!(factory.access_list.max_entries, 16);
        assert_eq!(factory.banner.banner(), Ok(None));

        let hardened = HardeningProfile::mgate_recommended();
        assert_eq!(
            state(&hardened, ServiceId::HttpServer),
            Some(ServiceState::Disabled)
        );
        assert_eq!(
            state(&hardened, ServiceId::SyslogClient),
            Some(ServiceState::Enabled)
        );
        assert!(hardened.access_list.activate && hardened.access_list.additional_restrictions);
        assert!(hardened.banner.banner().unwrap().is_some());
        assert_eq!(hardened.scan.min_password_length, 16);

        let aig = HardeningProfile::aig302_default();
        assert_eq!(
            state(&aig, ServiceId::SshServer),
            Some(ServiceState::Disabled)
        );
        assert_eq!(
            state(&aig, ServiceId::HttpsServer),
            Some(ServiceState::Enabled)
        );
        assert_eq!(
            state(&aig, ServiceId::SerialConsole),
            Some(ServiceState::Disabled)
        );
        assert!(aig.banner.banner().unwrap().is_some());

        let iec = HardeningProfile::iec62443_4_2();
        assert_eq!(iec.scan.certificate_warning_days, 30);
        let enabled: Vec<_> = iec
            .services
            .iter()
            .filter(|s| s.state == ServiceState::Enabled)
            .map(|s| s.id)
            .collect();
        assert_eq!(
            enabled,
            [
                ServiceId::HttpsServer,
                ServiceId::SyslogClient,
                ServiceId::ModbusTcp
            ]
        );
    }

    /// Every preset's banner and access list settings are valid as they stand.
    #[test]
    fn presets_are_valid() {
        for profile in [
            HardeningProfile::mgate_default(),
            HardeningProfile::mgate_recommended(),
            HardeningProfile::aig302_default(),
            HardeningProfile::iec62443_4_2(),
        ] {
            assert!(profile.banner.banner().is_ok(), "{}", profile.name);
            assert!(profile.access_list.validate().is_ok(), "{}", profile.name);
        }
    }
}
