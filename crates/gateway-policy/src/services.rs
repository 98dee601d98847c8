//! The service and port catalogue of both hardening guides, as data.
//!
//! Every row of the MGate guide's tables in section 3.1 (default and suggested settings) and
//! of the AIG-302 guide's table in section 3.1, plus the AIG-302 serial console from its
//! dashboard (section 3.3.5), with the guide's own words for the description and security
//! remark. The two guides disagree on SSH: the AIG-302 port table suggests enabling it (an
//! encrypted console) while its dashboard says it "should not be enabled" once commissioning
//! is over; [`ServiceSpec::note`] records such differences, and the security dashboard
//! follows the dashboard.
//!
//! ```
//! use gateway_policy::services::{self, Guide, ServiceId, ServiceState, Transport};
//!
//! let http = services::lookup(Guide::MgateMb3000, ServiceId::HttpServer).unwrap();
//! assert_eq!(http.default, Some(ServiceState::Enabled));
//! assert_eq!(http.recommended, ServiceState::Disabled);
//!
//! // Who listens on TCP 7502?
//! let priority: Vec<_> = services::by_port(Transport::Tcp, 7502).map(|s| s.id).collect();
//! assert_eq!(priority, [ServiceId::ModbusTcp]);
//! ```

use core::fmt;

use crate::access::Traffic;

/// A service named in either guide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum ServiceId {
    /// Moxa command (DSCI), used by the Moxa utilities: TCP 4900, UDP 4800.
    Dsci,
    /// AIG-302 discovery service for the Moxa utilities: UDP 5353.
    Discovery,
    /// SSH console: TCP 22.
    SshServer,
    /// Plain-text web console: TCP 80.
    HttpServer,
    /// Encrypted web console: TCP 443 (MGate) or 8443 (AIG-302).
    HttpsServer,
    /// Telnet console: TCP 23.
    TelnetServer,
    /// Local serial console (AIG-302).
    SerialConsole,
    /// SNMP agent: UDP 161.
    SnmpAgent,
    /// SNMP trap client: UDP 162.
    SnmpTrapClient,
    /// DNS client: UDP 53.
    DnsClient,
    /// DHCP client: UDP 68.
    DhcpClient,
    /// DHCP server (AIG-302): UDP 67 and 68.
    DhcpServer,
    /// Syslog client: UDP 514.
    SyslogClient,
    /// E-mail client (event notifications): TCP/UDP 25.
    EmailClient,
    /// NTP client: UDP 123.
    NtpClient,
    /// Modbus TCP client/server: TCP 502, and 7502 for priority traffic on the MGate.
    ModbusTcp,
    /// ProCOM virtual serial ports for Windows hosts (MGate MB3170/3270): TCP 950-953,
    /// 966-969.
    ProCom,
}

impl ServiceId {
    /// Every service, in declaration order.
    pub const ALL: [Self; 17] = [
        Self::Dsci,
        Self::Discovery,
        Self::SshServer,
        Self::HttpServer,
        Self::HttpsServer,
        Self::TelnetServer,
        Self::SerialConsole,
        Self::SnmpAgent,
        Self::SnmpTrapClient,
        Self::DnsClient,
        Self::DhcpClient,
        Self::DhcpServer,
        Self::SyslogClient,
        Self::EmailClient,
        Self::NtpClient,
        Self::ModbusTcp,
        Self::ProCom,
    ];

    /// Which switch of the accessible IP list governs this service: protocol traffic (Modbus
    /// TCP, ProCOM) or device services (everything else; the MGate lists HTTP, HTTPS, Telnet,
    /// SSH, SNMP, SMTP, DNS, NTP and the discovery utility).
    pub const fn traffic(self) -> Traffic {
        match self {
            Self::ModbusTcp | Self::ProCom => Traffic::Protocol,
            _ => Traffic::DeviceService,
        }
    }

