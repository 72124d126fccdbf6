//! Prediction and training benchmarks on ≥ 30,000 fresh rows.
//!
//! For each model: one row per call through the baked tables (chained,
//! sibling and wide layouts), the run-time tables (`forest-train predict`'s
//! path: wide, and the chained and sibling layouts') and smartcore's own
//! `predict` on a one-row matrix; batched through `predict_batch` (the three
//! layouts) and smartcore's `predict` on the whole matrix. Every iteration predicts all rows, so
//! time / rows = time per row. Rows are the model's data rows plus seeded
//! Gaussian noise, so the branch predictor cannot learn a small repeated set.
//! Before criterion's groups, paired timings in alternating rounds: the
//! default layout against smartcore, and two rows per walk against one row
//! per call on the chained tables (baked and run-time).
//! `cargo xtask bench` runs this and tabulates the medians.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use forest_codegen::artifact::Model;
use forest_codegen::{ChainedTables, SiblingTables, Tables};
use forest_core::chained::AUTO_MAX_ENTRIES;
use forest_train::data::load_csv;
use forest_train::train::{TrainConfig, fit};
use smartcore::linalg::basic::matrix::DenseMatrix;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const ROWS: usize = 30_000;

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(p)
}

/// `ROWS` rows: data rows cycled, each value plus N(0, 0.1²) noise.
fn fresh_rows(data: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let mut state = 0x5eed_u64;
    let mut uniform = move || {
        // splitmix64
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..ROWS)
        .map(|i| {
            data[i % data.len()]
                .iter()
                .map(|&v| {
                    let (u1, u2) = (uniform().max(f64::MIN_POSITIVE), uniform());
                    let n = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                    v + (0.1 * n) as f32
                })
                .collect()
        })
        .collect()
}

struct Setup {
    name: &'static str,
    model: Model,
    rows: Vec<Vec<f32>>,
    trained: forest_train::train::Trained,
}

fn setup(name: &'static str, artifact: &Path, train_csv: &Path) -> Setup {
    let (model, _) = Model::read(artifact).unwrap();
    let data = load_csv(train_csv, &model.params.target).unwrap();
    let cfg = TrainConfig::recorded(&model.params);
    let trained = fit(&data, &cfg, &model.name).unwrap();
    assert_eq!(trained.model.trees, model.trees, "{name}: retrain differs");
    let rows = fresh_rows(&data.rows);
    // Visits per row, for ns per node visited (read by `cargo xtask bench`).
    let tables = Tables::from_model(&model).unwrap();
    let forest = tables.forest().unwrap();
    let mut votes = vec![0; model.n_classes()];
    let visits: usize = rows
        .iter()
        .map(|r| forest.predict_counting(r, &mut votes).unwrap().1)
        .sum();
    let dir = repo("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{name}.visits")),
        format!("{}\n", visits as f64 / rows.len() as f64),
    )
    .unwrap();
    Setup {
        name,
        model,
        rows,
        trained,
    }
}

/// `predict_batch` of a baked model.
type BatchFn<'m, const NF: usize> = &'m dyn Fn(&[[f32; NF]], &mut [usize]) -> usize;

/// A baked model of either layout: `predict` and `predict_batch`.
struct Baked<'m, const NF: usize> {
    predict: &'m dyn Fn(&[f32; NF]) -> usize,
    batch: BatchFn<'m, NF>,
}

macro_rules! baked {
    ($m:path) => {{
        use $m as m;
        Baked {
            predict: &|r| m::MODEL.predict(r),
            batch: &|rows, out| m::MODEL.predict_batch(rows, out),
        }
    }};
}

/// Rounds of the paired measurement.
const PAIRED_ROUNDS: usize = 11;

