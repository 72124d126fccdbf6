//! The table walker (forest-core over lowered tables) against the plain
//! reference interpreter over the IR, on random forests and inputs.

mod common;

use forest_codegen::Tables;
use forest_codegen::artifact::{Model, Node, Tree};
use proptest::prelude::*;

/// A random tree over `features` features and `classes` classes, as IR nodes
/// in pre-order (children after parents), built from a flat list of choices.
fn tree(features: u32, classes: u32) -> impl Strategy<Value = Tree> {
    let choice = (any::<bool>(), 0..features, threshold(), 0..classes);
    prop::collection::vec(choice, 1..40).prop_map(move |choices| {
        let mut nodes = Vec::new();
        let mut it = choices.into_iter();
        build(&mut nodes, &mut it, 0);
        Tree { nodes }
    })
}

fn build(
    nodes: &mut Vec<Node>,
    it: &mut impl Iterator<Item = (bool, u32, f32, u32)>,
    depth: usize,
) -> u32 {
    let index = nodes.len() as u32;
    match it.next() {
        Some((true, feature, threshold, _)) if depth < 12 => {
            nodes.push(Node::Leaf { class: 0 });
            let left = build(nodes, it, depth + 1);
            let right = build(nodes, it, depth + 1);
            nodes[index as usize] = Node::Split {
                feature,
                threshold,
                left,
                right,
            };
        }
        Some((_, _, _, class)) => nodes.push(Node::Leaf { class }),
        None => nodes.push(Node::Leaf { class: 0 }),
    }
    index
}

fn threshold() -> impl Strategy<Value = f32> {
    prop_oneof![
        4 => -4.0f32..4.0,
        1 => Just(0.0f32),
        1 => Just(-0.0f32),
        1 => Just(f32::INFINITY),
        1 => Just(f32::NEG_INFINITY),
        1 => Just(f32::MIN_POSITIVE / 2.0),
        1 => any::<f32>().prop_filter("not NaN", |t| !t.is_nan()),
    ]
}

fn value() -> impl Strategy<Value = f32> {
    prop_oneof![
        6 => -4.0f32..4.0,
        1 => Just(f32::NAN),
        1 => Just(f32::INFINITY),
        1 => Just(f32::NEG_INFINITY),
        1 => Just(0.0f32),
        1 => Just(-0.0f32),
        1 => any::<f32>(),
    ]
}

fn forest() -> impl Strategy<Value = Model> {
    (1usize..6, 1usize..5).prop_flat_map(|(features, classes)| {
        prop::collection::vec(tree(features as u32, classes as u32), 1..12).prop_map(move |trees| {
            common::model(
                features,
                (0..classes as i64).map(|c| c * 3 - 2).collect(),
                trees,
            )
        })
    })
}

/// Rows that hit thresholds exactly and one ulp either side, plus random ones.
fn rows_for(model: &Model, random: Vec<Vec<f32>>) -> Vec<Vec<f32>> {
    let n = model.n_features();
    let mut rows: Vec<Vec<f32>> = random
        .into_iter()
        .map(|mut r| {
            r.resize(n, 0.0);
            r
        })
        .collect();
    for node in model.trees.iter().flat_map(|t| &t.nodes) {
        if let Node::Split {
            feature, threshold, ..
        } = *node
        {
            for v in [threshold, threshold.next_up(), threshold.next_down()] {
                let mut r = vec![0.5; n];
                r[feature as usize] = v;
                rows.push(r);
            }
        }
    }
    rows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn table_walker_matches_reference(
        model in forest(),
        random in prop::collection::vec(prop::collection::vec(value(), 6), 0..20),
    ) {
        let tables = Tables::from_model(&model).unwrap();
        let forest = tables.forest().unwrap();
        prop_assert_eq!(forest.n_nodes(), model.n_decision_nodes());
        let mut votes = vec![0u32; model.n_classes()];
        for row in rows_for(&model, random) {
            let class = forest.predict_into(&row, &mut votes).unwrap();
            prop_assert_eq!(&votes, &model.reference_votes(&row), "row {:?}", row);
            prop_assert_eq!(class, model.reference_predict(&row), "row {:?}", row);
        }
    }
}

#[test]
fn lowering_is_preorder_smallest_tree_first_with_folded_leaves() {
    let t = Tables::from_model(&common::small()).unwrap();
    // 4 decision nodes; leaves are 4 + class. Trees by size: the bare leaf
    // (tree 2), then trees 1 and 3 (one split each, stable), then tree 0.
    assert_eq!(t.thresholds.len(), 4);
    assert_eq!(t.roots, vec![4 + 1, 0, 1, 2]);
    assert_eq!(t.features, vec![1, 0, 0, 1]);
    assert_eq!(
        t.children,
        vec![[4 + 2, 4], [4, 4 + 2], [4, 3], [4 + 1, 4 + 2]]
    );
    assert_eq!(t.thresholds[3].to_bits(), (-0.0f32).to_bits());
}