    /// A short stable name (`https_server`), as used in configuration files and finding ids.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Dsci => "dsci",
            Self::Discovery => "discovery",
            Self::SshServer => "ssh_server",
            Self::HttpServer => "http_server",
            Self::HttpsServer => "https_server",
            Self::TelnetServer => "telnet_server",
            Self::SerialConsole => "serial_console",
            Self::SnmpAgent => "snmp_agent",
            Self::SnmpTrapClient => "snmp_trap_client",
            Self::DnsClient => "dns_client",
            Self::DhcpClient => "dhcp_client",
            Self::DhcpServer => "dhcp_server",
            Self::SyslogClient => "syslog_client",
            Self::EmailClient => "email_client",
            Self::NtpClient => "ntp_client",
            Self::ModbusTcp => "modbus_tcp",
            Self::ProCom => "procom",
        }
    }
}

impl fmt::Display for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The guide a catalogue row comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Guide {
    /// The Security Hardening Guide for the MGate MB3000 Series.
    MgateMb3000,
    /// The Security Hardening Guide for the AIG-302 Series.
    Aig302,
}

/// Whether a service runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ServiceState {
    /// Running.
    Enabled,
    /// Off.
    Disabled,
}

/// The transport of a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Transport {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

/// A port or a range of ports of one transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PortRange {
    /// TCP or UDP.
    pub transport: Transport,
    /// The first port.
    pub first: u16,
    /// The last port (equal to `first` for one port).
    pub last: u16,
}

impl PortRange {
    const fn tcp(port: u16) -> Self {
        Self {
            transport: Transport::Tcp,
            first: port,
            last: port,
        }
    }

    const fn udp(port: u16) -> Self {
        Self {
            transport: Transport::Udp,
            first: port,
            last: port,
        }
    }

    const fn tcp_range(first: u16, last: u16) -> Self {
        Self {
            transport: Transport::Tcp,
            first,
            last,
        }
    }

    /// Whether `port` of `transport` is in the range.
    pub const fn contains(&self, transport: Transport, port: u16) -> bool {
        self.transport as u8 == transport as u8 && self.first <= port && port <= self.last
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let transport = match self.transport {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        };
        if self.first == self.last {
            write!(f, "{transport}/{}", self.first)
        } else {
            write!(f, "{transport}/{}-{}", self.first, self.last)
        }
    }
}

/// One row of a guide's service table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ServiceSpec {
    /// The service.
    pub id: ServiceId,
    /// The guide the row is from.
    pub guide: Guide,
    /// The guide's name for it.
    pub name: &'static str,
    /// The ports it uses; empty for the serial console.
    pub ports: &'static [PortRange],
    /// The factory setting, where the guide gives one.
    pub default: Option<ServiceState>,
    /// The guide's suggested setting.
    pub recommended: ServiceState,
    /// The guide's description.
    pub description: &'static str,
    /// The guide's security remark.
    pub remark: &'static str,
    /// Where this row and another part of the guides disagree, or something a user should
    /// know; empty otherwise.
    pub note: &'static str,
}

