//! The committed JSON Schemas (`protocol/schema/`) and the generated part of `docs/protocol.md`
//! must match a fresh export; on failure the message prints the command that regenerates them.

use std::path::Path;

fn stale(what: &str) -> String {
    format!(
        "{what} is stale: regenerate it with\n\n    {}\n",
        protocol::schema::REGENERATE
    )
}

#[test]
fn committed_schemas_match_a_fresh_export() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
    let mut expected = Vec::new();
    for (name, value) in protocol::schema::all() {
        let path = dir.join(name);
        let fresh = serde_json::to_string_pretty(&value).unwrap() + "\n";
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{}",
            stale(&format!("protocol/schema/{name}"))
        );
        expected.push(name.to_string());
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            expected.contains(&name),
            "protocol/schema/{name} is no longer exported: delete it ({})",
            protocol::schema::REGENERATE
        );
    }
}

#[test]
fn protocol_doc_reference_matches_the_schemas() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/protocol.md");
    let doc = std::fs::read_to_string(&path).expect("docs/protocol.md exists");
    let fresh = protocol::schema::splice_reference(&doc).unwrap_or_else(|| {
        panic!(
            "docs/protocol.md lacks the line {:?}",
            protocol::schema::DOC_MARKER
        )
    });
    assert!(doc == fresh, "{}", stale("docs/protocol.md"));
}

/// The protocol's error codes as (name, code), sorted.
fn protocol_codes() -> Vec<(String, i64)> {
    let mut ours: Vec<(String, i64)> = protocol::wire::code::ALL
        .iter()
        .map(|(v, n)| (n.to_string(), *v))
        .collect();
    ours.sort();
    ours
}

/// The `NAME <sep> -32xxx` constants of an adapter's file, sorted.
fn constants_in(relative: &str, sep: &str) -> Vec<(String, i64)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{relative}: {e}"));
    let mut found: Vec<(String, i64)> = text
        .lines()
        .filter_map(|l| {
            let (name, value) = l.trim().split_once(sep)?;
            let value: i64 = value.trim().trim_end_matches(',').parse().ok()?;
            (name.chars().all(|c| c.is_ascii_uppercase() || c == '_') && value <= -32000)
                .then(|| (name.to_string(), value))
        })
        .collect();
    found.sort();
    found
}

/// The Python adapter's error constants are the protocol's, every one and nothing else.
#[test]
fn the_python_error_constants_are_the_protocols() {
    let file = "resolve-scripts/cutbridge_resolve/errors.py";
    assert_eq!(constants_in(file, " = "), protocol_codes(), "{file}");
}

/// So are the panels' (CEP and UXP share `js/errors.js`).
#[test]
fn the_javascript_error_constants_are_the_protocols() {
    let file = "extendscript/js/errors.js";
    assert_eq!(constants_in(file, ": "), protocol_codes(), "{file}");
}
