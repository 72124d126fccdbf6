//! The synthetic data generator.

use forest_train::data;
use forest_train::synth::{SynthConfig, SynthError, generate};

fn cfg(seed: u64) -> SynthConfig {
    SynthConfig {
        rows: 250,
        features: 7,
        informative: 3,
        classes: 5,
        seed,
        ..SynthConfig::default()
    }
}

#[test]
fn deterministic_shape_and_labels() {
    let a = generate(&cfg(42)).unwrap();
    let b = generate(&cfg(42)).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.to_csv(), b.to_csv());
    assert_ne!(a, generate(&cfg(43)).unwrap());
    assert_eq!(a.rows.len(), 250);
    assert!(a.rows.iter().all(|r| r.len() == 7));
    assert!(a.labels.iter().all(|l| (0..5).contains(l)));
    for class in 0..5 {
        assert_eq!(a.labels.iter().filter(|&&l| l == class).count(), 50);
    }
    assert!(a.rows.iter().flatten().all(|v| v.is_finite()));
    // The CSV loads back with the expected header.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.csv");
    std::fs::write(&path, a.to_csv()).unwrap();
    let ds = data::load_csv(&path, "label").unwrap();
    assert_eq!(ds.feature_names, ["x0", "x1", "x2", "x3", "x4", "x5", "x6"]);
    assert_eq!(ds.labels, a.labels);
    assert_eq!(ds.rows.len(), 250);
}

#[test]
fn informative_features_separate_classes() {
    // With a wide class separation the informative means differ by class.
    let s = generate(&SynthConfig {
        rows: 400,
        features: 3,
        informative: 2,
        classes: 2,
        class_sep: 3.0,
        seed: 1,
        ..SynthConfig::default()
    })
    .unwrap();
    let mean = |class: i64, f: usize| {
        let v: Vec<f64> = s
            .rows
            .iter()
            .zip(&s.labels)
            .filter(|(_, l)| **l == class)
            .map(|(r, _)| r[f])
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let gap = (0..2)
        .map(|f| (mean(0, f) - mean(1, f)).abs())
        .fold(0.0, f64::max);
    assert!(gap > 2.0, "gap {gap}");
    // The noise feature does not separate them.
    assert!((mean(0, 2) - mean(1, 2)).abs() < 0.5);
}

#[test]
fn impossible_parameters() {
    let bad = |c: SynthConfig| generate(&c).unwrap_err();
    assert_eq!(
        bad(SynthConfig {
            classes: 1,
            ..cfg(0)
        }),
        SynthError::TooFewClasses(1)
    );
    assert_eq!(
        bad(SynthConfig {
            informative: 8,
            ..cfg(0)
        })
        .to_string(),
        "--informative must be between 1 and --features (7), got 8"
    );
    assert_eq!(
        bad(SynthConfig {
            informative: 2,
            ..cfg(0)
        })
        .to_string(),
        "5 clusters (5 classes × 1 per class) need more than the 2^2 hypercube vertices of 2 informative features"
    );
    assert_eq!(
        bad(SynthConfig { rows: 3, ..cfg(0) }).to_string(),
        "--rows 3 is fewer than the 5 clusters (each needs a row)"
    );
}