/// The MGate MB3000 guide, section 3.1: both tables merged (defaults from the first,
/// suggestions and remarks from the second).
pub const MGATE_SERVICES: &[ServiceSpec] = &[
    mgate(
        ServiceId::Dsci,
        "DSCI (Moxa Command)",
        &[PortRange::tcp(4900), PortRange::udp(4800)],
        ServiceState::Enabled,
        ServiceState::Disabled,
        "For Moxa utility communication",
        "Disable this service as it is not commonly used",
    ),
    mgate(
        ServiceId::DnsClient,
        "DNS client",
        &[PortRange::udp(53)],
        ServiceState::Disabled,
        ServiceState::Disabled,
        "Processing DNS and WINS (Client) data",
        "Disable this service as it is not commonly used",
    ),
    mgate(
        ServiceId::SnmpAgent,
        "SNMP agent",
        &[PortRange::udp(161)],
        ServiceState::Enabled,
        ServiceState::Disabled,
        "SNMP handling routine",
        "Managing the MGate via HTTPS console will be more secure",
    ),
    mgate(
        ServiceId::HttpServer,
        "HTTP server",
        &[PortRange::tcp(80)],
        ServiceState::Enabled,
        ServiceState::Disabled,
        "Web console",
        "Disable HTTP to prevent plain text transmission",
    ),
    mgate(
        ServiceId::HttpsServer,
        "HTTPS server",
        &[PortRange::tcp(443)],
        ServiceState::Enabled,
        ServiceState::Enabled,
        "Secured web console",
        "Encrypted data channel with trusted certificate for MGate configuration",
    ),
    mgate(
        ServiceId::TelnetServer,
        "Telnet server",
        &[PortRange::tcp(23)],
        ServiceState::Disabled,
        ServiceState::Disabled,
        "Telnet console",
        "Disable this service as it is not commonly used",
    ),
    mgate(
        ServiceId::DhcpClient,
        "DHCP client",
        &[PortRange::udp(68)],
        ServiceState::Disabled,
        ServiceState::Disabled,
        "The DHCP client needs to acquire the system IP address from the server",
        "Assign an IP address manually for the device",
    ),
    mgate(
        ServiceId::SyslogClient,
        "Syslog client",
        &[PortRange::udp(514)],
        ServiceState::Disabled,
        ServiceState::Enabled,
        "Sending the system logs to the remote syslog server",
        "A service for sending important system events for a diagnosis of the MGate's status",
    ),
    mgate(
        ServiceId::EmailClient,
        "Email client",
        &[PortRange::tcp(25), PortRange::udp(25)],
        ServiceState::Disabled,
        ServiceState::Enabled,
        "Sending system/config event notifications",
        "A service for sending important system events for a diagnosis of the MGate's status",
    ),
    mgate(
        ServiceId::SnmpTrapClient,
        "SNMP trap client",
        &[PortRange::udp(162)],
        ServiceState::Disabled,
        ServiceState::Enabled,
        "Sending system/config event notifications",
        "A service for sending important system events for a diagnosis of the MGate's status",
    ),
    ServiceSpec {
        note: "The guide disables NTP, but regenerating the self-signed certificate (section 3.2) \
               needs a trusted clock: enable NTP for that step.",
        ..mgate(
            ServiceId::NtpClient,
            "NTP client",
            &[PortRange::udp(123)],
            ServiceState::Disabled,
            ServiceState::Disabled,
            "Network time protocol to synchronize system time from the server",
            "Disable this service as it is not commonly used",
        )
    },
    mgate(
        ServiceId::ModbusTcp,
        "Modbus TCP client/server",
        &[PortRange::tcp(502), PortRange::tcp(7502)],
        ServiceState::Enabled,
        ServiceState::Enabled,
        "502 for Modbus communication; 7502 for priority Modbus communication",
        "Make sure you add your Modbus devices' IP addresses to the \"Accessible IP list\"",
    ),
    mgate(
        ServiceId::ProCom,
        "ProCOM",
        &[
            PortRange::tcp_range(950, 953),
            PortRange::tcp_range(966, 969),
        ],
        ServiceState::Enabled,
        ServiceState::Disabled,
        "Mapping additional Modbus slave role on Windows platform",
        "Disable ProCOM if you are not using Windows for Modbus client role",
    ),
];

