//! A simulated Modbus RTU slave: 10,000 coils, discrete inputs, holding and input registers,
//! answering as a real device would.

use modbus_core::pdu::{
    Coils, DeviceIdentification, DeviceObject, Diagnostic, ReadDeviceIdCode, Registers, Seq,
    SubFunction,
};
use modbus_core::{AddressRange, ExceptionCode, Request, Response};

/// Points of each table.
pub(crate) const POINTS: usize = 10_000;

/// One simulated device.
#[derive(Debug)]
pub(crate) struct SimulatedSlave {
    coils: Vec<bool>,
    discrete_inputs: Vec<bool>,
    holding: Vec<u16>,
    input: Vec<u16>,
    scratch: Vec<u16>,
    messages: u16,
}

impl SimulatedSlave {
    /// A device with every point at zero.
    pub(crate) fn new() -> Self {
        Self {
            coils: vec![false; POINTS],
            discrete_inputs: vec![false; POINTS],
            holding: vec![0; POINTS],
            input: vec![0; POINTS],
            scratch: Vec::with_capacity(125),
            messages: 0,
        }
    }

    /// Executes `request` and encodes the response PDU into `out`, returning its length, or
    /// `None` when the request must not be answered (FC 08/04).
    pub(crate) fn answer(&mut self, request: &Request<'_>, out: &mut [u8]) -> Option<usize> {
        self.messages = self.messages.wrapping_add(1);
        let function = request.function();
        let exception = |code| Response::exception(function, code);
        let illegal_address = Response::exception(function, ExceptionCode::IllegalDataAddress);
        let response = match request {
            Request::ReadCoils(r) => {
                bits(&self.coils, r).map_or(illegal_address, Response::ReadCoils)
            }
            Request::ReadDiscreteInputs(r) => {
                bits(&self.discrete_inputs, r).map_or(illegal_address, Response::ReadDiscreteInputs)
            }
            Request::ReadHoldingRegisters(r) => {
                words(&self.holding, r).map_or(illegal_address, Response::ReadHoldingRegisters)
            }
            Request::ReadInputRegisters(r) => {
                words(&self.input, r).map_or(illegal_address, Response::ReadInputRegisters)
            }
            Request::WriteSingleCoil { address, value } => {
                match self.coils.get_mut(usize::from(*address)) {
                    Some(slot) => {
                        *slot = *value;
                        Response::WriteSingleCoil {
                            address: *address,
                            value: *value,
                        }
                    }
                    None => illegal_address,
                }
            }
            Request::WriteSingleRegister { address, value } => {
                match self.holding.get_mut(usize::from(*address)) {
                    Some(slot) => {
                        *slot = *value;
                        Response::WriteSingleRegister {
                            address: *address,
                            value: *value,
                        }
                    }
                    None => illegal_address,
                }
            }
            Request::WriteMultipleCoils { start, coils } => {
                write_block(&mut self.coils, *start, coils.iter(), 1968)
                    .map_or(illegal_address, Response::WriteMultipleCoils)
            }
            Request::WriteMultipleRegisters { start, values } => {
                write_block(&mut self.holding, *start, values.iter(), 123)
                    .map_or(illegal_address, Response::WriteMultipleRegisters)
            }
            Request::MaskWriteRegister {
                address,
                and_mask,
                or_mask,
            } => match self.holding.get_mut(usize::from(*address)) {
                Some(slot) => {
                    *slot = (*slot & and_mask) | (or_mask & !and_mask);
                    Response::MaskWriteRegister {
                        address: *address,
                        and_mask: *and_mask,
                        or_mask: *or_mask,
                    }
                }
                None => illegal_address,
            },
            Request::ReadWriteMultipleRegisters {
                read,
                write_start,
                values,
            } => {
                // MB-AP 6.17: the write is performed before the read.
                let written = write_block(&mut self.holding, *write_start, values.iter(), 121);
                match (written, self.holding.get(block(read).unwrap_or(0..0))) {
                    (Some(_), Some(src)) if !src.is_empty() => {
                        self.scratch.clear();
                        self.scratch.extend_from_slice(src);
                        Response::ReadWriteMultipleRegisters(Registers::from_slice(&self.scratch))
                    }
                    _ => illegal_address,
                }
            }
            Request::Diagnostics(d) => match d.sub_function {
                SubFunction::ForceListenOnlyMode => return None,
                SubFunction::ReturnQueryData
                | SubFunction::RestartCommunicationsOption
                | SubFunction::ChangeAsciiInputDelimiter
                | SubFunction::ClearCountersAndDiagnosticRegister
                | SubFunction::ClearOverrunCounterAndFlag => Response::Diagnostics(*d),
                SubFunction::ReturnBusMessageCount | SubFunction::ReturnServerMessageCount => {
                    self.scratch.clear();
                    self.scratch.push(self.messages);
                    Response::Diagnostics(Diagnostic {
                        sub_function: d.sub_function,
                        data: Registers::from_slice(&self.scratch),
                    })
                }
                _ => Response::Diagnostics(Diagnostic {
                    sub_function: d.sub_function,
                    data: Registers::from_slice(&[0]),
                }),
            },
            Request::ReportServerId => Response::ReportServerId(b"\x01\xFFreference-gateway sim"),
            Request::ReadDeviceIdentification { code, .. } => {
                const OBJECTS: [DeviceObject<'static>; 3] = [
                    DeviceObject {
                        id: 0x00,
                        value: b"Gateway crate family",
                    },
                    DeviceObject {
                        id: 0x01,
                        value: b"SIM-RTU",
                    },
                    DeviceObject {
                        id: 0x02,
                        value: b"0.1.0",
                    },
                ];
                match code {
                    ReadDeviceIdCode::Basic => {
                        Response::ReadDeviceIdentification(DeviceIdentification {
                            code: *code,
                            conformity: modbus_core::pdu::ConformityLevel::new_checked(0x01)
                                .unwrap_or_else(|_| unreachable!("0x01 is a spec value")),
                            more_follows: false,
                            next_object_id: 0,
                            objects: Seq::from_slice(&OBJECTS),
                        })
                    }
                    _ => exception(ExceptionCode::IllegalDataAddress),
                }
            }
            _ => exception(ExceptionCode::IllegalFunction),
        };
        response.encode(out).ok()
    }
}

fn bits<'a>(table: &'a [bool], range: &AddressRange) -> Option<Coils<'a>> {
    table.get(block(range)?).map(Coils::from_slice)
}

fn words<'a>(table: &'a [u16], range: &AddressRange) -> Option<Registers<'a>> {
    table.get(block(range)?).map(Registers::from_slice)
}

/// Writes `values` into `table` from `start`; `None` when the block is outside the table.
fn write_block<T>(
    table: &mut [T],
    start: u16,
    values: impl ExactSizeIterator<Item = T>,
    max: u16,
) -> Option<AddressRange> {
    let range = AddressRange::new_checked(start, u16::try_from(values.len()).ok()?, max).ok()?;
    let dst = table.get_mut(block(&range)?)?;
    dst.iter_mut()
        .zip(values)
        .for_each(|(slot, value)| *slot = value);
    Some(range)
}

/// The table indices of `range`, if they are inside the tables.
fn block(range: &AddressRange) -> Option<core::ops::Range<usize>> {
    let start = usize::from(range.start());
    let end = start + usize::from(range.quantity());
    (end <= POINTS).then_some(start..end)
}
