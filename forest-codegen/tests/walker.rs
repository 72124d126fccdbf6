//! The table walker (forest-core over lowered tables) against the plain
//! reference interpreter over the IR, on random forests and inputs.

mod common;

use forest_codegen::artifact::{Model, Node, Tree};
use forest_codegen::{ChainedTables, CodegenError, PackedTables, SiblingTables, Tables};
use forest_core::chained::{LANES, vote_bits};
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
    forest_of(1..6, 1..5)
}

/// Forests whose packed words have few far-field codes (up to 128 features,
/// up to 7 classes), so deep trees need escapes.
fn crowded_forest() -> impl Strategy<Value = Model> {
    forest_of(100..129, 4..8)
}

/// Forests of many classes (up to 39): long leaf-slot sequences.
fn many_class_forest() -> impl Strategy<Value = Model> {
    forest_of(1..4, 8..40)
}

/// Forests of 5 to 69 features: every length of the run-time key row.
fn feature_range_forest() -> impl Strategy<Value = Model> {
    forest_of(5..70, 2..4)
}

/// Forests of up to 60 trees: several trees per chained lane.
fn many_tree_forest() -> impl Strategy<Value = Model> {
    forest_with(1..6, 1..5, 1..60)
}

fn forest_of(
    features: std::ops::Range<usize>,
    classes: std::ops::Range<usize>,
) -> impl Strategy<Value = Model> {
    forest_with(features, classes, 1..12)
}

