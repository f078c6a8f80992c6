//! `tokenizer.model` as THUDM ships it, read into the `tokenizer.json` document the rest of the
//! crate uses (the `tokenizers` library then encodes, llguidance reads the token bytes).
//!
//! Two formats share the file name:
//! - **ChatGLM2/3**: a SentencePiece BPE model (protobuf `ModelProto`, parsed by the
//!   `sentencepiece-model` crate). It becomes a `tokenizers` BPE whose merges are the pairs of
//!   pieces that make another piece, ranked by that piece's score, which is how SentencePiece's
//!   BPE chooses its next merge (the same conversion as `transformers`' `SpmConverter`). The
//!   normalizer does what `NormalizerSpec` asks (precompiled character map, extra whitespace,
//!   dummy "▁" prefix, spaces as "▁"); byte fallback spells unknown characters as `<0xNN>`.
//!   The chat tokens follow the pieces in THUDM's `SPTokenizer` order: `[MASK] [gMASK] [sMASK]
//!   sop eop <|system|> <|user|> <|assistant|> <|observation|>`.
//! - **GLM-4**: tiktoken ranks, one `base64(token) rank` line each. They become a byte-level BPE
//!   (a token's merges: every split of it into two tokens, ranked by its own rank, as
//!   `transformers`' `TikTokenConverter` does), split first by GLM-4's pattern, and a piece that is
//!   itself a token is taken whole, as tiktoken does. The special tokens follow the ranks, named
//!   by `tokenizer_config.json`'s `added_tokens_decoder` when the folder has one.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine as _;
use sentencepiece_model::{ModelType, SentencePieceModel, Type};
use serde_json::{Value, json};

use crate::Error;

/// GLM-4's pre-tokenizer pattern (`pat_str` of THUDM's `ChatGLM4Tokenizer`).
pub const GLM4_PATTERN: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// The tokens THUDM's ChatGLM3 `SPTokenizer` numbers after the SentencePiece vocabulary.
pub const CHATGLM3_SPECIALS: [&str; 9] = [
    "[MASK]",
    "[gMASK]",
    "[sMASK]",
    "sop",
    "eop",
    "<|system|>",
    "<|user|>",
    "<|assistant|>",
    "<|observation|>",
];

/// GLM-4's special tokens after its ranks, in id order (`glm-4-9b-chat`'s `tokenizer_config.json`),
/// used when the folder has no `added_tokens_decoder` to read them from.
pub const GLM4_SPECIALS: [&str; 14] = [
    "<|endoftext|>",
    "[MASK]",
    "[gMASK]",
    "[sMASK]",
    "<sop>",
    "<eop>",
    "<|system|>",
    "<|user|>",
    "<|assistant|>",
    "<|observation|>",
    "<|begin_of_image|>",
    "<|end_of_image|>",
    "<|begin_of_video|>",
    "<|end_of_video|>",
];

/// A `tokenizer.json` document made from `tokenizer.model`.
#[derive(Clone, Debug)]
pub struct Document {
    /// Encodes as the reference tokenizer does (SentencePiece's dummy prefix included).
    pub json: Value,
    /// The same vocabulary without a dummy prefix, for tokenizing a piece of text that continues
    /// other text (llguidance's forced tokens); `None` when `json` adds nothing in front.
    pub continuation: Option<Value>,
    /// Which format the file was: "sentencepiece" or "tiktoken".
    pub format: &'static str,
}

/// Read `dir/tokenizer.model` (and `dir/tokenizer_config.json` for GLM-4's special tokens).
pub fn read(dir: &Path) -> Result<Document, Error> {
    let path = dir.join("tokenizer.model");
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let bad = |m: String| Error::BadModel(format!("{}: {m}", path.display()));
    if looks_like_ranks(&bytes) {
        let specials = config_specials(dir)?;
        return from_ranks(&bytes, specials.as_deref()).map_err(bad);
    }
    let model = SentencePieceModel::from_slice(&bytes).map_err(|e| {
        bad(format!(
            "neither tiktoken ranks nor a SentencePiece model ({e})"
        ))
    })?;
    from_sentencepiece(&model).map_err(bad)
}

