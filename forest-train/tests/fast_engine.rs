//! The fast engine grows exactly smartcore's trees: the whole smartcore
//! forest (postcard bytes: every node's split feature, value, score,
//! impurity, sample count, output and children) and the artifact are
//! byte-identical to `--engine smartcore`, for any number of threads.

use forest_train::data::{self, Dataset};
use forest_train::rng::SplitMix64;
use forest_train::train::{self, Engine, TrainConfig, Trained};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tutorial(file: &str) -> Dataset {
    data::load_csv(&root().join("data").join(file), "label").unwrap()
}

/// The smartcore forest's bytes and the artifact's bytes.
fn fingerprint(trained: &Trained) -> (Vec<u8>, Vec<u8>) {
    (
        postcard::to_stdvec(trained.smartcore()).unwrap(),
        trained.model.to_bytes().unwrap(),
    )
}

fn fit(data: &Dataset, cfg: &TrainConfig, engine: Engine, threads: usize) -> Trained {
    let cfg = TrainConfig {
        engine,
        threads,
        ..cfg.clone()
    };
    train::fit(data, &cfg, "m").unwrap_or_else(|e| panic!("{engine:?} with {cfg:?}: {e}"))
}

/// Trains with both engines and fails unless everything is identical.
fn assert_same(data: &Dataset, cfg: &TrainConfig) {
    let reference = fingerprint(&fit(data, cfg, Engine::Smartcore, 1));
    let fast = fingerprint(&fit(data, cfg, Engine::Fast, 2));
    assert!(
        reference.0 == fast.0,
        "smartcore forest differs with {cfg:?}"
    );
    assert!(reference.1 == fast.1, "artifact differs with {cfg:?}");
}

#[test]
fn tutorial_data_same_as_smartcore() {
    let all = tutorial("seed.csv");
    let train_part = tutorial("seed-train.csv");
    for (data, cfg) in [
        (
            &all,
            TrainConfig {
                cv_folds: 0,
                ..TrainConfig::default()
            },
        ),
        (
            &train_part,
            TrainConfig {
                cv_folds: 3,
                mtry: Some(1),
                ..TrainConfig::default()
            },
        ),
        (
            &all,
            TrainConfig {
                trees: 20,
                max_depth: Some(5),
                min_samples_leaf: 3,
                min_samples_split: 7,
                mtry: Some(2),
                seed: 9,
                cv_folds: 0,
                ..TrainConfig::default()
            },
        ),
        (
            &train_part,
            TrainConfig {
                trees: 10,
                mtry: Some(3),
                seed: u64::MAX,
                cv_folds: 0,
                ..TrainConfig::default()
            },
        ),
    ] {
        assert_same(data, &cfg);
    }
}

/// Few distinct values per column (ties everywhere), duplicated rows, a
/// constant column (dropped before training), noisy labels.
fn tie_heavy(seed: u64, rows: usize, features: usize, classes: usize) -> Dataset {
    let mut rng = SplitMix64::new(seed);
    let levels = 2 + rng.below(4);
    let mut table: Vec<(Vec<f32>, i64)> = Vec::new();
    while table.len() < rows {
        if !table.is_empty() && rng.below(3) == 0 {
            let copy = table[rng.below(table.len())].clone();
            table.push(copy);
            continue;
        }
        let mut row: Vec<f32> = (0..features)
            .map(|_| rng.below(levels) as f32 - 1.0)
            .collect();
        row.push(4.0); // constant
        let label = if rng.below(4) == 0 {
            rng.below(classes) as i64
        } else {
            i64::from(row[0] > 0.0) + i64::from(classes > 2 && row[features - 1] < 0.0)
        };
        table.push((row, label));
    }
    table[0].1 = 0;
    table[1].1 = 1;
    Dataset {
        feature_names: (0..=features).map(|i| format!("f{i}")).collect(),
        rows: table.iter().map(|(r, _)| r.clone()).collect(),
        labels: table.iter().map(|(_, l)| *l).collect(),
        sha256: [1; 32],
    }
}

