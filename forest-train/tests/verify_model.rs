//! `cargo xtask verify-model` end to end: it passes on the committed model
//! and fails, naming the differing fields, on artifacts that their recorded
//! data and parameters do not reproduce.

use forest_codegen::artifact::{Model, hex};
use std::path::{Path, PathBuf};
use std::process::Output;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn verify_model(model: &Path) -> Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    std::process::Command::new(cargo)
        .args(["xtask", "verify-model", "--model"])
        .arg(model)
        .arg("--data-dir")
        .arg(root().join("data"))
        .current_dir(root())
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The committed model with one recorded field changed, re-encoded as a
/// valid artifact.
fn tampered(dir: &Path, change: impl FnOnce(&mut Model)) -> (PathBuf, [u8; 32]) {
    let (mut model, _) = Model::read(root().join("models/seed.forest")).unwrap();
    change(&mut model);
    let path = dir.join("seed.forest");
    let fp = model.write(&path).unwrap();
    (path, fp)
}

#[test]
fn verify_model_passes_on_the_committed_model_and_catches_changes() {
    let o = verify_model(&root().join("models/seed.forest"));
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    assert!(text(&o.stdout).contains("is reproduced byte for byte"));

    // A hand-edited metric: only that field differs from the retrain.
    let dir = tempfile::tempdir().unwrap();
    let (path, fp) = tampered(dir.path(), |m| {
        m.metrics.holdout.as_mut().unwrap().accuracy = 0.99;
    });
    let o = verify_model(&path);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert!(!o.status.success(), "{out}");
    assert!(
        err.contains(&format!(
            "Error: {} is not reproduced by retraining from {} with its recorded parameters",
            path.display(),
            root().join("data").display()
        )),
        "{err}"
    );
    assert!(out.contains(&format!("a  {}  {}", hex(&fp), path.display())));
    assert!(out.contains("021f51fbb1da1a802748890066e2bdf619b554e04bf782c2ef33b3a773749418"));
    let fields: Vec<&str> = out.lines().filter(|l| l.starts_with("  ")).collect();
    assert_eq!(
        fields,
        ["  metrics.holdout.accuracy: 0.99 → 0.9454545454545454"]
    );

    // Trees that the recorded seed does not grow.
    let (path, _) = tampered(dir.path(), |m| m.params.seed = 1);
    let o = verify_model(&path);
    let out = text(&o.stdout);
    assert!(!o.status.success(), "{out}");
    assert!(
        out.contains("  trees: 100 trees differ (first: tree 0)"),
        "{out}"
    );
    assert!(
        out.contains("  metrics.holdout.correct: 312 → 314"),
        "{out}"
    );
}
