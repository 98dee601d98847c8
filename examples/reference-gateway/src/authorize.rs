//! Where modbus-core meets gateway-policy: a decoded request as the authorisation policy sees
//! it, and the audit details of a denial. The two crates do not know each other (DESIGN.md,
//! "independent crates"); this is the plain-data meeting point.

use gateway_policy::authorization::{Access, AuthorizationPolicy, Decision, Request, Table};
use modbus_core::ExceptionCode;
use modbus_core::gateway::ConnectionId;
use modbus_core::pdu::Request as ModbusRequest;
use modbus_core::types::UnitId;

/// `request` as the policy sees it. Counts above 65535 cannot be decoded, so the conversions
/// do not saturate in practice.
pub(crate) fn policy_request(request: &ModbusRequest<'_>) -> Request {
    use ModbusRequest as R;
    let count = |len: usize| u16::try_from(len).unwrap_or(u16::MAX);
    let function = u8::from(request.function());
    let data = |first: u16, count: u16| {
        Request::data(function, first, count).unwrap_or_else(|| Request::other(function))
    };
    match request {
        R::ReadCoils(range)
        | R::ReadDiscreteInputs(range)
        | R::ReadHoldingRegisters(range)
        | R::ReadInputRegisters(range) => data(range.start(), range.quantity()),
        R::WriteSingleCoil { address, .. }
        | R::WriteSingleRegister { address, .. }
        | R::MaskWriteRegister { address, .. }
        | R::ReadFifoQueue { address } => data(*address, 1),
        R::WriteMultipleCoils { start, coils } => data(*start, count(coils.len())),
        R::WriteMultipleRegisters { start, values } => data(*start, count(values.len())),
        R::ReadWriteMultipleRegisters {
            read,
            write_start,
            values,
        } => Request::read_write_multiple(
            (read.start(), read.quantity()),
            (*write_start, count(values.len())),
        ),
        R::Diagnostics(diagnostic) => Request::diagnostics(diagnostic.sub_function.into()),
        R::ReadDeviceIdentification { .. } => Request::encapsulated(0x0E),
        R::CanOpenGeneralReference(_) => Request::encapsulated(0x0D),
        _ => Request::other(function),
    }
}

/// A request the policy denied, for the audit trail.
#[derive(Debug)]
pub(crate) struct Denied {
    /// The client connection.
    pub(crate) connection: ConnectionId,
    /// Audit details: role, function, unit, access, and table, address, count when the
    /// request has them.
    pub(crate) details: Vec<(&'static str, String)>,
    /// Why, in words.
    pub(crate) reason: String,
}

/// The engine's [`Authorize`](modbus_core::gateway::Authorize) hook for a client with `role`:
/// allowed requests go on, denied ones are answered 01 Illegal Function and collected in
/// `denied`.
pub(crate) fn hook<'a>(
    policy: &'a AuthorizationPolicy,
    role: Option<&'a str>,
    denied: &'a mut Vec<Denied>,
) -> impl FnMut(ConnectionId, UnitId, &ModbusRequest<'_>) -> Result<(), ExceptionCode> + 'a {
    move |connection, unit, request| {
        let asked = policy_request(request);
        match policy.authorize(role, &asked, unit.0) {
            Decision::Allow { .. } => Ok(()),
            Decision::Deny(denial) => {
                denied.push(Denied {
                    connection,
                    details: details(role, &asked, unit, denial),
                    reason: denial.to_string(),
                });
                Err(ExceptionCode::IllegalFunction)
            }
        }
    }
}

fn details(
    role: Option<&str>,
    asked: &Request,
    unit: UnitId,
    denial: gateway_policy::authorization::Denial,
) -> Vec<(&'static str, String)> {
    use gateway_policy::authorization::Denial;
    let function = match asked.sub_function() {
        Some(sub) => format!("{:02X}/{sub:02X}", asked.function()),
        None => format!("{:02X}", asked.function()),
    };
    let part = match denial {
        Denial::NoRule { part, .. } => Some(part),
        _ => asked.parts().next().copied(),
    };
    let mut details = vec![
        ("role", role.unwrap_or("(none)").to_owned()),
        ("function", function),
        ("unit", unit.0.to_string()),
    ];
    if let Some(part) = part {
        let access = match part.access {
            Access::Read => "read",
            Access::Write => "write",
        };
        details.push(("access", access.to_owned()));
        if let Some(span) = part.span {
            let table = match span.table {
                Table::Coils => "coils",
                Table::DiscreteInputs => "discrete_inputs",
                Table::InputRegisters => "input_registers",
                Table::HoldingRegisters => "holding_registers",
            };
            details.push(("table", table.to_owned()));
            details.push(("address", span.first.to_string()));
            details.push(("count", span.count.to_string()));
        }
    }
    details
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use modbus_core::pdu::Registers;
    use modbus_core::types::AddressRange;

    #[test]
    fn requests_map_to_what_they_touch() {
        let range = AddressRange::new_checked(100, 4, 125).unwrap();
        let read = policy_request(&ModbusRequest::ReadHoldingRegisters(range));
        assert_eq!(read, Request::data(0x03, 100, 4).unwrap());
        let values = [1, 2, 3];
        let write = ModbusRequest::WriteMultipleRegisters {
            start: 7,
            values: Registers::from_slice(&values),
        };
        assert_eq!(policy_request(&write), Request::data(0x10, 7, 3).unwrap());
        let both = ModbusRequest::ReadWriteMultipleRegisters {
            read: range,
            write_start: 9,
            values: Registers::from_slice(&values),
        };
        assert_eq!(
            policy_request(&both),
            Request::read_write_multiple((100, 4), (9, 3))
        );
        assert_eq!(
            policy_request(&ModbusRequest::ReportServerId),
            Request::other(0x11)
        );
    }
}
