//! The hand-made edge forest, baked by build.rs, against the IR reference
//! interpreter on every special value at and around every threshold.

use forest_codegen::artifact::{Model, Node};
use forest_tests::{edge, edge_chained, edge_dense, edge_packed, edge_sibling};

fn artifact() -> Model {
    let path = std::path::Path::new(env!("OUT_DIR")).join("edge.forest");
    let (model, fp) = Model::read(&path).unwrap();
    assert_eq!(forest_codegen::artifact::hex(&fp), edge::FINGERPRINT);
    model
}

fn specials(model: &Model) -> Vec<f32> {
    let mut v = vec![
        f32::NAN,
        -f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.0,
        -0.0,
        f32::MAX,
        -f32::MAX,
        f32::MIN_POSITIVE,
        f32::from_bits(1),
        -f32::from_bits(1),
        1.0,
        -1.0,
    ];
    for node in model.trees.iter().flat_map(|t| &t.nodes) {
        if let Node::Split { threshold: t, .. } = *node {
            v.extend([t, t.next_up(), t.next_down()]);
        }
    }
    v
}

#[test]
fn baked_edge_forest_matches_the_reference_on_every_special_value() {
    let model = artifact();
    let values = specials(&model);
    let mut checked = 0;
    for &a in &values {
        for &b in &values {
            for &c in &values {
                let row = [a, b, c];
                let baked = edge::MODEL.predict(&row);
                assert_eq!(baked, model.reference_predict(&row), "row {row:?}");
                assert_eq!(
                    edge::MODEL.votes(&row).to_vec(),
                    model.reference_votes(&row)
                );
                assert_eq!(edge::MODEL.predict_label(&row), edge::CLASS_LABELS[baked]);
                assert_eq!(edge_packed::MODEL.votes(&row), edge::MODEL.votes(&row));
                assert_eq!(edge_packed::MODEL.predict(&row), baked);
                assert_eq!(edge_dense::MODEL.votes(&row), edge::MODEL.votes(&row));
                assert_eq!(edge_dense::MODEL.predict(&row), baked);
                assert_eq!(edge_sibling::MODEL.votes(&row), edge::MODEL.votes(&row));
                assert_eq!(edge_sibling::MODEL.predict(&row), baked);
                assert_eq!(
                    edge_sibling::MODEL.predict_counting(&row),
                    edge_packed::MODEL.predict_counting(&row),
                    "same decision nodes visited, row {row:?}"
                );
                assert_eq!(edge_chained::MODEL.votes(&row), edge::MODEL.votes(&row));
                assert_eq!(
                    edge_chained::MODEL.predict_counting(&row),
                    edge_packed::MODEL.predict_counting(&row),
                    "chained: same decision nodes visited, row {row:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 10_000);
}

#[test]
fn metadata_is_baked() {
    assert_eq!(edge::NAME, "edge");
    assert_eq!(edge::FEATURE_NAMES, ["a", "b", "c"]);
    assert_eq!(edge::CLASS_LABELS, [-7, 0, 3, 1_000_000_000_000]);
    assert_eq!((edge::N_TREES, edge::N_NODES, edge::N_LEAVES), (6, 7, 13));
    assert_eq!(edge::FINGERPRINT.len(), 64);
    assert_eq!(edge::N_DECISION_NODES, 7);
    assert_eq!(
        (
            edge::LAYOUT,
            edge_packed::LAYOUT,
            edge_dense::LAYOUT,
            edge_sibling::LAYOUT,
            edge_chained::LAYOUT
        ),
        ("wide", "packed", "dense", "sibling", "chained")
    );
    // Six trees in ten lanes: one a lane (1-bit counters), four lanes empty
    // (they start at the terminal, the last entry); tree 2, a bare leaf,
    // starts its lane with a move to the terminal and its vote.
    assert_eq!(edge_chained::FINGERPRINT, edge::FINGERPRINT);
    assert_eq!((edge_chained::LANES, edge_chained::VOTE_BITS), (10, 1));
    // Six starts and a children pair per decision node (20 records), padded
    // to 32 entries; one tree a lane, so no root is copied: the 7 decisions
    // are the decision nodes.
    assert_eq!(
        (
            edge_chained::N_ENTRIES,
            edge_chained::N_NODES,
            edge_chained::N_DECISION_ENTRIES
        ),
        (32, 20, edge_chained::N_DECISION_NODES)
    );
    assert_eq!(edge_chained::KEY_ROW, 4);
    assert_eq!(edge_dense::FINGERPRINT, edge::FINGERPRINT);
    assert_eq!(edge_sibling::FINGERPRINT, edge::FINGERPRINT);
    // Three features: a 4-value column enum, a 4-entry key row; the 6 trees'
    // 7 decision nodes and the leaves paired with a node as records.
    assert_eq!(edge_sibling::KEY_ROW, 4);
    assert_eq!(
        edge_sibling::N_NODES,
        edge_sibling::N_DECISION_NODES + edge_sibling::N_FORWARDS
    );
    // Tree 0's first two splits pair a leaf (true side) with a node.
    assert_eq!(edge_sibling::N_FORWARDS, 2);
    assert_eq!(edge_packed::FINGERPRINT, edge::FINGERPRINT);
    assert_eq!(
        (edge_packed::N_TREES, edge_packed::N_DECISION_NODES),
        (6, 7)
    );
}

#[test]
fn ties_go_to_the_lowest_class() {
    // Six trees; find rows whose top vote is shared and check the winner.
    let model = artifact();
    let values = specials(&model);
    let mut ties = 0;
    for &a in &values {
        for &b in &values {
            let row = [a, b, 0.0];
            let votes = edge::MODEL.votes(&row);
            let max = *votes.iter().max().unwrap();
            if votes.iter().filter(|&&v| v == max).count() > 1 {
                ties += 1;
                let first = votes.iter().position(|&v| v == max).unwrap();
                assert_eq!(
                    edge::MODEL.predict(&row),
                    first,
                    "row {row:?} votes {votes:?}"
                );
            }
        }
    }
    assert!(ties > 0, "the fixture must produce tied votes");
}
