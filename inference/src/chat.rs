//! `tokenizer.json`, the GLM chat template, and the tokenizer as llguidance sees it.
//!
//! ChatGLM3 and GLM-4 share one template: `[gMASK]sop<|system|>\n…<|user|>\n…<|assistant|>\n`,
//! each role a special token followed by the encoded "\n" and the message (GLM-4 spells the
//! start token `<sop>`). Text from the user never becomes a special token: role markers typed
//! into an instruction are taken apart before encoding.

use std::path::Path;
use std::sync::Arc;

use llguidance::toktrie::{TokEnv, TokRxInfo, TokTrie, TokenId, TokenizerEnv};
use tokenizers::Tokenizer;

use crate::Error;

/// One request's conversation: a system prompt, worked examples as earlier turns, and the user's
/// message. The system prompt and examples come first so their cache is shared between requests.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatPrompt {
    pub system: String,
    /// (user, assistant) pairs.
    pub examples: Vec<(String, String)>,
    pub user: String,
}

/// The special tokens of the template, found by name in `tokenizer.json`.
#[derive(Clone, Debug)]
pub struct ChatTemplate {
    gmask: u32,
    sop: u32,
    system: u32,
    user: u32,
    assistant: u32,
    /// End of text, and the tokens that end an assistant turn.
    pub eos: u32,
    pub stops: Vec<u32>,
    specials: Vec<String>,
}

/// A tokenizer with its template and the bytes of every token (for the constraint).
#[derive(Clone)]
pub struct ChatTokenizer {
    pub hf: Tokenizer,
    pub template: ChatTemplate,
    env: TokEnv,
}

impl std::fmt::Debug for ChatTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatTokenizer")
            .field("vocab", &self.env.tok_trie().vocab_size())
            .field("template", &self.template)
            .finish()
    }
}

struct HfEnv {
    trie: TokTrie,
    hf: Tokenizer,
}

impl TokenizerEnv for HfEnv {
    fn tok_trie(&self) -> &TokTrie {
        &self.trie
    }

    fn tokenize_bytes(&self, s: &[u8]) -> Vec<TokenId> {
        match std::str::from_utf8(s) {
            Ok(text) => match self.hf.encode_fast(text, false) {
                Ok(enc) => enc.get_ids().to_vec(),
                Err(_) => self.trie.greedy_tokenize(s),
            },
            Err(_) => self.trie.greedy_tokenize(s),
        }
    }
}

impl ChatTokenizer {
    /// Load `tokenizer.json`; `vocab` is the model's (padded) vocabulary, which may be larger.
    pub fn from_file(path: &Path, vocab: usize) -> Result<ChatTokenizer, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let bad = |m: String| Error::BadModel(format!("{}: {m}", path.display()));
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
        let hf: Tokenizer = text
            .parse()
            .map_err(|e: tokenizers::Error| bad(e.to_string()))?;
        // llguidance's reader asserts on odd byte-token names; a bad file is an error, not a crash.
        let bytes = std::panic::catch_unwind(|| llguidance::token_bytes_from_tokenizer_json(&json))
            .map_err(|_| bad("the vocabulary has malformed byte tokens".into()))?
            .map_err(|e| bad(e.to_string()))?;
        Self::new(hf, bytes, vocab).map_err(|e| match e {
            Error::BadModel(m) => bad(m),
            e => e,
        })
    }

    fn new(hf: Tokenizer, mut bytes: Vec<Vec<u8>>, vocab: usize) -> Result<ChatTokenizer, Error> {
        if bytes.len() > vocab {
            return Err(Error::BadModel(format!(
                "the tokenizer has {} tokens but the model only {vocab}",
                bytes.len()
            )));
        }
        bytes.resize(vocab, Vec::new());
        let id = |names: &[&str]| names.iter().find_map(|n| hf.token_to_id(n));
        let need = |names: &[&str]| {
            id(names).ok_or_else(|| {
                Error::BadModel(format!(
                    "the tokenizer has no {} token (not a GLM chat tokenizer)",
                    names.join(" or ")
                ))
            })
        };
        let eos = need(&["<|endoftext|>", "</s>", "<eos>"])?;
        let mut stops = vec![eos];
        stops.extend(id(&["<|user|>"]));
        stops.extend(id(&["<|observation|>"]));
        let template = ChatTemplate {
            gmask: need(&["[gMASK]"])?,
            sop: need(&["<sop>", "sop"])?,
            system: need(&["<|system|>"])?,
            user: need(&["<|user|>"])?,
            assistant: need(&["<|assistant|>"])?,
            eos,
            stops,
            specials: hf
                .get_added_tokens_decoder()
                .values()
                .filter(|t| t.special)
                .map(|t| t.content.clone())
                .filter(|c| !c.is_empty())
                .collect(),
        };
        let mut info = TokRxInfo::new(vocab as u32, eos);
        info.tok_end_of_turn = id(&["<|user|>"]);
        let trie = TokTrie::from(&info, &bytes);
        let env: TokEnv = Arc::new(HfEnv {
            trie,
            hf: hf.clone(),
        });
        Ok(ChatTokenizer { hf, template, env })
    }

    pub fn env(&self) -> &TokEnv {
        &self.env
    }

    /// Encode plain text: special-token spellings in it stay text.
    pub fn encode_text(&self, text: &str) -> Result<Vec<u32>, Error> {
        let mut clean = text.to_string();
        for s in &self.template.specials {
            if clean.contains(s.as_str()) {
                // A zero-width break inside the marker keeps the characters but not the token.
                let mut broken = String::new();
                let mut chars = s.chars();
                if let Some(c) = chars.next() {
                    broken.push(c);
                    broken.push('\u{200B}');
                    broken.extend(chars);
                }
                clean = clean.replace(s.as_str(), &broken);
            }
        }
        let enc = self
            .hf
            .encode_fast(clean.as_str(), false)
            .map_err(|e| Error::Model(format!("tokenizer: {e}")))?;
        Ok(enc.get_ids().to_vec())
    }

    /// The prompt's tokens, ending where the assistant's answer begins.
    pub fn render(&self, p: &ChatPrompt) -> Result<Vec<u32>, Error> {
        let t = &self.template;
        let nl = self.encode_text("\n")?;
        let mut out = vec![t.gmask, t.sop];
        let turn = |out: &mut Vec<u32>, role: u32, text: &str| -> Result<(), Error> {
            out.push(role);
            out.extend_from_slice(&nl);
            out.extend(self.encode_text(text)?);
            Ok(())
        };
        if !p.system.is_empty() {
            turn(&mut out, t.system, &p.system)?;
        }
        for (u, a) in &p.examples {
            turn(&mut out, t.user, u)?;
            turn(&mut out, t.assistant, a)?;
        }
        turn(&mut out, t.user, &p.user)?;
        out.push(t.assistant);
        out.extend_from_slice(&nl);
        Ok(out)
    }

    /// The text of generated tokens (their exact bytes; specials dropped).
    pub fn decode(&self, tokens: &[u32]) -> String {
        let trie = self.env.tok_trie();
        let mut bytes = Vec::new();
        for &t in tokens {
            let b = trie.token(t);
            if b.first() != Some(&TokTrie::SPECIAL_TOKEN_MARKER) {
                bytes.extend_from_slice(b);
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}
