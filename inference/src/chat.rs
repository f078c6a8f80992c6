//! The tokenizer (`tokenizer.json`, or `tokenizer.model` as THUDM ships it), the GLM chat
//! template, and the tokenizer as llguidance sees it.
//!
//! ChatGLM3 and GLM-4 share one template: `[gMASK]sop<|system|>\n…<|user|>\n…<|assistant|>\n`,
//! each role a special token followed by the encoded "\n" and the message (GLM-4 spells the
//! start token `<sop>`), as THUDM's `build_single_message` builds it; the prompt ends with the
//! assistant's empty metadata line, which the model would otherwise write first. Text from the
//! user never becomes a special token: role markers typed into an instruction are encoded as
//! text, as THUDM's tokenizers do (`SPTokenizer.encode`; tiktoken with `disallowed_special=()`).

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
    /// Encodes text that continues other text: no SentencePiece dummy prefix.
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
    /// The tokenizer of a model folder: `tokenizer.json` when there is one, else
    /// `tokenizer.model` (ChatGLM3's SentencePiece model or GLM-4's tiktoken ranks). `vocab` is
    /// the model's (padded) vocabulary, which may be larger; `None`: the tokenizer's own.
    pub fn load(dir: &Path, vocab: Option<usize>) -> Result<ChatTokenizer, Error> {
        let json = dir.join("tokenizer.json");
        if json.is_file() {
            return Self::from_file(&json, vocab);
        }
        let model = dir.join("tokenizer.model");
        if !model.is_file() {
            return Err(Error::BadModel(format!(
                "{}: neither tokenizer.json nor tokenizer.model",
                dir.display()
            )));
        }
        let doc = crate::tokenizer_model::read(dir)?;
        Self::from_converted(&doc, vocab, &model)
    }

    /// The tokenizer of what `--model` names: a GGUF file (its own vocabulary), or a folder
    /// ([`ChatTokenizer::load`], sized by its `config.json` when it has one).
    pub fn for_model(path: &Path) -> Result<ChatTokenizer, Error> {
        if let Some(file) = crate::gguf::find(path)? {
            let g = crate::gguf::Gguf::open(&file)?;
            let vocab = g.config()?.padded_vocab_size;
            return Self::from_converted(&g.tokenizer()?, Some(vocab), &file);
        }
        let config = path.join("config.json");
        let vocab = if config.is_file() {
            Some(crate::GlmConfig::from_file(&config)?.padded_vocab_size)
        } else {
            None
        };
        Self::load(path, vocab)
    }

    /// The tokenizer of a converted vocabulary (`tokenizer.model`, a GGUF file's); `source`
    /// names it in errors.
    pub fn from_converted(
        doc: &crate::tokenizer_model::Document,
        vocab: Option<usize>,
        source: &Path,
    ) -> Result<ChatTokenizer, Error> {
        let bad = |m: String| Error::BadModel(format!("{}: {m}", source.display()));
        let parse = |v: &serde_json::Value| -> Result<Tokenizer, Error> {
            v.to_string()
                .parse()
                .map_err(|e: tokenizers::Error| bad(format!("as a {} tokenizer: {e}", doc.format)))
        };
        let hf = parse(&doc.json)?;
        let continuation = doc.continuation.as_ref().map(parse).transpose()?;
        Self::from_document(&doc.json, hf, continuation, vocab).map_err(|e| match e {
            Error::BadModel(m) => bad(m),
            e => e,
        })
    }

    /// Load `tokenizer.json`; `vocab` is the model's (padded) vocabulary, which may be larger;
    /// `None`: the tokenizer's own.
    pub fn from_file(path: &Path, vocab: Option<usize>) -> Result<ChatTokenizer, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let bad = |m: String| Error::BadModel(format!("{}: {m}", path.display()));
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
        let hf: Tokenizer = text
            .parse()
            .map_err(|e: tokenizers::Error| bad(e.to_string()))?;
        Self::from_document(&json, hf, None, vocab).map_err(|e| match e {
            Error::BadModel(m) => bad(m),
            e => e,
        })
    }

    fn from_document(
        json: &serde_json::Value,
        hf: Tokenizer,
        continuation: Option<Tokenizer>,
        vocab: Option<usize>,
    ) -> Result<ChatTokenizer, Error> {
        // llguidance's reader asserts on odd byte-token names; a bad file is an error, not a crash.
        let bytes = std::panic::catch_unwind(|| llguidance::token_bytes_from_tokenizer_json(json))
            .map_err(|_| Error::BadModel("the vocabulary has malformed byte tokens".into()))?
            .map_err(|e| Error::BadModel(e.to_string()))?;
        let vocab = vocab.unwrap_or(bytes.len());
        Self::new(hf, continuation, bytes, vocab)
    }

    fn new(
        mut hf: Tokenizer,
        continuation: Option<Tokenizer>,
        mut bytes: Vec<Vec<u8>>,
        vocab: usize,
    ) -> Result<ChatTokenizer, Error> {
        // Special-token spellings in text are text (THUDM's tokenizers never match them).
        hf.set_encode_special_tokens(true);
        let mut continuation = continuation.unwrap_or_else(|| hf.clone());
        continuation.set_encode_special_tokens(true);
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
        };
        let mut info = TokRxInfo::new(vocab as u32, eos);
        info.tok_end_of_turn = id(&["<|user|>"]);
        let trie = TokTrie::from(&info, &bytes);
        let env: TokEnv = Arc::new(HfEnv {
            trie,
            hf: continuation,
        });
        Ok(ChatTokenizer { hf, template, env })
    }

    pub fn env(&self) -> &TokEnv {
        &self.env
    }

    /// Encode plain text: special-token spellings in it stay text.
    pub fn encode_text(&self, text: &str) -> Result<Vec<u32>, Error> {
        let enc = self
            .hf
            .encode_fast(text, false)
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