#[test]
fn tie_heavy_grid_same_as_smartcore() {
    let sets = [
        tie_heavy(1, 60, 3, 2),
        tie_heavy(2, 90, 2, 3),
        tie_heavy(3, 40, 4, 2),
    ];
    let mut case = 0usize;
    for data in &sets {
        let features = data.feature_names.len() - 1;
        for max_depth in [None, Some(2), Some(5)] {
            for min_samples_leaf in [1, 3] {
                for min_samples_split in [2, 7] {
                    for mtry in 1..=features {
                        for seed in [0, 17] {
                            case += 1;
                            let cfg = TrainConfig {
                                trees: 1 + (case % 7) as u16,
                                max_depth,
                                min_samples_leaf,
                                min_samples_split,
                                mtry: Some(mtry),
                                seed,
                                cv_folds: 0,
                                ..TrainConfig::default()
                            };
                            assert_same(data, &cfg);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn thread_count_does_not_change_the_artifact() {
    let data = tutorial("seed.csv");
    let cfg = TrainConfig {
        cv_folds: 0,
        ..TrainConfig::default()
    };
    let one = fingerprint(&fit(&data, &cfg, Engine::Fast, 1));
    for threads in [2, 7, 0] {
        let other = fingerprint(&fit(&data, &cfg, Engine::Fast, threads));
        assert!(one == other, "{threads} threads give another forest");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_small_sets_same_as_smartcore(
        seed in any::<u64>(),
        rows in 4usize..50,
        features in 1usize..4,
        classes in 2usize..4,
        trees in 1u16..5,
        max_depth in prop_oneof![Just(None), (2u16..6).prop_map(Some)],
        min_samples_leaf in 0usize..4,
        min_samples_split in 0usize..8,
        mtry in 1usize..4,
        forest_seed in any::<u64>(),
    ) {
        let data = tie_heavy(seed, rows, features, classes);
        let cfg = TrainConfig {
            trees,
            max_depth,
            min_samples_leaf,
            min_samples_split,
            mtry: Some(mtry),
            seed: forest_seed,
            cv_folds: 0,
            ..TrainConfig::default()
        };
        let run = |engine| {
            train::fit(&data, &TrainConfig { engine, ..cfg.clone() }, "m")
                .map(|t| fingerprint(&t))
                .map_err(|e| e.to_string())
        };
        // Refusals (e.g. mtry above the usable features) come from the
        // shared checks and must match too.
        prop_assert_eq!(run(Engine::Smartcore), run(Engine::Fast));
    }
}

fn forest_train(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_forest-train"))
        .args(args)
        .current_dir(root())
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap()
}

fn train_cli(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "train",
        "--data",
        "data/seed-train.csv",
        "--test",
        "data/seed-test.csv",
        "--mtry",
        "1",
        "--name",
        "seed",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = forest_train(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn cli_engines_write_identical_artifacts() {
    let dir = tempfile::tempdir().unwrap();
    let (fast, smartcore, one) = (
        dir.path().join("fast.forest"),
        dir.path().join("smartcore.forest"),
        dir.path().join("one.forest"),
    );
    // Cross-validation (on by default) runs through the chosen engine too.
    train_cli(&fast, &[]);
    train_cli(&smartcore, &["--engine", "smartcore"]);
    train_cli(&one, &["--engine", "fast", "--threads", "1"]);
    let bytes = |p: &Path| std::fs::read(p).unwrap();
    assert!(bytes(&fast) == bytes(&smartcore), "engines differ");
    assert!(bytes(&fast) == bytes(&one), "thread counts differ");
    // The committed tutorial model is this very training.
    assert!(
        bytes(&fast) == bytes(&root().join("models/seed.forest")),
        "differs from models/seed.forest"
    );

    let help = String::from_utf8_lossy(&forest_train(&["train", "--help"]).stdout).into_owned();
    assert!(help.contains("--engine <ENGINE>") && help.contains("--threads <N>"));
    let bad = forest_train(&[
        "train", "--data", "x.csv", "--out", "y", "--engine", "fastest",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}
