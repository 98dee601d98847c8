//! Checked Modbus integers.

use crate::constants::{BROADCAST_ADDRESS, MAX_SLAVE_ADDRESS, TCP_SELF_UNIT_ID};
use crate::error::InvalidPdu;

/// A serial slave address or MBAP unit identifier.
///
/// Every byte is representable: a gateway has to see the broadcast address 0 and the reserved
/// addresses 248-255 to decide what to do with them, so this type classifies instead of
/// rejecting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct UnitId(pub u8);

impl UnitId {
    /// The serial broadcast address 0 (MB-SL 2.2).
    pub const BROADCAST: Self = Self(BROADCAST_ADDRESS);
    /// 0xFF, the unit id a TCP server without sub-devices answers to (MB-TCP 4.4.2).
    pub const TCP_SELF: Self = Self(TCP_SELF_UNIT_ID);

    /// True for address 0.
    pub fn is_broadcast(self) -> bool {
        self.0 == BROADCAST_ADDRESS
    }

    /// True for the individual slave addresses 1-247.
    pub fn is_individual(self) -> bool {
        (1..=MAX_SLAVE_ADDRESS).contains(&self.0)
    }

    /// True for the addresses 248-255 that MB-SL 2.2 reserves.
    pub fn is_reserved(self) -> bool {
        self.0 > MAX_SLAVE_ADDRESS
    }
}

/// A block of `quantity` consecutive addresses starting at `start`.
///
/// Checked on construction: the quantity is at least 1 and at most the function code's
/// limit, and the block does not run past address 0xFFFF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AddressRange {
    start: u16,
    quantity: u16,
}

impl AddressRange {
    /// A range of at most `max` items.
    ///
    /// # Errors
    ///
    /// [`InvalidPdu::Quantity`] when `quantity` is 0 or above `max`;
    /// [`InvalidPdu::AddressOverflow`] when the range runs past 0xFFFF.
    pub fn new_checked(start: u16, quantity: u16, max: u16) -> Result<Self, InvalidPdu> {
        if quantity == 0 || quantity > max {
            return Err(InvalidPdu::Quantity { quantity, max });
        }
        if u32::from(start) + u32::from(quantity) > 0x1_0000 {
            return Err(InvalidPdu::AddressOverflow { start, quantity });
        }
        Ok(Self { start, quantity })
    }

    /// The first address.
    pub fn start(&self) -> u16 {
        self.start
    }

    /// The number of addresses, at least 1.
    pub fn quantity(&self) -> u16 {
        self.quantity
    }

    /// The last address.
    pub fn last(&self) -> u16 {
        // Construction guarantees start + quantity <= 0x10000 and quantity >= 1.
        self.start.saturating_add(self.quantity.saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_id_classes_cover_every_byte_once() {
        for b in 0..=u8::MAX {
            let unit = UnitId(b);
            let classes = [
                unit.is_broadcast(),
                unit.is_individual(),
                unit.is_reserved(),
            ];
            assert_eq!(classes.iter().filter(|c| **c).count(), 1, "{b}");
        }
    }

    #[test]
    fn address_range_limits() {
        assert_eq!(
            AddressRange::new_checked(0xFFFF, 1, 125).unwrap().last(),
            0xFFFF
        );
        assert_eq!(
            AddressRange::new_checked(0xFFFF, 2, 125),
            Err(InvalidPdu::AddressOverflow {
                start: 0xFFFF,
                quantity: 2
            })
        );
        assert_eq!(
            AddressRange::new_checked(0, 0, 125),
            Err(InvalidPdu::Quantity {
                quantity: 0,
                max: 125
            })
        );
        assert_eq!(
            AddressRange::new_checked(0, 126, 125),
            Err(InvalidPdu::Quantity {
                quantity: 126,
                max: 125
            })
        );
    }
}
