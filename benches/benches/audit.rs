//! gateway-audit hot paths: writing an event as RFC 5424 (and JSON) into a datagram buffer,
//! reading it back (ours against syslog_loose, the parser the tests cross-check with), and
//! appending to the local log in memory (keyed chain, CRC, header writes on overwrite).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gateway_audit::format::{Format, Framing, Origin};
use gateway_audit::log::{ChainKey, LocalLog, LogSettings, MemoryStorage};
use gateway_audit::parse::Message;
use gateway_audit::time::ClockQuality;

fn formats(c: &mut Criterion) {
    let origin = Origin::new("mgate-01", "gateway");
    let record = gateway_benches::events::login_failure(42);
    let mut buf = [0u8; 1180];
    let len = Format::Rfc5424
        .write(&record, &origin, &mut buf)
        .unwrap()
        .len;
    let mut group = c.benchmark_group("audit_format");
    group.throughput(Throughput::Bytes(len as u64));
    for (name, format) in [
        ("rfc5424", Format::Rfc5424),
        ("json", Format::Json),
        ("cef", Format::Cef),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                black_box(format)
                    .frame(black_box(&record), &origin, Framing::DATAGRAM, &mut buf)
                    .unwrap()
                    .len
            })
        });
    }
    group.finish();

    let line = Format::Rfc5424.to_string(&record, &origin);
    let mut group = c.benchmark_group("audit_parse_rfc5424");
    group.throughput(Throughput::Bytes(line.len() as u64));
    group.bench_function("ours", |b| {
        b.iter(|| {
            Message::parse(black_box(line.as_bytes()))
                .unwrap()
                .structured_data
                .len()
        })
    });
    group.bench_function("syslog_loose", |b| {
        b.iter(|| {
            syslog_loose::parse_message(black_box(&line), syslog_loose::Variant::RFC5424)
                .structured_data
                .len()
        })
    });
    group.finish();
}

fn local_log(c: &mut Criterion) {
    let mut group = c.benchmark_group("audit_log_append");
    group.throughput(Throughput::Elements(1));
    for (name, key) in [
        ("unkeyed", None),
        ("hmac_sha256", Some(ChainKey::new([7; 32]))),
    ] {
        // 64 KiB: full after a few hundred records, so the steady state overwrites the oldest.
        let storage = MemoryStorage(vec![0u8; 64 * 1024]);
        let (mut log, _) = LocalLog::open(
            storage,
            LogSettings::default(),
            key,
            None,
            ClockQuality::default(),
        )
        .unwrap();
        group.bench_function(name, |b| {
            b.iter(|| {
                // The log's own records (overflow) take numbers too.
                let sequence = log.last_sequence() + 1;
                log.append(black_box(&gateway_benches::events::login_failure(sequence)))
                    .unwrap()
                    .stored
            })
        });
    }
    group.finish();
}

criterion_group!(benches, formats, local_log);
criterion_main!(benches);
