//! Speed of the simulator: one variant over 30 days at one-minute steps, and `recommend`'s
//! candidate evaluation on one core. Run with `cargo bench --bench simulate`; the figures go in
//! the notes, never into a test.

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use endpoint_scale::simulate::engine::{self, Params};
use endpoint_scale::simulate::prices::PriceTable;
use endpoint_scale::simulate::recommend::{self, Search};
use endpoint_scale::simulate::traffic::{self, Generator};

fn month() -> Vec<f64> {
    let g = Generator { start: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(), days: 30, ..Generator::default() };
    traffic::generate(&g).per_minute
}

fn simulate_30_days(c: &mut Criterion) {
    let traffic = month();
    let variant = engine::Variant {
        capacity_per_instance: 40.0 * 60.0,
        price_per_hour: 0.204,
        burstable: None,
        initial_count: 2,
        scaling: Some(engine::Scaling {
            min: 1,
            max: 8,
            target: 1200.0,
            scale_in_cooldown_minutes: 10,
            scale_out_cooldown_minutes: 2,
            disable_scale_in: false,
            high_resolution: false,
            events: Vec::new(),
        }),
    };
    let params = Params::default();
    let mut group = c.benchmark_group("simulate");
    group.throughput(Throughput::Elements(traffic.len() as u64));
    group.bench_function("one variant, 30 days, 1-minute steps", |b| {
        b.iter(|| engine::run(std::hint::black_box(&traffic), &variant, &params, None))
    });
    let burstable = engine::Variant {
        burstable: engine::burstable("ml.t2.medium"),
        scaling: None,
        initial_count: 6,
        capacity_per_instance: 10.0 * 60.0,
        ..variant.clone()
    };
    group.bench_function("fixed ml.t2.medium fleet of 6 with CPU credits, 30 days", |b| {
        b.iter(|| engine::run(std::hint::black_box(&traffic), &burstable, &params, None))
    });
    group.finish();
}

fn recommend_one_core(c: &mut Criterion) {
    let traffic = month();
    let start = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let prices = PriceTable::shipped();
    let search = Search {
        max_rps_per_instance: 20.0,
        tested_on: "ml.c5.large".into(),
        instance_types: vec!["ml.c5.large".into(), "ml.c5.xlarge".into(), "ml.m5.large".into()],
        max_overload: 0.001,
        safety_factors: vec![0.3, 0.5, 0.7, 0.9],
        timezone: chrono_tz::America::New_York,
        timezone_name: "America/New_York".into(),
        concurrency: None,
    };
    let peak = traffic.iter().copied().fold(0.0, f64::max);
    let candidates = recommend::candidates(&search, &prices, peak).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let mut group = c.benchmark_group("recommend");
    group.sample_size(10);
    group.throughput(Throughput::Elements(candidates.len() as u64));
    group.bench_function(format!("{} candidates on one core, 30 days each", candidates.len()), |b| {
        b.iter_batched(
            || (),
            |_| pool.install(|| recommend::search(&search, &candidates, &traffic, None, start, &Params::default(), 5)),
            BatchSize::SmallInput,
        )
    });
    // The same search on 10-second traffic (the same minutes split over their periods with
    // spikes): every run counts overload per period, as simulate does.
    let ten = traffic::generate(&Generator {
        start,
        days: 30,
        resolution: traffic::Resolution::TenSeconds,
        ..Generator::default()
    });
    let periods = ten.periods.clone().expect("10-second traffic");
    group.bench_function(format!("{} candidates on one core, 30 days of 10-second traffic", candidates.len()), |b| {
        b.iter_batched(
            || (),
            |_| {
                pool.install(|| {
                    recommend::search(
                        &search,
                        &candidates,
                        &ten.per_minute,
                        Some(&periods),
                        start,
                        &Params::default(),
                        5,
                    )
                })
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, simulate_30_days, recommend_one_core);
criterion_main!(benches);