/// The AIG-302 guide, section 3.1 (suggested settings; the guide gives no defaults), and the
/// serial console of the dashboard (section 3.3.5).
pub const AIG_302_SERVICES: &[ServiceSpec] = &[
    ServiceSpec {
        note: "The dashboard (section 3.3.5) says SSH \"should not be enabled\" after \
               commissioning (it is the debug mode); the port table suggests enabling it as the \
               encrypted console. The dashboard check follows the dashboard.",
        ..aig(
            ServiceId::SshServer,
            "SSH Server",
            &[PortRange::tcp(22)],
            ServiceState::Enabled,
            "SSH console",
            "Encrypted data channel with trusted certificate",
        )
    },
    aig(
        ServiceId::HttpServer,
        "HTTP Service",
        &[PortRange::tcp(80)],
        ServiceState::Disabled,
        "Web console",
        "Disable HTTP service for transmissions involving plain text",
    ),
    aig(
        ServiceId::HttpsServer,
        "HTTPS Service",
        &[PortRange::tcp(8443)],
        ServiceState::Enabled,
        "Secured web console",
        "Encrypted data channel with trusted certificate",
    ),
    aig(
        ServiceId::Discovery,
        "Discovery Service",
        &[PortRange::udp(5353)],
        ServiceState::Disabled,
        "For communicating with Moxa utilities",
        "Disable the service if it is not in use",
    ),
    aig(
        ServiceId::ModbusTcp,
        "Modbus TCP Server",
        &[PortRange::tcp(502)],
        ServiceState::Disabled,
        "For Modbus communication",
        "Disable service if it is not in use",
    ),
    aig(
        ServiceId::DhcpServer,
        "DHCP Server",
        &[PortRange::udp(67), PortRange::udp(68)],
        ServiceState::Disabled,
        "For assigning a system IP to DHCP clients",
        "Disable service if it is not in use",
    ),
    aig(
        ServiceId::SerialConsole,
        "Serial Console Service",
        &[],
        ServiceState::Disabled,
        "Local console",
        "We recommend disabling Serial Console Service in commissioning stage",
    ),
];

/// Every row of both guides.
pub fn catalogue() -> impl Iterator<Item = &'static ServiceSpec> {
    MGATE_SERVICES.iter().chain(AIG_302_SERVICES)
}

/// The row for `id` in `guide`'s table, if the guide lists it.
pub fn lookup(guide: Guide, id: ServiceId) -> Option<&'static ServiceSpec> {
    let rows = match guide {
        Guide::MgateMb3000 => MGATE_SERVICES,
        Guide::Aig302 => AIG_302_SERVICES,
    };
    rows.iter().find(|spec| spec.id == id)
}

/// The services whose ports include `port` of `transport`, one row per service (the MGate
/// row first where both guides list it).
pub fn by_port(transport: Transport, port: u16) -> impl Iterator<Item = &'static ServiceSpec> {
    let mut seen: Option<ServiceId> = None;
    catalogue().filter(move |spec| {
        let hit = spec
            .ports
            .iter()
            .any(|range| range.contains(transport, port))
            && seen != Some(spec.id);
        if hit {
            seen = Some(spec.id);
        }
        hit
    })
}

const fn mgate(
    id: ServiceId,
    name: &'static str,
    ports: &'static [PortRange],
    default: ServiceState,
    recommended: ServiceState,
    description: &'static str,
    remark: &'static str,
) -> ServiceSpec {
    ServiceSpec {
        id,
        guide: Guide::MgateMb3000,
        name,
        ports,
        default: Some(default),
        recommended,
        description,
        remark,
        note: "",
    }
}

