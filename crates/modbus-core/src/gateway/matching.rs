//! Does a response answer the request that is in flight? (MB-AP 6: what each normal response
//! must echo or count.)

use crate::error::DecodeError;
use crate::pdu::{Request, Response};

/// Why a CRC-valid frame from the addressed slave was not taken as the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mismatch {
    /// The function code is neither the request's nor its exception form.
    Function {
        /// The request's function code.
        expected: u8,
        /// The response's.
        actual: u8,
    },
    /// The response carries a different number of items than the request asked for.
    Quantity {
        /// Items (bits, registers or records) asked for.
        expected: u16,
        /// Items in the response.
        actual: u16,
    },
    /// A write response does not echo the request's address, quantity or value.
    Echo,
    /// The response does not decode.
    Malformed(DecodeError),
}

/// Checks `response_pdu` against `request_pdu`. Exceptions answering the request's function
/// code match; the gateway passes them through.
///
/// # Errors
///
/// The first [`Mismatch`] found.
pub fn check_response(request_pdu: &[u8], response_pdu: &[u8]) -> Result<(), Mismatch> {
    let request = Request::decode(request_pdu).map_err(Mismatch::Malformed)?;
    let response = Response::decode(response_pdu).map_err(Mismatch::Malformed)?;
    let expected = u8::from(request.function());
    let actual = u8::from(response.function());
    if expected != actual {
        return Err(Mismatch::Function { expected, actual });
    }
    let quantity = |expected: u16, actual: usize| {
        let actual = u16::try_from(actual).unwrap_or(u16::MAX);
        if expected == actual {
            Ok(())
        } else {
            Err(Mismatch::Quantity { expected, actual })
        }
    };
    let echo = |same: bool| if same { Ok(()) } else { Err(Mismatch::Echo) };
    match (request, response) {
        (_, Response::Exception { .. }) => Ok(()),
        (
            Request::ReadCoils(range) | Request::ReadDiscreteInputs(range),
            Response::ReadCoils(bits) | Response::ReadDiscreteInputs(bits),
        ) => quantity(range.quantity().div_ceil(8), bits.wire_len()),
        (
            Request::ReadHoldingRegisters(range)
            | Request::ReadInputRegisters(range)
            | Request::ReadWriteMultipleRegisters { read: range, .. },
            Response::ReadHoldingRegisters(values)
            | Response::ReadInputRegisters(values)
            | Response::ReadWriteMultipleRegisters(values),
        ) => quantity(range.quantity(), values.len()),
        (Request::WriteMultipleCoils { start, coils }, Response::WriteMultipleCoils(range)) => {
            echo(range.start() == start && usize::from(range.quantity()) == coils.len())
        }
        (
            Request::WriteMultipleRegisters { start, values },
            Response::WriteMultipleRegisters(range),
        ) => echo(range.start() == start && usize::from(range.quantity()) == values.len()),
        (Request::ReadFileRecord(subs), Response::ReadFileRecord(records)) => {
            quantity(u16::try_from(subs.len()).unwrap_or(u16::MAX), records.len())?;
            subs.iter()
                .zip(records.iter())
                .try_for_each(|(sub, record)| quantity(sub.record_length, record.data.len()))
        }
        (Request::Diagnostics(asked), Response::Diagnostics(answer)) => {
            echo(asked.sub_function == answer.sub_function)
        }
        // The normal responses of FC 05, 06, 15 and 16 are the request itself (MB-AP 6.5,
        // 6.6, 6.15, 6.16).
        (
            Request::WriteSingleCoil { .. }
            | Request::WriteSingleRegister { .. }
            | Request::WriteFileRecord(_)
            | Request::MaskWriteRegister { .. },
            _,
        ) => echo(request_pdu == response_pdu),
        // The others carry data whose size the request does not fix; decoding checked them.
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_must_return_the_quantity_asked() {
        let read_3 = [0x03, 0x00, 0x6B, 0x00, 0x03];
        let three = [0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64];
        let two = [0x03, 0x04, 0x02, 0x2B, 0x00, 0x00];
        assert_eq!(check_response(&read_3, &three), Ok(()));
        assert_eq!(
            check_response(&read_3, &two),
            Err(Mismatch::Quantity {
                expected: 3,
                actual: 2
            })
        );
        // 19 coils come in 3 bytes.
        let coils_19 = [0x01, 0x00, 0x13, 0x00, 0x13];
        assert_eq!(
            check_response(&coils_19, &[0x01, 0x03, 0xCD, 0x6B, 0x05]),
            Ok(())
        );
        assert!(check_response(&coils_19, &[0x01, 0x02, 0xCD, 0x6B]).is_err());
    }

    #[test]
    fn exceptions_match_their_function_and_nothing_else_does() {
        let read = [0x03, 0x00, 0x00, 0x00, 0x01];
        assert_eq!(check_response(&read, &[0x83, 0x02]), Ok(()));
        assert_eq!(
            check_response(&read, &[0x84, 0x02]),
            Err(Mismatch::Function {
                expected: 0x03,
                actual: 0x04
            })
        );
        assert_eq!(
            check_response(&read, &[0x04, 0x02, 0x00, 0x01]),
            Err(Mismatch::Function {
                expected: 0x03,
                actual: 0x04
            })
        );
    }

    #[test]
    fn writes_must_echo() {
        let write = [0x06, 0x00, 0x01, 0x00, 0x03];
        assert_eq!(check_response(&write, &write), Ok(()));
        assert_eq!(
            check_response(&write, &[0x06, 0x00, 0x02, 0x00, 0x03]),
            Err(Mismatch::Echo)
        );
        let write_multiple = [0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02];
        assert_eq!(
            check_response(&write_multiple, &[0x10, 0x00, 0x01, 0x00, 0x02]),
            Ok(())
        );
        assert_eq!(
            check_response(&write_multiple, &[0x10, 0x00, 0x01, 0x00, 0x01]),
            Err(Mismatch::Echo)
        );
        assert!(matches!(
            check_response(&write_multiple, &[0x10, 0x00]),
            Err(Mismatch::Malformed(_))
        ));
    }
}