fn forest_with(
    features: std::ops::Range<usize>,
    classes: std::ops::Range<usize>,
    trees: std::ops::Range<usize>,
) -> impl Strategy<Value = Model> {
    (features, classes).prop_flat_map(move |(features, classes)| {
        prop::collection::vec(tree(features as u32, classes as u32), trees.clone()).prop_map(
            move |trees| {
                common::model(
                    features,
                    (0..classes as i64).map(|c| c * 3 - 2).collect(),
                    trees,
                )
            },
        )
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
        prop_assert!(forest.n_nodes() <= model.n_decision_nodes());
        let mut votes = vec![0u32; model.n_classes()];
        for row in rows_for(&model, random) {
            let class = forest.predict_into(&row, &mut votes).unwrap();
            prop_assert_eq!(&votes, &model.reference_votes(&row), "row {:?}", row);
            prop_assert_eq!(class, model.reference_predict(&row), "row {:?}", row);
        }
    }

    #[test]
    fn packed_walker_matches_reference(
        model in prop_oneof![forest(), crowded_forest()],
        random in prop::collection::vec(prop::collection::vec(value(), 128), 0..20),
    ) {
        let tables = PackedTables::from_model(&model).unwrap();
        let forest = tables.forest().unwrap();
        // Slots are the decision nodes left after folding, plus one spacer
        // per escaped far child.
        prop_assert!(forest.n_nodes() - tables.spacers <= model.n_decision_nodes());
        let mut votes = vec![0u32; model.n_classes()];
        for row in rows_for(&model, random) {
            let class = forest.predict_into(&row, &mut votes).unwrap();
            prop_assert_eq!(&votes, &model.reference_votes(&row), "row {:?}", row);
            prop_assert_eq!(class, model.reference_predict(&row), "row {:?}", row);
        }
    }

    #[test]
    fn dense_walker_matches_reference(
        model in prop_oneof![forest(), crowded_forest()],
        narrower in 0u32..16,
        random in prop::collection::vec(prop::collection::vec(value(), 128), 0..20),
    ) {
        // Every width the fields fit, from 16 down: narrow ones escape most
        // far children; and the width `dense` picks.
        let mut all = vec![PackedTables::dense(&model).unwrap()];
        if let Ok(t) = PackedTables::dense_with_word_bits(&model, 16 - narrower) {
            all.push(t);
        }
        for tables in &all {
            let forest = tables.forest().unwrap();
            prop_assert_eq!(forest.word_bits(), tables.word_bits);
            prop_assert_eq!(tables.word_bytes.len(), tables.word_table_bytes());
            let mut votes = vec![0u32; model.n_classes()];
            for row in rows_for(&model, random.clone()) {
                let class = forest.predict_into(&row, &mut votes).unwrap();
                prop_assert_eq!(&votes, &model.reference_votes(&row), "row {:?}", row);
                prop_assert_eq!(class, model.reference_predict(&row), "row {:?}", row);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn sibling_walker_matches_reference(
        model in prop_oneof![forest(), crowded_forest(), many_class_forest()],
        random in prop::collection::vec(prop::collection::vec(value(), 128), 0..20),
    ) {
        let tables = SiblingTables::from_model(&model).unwrap();
        let forest = tables.forest().unwrap();
        let packed_tables = PackedTables::from_model(&model);
        // Records are the decision nodes left after folding, plus one
        // forwarding record per leaf paired with a node.
        prop_assert!(forest.n_nodes() - tables.forwards <= model.n_decision_nodes());
        let records = tables.n_nodes();
        prop_assert_eq!(tables.keys[..records].iter().filter(|&&k| k == 0).count(), tables.forwards);
        // Then padding to the leaf base and a self-loop per slot.
        prop_assert_eq!(tables.n_entries(), tables.leaf_base() + tables.slots.len());
        prop_assert!(tables.keys[records..].iter().all(|&k| k == 0));
        prop_assert!(tables.deltas[records..].iter().all(|&d| d == 0));
        // Every pair of leaf classes a node needs is adjacent in the slots.
        for nodes in model.trees.iter().map(|t| &t.nodes) {
            for node in nodes {
                if let Node::Split { left, right, .. } = *node
                    && let (Node::Leaf { class: t }, Node::Leaf { class: f }) =
                        (&nodes[left as usize], &nodes[right as usize])
                    && t != f
                {
                    let pair = [*f as u8, *t as u8];
                    prop_assert!(tables.slots.windows(2).any(|w| w == pair), "pair {:?}", pair);
                }
            }
        }
        if model.n_classes() == 2 {
            prop_assert!(tables.slots.iter().enumerate().all(|(p, &c)| usize::from(c) == p % 2));
        }
        let mut votes = vec![0u32; model.n_classes()];
        let mut packed_votes = vec![0u32; model.n_classes()];
        for row in rows_for(&model, random) {
            // One tree at a time (counting), and in lockstep on 64-bit hosts.
            let (class, visited) = forest.predict_counting(&row, &mut votes).unwrap();
            prop_assert_eq!(&votes, &model.reference_votes(&row), "row {:?}", row);
            prop_assert_eq!(class, model.reference_predict(&row), "row {:?}", row);
            let class = forest.predict_into(&row, &mut votes).unwrap();
            prop_assert_eq!(&votes, &model.reference_votes(&row), "row {:?}", row);
            prop_assert_eq!(class, model.reference_predict(&row), "row {:?}", row);
            // The same decision nodes as the packed walk (forwarding records
            // are not decisions).
            if let Ok(packed) = &packed_tables {
                let (_, packed_visited) = packed
                    .forest()
                    .unwrap()
                    .predict_counting(&row, &mut packed_votes)
                    .unwrap();
                prop_assert_eq!(visited, packed_visited, "row {:?}", row);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn chained_walker_matches_reference(
        model in prop_oneof![
            forest(),
            crowded_forest(),
            many_class_forest(),
            many_tree_forest(),
            feature_range_forest(),
        ],
        random in prop::collection::vec(prop::collection::vec(value(), 128), 0..20),
    ) {
        let entries = ChainedTables::entries_for(&model);
        let tables = match ChainedTables::from_model(&model) {
            Ok(tables) => tables,
            Err(CodegenError::ChainedDoesNotFit { features, classes, entries: e }) => {
                // Only when the class counters do not fit above the index.
                prop_assert_eq!((features, classes, e), (model.n_features(), model.n_classes(), entries));
                let bits = vote_bits(model.trees.len(), LANES) as usize;
                prop_assert!(entries.trailing_zeros() as usize + (classes - 1) * bits > 32);
                return Ok(());
            }
            Err(e) => panic!("{e}"),
        };
        let forest = tables.forest().unwrap();
        prop_assert_eq!(tables.n_entries(), entries);
        prop_assert!(tables.stored < entries);
        prop_assert_eq!(tables.starts.len(), LANES);
        // Padding moves on to the terminal, a self-loop.
        prop_assert!(tables.keys[tables.stored..].iter().all(|&k| k == 0));
        prop_assert_eq!(tables.deltas[entries - 1], 0);
        let packed_tables = PackedTables::from_model(&model);
        let mut votes = vec![0u32; model.n_classes()];
        let mut packed_votes = vec![0u32; model.n_classes()];
        let rows = rows_for(&model, random);
        // Two rows in one walk: each row with the next.
        let mut other = vec![0u32; model.n_classes()];
        for (a, b) in rows.iter().zip(rows.iter().cycle().skip(1)) {
            let classes = forest.predict_pair_into(a, b, &mut votes, &mut other).unwrap();
            prop_assert_eq!(&votes, &model.reference_votes(a), "rows {:?}, {:?}", a, b);
            prop_assert_eq!(&other, &model.reference_votes(b), "rows {:?}, {:?}", a, b);
            prop_assert_eq!(classes, (model.reference_predict(a), model.reference_predict(b)));
        }
        for row in rows {
            // One lane at a time (counting), and in lockstep on 64-bit hosts.
            let (class, visited) = forest.predict_counting(&row, &mut votes).unwrap();
            prop_assert_eq!(&votes, &model.reference_votes(&row), "row {:?}", row);
            prop_assert_eq!(class, model.reference_predict(&row), "row {:?}", row);
            let class = forest.predict_into(&row, &mut votes).unwrap();
            prop_assert_eq!(&votes, &model.reference_votes(&row), "row {:?}", row);
            prop_assert_eq!(class, model.reference_predict(&row), "row {:?}", row);
            // The same decision nodes as the packed walk (a root copy is the
            // root's decision; moving on to the terminal is none).
            if let Ok(packed) = &packed_tables {
                let (_, packed_visited) = packed
                    .forest()
                    .unwrap()
                    .predict_counting(&row, &mut packed_votes)
                    .unwrap();
                prop_assert_eq!(visited, packed_visited, "row {:?}", row);
            }
        }
    }
}

/// One tree: a split whose two leaves both vote for class 1 (labels 5, 6),
/// which every layout folds into a leaf root.
fn split_with_alike_leaves() -> Model {
    common::model(
        1,
        vec![5, 6],
        vec![Tree {
            nodes: vec![
                Node::Split {
                    feature: 0,
                    threshold: 1.0,
                    left: 1,
                    right: 2,
                },
                Node::Leaf { class: 1 },
                Node::Leaf { class: 1 },
            ],
        }],
    )
}

#[test]
fn sibling_folds_single_class_subtrees_and_leaf_roots() {
    let model = common::small();
    let tables = SiblingTables::from_model(&model).unwrap();
    // The small model's leaf-only tree is a root reference to a leaf slot.
    assert!(
        tables
            .roots
            .iter()
            .any(|&r| r as usize >= tables.leaf_base())
    );
    let same = split_with_alike_leaves();
    let folded = SiblingTables::from_model(&same).unwrap();
    assert_eq!(folded.n_nodes(), 0);
    assert_eq!(folded.slots, vec![0, 1]);
    assert_eq!(folded.roots, vec![1]);
    assert_eq!(
        folded
            .forest()
            .unwrap()
            .predict_counting(&[f32::NAN], &mut [0; 2]),
        Ok((1, 0))
    );
}

#[test]
fn sibling_lays_children_side_by_side_and_forwards_leaves_paired_with_nodes() {
    // x0 <= 0 ? (x0 <= -1 ? class 2 : class 0) : class 1, three classes.
    let model = common::model(
        1,
        vec![7, 8, 9],
        vec![Tree {
            nodes: vec![
                Node::Split {
                    feature: 0,
                    threshold: 0.0,
                    left: 1,
                    right: 4,
                },
                Node::Split {
                    feature: 0,
                    threshold: -1.0,
                    left: 2,
                    right: 3,
                },
                Node::Leaf { class: 2 },
                Node::Leaf { class: 0 },
                Node::Leaf { class: 1 },
            ],
        }],
    );
    let t = SiblingTables::from_model(&model).unwrap();
    // Root, then its children: the false one (a forward to class 1) and
    // the true one (the inner node), whose leaves are the slot pair (0, 2).
    assert_eq!(t.n_nodes(), 3);
    assert_eq!(t.forwards, 1);
    assert_eq!(t.keys[1], 0);
    assert_eq!(t.deltas[0], 1);
    assert_eq!(t.roots, vec![0]);
    let base = t.leaf_base();
    assert_eq!(base % t.slots.len().next_power_of_two(), 0);
    let slot = |r: usize| t.slots[r - base];
    assert_eq!(slot(1 + t.deltas[1] as usize), 1);
    let pair = 2 + t.deltas[2] as usize;
    assert_eq!((slot(pair), slot(pair + 1)), (0, 2));
    let forest = t.forest().unwrap();
    for (x, class, visits) in [
        (-2.0, 2, 2),
        (-1.0, 2, 2),
        ((-1.0f32).next_up(), 0, 2),
        ((-1.0f32).next_down(), 2, 2),
        (0.0, 0, 2),
        (-0.0, 0, 2),
        (f32::MIN_POSITIVE, 1, 1),
        (f32::NEG_INFINITY, 2, 2),
        (f32::INFINITY, 1, 1),
        (f32::NAN, 1, 1),
    ] {
        assert_eq!(
            forest.predict_counting(&[x], &mut [0; 3]),
            Ok((class, visits)),
            "x = {x}"
        );
    }
}

#[test]
fn chained_leaves_are_the_next_trees_root_with_the_vote() {
    // Eleven stumps `x0 <= t ? class 1 : class 0` (t = tree index): lane 0
    // holds trees 0 and 10, the others one tree each.
    let stump = |t: f32| Tree {
        nodes: vec![
            Node::Split {
                feature: 0,
                threshold: t,
                left: 1,
                right: 2,
            },
            Node::Leaf { class: 1 },
            Node::Leaf { class: 0 },
        ],
    };
    let model = common::model(1, vec![5, 6], (0..11).map(|t| stump(t as f32)).collect());
    let t = ChainedTables::from_model(&model).unwrap();
    // Two trees in a lane: 2-bit counters; 10 starts and 11 leaf pairs make
    // 32 records, and with the terminal 64 entries: 6 index bits.
    assert_eq!((t.vote_bits, t.n_entries(), t.stored), (2, 64, 32));
    let root10 = forest_core::packed::key(10.0) + 1;
    // Lane 0: its start is tree 0's root; tree 0's leaves (entries 1, 2) are
    // copies of tree 10's root, whose children pair follows, the true leaf
    // adding one vote for class 1 (bit 6).
    assert_eq!(t.starts[0], 0);
    assert_eq!(
        &t.keys[..5],
        &[forest_core::packed::key(0.0) + 1, root10, root10, 0, 0]
    );
    assert_eq!(&t.deltas[..3], &[1, 2, 1 + (1 << 6)]);
    // Tree 10's leaves move on to the terminal (63), again with the vote.
    assert_eq!(&t.deltas[3..5], &[63 - 3, 63 - 4 + (1 << 6)]);
    let forest = t.forest().unwrap();
    for (x, ones) in [
        (-1.0, 11),
        (0.0, 11),
        (0.5, 10),
        (4.0, 7),
        (10.0, 1),
        (10.5, 0),
    ] {
        let mut votes = [0; 2];
        let (class, visits) = forest.predict_counting(&[x], &mut votes).unwrap();
        assert_eq!((votes, visits), ([11 - ones, ones], 11), "x = {x}");
        assert_eq!(forest.predict_into(&[x], &mut votes), Ok(class));
        assert_eq!(votes, [11 - ones, ones], "x = {x}");
    }
}

#[test]
fn chained_refuses_models_it_cannot_hold() {
    let model = common::model(257, vec![0, 1], vec![wide_tree(2, 2)]);
    assert!(matches!(
        ChainedTables::from_model(&model),
        Err(CodegenError::ChainedDoesNotFit {
            features: 257,
            classes: 2,
            ..
        })
    ));
    // 39 counters of 1 bit above 3 index bits (7 records): 42 bits.
    let model = common::model(128, (0..40).collect(), vec![wide_tree(2, 40)]);
    assert!(matches!(
        ChainedTables::from_model(&model),
        Err(CodegenError::ChainedDoesNotFit {
            classes: 40,
            entries: 8,
            ..
        })
    ));
}

#[test]
fn sibling_refuses_models_it_cannot_hold() {
    let model = common::model(257, vec![0, 1], vec![wide_tree(2, 2)]);
    assert!(matches!(
        SiblingTables::from_model(&model),
        Err(CodegenError::SiblingDoesNotFit {
            features: 257,
            classes: 2,
            ..
        })
    ));
}

#[test]
fn dense_picks_the_fewest_bytes_and_packs_words_exactly() {
    let model = common::model(128, vec![0, 1], vec![wide_tree(9, 2), wide_tree(6, 2)]);
    let best = PackedTables::dense(&model).unwrap();
    let mut widths = 0;
    for bits in 1..=16 {
        let Ok(t) = PackedTables::dense_with_word_bits(&model, bits) else {
            continue;
        };
        widths += 1;
        assert!(best.table_bytes() <= t.table_bytes(), "{bits} bits");
        // Word i is bits i·w.. of the byte string, whatever the alignment.
        for (i, &w) in t.words.iter().enumerate() {
            let p = i * bits as usize;
            let mut v = 0u32;
            for k in 0..bits as usize {
                let bit = t.word_bytes[(p + k) / 8] >> ((p + k) % 8) & 1;
                v |= u32::from(bit) << k;
            }
            assert_eq!(v, u32::from(w), "{bits} bits, word {i}");
        }
    }
    // 8 column bits, 2 near bits and at least 3 far bits (offsets 1 and 2,
    // 2 leaves, the escape): 13 to 16 bits hold the fields.
    assert_eq!(widths, 4);
    assert!(PackedTables::dense_with_word_bits(&model, 12).is_err());
    assert!(PackedTables::dense_with_word_bits(&model, 17).is_err());
}

/// A left-leaning chain whose right children are full subtrees of `size`
/// decision nodes: every chain node's smaller subtree is large.
fn wide_tree(depth: usize, classes: u32) -> Tree {
    fn full(nodes: &mut Vec<Node>, depth: usize, next: &mut u32, classes: u32) -> u32 {
        let index = nodes.len() as u32;
        if depth == 0 {
            *next += 1;
            nodes.push(Node::Leaf {
                class: *next % classes,
            });
            return index;
        }
        nodes.push(Node::Leaf { class: 0 });
        let left = full(nodes, depth - 1, next, classes);
        let right = full(nodes, depth - 1, next, classes);
        nodes[index as usize] = Node::Split {
            feature: (*next % 128),
            threshold: *next as f32 / 7.0 - 40.0,
            left,
            right,
        };
        index
    }
    let mut nodes = Vec::new();
    let mut next = 0;
    full(&mut nodes, depth, &mut next, classes);
    Tree { nodes }
}

#[test]
fn wide_lockstep_of_a_forest_past_many_nodes_matches_reference() {
    // Ten full trees of depth 12 over 128 features: 40,950 decision nodes,
    // past the count from which the host walks 16 trees in lockstep.
    let trees = (0..10).map(|_| wide_tree(12, 3)).collect();
    let model = common::model(128, vec![-1, 0, 1], trees);
    let tables = Tables::from_model(&model).unwrap();
    let forest = tables.forest().unwrap();
    assert!(forest.n_nodes() >= 1 << 15, "{} nodes", forest.n_nodes());
    // Byte-wide feature indices, as baked: the walker's other read path.
    let features: Vec<u8> = tables.features.iter().map(|&f| f as u8).collect();
    let narrow = forest_core::Forest::<u8, u32>::new(
        tables.n_features,
        &tables.labels,
        &tables.roots,
        &features,
        &tables.thresholds,
        &tables.children,
    )
    .unwrap();
    let sibling_tables = SiblingTables::from_model(&model).unwrap();
    let sibling = sibling_tables.forest().unwrap();
    assert!(
        sibling.n_nodes() >= 1 << 15,
        "{} records",
        sibling.n_nodes()
    );
    // The chained layout: 131,072 entries (17 index bits), one tree a lane.
    let chained_tables = ChainedTables::from_model(&model).unwrap();
    let chained = chained_tables.forest().unwrap();
    assert_eq!(chained.n_entries(), 1 << 17);
    let mut narrow_votes = [0u32; 3];
    let mut votes = [0u32; 3];
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    // The row before, with its class and votes: two rows per walk, as a
    // baked model's `predict_batch` walks them, on tables this big.
    let mut before: Option<(Vec<f32>, usize, [u32; 3])> = None;
    for i in 0..3000 {
        let row: Vec<f32> = (0..128)
            .map(|f| {
                rng = rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                match (i + f) % 97 {
                    0 => f32::NAN,
                    1 => f32::INFINITY,
                    _ => (rng >> 40) as f32 / 16_777_216.0 * 100.0 - 50.0,
                }
            })
            .collect();
        let (class, visited) = forest.predict_counting(&row, &mut votes).unwrap();
        assert_eq!(votes.to_vec(), model.reference_votes(&row), "row {i}");
        assert_eq!(class, model.reference_predict(&row), "row {i}");
        // Full trees of depth 12: every walk visits 12 decision nodes.
        assert_eq!(visited, 10 * 12, "row {i}");
        let narrow_class = narrow.predict_into(&row, &mut narrow_votes).unwrap();
        assert_eq!((narrow_class, narrow_votes), (class, votes), "row {i}");
        // The sibling layout: 12 lanes from this many records on.
        let sibling_class = sibling.predict_into(&row, &mut narrow_votes).unwrap();
        assert_eq!((sibling_class, narrow_votes), (class, votes), "row {i}");
        let chained_class = chained.predict_into(&row, &mut narrow_votes).unwrap();
        assert_eq!((chained_class, narrow_votes), (class, votes), "row {i}");
        assert_eq!(
            chained.predict_counting(&row, &mut narrow_votes).unwrap(),
            (class, visited),
            "row {i}"
        );
        if let Some((prev, prev_class, prev_votes)) = before {
            let mut other = [0u32; 3];
            let classes = chained
                .predict_pair_into(&prev, &row, &mut other, &mut narrow_votes)
                .unwrap();
            assert_eq!(classes, (prev_class, class), "rows {} and {i}", i - 1);
            assert_eq!(
                (other, narrow_votes),
                (prev_votes, votes),
                "rows {} and {i}",
                i - 1
            );
        }
        before = Some((row, class, votes));
    }
}

#[test]
fn packed_escapes_reach_far_subtrees_exactly() {
    // 128 features, 7 classes: 8 column bits + 4 near bits leave 4 far bits
    // (16 codes: offsets below 8, 7 leaves, the escape), so most subtrees
    // are reached through a spacer.
    let model = common::model(
        128,
        (0..7).collect(),
        vec![wide_tree(9, 7), wide_tree(6, 7)],
    );
    let tables = PackedTables::from_model(&model).unwrap();
    assert!(tables.spacers >= 50, "spacers: {}", tables.spacers);
    assert_eq!(tables.n_nodes(), model.n_decision_nodes() + tables.spacers);
    let forest = tables.forest().unwrap();
    let mut votes = [0u32; 7];
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..2000 {
        let row: Vec<f32> = (0..128)
            .map(|_| {
                rng = rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (rng >> 40) as f32 / 16_777_216.0 * 100.0 - 50.0
            })
            .collect();
        forest.votes_into(&row, &mut votes).unwrap();
        assert_eq!(votes.to_vec(), model.reference_votes(&row));
    }
}

#[test]
fn packed_folds_single_class_subtrees_and_leaf_roots() {
    let model = common::small();
    let tables = PackedTables::from_model(&model).unwrap();
    assert_eq!(tables.trained_nodes, 4);
    // The small model's leaf-only tree is a root reference past the nodes.
    assert!(tables.roots.iter().any(|&r| r as usize >= tables.n_nodes()));
    // A split whose two leaves vote alike is folded away.
    let same = split_with_alike_leaves();
    let folded = PackedTables::from_model(&same).unwrap();
    assert_eq!(folded.n_nodes(), 0);
    assert_eq!(folded.roots, vec![1]);
    assert_eq!(
        folded
            .forest()
            .unwrap()
            .predict_into(&[f32::NAN], &mut [0; 2]),
        Ok(1)
    );
}

#[test]
fn packed_refuses_models_its_word_cannot_hold() {
    let model = common::model(129, vec![0, 1], vec![wide_tree(2, 2)]);
    assert!(matches!(
        PackedTables::from_model(&model),
        Err(CodegenError::PackedDoesNotFit {
            features: 129,
            classes: 2
        })
    ));
}

#[test]
fn lowering_is_preorder_smallest_tree_first_with_folded_leaves() {
    let t = Tables::from_model(&common::small()).unwrap();
    // 4 decision nodes; leaves are 4 + class. Trees by size: the bare leaf
    // (tree 2), then trees 1 and 3 (one split each, stable), then tree 0.
    // After the nodes, the sink of each class: entry 4 + class, a self-loop.
    assert_eq!((t.n_nodes(), t.thresholds.len()), (4, 4 + 3));
    assert_eq!(t.roots, vec![4 + 1, 0, 1, 2]);
    assert_eq!(t.features, vec![1, 0, 0, 1, 0, 0, 0]);
    assert_eq!(
        t.children,
        vec![
            [4 + 2, 4],
            [4, 4 + 2],
            [4, 3],
            [4 + 1, 4 + 2],
            [4, 4],
            [5, 5],
            [6, 6]
        ]
    );
    assert_eq!(t.thresholds[3].to_bits(), (-0.0f32).to_bits());
}

/// The depth of every record reachable from `root` (false child at
/// `j + delta`, true child one further; `deltas` as stored, `index` masking
/// any vote bits), for records below `records`.
fn depths(
    deltas: &[u32],
    keys: &[u32],
    root: usize,
    records: usize,
    index: u32,
) -> Vec<Option<usize>> {
    let mut depth = vec![None; records];
    let mut stack = vec![(root, 0)];
    while let Some((j, d)) = stack.pop() {
        if j >= records || depth[j].is_some() || keys[j] == 0 {
            continue;
        }
        depth[j] = Some(d);
        let f = j + (deltas[j] & index) as usize;
        stack.extend([(f, d + 1), (f + 1, d + 1)]);
    }
    depth
}

#[test]
fn sibling_style_layouts_store_trees_in_blocks_of_three_levels() {
    // A full tree of depth 6: decision nodes on levels 0 to 5.
    let model = common::model(128, vec![0, 1], vec![wide_tree(6, 2)]);
    let sibling = SiblingTables::from_model(&model).unwrap();
    let chained = ChainedTables::from_model(&model).unwrap();
    for (name, deltas, keys, records, index) in [
        (
            "sibling",
            &sibling.deltas,
            &sibling.keys,
            sibling.n_nodes(),
            u32::MAX,
        ),
        (
            "chained",
            &chained.deltas,
            &chained.keys,
            chained.stored,
            chained.n_entries() as u32 - 1,
        ),
    ] {
        let depth = depths(deltas, keys, 0, records, index);
        // The root, then the first block: the pairs of levels 1 to 3, breadth
        // first (2 + 4 + 8 entries).
        let levels: Vec<usize> = depth[..15].iter().map(|d| d.unwrap()).collect();
        assert_eq!(
            levels,
            [0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3],
            "{name}"
        );
        // Then the block below the last level-3 record found (entry 14): its
        // children (level 4) and their children (level 5), before any other
        // level-4 pair.
        assert_eq!((deltas[14] & index) as usize, 1, "{name}");
        assert_eq!(
            depth[15..21],
            [Some(4), Some(4), Some(5), Some(5), Some(5), Some(5)],
            "{name}"
        );
    }
}
