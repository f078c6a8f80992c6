//! JSON Schema export of the protocol's types, for the Python and JavaScript adapters.
//!
//! `cargo run -p bridge-daemon -- schema --out protocol/schema` writes one file per type; a test
//! compares the committed files with a fresh export and fails with that command when they differ.

use schemars::schema_for;
use serde_json::Value;

/// Every exported schema as `(file name, schema)`.
pub fn all() -> Vec<(&'static str, Value)> {
    let v = |s: schemars::Schema| s.to_value();
    vec![
        ("timeline.schema.json", v(schema_for!(crate::Timeline))),
        ("cut_list.schema.json", v(schema_for!(crate::CutList))),
        ("intent.schema.json", v(schema_for!(crate::Intent))),
    ]
}
