//! What the criterion benches (`benches/*.rs`) and the instruction counter
//! (`src/bin/instructions.rs`) share: the fixed frame set, the hand-written near-limit baseline
//! and the peer crates doing the same work, so that both measure exactly the same calls.

pub mod baseline;
pub mod events;
pub mod frames;
pub mod ours;
pub mod peers;
