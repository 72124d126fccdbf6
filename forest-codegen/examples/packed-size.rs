//! Table sizes of a model in every layout:
//! `cargo run -p forest-codegen --example packed-size -- <model.forest>`.

use forest_codegen::artifact::Model;
use forest_codegen::{Layout, PackedTables, SiblingTables, Tables};
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: packed-size <model.forest>")?;
    let (model, _) = Model::read(&path).map_err(|e| format!("{path}: {e}"))?;
    let trained = model.n_decision_nodes();
    let labels = 8 * model.n_classes();
    let wide = Layout::of(&Tables::from_model(&model)?);
    let packed = PackedTables::from_model(&model)?;
    println!("model            {} ({path})", model.name);
    println!(
        "decision nodes   {trained} trained, {} trees",
        model.trees.len()
    );
    let per_node = |bytes: usize| bytes as f64 / trained as f64;
    let w = wide.table_bytes() + labels;
    println!(
        "wide             {w} B of tables with roots and labels: {:.2} B / decision node",
        per_node(w)
    );
    let p = packed.table_bytes() + labels;
    println!(
        "packed           {p} B of tables with roots and labels: {:.2} B / decision node \
         ({} slots: {} spacers, {} nodes folded away)",
        per_node(p),
        packed.n_nodes(),
        packed.spacers,
        trained + packed.spacers - packed.n_nodes(),
    );
    let dense = PackedTables::dense(&model)?;
    let d = dense.table_bytes() + labels;
    println!(
        "dense            {d} B of tables with roots and labels: {:.2} B / decision node \
         ({}-bit words, {} slots: {} spacers)",
        per_node(d),
        dense.word_bits,
        dense.n_nodes(),
        dense.spacers,
    );
    let sibling = SiblingTables::from_model(&model)?;
    let s = sibling.table_bytes() + labels;
    println!(
        "sibling          {s} B of tables with roots and labels: {:.2} B / decision node \
         ({} records: {} forwarding; {} entries with padding and sinks, {}-byte offsets)",
        per_node(s),
        sibling.n_nodes(),
        sibling.forwards,
        sibling.n_entries(),
        sibling.ref_width().bytes(),
    );
    Ok(())
}
