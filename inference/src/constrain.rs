//! JSON Schemas compiled by llguidance against one tokenizer, each compiled once.
//!
//! The schema is compiled with `whitespace_flexible: false`: the answer is compact JSON, so the
//! grammar forces more tokens and the model has fewer ways to wander.

use std::collections::HashMap;

use llguidance::api::TopLevelGrammar;
use llguidance::{Matcher, ParserFactory};
use serde_json::Value;

use crate::Error;
use crate::chat::ChatTokenizer;

/// A grammar compiler for one tokenizer, with the schemas it has compiled.
pub struct Grammars {
    factory: ParserFactory,
    cache: HashMap<String, Matcher>,
}

impl std::fmt::Debug for Grammars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grammars")
            .field("compiled", &self.cache.len())
            .finish()
    }
}

impl Grammars {
    pub fn new(tok: &ChatTokenizer) -> Result<Grammars, Error> {
        let mut factory = ParserFactory::new_simple(tok.env())
            .map_err(|e| Error::BadModel(format!("grammar compiler: {e}")))?;
        factory.set_stderr_log_level(0);
        Ok(Grammars {
            factory,
            cache: HashMap::new(),
        })
    }

    /// A fresh matcher at the start of an answer to `schema`.
    pub fn matcher(&mut self, schema: &Value) -> Result<Matcher, Error> {
        let key = schema.to_string();
        if let Some(m) = self.cache.get(&key) {
            return Ok(m.deep_clone());
        }
        let mut schema = schema.clone();
        if let Some(o) = schema.as_object_mut() {
            o.insert(
                "x-guidance".into(),
                serde_json::json!({ "whitespace_flexible": false }),
            );
        }
        let parser = self
            .factory
            .create_parser(TopLevelGrammar::from_json_schema(schema))
            .map_err(|e| Error::Schema(e.to_string()))?;
        let m = Matcher::new(Ok(parser));
        if let Some(e) = m.get_error() {
            return Err(Error::Schema(e));
        }
        self.cache.insert(key, m.deep_clone());
        Ok(m)
    }
}
