//! Bakes the served model (`FOREST_MODEL`, default `models/seed.forest`) and
//! the tutorial test fixture into `$OUT_DIR`, each with its training metrics
//! as a JSON file the crate `include_str!`s.

use forest_codegen::Builder;
use forest_codegen::artifact::Model;
use std::path::{Path, PathBuf};

fn main() {
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    let served = Builder::new()
        .default_model("../models/seed.forest")
        .build()
        .unwrap_or_else(|e| panic!("baking the served model: {e}"));
    write_metrics(&served.model_path, &out_dir.join("model_metrics.json"));

    // The tutorial fixture is never overridden by FOREST_MODEL: its own
    // variable, which nobody sets, keeps the environment out of it.
    let tutorial = Builder::new()
        .env_var("FOREST_TUTORIAL_FIXTURE")
        .model("tests/fixtures/tutorial.forest")
        .file_name("tutorial_model.rs")
        .build()
        .unwrap_or_else(|e| panic!("baking the tutorial fixture: {e}"));
    write_metrics(&tutorial.model_path, &out_dir.join("tutorial_metrics.json"));
}

/// Writes the artifact's evaluation metrics as JSON (only when changed).
fn write_metrics(artifact: &Path, out: &Path) {
    let (model, _) =
        Model::read(artifact).unwrap_or_else(|e| panic!("reading {}: {e}", artifact.display()));
    let json = serde_json::to_string(&model.metrics)
        .unwrap_or_else(|e| panic!("encoding the metrics of {}: {e}", artifact.display()));
    forest_codegen::write_if_changed(out, &json).unwrap_or_else(|e| panic!("{e}"));
}