/// Times `ours` and `theirs` (each predicting all `ROWS` rows) in
/// alternating rounds, so that both see the same state of the machine:
/// the median of the per-round ratios `theirs / ours`, and the median ns
/// per row of each.
fn paired(mut ours: impl FnMut() -> usize, mut theirs: impl FnMut() -> usize) -> serde_json::Value {
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (mut a, mut b, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..PAIRED_ROUNDS {
        let t = Instant::now();
        black_box(ours());
        let ns_ours = t.elapsed().as_secs_f64() * 1e9 / ROWS as f64;
        let t = Instant::now();
        black_box(theirs());
        let ns_theirs = t.elapsed().as_secs_f64() * 1e9 / ROWS as f64;
        a.push(ns_ours);
        b.push(ns_theirs);
        ratio.push(ns_theirs / ns_ours);
    }
    serde_json::json!({
        "ratio": median(ratio),
        "ns_per_row": median(a),
        "smartcore_ns_per_row": median(b),
    })
}

/// Two rows in one walk: the baked chained model's `predict_pair`.
type PairFn<'m, const NF: usize> = &'m dyn Fn(&[f32; NF], &[f32; NF]) -> (usize, usize);

/// Two rows per walk (`pair`) against one row per call (`one`) over `rows`:
/// checks that they agree on every pair, then times them as [`paired`] does.
fn two_rows<R>(
    rows: &[R],
    mut pair: impl FnMut(&R, &R) -> (usize, usize),
    mut one: impl FnMut(&R) -> usize,
) -> serde_json::Value {
    for p in rows.chunks_exact(2) {
        assert_eq!(pair(&p[0], &p[1]), (one(&p[0]), one(&p[1])));
    }
    let timed = paired(
        || {
            rows.chunks_exact(2)
                .map(|p| {
                    let (a, b) = pair(black_box(&p[0]), black_box(&p[1]));
                    a + b
                })
                .sum()
        },
        || rows.iter().map(|r| one(black_box(r))).sum(),
    );
    serde_json::json!({
        "ratio": timed["ratio"],
        "ns_per_row": timed["ns_per_row"],
        "one_row_ns_per_row": timed["smartcore_ns_per_row"],
    })
}

/// A model baked in the wide, sibling and chained layouts.
struct Layouts<'m, const NF: usize> {
    wide: Baked<'m, NF>,
    sibling: Baked<'m, NF>,
    chained: Baked<'m, NF>,
    chained_pair: PairFn<'m, NF>,
}