const fn aig(
    id: ServiceId,
    name: &'static str,
    ports: &'static [PortRange],
    recommended: ServiceState,
    description: &'static str,
    remark: &'static str,
) -> ServiceSpec {
    ServiceSpec {
        id,
        guide: Guide::Aig302,
        name,
        ports,
        default: None,
        recommended,
        description,
        remark,
        note: "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ports the issue lists, each found in the catalogue.
    #[test]
    fn every_port_of_both_guides_is_there() {
        let expected: &[(Transport, u16, ServiceId)] = &[
            (Transport::Tcp, 22, ServiceId::SshServer),
            (Transport::Tcp, 80, ServiceId::HttpServer),
            (Transport::Tcp, 443, ServiceId::HttpsServer),
            (Transport::Tcp, 8443, ServiceId::HttpsServer),
            (Transport::Tcp, 23, ServiceId::TelnetServer),
            (Transport::Udp, 4800, ServiceId::Dsci),
            (Transport::Tcp, 4900, ServiceId::Dsci),
            (Transport::Udp, 5353, ServiceId::Discovery),
            (Transport::Udp, 161, ServiceId::SnmpAgent),
            (Transport::Udp, 162, ServiceId::SnmpTrapClient),
            (Transport::Udp, 53, ServiceId::DnsClient),
            (Transport::Udp, 67, ServiceId::DhcpServer),
            (Transport::Udp, 514, ServiceId::SyslogClient),
            (Transport::Tcp, 25, ServiceId::EmailClient),
            (Transport::Udp, 25, ServiceId::EmailClient),
            (Transport::Udp, 123, ServiceId::NtpClient),
            (Transport::Tcp, 502, ServiceId::ModbusTcp),
            (Transport::Tcp, 7502, ServiceId::ModbusTcp),
            (Transport::Tcp, 950, ServiceId::ProCom),
            (Transport::Tcp, 953, ServiceId::ProCom),
            (Transport::Tcp, 966, ServiceId::ProCom),
            (Transport::Tcp, 969, ServiceId::ProCom),
        ];
        for &(transport, port, id) in expected {
            let found: alloc::vec::Vec<_> = by_port(transport, port).map(|s| s.id).collect();
            assert_eq!(found, [id], "{transport:?}/{port}");
        }
        assert_eq!(by_port(Transport::Tcp, 954).count(), 0);
        // UDP 68 is the DHCP client on the MGate and part of the DHCP server on the AIG.
        let dhcp: alloc::vec::Vec<_> = by_port(Transport::Udp, 68).map(|s| s.id).collect();
        assert_eq!(dhcp, [ServiceId::DhcpClient, ServiceId::DhcpServer]);
        assert!(lookup(Guide::Aig302, ServiceId::SerialConsole).is_some());
    }

    #[test]
    fn mgate_suggestions_match_the_guide() {
        use ServiceState::{Disabled, Enabled};
        let suggested = [
            (ServiceId::Dsci, Disabled),
            (ServiceId::DnsClient, Disabled),
            (ServiceId::SnmpAgent, Disabled),
            (ServiceId::HttpServer, Disabled),
            (ServiceId::HttpsServer, Enabled),
            (ServiceId::TelnetServer, Disabled),
            (ServiceId::DhcpClient, Disabled),
            (ServiceId::SyslogClient, Enabled),
            (ServiceId::EmailClient, Enabled),
            (ServiceId::SnmpTrapClient, Enabled),
            (ServiceId::NtpClient, Disabled),
            (ServiceId::ModbusTcp, Enabled),
            (ServiceId::ProCom, Disabled),
        ];
        assert_eq!(MGATE_SERVICES.len(), suggested.len());
        for (id, state) in suggested {
            assert_eq!(
                lookup(Guide::MgateMb3000, id).unwrap().recommended,
                state,
                "{id}"
            );
        }
        let enabled_by_default: alloc::vec::Vec<_> = MGATE_SERVICES
            .iter()
            .filter(|s| s.default == Some(Enabled))
            .map(|s| s.id)
            .collect();
        assert_eq!(
            enabled_by_default,
            [
                ServiceId::Dsci,
                ServiceId::SnmpAgent,
                ServiceId::HttpServer,
                ServiceId::HttpsServer,
                ServiceId::ModbusTcp,
                ServiceId::ProCom
            ]
        );
    }

    #[test]
    fn only_modbus_and_procom_are_protocol_traffic() {
        for id in ServiceId::ALL {
            let expected = if matches!(id, ServiceId::ModbusTcp | ServiceId::ProCom) {
                Traffic::Protocol
            } else {
                Traffic::DeviceService
            };
            assert_eq!(id.traffic(), expected, "{id}");
        }
    }
}