/// Tiktoken's format: ASCII lines of a base64 token, one space, a decimal rank.
fn looks_like_ranks(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let Some(line) = head.split(|&b| b == b'\n').next() else {
        return false;
    };
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut parts = line.split(|&b| b == b' ');
    let (Some(tok), Some(rank), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !tok.is_empty()
        && tok
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        && !rank.is_empty()
        && rank.iter().all(u8::is_ascii_digit)
}

/// The special tokens `tokenizer_config.json` names in `added_tokens_decoder`, in id order, with
/// their ids; `None` without the file or the field.
fn config_specials(dir: &Path) -> Result<Option<Vec<(u32, String)>>, Error> {
    let path = dir.join("tokenizer_config.json");
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| Error::BadModel(format!("{}: not JSON: {e}", path.display())))?;
    let Some(map) = v.get("added_tokens_decoder").and_then(Value::as_object) else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(map.len());
    for (id, t) in map {
        let id: u32 = id.parse().map_err(|_| {
            Error::BadModel(format!(
                "{}: added_tokens_decoder key {id:?} is not a token id",
                path.display()
            ))
        })?;
        let content = t.get("content").and_then(Value::as_str).ok_or_else(|| {
            Error::BadModel(format!(
                "{}: added_tokens_decoder.{id} has no \"content\"",
                path.display()
            ))
        })?;
        out.push((id, content.to_string()));
    }
    out.sort();
    Ok(Some(out))
}

pub(crate) fn added(id: u32, content: &str, special: bool) -> Value {
    json!({"id": id, "content": content, "single_word": false, "lstrip": false,
           "rstrip": false, "normalized": !special, "special": special})
}

/// Merges from a vocabulary: every split of a mergeable token into two tokens of the vocabulary,
/// ordered by `rank` of the token they make, then by the ids of the halves.
fn merges_of<'a>(
    vocab: &HashMap<&'a str, u32>,
    mergeable: impl Iterator<Item = (&'a str, f64)>,
) -> Vec<Value> {
    let mut merges: Vec<(f64, u32, u32, &str, &str)> = Vec::new();
    for (token, rank) in mergeable {
        for (i, _) in token.char_indices().skip(1) {
            let (l, r) = token.split_at(i);
            if let (Some(&a), Some(&b)) = (vocab.get(l), vocab.get(r)) {
                merges.push((rank, a, b, l, r));
            }
        }
    }
    merges.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    merges
        .into_iter()
        .map(|(_, _, _, l, r)| json!([l, r]))
        .collect()
}

/// What a SentencePiece piece is (`ModelProto.SentencePiece.Type`; GGUF's `token_type` uses the
/// same numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Normal,
    Unknown,
    Control,
    UserDefined,
    Unused,
    Byte,
}

impl Kind {
    /// From the protobuf / GGUF number (1 normal … 6 byte; 0 is GGUF's "undefined": normal).
    pub(crate) fn from_number(n: i64) -> Option<Kind> {
        Some(match n {
            0 | 1 => Kind::Normal,
            2 => Kind::Unknown,
            3 => Kind::Control,
            4 => Kind::UserDefined,
            5 => Kind::Unused,
            6 => Kind::Byte,
            _ => return None,
        })
    }
}

/// One piece of a SentencePiece-style vocabulary, in id order.
#[derive(Clone, Debug)]
pub(crate) struct Piece {
    pub text: String,
    pub score: f32,
    pub kind: Kind,
}

/// What SentencePiece's `NormalizerSpec` and `TrainerSpec` say about encoding.
#[derive(Clone, Debug)]
pub(crate) struct SpmOptions {
    pub byte_fallback: bool,
    pub dummy_prefix: bool,
    pub remove_extra_whitespaces: bool,
    pub escape_whitespaces: bool,
    pub charsmap: Vec<u8>,
    /// Number THUDM's chat tokens after the pieces (a `tokenizer.model`; a GGUF lists them).
    pub chat_tokens: bool,
}

