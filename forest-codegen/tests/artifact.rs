//! The `.forest` format: round trip, determinism, and refusal of every kind of
//! bad file with an error that says which.

mod common;

use forest_codegen::artifact::{ArtifactError, FORMAT_VERSION, MAGIC, Model, ModelError, Tree};

#[test]
fn round_trips_exactly_and_deterministically() {
    let m = common::small();
    let bytes = m.to_bytes().unwrap();
    assert_eq!(&bytes[..8], &MAGIC);
    assert_eq!(Model::from_bytes(&bytes).unwrap(), m);
    assert_eq!(
        m.to_bytes().unwrap(),
        bytes,
        "encoding must be deterministic"
    );
    assert_eq!(m.clone().to_bytes().unwrap(), bytes);
}

#[test]
fn file_write_and_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.forest");
    let m = common::small();
    let fp = m.write(&path).unwrap();
    let (back, fp2) = Model::read(&path).unwrap();
    assert_eq!(back, m);
    assert_eq!(fp, fp2);
    assert_eq!(
        fp,
        forest_codegen::artifact::fingerprint(&std::fs::read(&path).unwrap())
    );
    // Nothing but the artifact is left in the directory.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn refuses_foreign_files() {
    let err = Model::from_bytes(b"PK\x03\x04 this is a zip").unwrap_err();
    assert!(matches!(err, ArtifactError::BadMagic { .. }));
    assert!(
        err.to_string()
            .starts_with("not a forest model artifact (bad magic"),
        "{err}"
    );
    let err = Model::from_bytes(b"").unwrap_err();
    assert!(
        matches!(
            err,
            ArtifactError::Truncated {
                expected: 14,
                found: 0
            }
        ),
        "{err}"
    );
}

#[test]
fn refuses_newer_versions() {
    let mut bytes = common::small().to_bytes().unwrap();
    bytes[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let err = Model::from_bytes(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "unsupported artifact format version {} (this build reads version {FORMAT_VERSION})",
            FORMAT_VERSION + 1
        )
    );
}

#[test]
fn refuses_every_truncation() {
    let bytes = common::small().to_bytes().unwrap();
    for len in 0..bytes.len() {
        let err = Model::from_bytes(&bytes[..len]).unwrap_err();
        assert!(
            matches!(err, ArtifactError::Truncated { found, .. } if found == len),
            "length {len}: {err}"
        );
        assert!(err.to_string().starts_with("truncated artifact"), "{err}");
    }
}

#[test]
fn refuses_trailing_bytes() {
    let mut bytes = common::small().to_bytes().unwrap();
    bytes.push(0);
    let err = Model::from_bytes(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "corrupt artifact: 1 unexpected bytes after the checksum"
    );
}

#[test]
fn refuses_every_flipped_bit_in_body_or_checksum() {
    let bytes = common::small().to_bytes().unwrap();
    for i in 14..bytes.len() {
        for bit in [0, 7] {
            let mut bad = bytes.clone();
            bad[i] ^= 1 << bit;
            let err = Model::from_bytes(&bad).unwrap_err();
            assert!(
                matches!(err, ArtifactError::ChecksumMismatch),
                "byte {i} bit {bit}: {err}"
            );
        }
    }
}

#[test]
fn refuses_a_body_that_does_not_decode_even_with_a_good_checksum() {
    use sha2::{Digest, Sha256};
    let body = [0xffu8; 5];
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&body);
    bytes.extend_from_slice(&Sha256::digest(body));
    let err = Model::from_bytes(&bytes).unwrap_err();
    assert!(matches!(err, ArtifactError::BadBody(_)), "{err}");
    assert!(
        err.to_string()
            .starts_with("corrupt artifact: body does not decode")
    );
}

#[test]
fn validation_names_tree_and_node() {
    let mut m = common::small();
    m.trees[0].nodes[2] = common::split(5, 0.0, 3, 4);
    assert_eq!(
        m.validate().unwrap_err().to_string(),
        "tree 0, node 2: feature index 5 is out of range"
    );
    let mut m = common::small();
    m.trees[1].nodes[0] = common::split(0, 0.0, 0, 2);
    assert_eq!(
        m.validate().unwrap_err().to_string(),
        "tree 1, node 0: child 0 is not a later node of the tree"
    );
    let mut m = common::small();
    m.trees[1].nodes[0] = common::split(0, 0.0, 2, 2);
    assert_eq!(
        m.validate().unwrap_err(),
        ModelError::NotATree { tree: 1, node: 1 }
    );
    let mut m = common::small();
    m.trees[2].nodes[0] = common::leaf(3);
    assert_eq!(
        m.validate().unwrap_err().to_string(),
        "tree 2, node 0: class index 3 is out of range"
    );
    let mut m = common::small();
    m.trees[3].nodes[0] = common::split(0, f32::NAN, 1, 2);
    assert_eq!(
        m.validate().unwrap_err().to_string(),
        "tree 3, node 0: threshold is NaN"
    );
    let mut m = common::small();
    m.trees.push(Tree { nodes: vec![] });
    assert_eq!(m.validate().unwrap_err().to_string(), "tree 4 has no nodes");
    let mut m = common::small();
    m.class_labels = vec![1, 2, 1];
    assert_eq!(
        m.validate().unwrap_err().to_string(),
        "class label 1 appears twice"
    );
    // An invalid model is never written.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.forest");
    assert!(matches!(m.write(&path), Err(ArtifactError::Invalid(_))));
    assert!(!path.exists());
}

#[test]
fn sizes_and_depth() {
    let m = common::small();
    assert_eq!(m.n_decision_nodes(), 4);
    assert_eq!(m.n_leaves(), 8);
    assert_eq!(m.max_depth(), 2);
}
