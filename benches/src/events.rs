//! The audit event the audit benches and the no-allocation test write.

use gateway_audit::event::{Event, EventKind, Outcome, Record};
use gateway_audit::time::{ClockQuality, Timestamp};

const DETAILS: [(&str, &str); 2] = [("attempt", "3"), ("reason", "bad password")];

/// A login failure as the reference gateway records it: user, source address, service and
/// two details.
pub fn login_failure(sequence: u64) -> Record<'static> {
    Record {
        sequence,
        time: Some(Timestamp::from_unix(1_795_000_000, 123_456).unwrap()),
        clock: ClockQuality::synchronized(Some(1000)),
        event: Event::new(EventKind::LoginFailed)
            .with_outcome(Outcome::Failure)
            .with_user("admin")
            .with_address("198.51.100.7".parse().unwrap())
            .with_service("https")
            .with_details(&DETAILS),
    }
}
