//! `bridge-daemon schema`: the protocol's JSON Schemas and the reference part of docs/protocol.md.

use super::*;

pub(crate) fn schema(out: &Path, doc: Option<&Path>) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    let exported = protocol::schema::all();
    for (name, value) in &exported {
        let path = out.join(name);
        let body = serde_json::to_string_pretty(value)? + "\n";
        interchange::write_atomically(&path, body.as_bytes())
            .with_context(|| format!("{}: cannot write", path.display()))?;
        println!("wrote {}", path.display());
    }
    // Files of types no longer exported would mislead the adapters.
    for entry in std::fs::read_dir(out)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".schema.json") && !exported.iter().any(|(n, _)| *n == name) {
            std::fs::remove_file(entry.path())?;
            println!("removed {}", entry.path().display());
        }
    }
    if let Some(doc) = doc {
        let text = std::fs::read_to_string(doc)
            .with_context(|| format!("{}: cannot read", doc.display()))?;
        let fresh = protocol::schema::splice_reference(&text).with_context(|| {
            format!(
                "{}: no line {:?} to generate after",
                doc.display(),
                protocol::schema::DOC_MARKER
            )
        })?;
        interchange::write_atomically(doc, fresh.as_bytes())
            .with_context(|| format!("{}: cannot write", doc.display()))?;
        println!("wrote {}", doc.display());
    }
    Ok(())
}
