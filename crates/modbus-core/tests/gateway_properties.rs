//! Laws of the gateway engine under any interleaving of client requests, closes, slave
//! behaviours and line noise: at most one answer per request, always with the request's
//! transaction id, never to a closed connection; bounded queues; exactly one answer per
//! request once the world is idle; no panic.

// Tests panic on a broken expectation.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    missing_docs
)]
// Host-only test: std collections are the point.
#![allow(clippy::std_instead_of_alloc)]

#[path = "gateway_sim/mod.rs"]
mod sim;

use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet};

use modbus_core::gateway::{
    BroadcastReply, ChannelId, ConnectionId, GatewayConfig, Lane, Limits, Route,
};
use proptest::prelude::*;
use sim::{Behaviour, SimSlave, World, channel, parse_answer, read, write};

const LINE: ChannelId = ChannelId(0);

#[derive(Clone, Debug)]
enum Op {
    Open {
        priority: bool,
    },
    Close {
        client: usize,
    },
    /// A read (or a write when `write`) to `unit`.
    Send {
        client: usize,
        unit: u8,
        write: bool,
        quantity: u16,
    },
    /// Several requests in one write.
    Burst {
        client: usize,
        count: u8,
    },
    Wait {
        millis: u16,
    },
    Noise {
        bytes: Vec<u8>,
    },
}

fn op() -> impl Strategy<Value = Op> {
    // Units: slaves 1-3 exist, 4 does not (timeouts), 50 has no route, 0 is broadcast,
    // 255 is the gateway itself.
    let unit = prop::sample::select(vec![1u8, 1, 2, 3, 4, 50, 0, 255]);
    prop_oneof![
        1 => any::<bool>().prop_map(|priority| Op::Open { priority }),
        1 => (0..6usize).prop_map(|client| Op::Close { client }),
        6 => (0..6usize, unit, any::<bool>(), 1..=125u16)
            .prop_map(|(client, unit, write, quantity)| Op::Send { client, unit, write, quantity }),
        2 => (0..6usize, 1..8u8).prop_map(|(client, count)| Op::Burst { client, count }),
        3 => (0..400u16).prop_map(|millis| Op::Wait { millis }),
        1 => prop::collection::vec(any::<u8>(), 1..20).prop_map(|bytes| Op::Noise { bytes }),
    ]
}

fn behaviour() -> impl Strategy<Value = Behaviour> {
    prop_oneof![
        4 => Just(Behaviour::Normal),
        1 => Just(Behaviour::Silent),
        1 => (1..4u32).prop_map(Behaviour::CorruptCrc),
        1 => Just(Behaviour::WrongAddress(9)),
        1 => Just(Behaviour::ShortRead),
    ]
}

#[derive(Clone, Debug)]
struct Setup {
    retries: u8,
    queue_depth: u16,
    max_pending: u16,
    echo_reply: bool,
    slaves: Vec<(Behaviour, u16)>,
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        0..3u8,
        1..5u16,
        1..4u16,
        any::<bool>(),
        prop::collection::vec((behaviour(), 0..150u16), 3),
    )
        .prop_map(
            |(retries, queue_depth, max_pending, echo_reply, slaves)| Setup {
                retries,
                queue_depth,
                max_pending,
                echo_reply,
                slaves,
            },
        )
}

fn config(setup: &Setup) -> GatewayConfig {
    let mut config = GatewayConfig::default();
    config.channels.push(channel(100, setup.retries)).unwrap();
    config.routes.push(Route::identity(1, 10, LINE)).unwrap();
    config.broadcast.channel = Some(LINE);
    config.broadcast.reply = if setup.echo_reply {
        BroadcastReply::Echo
    } else {
        BroadcastReply::None
    };
    config.limits = Limits {
        max_connections: 6,
        queue_depth: setup.queue_depth,
        max_pending_per_connection: setup.max_pending,
        idle_timeout_ms: None,
    };
    config
}

/// What the test expects of each client connection.
#[derive(Default)]
struct Client {
    next_tid: u16,
    /// Transaction ids sent and not yet answered.
    outstanding: BTreeSet<u16>,
    /// Broadcasts without an echo reply: answered only if refused (queue full), by an
    /// exception.
    refusable: BTreeSet<u16>,
    /// Answers seen so far.
    seen: usize,
    open: bool,
}

struct Check {
    clients: Vec<ConnectionId>,
    state: BTreeMap<ConnectionId, Client>,
    echo_reply: bool,
    max_pending: usize,
    queue_depth: usize,
}