fn from_sentencepiece(model: &SentencePieceModel) -> Result<Document, String> {
    let trainer = model.trainer().cloned().unwrap_or_default();
    if trainer.model_type() != ModelType::Bpe {
        return Err(format!(
            "a SentencePiece {:?} model; ChatGLM ships BPE, and only BPE is read",
            trainer.model_type()
        ));
    }
    let norm = model.normalizer().cloned().unwrap_or_default();
    let pieces: Vec<Piece> = model
        .pieces()
        .iter()
        .map(|p| Piece {
            text: p.piece().to_string(),
            score: p.score(),
            kind: match p.r#type() {
                Type::Normal => Kind::Normal,
                Type::Unknown => Kind::Unknown,
                Type::Control => Kind::Control,
                Type::UserDefined => Kind::UserDefined,
                Type::Unused => Kind::Unused,
                Type::Byte => Kind::Byte,
            },
        })
        .collect();
    spm_document(
        &pieces,
        &SpmOptions {
            byte_fallback: trainer.byte_fallback(),
            dummy_prefix: norm.add_dummy_prefix(),
            remove_extra_whitespaces: norm.remove_extra_whitespaces(),
            escape_whitespaces: norm.escape_whitespaces(),
            charsmap: norm.precompiled_charsmap().to_vec(),
            chat_tokens: true,
        },
    )
}