fn bench_model<const NF: usize>(c: &mut Criterion, s: &Setup, baked: &Layouts<'_, NF>) {
    let named = [
        ("baked", &baked.wide),
        ("baked-sibling", &baked.sibling),
        ("baked-chained", &baked.chained),
    ];
    let typed: Vec<[f32; NF]> = s
        .rows
        .iter()
        .map(|r| r.as_slice().try_into().unwrap())
        .collect();
    let tables = Tables::from_model(&s.model).unwrap();
    let runtime = tables.forest().unwrap();
    let sibling_tables = SiblingTables::from_model(&s.model).unwrap();
    let runtime_sibling = sibling_tables.forest().unwrap();
    let chained_tables = ChainedTables::from_model(&s.model).unwrap();
    let runtime_chained = chained_tables.forest().unwrap();
    let kept = s.trained.kept_features();
    let one_row: Vec<DenseMatrix<f32>> = s
        .rows
        .iter()
        .map(|r| {
            let v: Vec<f32> = kept.iter().map(|&k| r[k]).collect();
            DenseMatrix::from_2d_vec(&vec![v]).unwrap()
        })
        .collect();
    let all: Vec<Vec<f32>> = s
        .rows
        .iter()
        .map(|r| kept.iter().map(|&k| r[k]).collect())
        .collect();
    let all = DenseMatrix::from_2d_vec(&all).unwrap();
    let sc = s.trained.smartcore();

    // Same answers everywhere before anything is timed.
    let mut out = vec![0usize; ROWS];
    let expected = sc.predict(&all).unwrap();
    assert_eq!(expected.len(), ROWS);
    let mut votes = vec![0; s.model.n_classes()];
    for (_, baked) in named {
        (baked.batch)(&typed, &mut out);
        for (i, row) in typed.iter().enumerate() {
            let label = s.model.class_labels[(baked.predict)(row)];
            assert_eq!(label, expected[i]);
            assert_eq!(s.model.class_labels[out[i]], expected[i]);
        }
    }
    for (i, row) in s.rows.iter().enumerate() {
        let class = runtime_sibling.predict_into(row, &mut votes).unwrap();
        assert_eq!(s.model.class_labels[class], expected[i]);
        let class = runtime_chained.predict_into(row, &mut votes).unwrap();
        assert_eq!(s.model.class_labels[class], expected[i]);
    }

    // The host's default layout (`auto`) against smartcore in alternating
    // rounds: the ratio with the machine's drift cancelled.
    let (layout, default) = if ChainedTables::entries_for(&s.model) <= AUTO_MAX_ENTRIES {
        ("chained", &baked.chained)
    } else {
        ("sibling", &baked.sibling)
    };
    let one = paired(
        || typed.iter().map(|r| (default.predict)(black_box(r))).sum(),
        || {
            one_row
                .iter()
                .map(|m| sc.predict(black_box(m)).unwrap()[0] as usize)
                .sum()
        },
    );
    let batch = paired(
        || (default.batch)(black_box(&typed), &mut out),
        || sc.predict(black_box(&all)).unwrap().len(),
    );
    // Two rows per walk against one row per call, both on the baked chained
    // tables (what `predict_batch` does), and both on the run-time ones.
    let pairs = two_rows(&typed, baked.chained_pair, baked.chained.predict);
    let (mut votes_b, mut votes_one) = (votes.clone(), votes.clone());
    let runtime_pairs = two_rows(
        &s.rows,
        |a, b| {
            runtime_chained
                .predict_pair_into(a, b, &mut votes, &mut votes_b)
                .unwrap()
        },
        |r| runtime_chained.predict_into(r, &mut votes_one).unwrap(),
    );
    std::fs::write(
        repo("target/bench").join(format!("{}.paired.json", s.name)),
        serde_json::json!({
            "layout": layout,
            "1-row": one,
            "batch": batch,
            "entries": chained_tables.n_entries(),
            "two-rows": pairs,
            "two-rows-runtime": runtime_pairs,
        })
        .to_string(),
    )
    .unwrap();

    let mut g = c.benchmark_group(format!("{}/1-row", s.name));
    g.throughput(Throughput::Elements(ROWS as u64));
    for (name, baked) in named {
        g.bench_function(name, |b| {
            b.iter(|| {
                typed
                    .iter()
                    .map(|r| (baked.predict)(black_box(r)))
                    .sum::<usize>()
            })
        });
    }
    g.bench_function("runtime", |b| {
        b.iter(|| {
            s.rows
                .iter()
                .map(|r| runtime.predict_into(black_box(r), &mut votes).unwrap())
                .sum::<usize>()
        })
    });
    g.bench_function("runtime-chained", |b| {
        b.iter(|| {
            s.rows
                .iter()
                .map(|r| {
                    runtime_chained
                        .predict_into(black_box(r), &mut votes)
                        .unwrap()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("runtime-sibling", |b| {
        b.iter(|| {
            s.rows
                .iter()
                .map(|r| {
                    runtime_sibling
                        .predict_into(black_box(r), &mut votes)
                        .unwrap()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("smartcore", |b| {
        b.iter(|| {
            one_row
                .iter()
                .map(|m| sc.predict(black_box(m)).unwrap()[0])
                .sum::<i64>()
        })
    });
    g.finish();

    let mut g = c.benchmark_group(format!("{}/batch", s.name));
    g.throughput(Throughput::Elements(ROWS as u64));
    for (name, baked) in named {
        g.bench_function(name, |b| {
            b.iter(|| (baked.batch)(black_box(&typed), &mut out))
        });
    }
    g.bench_function("smartcore", |b| {
        b.iter(|| sc.predict(black_box(&all)).unwrap())
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let seed = setup(
        "tutorial",
        &repo("models/seed.forest"),
        &repo("data/seed-train.csv"),
    );
    bench_model(
        c,
        &seed,
        &Layouts {
            wide: baked!(forest_bench::seed),
            sibling: baked!(forest_bench::seed_sibling),
            chained: baked!(forest_bench::seed_chained),
            chained_pair: &|a, b| forest_bench::seed_chained::MODEL.predict_pair(a, b),
        },
    );

    let data = load_csv(&repo("data/seed-train.csv"), "label").unwrap();
    let mut g = c.benchmark_group("tutorial/train");
    g.bench_function("fit", |b| {
        let cfg = TrainConfig {
            cv_folds: 0,
            ..TrainConfig::default()
        };
        b.iter(|| fit(black_box(&data), &cfg, "seed").unwrap())
    });
    g.finish();

    #[cfg(has_big)]
    {
        let big = std::env::var_os("FOREST_BENCH_BIG")
            .map(PathBuf::from)
            .unwrap();
        let csv = big.with_extension("csv");
        let s = setup("big", &big, &csv);
        bench_model(
            c,
            &s,
            &Layouts {
                wide: baked!(forest_bench::big),
                sibling: baked!(forest_bench::big_sibling),
                chained: baked!(forest_bench::big_chained),
                chained_pair: &|a, b| forest_bench::big_chained::MODEL.predict_pair(a, b),
            },
        );
    }
}

criterion_group! {
    name = predict;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(predict);
