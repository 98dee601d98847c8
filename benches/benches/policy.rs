//! gateway-policy hot paths: the accessible IP list decision, at the MGate's 16 entries and at
//! 4096, against a plain scan of the same entries (what a device without an index does); and a
//! password verification at the default argon2id parameters (OWASP: 19 MiB, 2 passes, 1 lane),
//! against the `argon2` crate verifying the same string directly.

use std::hint::black_box;
use std::net::IpAddr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gateway_policy::access::{AccessList, AccessListConfig, EntryConfig, Traffic};

/// `n` active entries of mixed prefix lengths (/24 to /32) in 10.0.0.0/8.
fn config<const N: usize>(n: usize) -> AccessListConfig<N> {
    let mut config = AccessListConfig::<N>::mgate_default();
    config.max_entries = N;
    config.activate = true;
    for i in 0..n {
        let [_, _, c, d] = u32::try_from(i).unwrap().to_be_bytes();
        let len = 24 + u8::try_from(i % 9).unwrap();
        config
            .push(EntryConfig::cidr(IpAddr::from([10, c, d, 0]), len))
            .unwrap();
    }
    config
}

/// The reference a list without an index uses: every active entry, in order.
fn plain_scan<const N: usize>(config: &AccessListConfig<N>, source: IpAddr) -> bool {
    let source = source.to_canonical();
    config
        .entries
        .iter()
        .any(|e| e.active && e.network().is_ok_and(|net| net.contains(&source)))
}

fn access_list(c: &mut Criterion) {
    let mut group = c.benchmark_group("access_list");
    group.throughput(Throughput::Elements(1));
    let small = config::<16>(16);
    let large = config::<4096>(4096);
    let small_list = AccessList::new(&small).unwrap();
    let large_list = AccessList::new(&large).unwrap();
    // A hit on the last entry's network (mapped, as a dual-stack socket reports it), and a
    // miss, which has to look at everything.
    let hit_small: IpAddr = "::ffff:10.0.15.0".parse().unwrap();
    let hit_large: IpAddr = "::ffff:10.15.255.0".parse().unwrap();
    let miss: IpAddr = "192.0.2.1".parse().unwrap();
    for (name, source) in [("hit", hit_small), ("miss", miss)] {
        group.bench_function(format!("16/{name}"), |b| {
            b.iter(|| black_box(&small_list).check(black_box(source), Traffic::Protocol))
        });
        group.bench_function(format!("16/{name}/plain_scan"), |b| {
            b.iter(|| plain_scan(black_box(&small), black_box(source)))
        });
    }
    for (name, source) in [("hit", hit_large), ("miss", miss)] {
        group.bench_function(format!("4096/{name}"), |b| {
            b.iter(|| black_box(&large_list).check(black_box(source), Traffic::Protocol))
        });
        group.bench_function(format!("4096/{name}/plain_scan"), |b| {
            b.iter(|| plain_scan(black_box(&large), black_box(source)))
        });
    }
    group.finish();
}

fn password_verify(c: &mut Criterion) {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    use gateway_policy::password::storage::{HashBounds, HashParams, Hasher};
    use gateway_policy::password::{Verdict, normalize};

    let params = HashParams::default();
    let hasher = Hasher::new(params, HashBounds::DEFAULT, &[7; 16]).unwrap();
    let password = "Correct-Horse-Battery-9";
    let stored = hasher
        .hash(&normalize(password).unwrap(), &[42; 16])
        .unwrap();
    let stored = stored.as_str();
    let mut group = c.benchmark_group("password_verify");
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    group.bench_function("argon2id-default/ours-match", |b| {
        b.iter(|| assert_eq!(hasher.verify(black_box(password), stored), Verdict::Match))
    });
    group.bench_function("argon2id-default/ours-unknown-account", |b| {
        b.iter(|| hasher.verify_dummy(black_box(password)))
    });
    let argon2 = argon2::Argon2::default();
    let parsed = PasswordHash::new(stored).unwrap();
    group.bench_function("argon2id-default/argon2-crate", |b| {
        b.iter(|| {
            argon2
                .verify_password(black_box(password).as_bytes(), &parsed)
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, access_list, password_verify);
criterion_main!(benches);