/// A SentencePiece-style BPE vocabulary as a `tokenizer.json` document.
pub(crate) fn spm_document(pieces: &[Piece], opts: &SpmOptions) -> Result<Document, String> {
    if pieces.is_empty() {
        return Err("the vocabulary has no pieces".into());
    }
    let mut vocab: HashMap<&str, u32> = HashMap::with_capacity(pieces.len());
    let mut vocab_json = serde_json::Map::with_capacity(pieces.len());
    let mut added_tokens = Vec::new();
    let mut unk = None;
    for (id, p) in pieces.iter().enumerate() {
        let id = id as u32;
        let piece = p.text.as_str();
        if piece.is_empty() {
            return Err(format!("piece {id} is empty"));
        }
        if vocab.insert(piece, id).is_some() {
            return Err(format!("piece {piece:?} appears twice"));
        }
        vocab_json.insert(piece.to_string(), json!(id));
        match p.kind {
            Kind::Unknown => {
                unk = Some(piece);
                added_tokens.push(added(id, piece, true));
            }
            Kind::Control | Kind::Unused => added_tokens.push(added(id, piece, true)),
            // Matched whole in the text before BPE, as SentencePiece does.
            Kind::UserDefined => added_tokens.push(added(id, piece, false)),
            Kind::Normal | Kind::Byte => {}
        }
    }
    // Only normal pieces are made by merging; scores rank them (higher first).
    let merges = merges_of(
        &vocab,
        pieces
            .iter()
            .filter(|p| p.kind == Kind::Normal)
            .map(|p| (p.text.as_str(), -f64::from(p.score))),
    );
    if opts.chat_tokens {
        let n = pieces.len() as u32;
        for (i, s) in CHATGLM3_SPECIALS.iter().enumerate() {
            if vocab.contains_key(s) {
                return Err(format!("the chat token {s:?} is also a piece"));
            }
            added_tokens.push(added(n + i as u32, s, true));
        }
    }

    let mut normalizers = Vec::new();
    if !opts.charsmap.is_empty() {
        normalizers.push(json!({"type": "Precompiled",
            "precompiled_charsmap": base64::engine::general_purpose::STANDARD.encode(&opts.charsmap)}));
    }
    if opts.remove_extra_whitespaces {
        normalizers.push(json!({"type": "Strip", "strip_left": true, "strip_right": true}));
        normalizers.push(json!({"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}));
    }
    let spaces = json!({"type": "Replace", "pattern": {"String": " "}, "content": "▁"});
    let plain = {
        let mut n = normalizers.clone();
        if opts.escape_whitespaces {
            n.push(spaces.clone());
        }
        n
    };
    let dummy = opts.dummy_prefix;
    if dummy {
        normalizers.push(json!({"type": "Prepend", "prepend": "▁"}));
    }
    if opts.escape_whitespaces {
        normalizers.push(spaces);
    }
    let doc = |normalizers: Vec<Value>| {
        json!({
            "version": "1.0",
            "truncation": null,
            "padding": null,
            "added_tokens": added_tokens,
            "normalizer": {"type": "Sequence", "normalizers": normalizers},
            "pre_tokenizer": null,
            "post_processor": null,
            "decoder": {"type": "Sequence", "decoders": [
                {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                {"type": "ByteFallback"},
                {"type": "Fuse"},
                {"type": "Strip", "content": " ", "start": usize::from(dummy), "stop": 0}
            ]},
            "model": {
                "type": "BPE", "dropout": null, "unk_token": unk,
                "continuing_subword_prefix": null, "end_of_word_suffix": null,
                "fuse_unk": true, "byte_fallback": opts.byte_fallback,
                "ignore_merges": false, "vocab": vocab_json, "merges": merges
            }
        })
    };
    Ok(Document {
        json: doc(normalizers),
        continuation: dummy.then(|| doc(plain)),
        format: "sentencepiece",
    })
}

/// The GPT-2 byte-level alphabet (the character that stands for each byte in a vocabulary).
pub(crate) fn byte_chars() -> [char; 256] {
    let mut out = ['\0'; 256];
    let mut extra = 0u32;
    for b in 0..=255u8 {
        let printable = matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
        out[b as usize] = if printable {
            char::from(b)
        } else {
            extra += 1;
            char::from_u32(255 + extra).expect("in range")
        };
    }
    out
}

fn from_ranks(bytes: &[u8], specials: Option<&[(u32, String)]>) -> Result<Document, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "tiktoken ranks that are not ASCII")?;
    let chars = byte_chars();
    let mut tokens: Vec<(String, u32)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || format!("line {}: not `base64-token rank`", i + 1);
        let (tok, rank) = line.trim().split_once(' ').ok_or_else(bad)?;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(tok)
            .map_err(|_| bad())?;
        let rank: u32 = rank.parse().map_err(|_| bad())?;
        if raw.is_empty() {
            return Err(format!("line {}: an empty token", i + 1));
        }
        tokens.push((raw.iter().map(|&b| chars[b as usize]).collect(), rank));
    }
    if tokens.is_empty() {
        return Err("no ranks".into());
    }
    let mut vocab: HashMap<&str, u32> = HashMap::with_capacity(tokens.len());
    for (t, r) in &tokens {
        if vocab.insert(t.as_str(), *r).is_some() {
            return Err(format!("token {t:?} has two ranks"));
        }
    }
    let n = tokens.iter().map(|t| t.1).max().unwrap_or(0) + 1;
    if n as usize != tokens.len() {
        return Err(format!(
            "{} tokens but ranks up to {} (ranks must be 0..n without gaps)",
            tokens.len(),
            n - 1
        ));
    }
    for b in chars {
        if !vocab.contains_key(b.to_string().as_str()) {
            return Err(format!(
                "byte {:#04x} has no token (every byte must)",
                chars.iter().position(|&c| c == b).unwrap_or(0)
            ));
        }
    }
    let merges = merges_by_id(&tokens);
    let specials: Vec<(u32, String)> = match specials {
        Some(s) => s.to_vec(),
        None => GLM4_SPECIALS
            .iter()
            .enumerate()
            .map(|(i, s)| (n + i as u32, s.to_string()))
            .collect(),
    };
    let mut added_tokens = Vec::new();
    for (id, s) in &specials {
        if *id < n {
            return Err(format!(
                "special token {s:?} has id {id}, which is a rank of the vocabulary"
            ));
        }
        added_tokens.push(added(*id, s, true));
    }
    Ok(byte_level_document(
        &tokens,
        merges,
        added_tokens,
        "tiktoken",
    ))
}

/// A byte-level BPE (`tokens`: the GPT-2 alphabet's spelling and id) split first by GLM-4's
/// pattern, a piece that is itself a token taken whole.
pub(crate) fn byte_level_document(
    tokens: &[(String, u32)],
    merges: Vec<Value>,
    added_tokens: Vec<Value>,
    format: &'static str,
) -> Document {
    let vocab_json: serde_json::Map<String, Value> =
        tokens.iter().map(|(t, r)| (t.clone(), json!(r))).collect();
    let json = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added_tokens,
        "normalizer": null,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": GLM4_PATTERN}, "behavior": "Isolated", "invert": false},
            {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}
        ]},
        "post_processor": null,
        "decoder": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false},
        "model": {
            "type": "BPE", "dropout": null, "unk_token": null,
            "continuing_subword_prefix": null, "end_of_word_suffix": null,
            "fuse_unk": false, "byte_fallback": false, "ignore_merges": true,
            "vocab": vocab_json, "merges": merges
        }
    });
    Document {
        json,
        continuation: None,
        format,
    }
}

