//! The events waiting for [`Gateway::poll_event`](super::Gateway::poll_event): a bounded queue
//! that drops the oldest and counts what it dropped.

use heapless::Deque;

use crate::gateway::event::Event;

/// Events held for [`Gateway::poll_event`](super::Gateway::poll_event); older ones are dropped
/// beyond this.
pub const EVENT_CAPACITY: usize = 32;

#[derive(Debug)]
pub(super) struct Events {
    queue: Deque<Event, EVENT_CAPACITY>,
    lost: u32,
}

impl Events {
    pub(super) const fn new() -> Self {
        Self {
            queue: Deque::new(),
            lost: 0,
        }
    }

    pub(super) fn clear(&mut self) {
        self.queue.clear();
        self.lost = 0;
    }

    /// Queues `event`, dropping the oldest when full.
    pub(super) fn push(&mut self, event: Event) {
        if self.queue.is_full() {
            self.queue.pop_front();
            self.lost = self.lost.saturating_add(1);
        }
        // Cannot fail: there is room after the pop above.
        let _ = self.queue.push_back(event);
    }

    pub(super) fn pop(&mut self) -> Option<Event> {
        self.queue.pop_front()
    }

    /// Events dropped because the queue was full.
    pub(super) fn lost(&self) -> u32 {
        self.lost
    }
}