impl Check {
    fn request(&mut self, world: &mut World, client: usize, unit: u8, write: bool, quantity: u16) {
        let Some(&id) = self.clients.get(client % self.clients.len().max(1)) else {
            return;
        };
        let state = self.state.get_mut(&id).unwrap();
        if !state.open {
            return;
        }
        state.next_tid = state.next_tid.wrapping_add(1);
        let tid = state.next_tid;
        // A broadcast is a write; a broadcast without an echo reply gets no answer at all.
        let write = write || unit == 0;
        if unit == 0 && !self.echo_reply {
            state.refusable.insert(tid);
        } else {
            state.outstanding.insert(tid);
        }
        let adu = if write {
            write_adu(tid, unit, quantity)
        } else {
            read(tid, unit, quantity % 100, quantity)
        };
        world.send(id, &adu);
    }

    /// Every new answer answers an outstanding request of its connection, once.
    fn answers(&mut self, world: &World) -> Result<(), TestCaseError> {
        for (id, answers) in &world.answers {
            let state = self.state.get_mut(id).unwrap();
            for answer in &answers[state.seen..] {
                prop_assert!(state.open, "answer to closed connection {:?}", id);
                let (tid, _, pdu) = parse_answer(answer);
                if state.refusable.remove(&tid) {
                    prop_assert!(pdu[0] & 0x80 != 0, "a broadcast answered normally");
                    continue;
                }
                prop_assert!(
                    state.outstanding.remove(&tid),
                    "answer with transaction id {} that is not outstanding on {:?}",
                    tid,
                    id
                );
            }
            state.seen = answers.len();
        }
        Ok(())
    }

    fn bounds(&self, world: &World) -> Result<(), TestCaseError> {
        prop_assert!(world.gateway.queued(LINE) <= self.queue_depth);
        for (id, state) in &self.state {
            if state.open {
                prop_assert!(world.gateway.pending(*id) <= self.max_pending);
            }
        }
        Ok(())
    }
}

fn write_adu(tid: u16, unit: u8, value: u16) -> Vec<u8> {
    write(tid, unit, value % 100, value)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_request_gets_at_most_one_answer_with_its_id_and_queues_stay_bounded(
        setup in setup(),
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let slaves = setup
            .slaves
            .iter()
            .enumerate()
            .map(|(i, (behaviour, latency))| {
                let mut slave = SimSlave::new(i as u8 + 1).with(*behaviour);
                slave.latency = Duration::from_millis((*latency).into());
                slave
            })
            .collect();
        let mut world = World::new(&config(&setup), vec![slaves, Vec::new()]);
        let mut check = Check {
            clients: Vec::new(),
            state: BTreeMap::new(),
            echo_reply: setup.echo_reply,
            max_pending: setup.max_pending.into(),
            queue_depth: setup.queue_depth.into(),
        };
        for op in ops {
            match op {
                Op::Open { priority } => {
                    let lane = if priority { Lane::Priority } else { Lane::Standard };
                    let peer = "127.0.0.1:1".parse().unwrap();
                    if let Ok(id) = world.gateway.handle_tcp_open(peer, lane, world.instant()) {
                        world.answers.entry(id).or_default();
                        check.clients.push(id);
                        check.state.insert(id, Client { open: true, ..Client::default() });
                    }
                }
                Op::Close { client } => {
                    if let Some(&id) = check.clients.get(client % check.clients.len().max(1)) {
                        if check.state[&id].open {
                            world.close(id);
                            check.state.get_mut(&id).unwrap().open = false;
                        }
                    }
                }
                Op::Send { client, unit, write, quantity } => {
                    check.request(&mut world, client, unit, write, quantity);
                }
                Op::Burst { client, count } => {
                    for i in 0..count {
                        check.request(&mut world, client, 1 + i % 3, false, 1);
                    }
                }
                Op::Wait { millis } => world.run_for(Duration::from_millis(millis.into())),
                Op::Noise { bytes } => {
                    let now = world.instant();
                    world.gateway.handle_serial_bytes(LINE, &bytes, now);
                }
            }
            world.run_for(Duration::ZERO);
            check.answers(&world)?;
            check.bounds(&world)?;
        }
        world.run();
        check.answers(&world)?;
        for (id, state) in &check.state {
            if state.open {
                prop_assert!(
                    state.outstanding.is_empty(),
                    "{:?} still waits for {:?}",
                    id,
                    state.outstanding
                );
                prop_assert_eq!(world.gateway.pending(*id), 0);
            }
        }
        prop_assert_eq!(world.gateway.queued(LINE), 0);
    }
}
