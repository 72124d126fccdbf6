//! Bakes the benchmark models, each in the wide, sibling and chained layouts: the
//! tutorial model always, and the big forest when `FOREST_BENCH_BIG` names it
//! (`cargo xtask bench` trains and caches it).

use forest_codegen::{Builder, TableLayout};
use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    bake(&root.join("models/seed.forest"), &out, "seed");
    println!("cargo::rustc-check-cfg=cfg(has_big)");
    println!("cargo:rerun-if-env-changed=FOREST_BENCH_BIG");
    if let Some(big) = std::env::var_os("FOREST_BENCH_BIG").filter(|v| !v.is_empty()) {
        bake(Path::new(&big), &out, "big");
        println!("cargo::rustc-cfg=has_big");
    }
}

fn bake(model: &Path, out: &Path, name: &str) {
    println!("cargo:rerun-if-changed={}", model.display());
    for (layout, file) in [
        (TableLayout::Wide, format!("{name}.rs")),
        (TableLayout::Sibling, format!("{name}_sibling.rs")),
        (TableLayout::Chained, format!("{name}_chained.rs")),
    ] {
        if let Err(e) = Builder::new()
            .layout(layout)
            .build_to(model, &out.join(file))
        {
            panic!("baking {}: {e}", model.display());
        }
    }
}
