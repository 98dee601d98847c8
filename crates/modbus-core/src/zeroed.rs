//! [`Zeroed`]: an `Option` whose `None` is all zero bytes.

/// An `Option` with a tag of its own, 0 for `None`. Rust gives `Option<T>` the spare value of
/// a field of `T` for `None` (2 for a `bool`, past the last variant for an enum), which is not
/// zero; an engine whose free entries hold such a `None` cannot sit in `.bss`, and a `static`
/// engine then takes its whole size in flash as `.data`'s initial image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Zeroed<T> {
    None,
    Some(T),
}

impl<T> Zeroed<T> {
    pub(crate) fn as_ref(&self) -> Option<&T> {
        match self {
            Self::None => None,
            Self::Some(value) => Some(value),
        }
    }

    pub(crate) fn as_mut(&mut self) -> Option<&mut T> {
        match self {
            Self::None => None,
            Self::Some(value) => Some(value),
        }
    }

    pub(crate) fn is_some(&self) -> bool {
        matches!(self, Self::Some(_))
    }
}

impl<T: Copy> Zeroed<T> {
    pub(crate) fn get(&self) -> Option<T> {
        self.as_ref().copied()
    }
}

impl<T> From<Option<T>> for Zeroed<T> {
    fn from(option: Option<T>) -> Self {
        option.map_or(Self::None, Self::Some)
    }
}
