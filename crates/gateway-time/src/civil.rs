//! The proleptic Gregorian calendar in days since 1970-01-01, after H. Hinnant,
//! "chrono-Compatible Low-Level Date Algorithms" (`days_from_civil`, `civil_from_days`).
//!
//! Years are 0 and later (the crates write four-digit years); days may be negative (a local
//! time west of UTC on 1970-01-01). Every function is total: out-of-range input saturates
//! instead of panicking.

/// Whether `year` has a 29 February.
pub const fn is_leap(year: u32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in `month` (1-12) of `year`; 31 for a month out of range.
pub const fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whether `year`-`month`-`day` is a date.
pub const fn is_date(year: u32, month: u32, day: u32) -> bool {
    month >= 1 && month <= 12 && day >= 1 && day <= days_in_month(year, month)
}

/// Days from 1970-01-01 to `year`-`month`-`day` (negative before it). The caller checks the
/// date with [`is_date`]; a day past the month's end counts on into the next.
pub fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date (year, month 1-12, day 1-31) `days` after 1970-01-01; year 0 for days before it,
/// `u32::MAX` for days past any `u32` year.
pub fn civil_from_days(days: i64) -> (u32, u32, u32) {
    let days = days.saturating_add(719_468);
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let year = u32::try_from(year.max(0)).unwrap_or(u32::MAX);
    // month is 1..=12 and day 1..=31 by construction.
    let narrow = |value: i64| u32::try_from(value).unwrap_or(1);
    (year, narrow(month), narrow(day))
}
