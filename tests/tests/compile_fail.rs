//! A corrupt baked table is a compile error, not a wrong answer: generated
//! code for a real model builds, and the same code with one table entry broken
//! does not, with the generator's message.

use std::path::Path;
use std::process::Command;

fn generated_edge(layout: forest_codegen::TableLayout) -> String {
    let path = Path::new(env!("OUT_DIR")).join("edge.forest");
    let (model, _) = forest_codegen::artifact::Model::read(&path).unwrap();
    let options = forest_codegen::Options {
        layout,
        ..forest_codegen::Options::default()
    };
    forest_codegen::generate_with(&model, &options).unwrap()
}

/// Builds a throw-away binary crate that includes `code`; returns (ok, stderr).
fn build(name: &str, code: &str) -> (bool, String) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("../forest-core");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n\
             [dependencies]\nforest-core = {{ path = {:?} }}\n\n[workspace]\n",
            core.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/model.rs"), code).unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        "#[allow(dead_code)]\nmod model {\n    include!(\"model.rs\");\n}\n\
         fn main() {\n    println!(\"{}\", model::MODEL.predict(&[0.0; model::N_FEATURES]));\n}\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO"))
        .args(["build", "--offline", "--quiet"])
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("compile-fail-target"),
        )
        .current_dir(&dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn corrupt_tables_do_not_compile() {
    let code = generated_edge(forest_codegen::TableLayout::Wide);
    let (ok, stderr) = build("baked_ok", &code);
    assert!(ok, "generated code must compile:\n{stderr}");

    // A self-loop: node 0's true child pointing at node 0 would never end.
    let table = code
        .find("const CHILDREN: [[ChildRef; 2]; N_NODES + N_CLASSES] = [")
        .expect("children table");
    let at = table + code[table..].find("= [").unwrap() + 3;
    let at = at + code[at..].find('[').unwrap() + 1; // node 0's [true, false]
    let end = at + code[at..].find(',').unwrap();
    let looped = format!("{}0{}", &code[..at], &code[end..]);
    assert_ne!(looped, code);
    let (ok, stderr) = build("baked_self_loop", &looped);
    assert!(!ok, "a self-loop must not compile");
    assert!(
        stderr.contains("baked model: the forest tables are invalid"),
        "{stderr}"
    );

    // The sink of class 0 (entry 7 of the edge forest's 7 nodes) must step
    // in place: one that leaves its entry is refused.
    let sink = table + code[table..].find("[7, 7]").expect("the sink of class 0");
    let leaky = format!("{}[8, 7]{}", &code[..sink], &code[sink + 6..]);
    let (ok, stderr) = build("baked_leaky_sink", &leaky);
    assert!(!ok, "a sink that is not a self-loop must not compile");
    assert!(
        stderr.contains("baked model: the forest tables are invalid"),
        "{stderr}"
    );

    // Tables generated for another table format version are refused.
    let version = forest_core::TABLE_FORMAT_VERSION;
    let versioned = code.replace(
        &format!("check_format_version({version})"),
        &format!("check_format_version({})", version + 1),
    );
    assert_ne!(versioned, code);
    let (ok, stderr) = build("baked_other_version", &versioned);
    assert!(!ok, "another format version must not compile");
    assert!(
        stderr.contains("another forest-core table format version"),
        "{stderr}"
    );
}

#[test]
fn corrupt_packed_tables_do_not_compile() {
    let code = generated_edge(forest_codegen::TableLayout::Packed);
    let (ok, stderr) = build("packed_ok", &code);
    assert!(ok, "generated packed code must compile:\n{stderr}");

    // Word 0 set to 0: a far offset of 0 is a self-loop.
    let table = code
        .find("const WORDS: [u16; N_NODES] = [")
        .expect("words table");
    let at = table + code[table..].find("= [").unwrap() + 3;
    let end = at + code[at..].find(',').unwrap();
    let looped = format!("{}0{}", &code[..at], &code[end..]);
    assert_ne!(looped, code);
    let (ok, stderr) = build("packed_self_loop", &looped);
    assert!(!ok, "a packed self-loop must not compile");
    assert!(
        stderr.contains("baked model: the packed tables are invalid"),
        "{stderr}"
    );
}

#[test]
fn corrupt_sibling_tables_do_not_compile() {
    let code = generated_edge(forest_codegen::TableLayout::Sibling);
    let (ok, stderr) = build("sibling_ok", &code);
    assert!(ok, "generated sibling code must compile:\n{stderr}");

    // Delta 0 set on record 0: its false child would be itself.
    let table = code
        .find("const DELTAS: [NodeRef; N_ENTRIES] = [")
        .expect("deltas table");
    let at = table + code[table..].find("= [").unwrap() + 3;
    let at = at + code[at..].find(|c: char| c.is_ascii_digit()).unwrap();
    let end = at + code[at..].find(',').unwrap();
    let looped = format!("{}0{}", &code[..at], &code[end..]);
    assert_ne!(looped, code);
    let (ok, stderr) = build("sibling_self_loop", &looped);
    assert!(!ok, "a sibling self-loop must not compile");
    assert!(
        stderr.contains("baked model: the sibling tables are invalid"),
        "{stderr}"
    );
}

#[test]
fn corrupt_chained_tables_do_not_compile() {
    let code = generated_edge(forest_codegen::TableLayout::Chained);
    let (ok, stderr) = build("chained_ok", &code);
    assert!(ok, "generated chained code must compile:\n{stderr}");

    // Record 0 (a lane start) set to 0, key and delta: it would step in
    // place forever.
    let table = code
        .find("const RECORDS: [u64; N_ENTRIES] = [")
        .expect("records table");
    let at = table + code[table..].find("= [").unwrap() + 3;
    let at = at + code[at..].find(|c: char| c.is_ascii_digit()).unwrap();
    let end = at + code[at..].find(',').unwrap();
    let looped = format!("{}0{}", &code[..at], &code[end..]);
    assert_ne!(looped, code);
    let (ok, stderr) = build("chained_self_loop", &looped);
    assert!(!ok, "a chained self-loop must not compile");
    assert!(
        stderr.contains("baked model: the chained tables are invalid"),
        "{stderr}"
    );
}