/// Merges ranked by the id of the token they make (tiktoken's ranks are its ids).
pub(crate) fn merges_by_id(tokens: &[(String, u32)]) -> Vec<Value> {
    let vocab: HashMap<&str, u32> = tokens.iter().map(|(t, r)| (t.as_str(), *r)).collect();
    merges_of(
        &vocab,
        tokens
            .iter()
            .filter(|(t, _)| t.chars().nth(1).is_some())
            .map(|(t, r)| (t.as_str(), f64::from(*r))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_are_told_from_protobuf() {
        assert!(looks_like_ranks(b"IQ== 0\nIg== 1\n"));
        assert!(!looks_like_ranks(b"\x0a\x0b\x0a\x05<unk>"));
        assert!(!looks_like_ranks(b"IQ== 0 extra\n"));
        assert!(!looks_like_ranks(b""));
    }

    /// Random bytes and damaged rank files are an error or a tokenizer, never a panic.
    #[test]
    fn damaged_tokenizer_models_are_errors_not_crashes() {
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let mut good: String = (0..=255u8)
            .map(|b| format!("{} {b}\n", b64(&[b])))
            .collect();
        good.push_str(&format!("{} 256\n{} 257\n", b64(b"ab"), b64(b"abc")));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokenizer.model");
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        std::fs::write(&path, &good).unwrap();
        assert!(crate::chat::ChatTokenizer::load(dir.path(), None).is_ok());
        for i in 0..1500 {
            let bytes: Vec<u8> = if i % 3 == 0 {
                (0..next() % 300).map(|_| next() as u8).collect()
            } else {
                let mut b = good.clone().into_bytes();
                for _ in 0..1 + next() % 4 {
                    let at = next() as usize % b.len();
                    b[at] = next() as u8;
                }
                b
            };
            std::fs::write(&path, &bytes).unwrap();
            // Read, and built into the tokenizer the model uses (tokenizers, llguidance's bytes).
            let r = std::panic::catch_unwind(|| {
                crate::chat::ChatTokenizer::load(dir.path(), None).map(|t| t.encode_text("ab c"))
            });
            assert!(r.is_ok(), "case {i} panicked");
        }
    }

    #[test]
    fn ranks_with_a_gap_or_a_missing_byte_are_refused() {
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let mut all: String = (0..=255u8)
            .map(|b| format!("{} {b}\n", b64(&[b])))
            .collect();
        assert!(from_ranks(all.as_bytes(), None).is_ok());
        all.push_str(&format!("{} 300\n", b64(b"ab")));
        let e = from_ranks(all.as_bytes(), None).unwrap_err();
        assert!(e.contains("without gaps"), "{e}");
        let missing: String = (1..=255u8)
            .map(|b| format!("{} {}\n", b64(&[b]), b - 1))
            .collect();
        let e = from_ranks(missing.as_bytes(), None).unwrap_err();
        assert!(e.contains("byte 0x00"), "{e}");
    }
}
