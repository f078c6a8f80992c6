//! A GGUF file of ChatGLM3 or GLM-4 as llama.cpp's converter (`convert_hf_to_gguf.py`, class
//! `ChatGLMModel`, architecture `chatglm`) writes it: its hyper-parameters, its vocabulary, and
//! its tensors, quantized or not, loaded as they are.
//!
//! The converter keeps THUDM's layout and only renames (it drops the `transformer.` prefix and
//! maps names through gguf-py's tensor table; nothing is permuted): the fused `attn_qkv` (with
//! its bias) is `[q; k; v]` as in `query_key_value`, `ffn_up` is the fused gate-then-up
//! `dense_h_to_4h` that `swiglu` splits, and rotary stays on half of each head, in interleaved
//! pairs (llama.cpp's `LLAMA_ROPE_TYPE_NORM` with `rope.dimension_count` = head_dim / 2). So every
//! tensor maps one to one onto the names [`crate::glm`] reads ([`gguf_name`]).
//!
//! The vocabulary: ChatGLM3's (`tokenizer.ggml.model` = "llama") is the SentencePiece pieces with
//! their scores and types, ids 0–2 renamed `<unk> <bos> <eos>` and the chat tokens as control
//! pieces after them; GLM-4's ("gpt2", pre-tokenizer "chatglm-bpe") is byte-level tokens in rank
//! order with merges. Both become the same `tokenizer.json` documents as `tokenizer.model` does
//! ([`crate::tokenizer_model`]).

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use candle_core::quantized::QTensor;
use candle_core::quantized::gguf_file::{Content, Value};
use candle_core::{DType, Device, Shape, Tensor};
use candle_nn::var_builder::SimpleBackend;

use crate::Error;
use crate::config::GlmConfig;
use crate::tokenizer_model::{self, Document, Kind, Piece, SpmOptions};

/// The GGUF name of a tensor the model reads by its THUDM name.
pub fn gguf_name(hf: &str) -> Option<String> {
    let name = hf.strip_prefix("transformer.")?;
    let (stem, kind) = name.rsplit_once('.')?;
    let mapped = match stem {
        "embedding.word_embeddings" => "token_embd".to_string(),
        "encoder.final_layernorm" => "output_norm".to_string(),
        "output_layer" => "output".to_string(),
        _ => {
            let rest = stem.strip_prefix("encoder.layers.")?;
            let (n, part) = rest.split_once('.')?;
            let n: usize = n.parse().ok()?;
            let part = match part {
                "input_layernorm" => "attn_norm",
                "self_attention.query_key_value" => "attn_qkv",
                "self_attention.dense" => "attn_output",
                "post_attention_layernorm" => "ffn_norm",
                "mlp.dense_h_to_4h" => "ffn_up",
                "mlp.dense_4h_to_h" => "ffn_down",
                _ => return None,
            };
            format!("blk.{n}.{part}")
        }
    };
    Some(format!("{mapped}.{kind}"))
}

/// An open GGUF file: its header, and a reader for its tensors.
pub struct Gguf {
    path: PathBuf,
    content: Content,
    reader: Mutex<BufReader<File>>,
}

impl std::fmt::Debug for Gguf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gguf")
            .field("path", &self.path)
            .field("tensors", &self.content.tensor_infos.len())
            .finish()
    }
}

/// The `.gguf` file `path` names: the file itself, or the one `.gguf` in a folder that has no
/// safetensors weights. `None` when it is neither.
pub fn find(path: &Path) -> Result<Option<PathBuf>, Error> {
    if path.is_file() {
        return Ok(path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gguf"))
            .then(|| path.to_path_buf()));
    }
    if !path.is_dir()
        || path.join("model.safetensors").exists()
        || path.join("model.safetensors.index.json").exists()
    {
        return Ok(None);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| Error::io(path, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("gguf"))
        })
        .collect();
    found.sort();
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        _ => Err(Error::BadModel(format!(
            "{}: {} .gguf files; name the one to load",
            path.display(),
            found.len()
        ))),
    }
}

impl Gguf {
    pub fn open(path: &Path) -> Result<Gguf, Error> {
        let bad = |m: String| Error::BadModel(format!("{}: {m}", path.display()));
        let mut file = BufReader::new(File::open(path).map_err(|e| Error::io(path, e))?);
        let content = Content::read(&mut file).map_err(|e| bad(format!("not a GGUF file: {e}")))?;
        let arch = content
            .metadata
            .get("general.architecture")
            .and_then(|v| v.to_string().ok())
            .cloned()
            .unwrap_or_default();
        if arch != "chatglm" {
            return Err(bad(format!(
                "architecture {arch:?}; CutBridge reads llama.cpp's \"chatglm\" (ChatGLM3, GLM-4)"
            )));
        }
        // Every tensor's data must lie inside the file: a truncated download is named here, not
        // found halfway through loading the weights.
        let len = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        for (name, info) in &content.tensor_infos {
            let elems = info.shape.elem_count() as u64;
            let block = info.ggml_dtype.block_size() as u64;
            let bytes = elems.div_ceil(block) * info.ggml_dtype.type_size() as u64;
            let end = content
                .tensor_data_offset
                .saturating_add(info.offset)
                .saturating_add(bytes);
            if end > len {
                return Err(bad(format!(
                    "tensor {name} ends at byte {end}, past the file's {len}: the file is truncated"
                )));
            }
        }
        Ok(Gguf {
            path: path.to_path_buf(),
            content,
            reader: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn bad(&self, m: String) -> Error {
        Error::BadModel(format!("{}: {m}", self.path.display()))
    }

    fn meta(&self, key: &str) -> Result<&Value, Error> {
        self.content
            .metadata
            .get(key)
            .ok_or_else(|| self.bad(format!("no {key} in the metadata")))
    }

    fn meta_u64(&self, key: &str) -> Result<usize, Error> {
        self.meta(key)?
            .to_u64()
            .map(|v| v as usize)
            .map_err(|e| self.bad(format!("{key}: {e}")))
    }

    fn meta_f64(&self, key: &str) -> Result<Option<f64>, Error> {
        match self.content.metadata.get(key) {
            None => Ok(None),
            Some(v) => v
                .to_f64()
                .or_else(|_| v.to_f32().map(f64::from))
                .map(Some)
                .map_err(|e| self.bad(format!("{key}: {e}"))),
        }
    }

    fn has(&self, name: &str) -> bool {
        self.content.tensor_infos.contains_key(name)
    }

    /// The hyper-parameters, in `config.json`'s terms.
    pub fn config(&self) -> Result<GlmConfig, Error> {
        let hidden = self.meta_u64("chatglm.embedding_length")?;
        let heads = self.meta_u64("chatglm.attention.head_count")?;
        let groups = match self.content.metadata.get("chatglm.attention.head_count_kv") {
            Some(_) => self.meta_u64("chatglm.attention.head_count_kv")?,
            None => heads,
        };
        if heads == 0 || groups == 0 || heads % groups != 0 {
            return Err(self.bad(format!("{heads} heads in {groups} key/value groups")));
        }
        // The converter writes half the head as the rotary dimension.
        let head_dim = match self.content.metadata.get("chatglm.rope.dimension_count") {
            Some(_) => 2 * self.meta_u64("chatglm.rope.dimension_count")?,
            None => hidden / heads,
        };
        let vocab = self
            .content
            .tensor_infos
            .get("token_embd.weight")
            .ok_or_else(|| self.bad("no token_embd.weight tensor".into()))?
            .shape
            .dims()
            .first()
            .copied()
            .unwrap_or(0);
        Ok(GlmConfig {
            num_layers: self.meta_u64("chatglm.block_count")?,
            padded_vocab_size: vocab,
            hidden_size: hidden,
            ffn_hidden_size: self.meta_u64("chatglm.feed_forward_length")?,
            kv_channels: head_dim,
            num_attention_heads: heads,
            seq_length: self.meta_u64("chatglm.context_length")?,
            layernorm_epsilon: self
                .meta_f64("chatglm.attention.layer_norm_rms_epsilon")?
                .unwrap_or(1e-5),
            rmsnorm: true,
            apply_residual_connection_post_layernorm: false,
            post_layer_norm: self.has("output_norm.weight"),
            add_bias_linear: self.has("blk.0.attn_output.bias"),
            add_qkv_bias: self.has("blk.0.attn_qkv.bias"),
            multi_query_attention: groups != heads,
            multi_query_group_num: groups,
            rope_ratio: self.meta_f64("chatglm.rope.freq_base")?.unwrap_or(10_000.0) / 10_000.0,
            model_type: Some("chatglm".into()),
        })
    }

    /// A tensor as the file holds it (quantized or not), by its THUDM name.
    pub fn qtensor(&self, hf: &str, device: &Device) -> candle_core::Result<QTensor> {
        let name = gguf_name(hf)
            .ok_or_else(|| candle_core::Error::Msg(format!("no GGUF name for {hf}")))?;
        let mut reader = self
            .reader
            .lock()
            .map_err(|_| candle_core::Error::Msg("the GGUF reader was poisoned".into()))?;
        self.content.tensor(&mut *reader, &name, device)
    }

    /// Is the tensor the model reads as `hf` stored in a block-quantized type?
    pub fn is_quantized(&self, hf: &str) -> bool {
        gguf_name(hf)
            .and_then(|n| self.content.tensor_infos.get(&n))
            .is_some_and(|t| {
                !matches!(
                    t.ggml_dtype,
                    candle_core::quantized::GgmlDType::F32
                        | candle_core::quantized::GgmlDType::F16
                        | candle_core::quantized::GgmlDType::BF16
                )
            })
    }

    /// Does the file hold the tensor the model reads as `hf`?
    pub fn contains(&self, hf: &str) -> bool {
        gguf_name(hf).is_some_and(|n| self.has(&n))
    }

    /// The vocabulary as a `tokenizer.json` document.
    pub fn tokenizer(&self) -> Result<Document, Error> {
        let model = self
            .meta("tokenizer.ggml.model")?
            .to_string()
            .map_err(|e| self.bad(e.to_string()))?
            .clone();
        let strings = |key: &str| -> Result<Vec<String>, Error> {
            self.meta(key)?
                .to_vec()
                .map_err(|e| self.bad(format!("{key}: {e}")))?
                .iter()
                .map(|v| {
                    v.to_string()
                        .cloned()
                        .map_err(|e| self.bad(format!("{key}: {e}")))
                })
                .collect()
        };
        let tokens = strings("tokenizer.ggml.tokens")?;
        let kinds: Vec<Kind> = match self.content.metadata.get("tokenizer.ggml.token_type") {
            None => vec![Kind::Normal; tokens.len()],
            Some(v) => v
                .to_vec()
                .map_err(|e| self.bad(format!("tokenizer.ggml.token_type: {e}")))?
                .iter()
                .map(|t| {
                    t.to_i32()
                        .ok()
                        .and_then(|n| Kind::from_number(i64::from(n)))
                        .ok_or_else(|| self.bad(format!("token type {t:?}")))
                })
                .collect::<Result<_, _>>()?,
        };
        if kinds.len() != tokens.len() {
            return Err(self.bad(format!(
                "{} tokens but {} token types",
                tokens.len(),
                kinds.len()
            )));
        }
        match model.as_str() {
            "llama" => {
                let scores: Vec<f32> = match self.content.metadata.get("tokenizer.ggml.scores") {
                    None => vec![0.0; tokens.len()],
                    Some(v) => v
                        .to_vec()
                        .map_err(|e| self.bad(format!("tokenizer.ggml.scores: {e}")))?
                        .iter()
                        .map(|s| s.to_f32().map_err(|e| self.bad(format!("score: {e}"))))
                        .collect::<Result<_, _>>()?,
                };
                let pieces: Vec<Piece> = tokens
                    .into_iter()
                    .zip(kinds)
                    .zip(scores)
                    .map(|((text, kind), score)| Piece { text, score, kind })
                    .collect();
                let dummy = match self.content.metadata.get("tokenizer.ggml.add_space_prefix") {
                    Some(v) => v.to_bool().unwrap_or(true),
                    None => true,
                };
                tokenizer_model::spm_document(
                    &pieces,
                    &SpmOptions {
                        byte_fallback: pieces.iter().any(|p| p.kind == Kind::Byte),
                        dummy_prefix: dummy,
                        remove_extra_whitespaces: false,
                        escape_whitespaces: true,
                        charsmap: Vec::new(),
                        chat_tokens: false,
                    },
                )
                .map_err(|m| self.bad(m))
            }
            "gpt2" => {
                let pre = self
                    .content
                    .metadata
                    .get("tokenizer.ggml.pre")
                    .and_then(|v| v.to_string().ok())
                    .cloned()
                    .unwrap_or_default();
                if pre != "chatglm-bpe" {
                    return Err(self.bad(format!(
                        "pre-tokenizer {pre:?}; GLM-4's is \"chatglm-bpe\""
                    )));
                }
                let mut vocab = Vec::new();
                let mut added = Vec::new();
                for (id, (t, k)) in tokens.iter().zip(&kinds).enumerate() {
                    let id = id as u32;
                    match k {
                        Kind::Normal | Kind::Byte => vocab.push((t.clone(), id)),
                        Kind::UserDefined => added.push(tokenizer_model::added(id, t, false)),
                        Kind::Control | Kind::Unknown | Kind::Unused => {
                            added.push(tokenizer_model::added(id, t, true))
                        }
                    }
                }
                let merges = match self.content.metadata.get("tokenizer.ggml.merges") {
                    Some(_) => strings("tokenizer.ggml.merges")?
                        .iter()
                        .map(|m| {
                            let (l, r) = m
                                .split_once(' ')
                                .ok_or_else(|| self.bad(format!("merge {m:?}")))?;
                            Ok(serde_json::json!([l, r]))
                        })
                        .collect::<Result<Vec<_>, Error>>()?,
                    // tiktoken's ranks are the ids: the merges follow from them.
                    None => tokenizer_model::merges_by_id(&vocab),
                };
                Ok(tokenizer_model::byte_level_document(
                    &vocab, merges, added, "gguf",
                ))
            }
            other => Err(self.bad(format!(
                "tokenizer model {other:?}; ChatGLM's GGUF files are \"llama\" (ChatGLM3) or \"gpt2\" (GLM-4)"
            ))),
        }
    }
}

/// The file's tensors, dequantized, for the parts of the model kept dense (norms, biases, the
/// embedding table), behind candle-nn's `VarBuilder`.
pub(crate) struct DenseBackend(pub std::sync::Arc<Gguf>);

impl SimpleBackend for DenseBackend {
    fn get(
        &self,
        s: Shape,
        name: &str,
        _h: candle_nn::Init,
        dtype: DType,
        dev: &Device,
    ) -> candle_core::Result<Tensor> {
        let t = self.get_unchecked(name, dtype, dev)?;
        if t.shape() != &s {
            candle_core::bail!(
                "{}: {name} is {:?}, the model expects {s:?}",
                self.0.path.display(),
                t.shape()
            );
        }
        Ok(t)
    }

    fn get_unchecked(&self, name: &str, dtype: DType, dev: &Device) -> candle_core::Result<Tensor> {
        self.0.qtensor(name, dev)?.dequantize(dev)?.to_dtype(dtype)
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.0.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device, Tensor};

    #[test]
    fn thudm_names_map_to_llama_cpps() {
        for (hf, gguf) in [
            (
                "transformer.embedding.word_embeddings.weight",
                "token_embd.weight",
            ),
            (
                "transformer.encoder.layers.3.self_attention.query_key_value.bias",
                "blk.3.attn_qkv.bias",
            ),
            (
                "transformer.encoder.layers.27.mlp.dense_4h_to_h.weight",
                "blk.27.ffn_down.weight",
            ),
            (
                "transformer.encoder.layers.0.post_attention_layernorm.weight",
                "blk.0.ffn_norm.weight",
            ),
            (
                "transformer.encoder.final_layernorm.weight",
                "output_norm.weight",
            ),
            ("transformer.output_layer.weight", "output.weight"),
        ] {
            assert_eq!(gguf_name(hf).as_deref(), Some(gguf), "{hf}");
        }
        assert_eq!(gguf_name("transformer.rotary_pos_emb.inv_freq"), None);
        assert_eq!(gguf_name("lm_head.weight"), None);
    }

    /// A small GGUF file of the chatglm architecture (a "gpt2" vocabulary over bytes).
    fn small_file() -> Vec<u8> {
        use candle_core::quantized::gguf_file::{Value as V, write};
        let s = |x: &str| V::String(x.into());
        let mut tokens: Vec<V> = (0..=255u8)
            .map(|b| s(&crate::tokenizer_model::byte_chars()[b as usize].to_string()))
            .collect();
        tokens.push(s("[gMASK]"));
        let mut types = vec![V::I32(1); 256];
        types.push(V::I32(3));
        let meta: Vec<(&str, V)> = vec![
            ("general.architecture", s("chatglm")),
            ("chatglm.block_count", V::U32(1)),
            ("chatglm.embedding_length", V::U32(32)),
            ("chatglm.feed_forward_length", V::U32(64)),
            ("chatglm.attention.head_count", V::U32(2)),
            ("chatglm.attention.head_count_kv", V::U32(1)),
            ("chatglm.rope.dimension_count", V::U32(8)),
            ("chatglm.context_length", V::U32(128)),
            ("chatglm.rope.freq_base", V::F32(10_000.0)),
            ("tokenizer.ggml.model", s("gpt2")),
            ("tokenizer.ggml.pre", s("chatglm-bpe")),
            ("tokenizer.ggml.tokens", V::Array(tokens)),
            ("tokenizer.ggml.token_type", V::Array(types)),
        ];
        let embd = QTensor::quantize(
            &Tensor::zeros((257, 32), DType::F32, &Device::Cpu).unwrap(),
            candle_core::quantized::GgmlDType::F32,
        )
        .unwrap();
        let mut out = std::io::Cursor::new(Vec::new());
        let meta_refs: Vec<(&str, &V)> = meta.iter().map(|(k, v)| (*k, v)).collect();
        write(&mut out, &meta_refs, &[("token_embd.weight", &embd)]).unwrap();
        out.into_inner()
    }

    fn read_all(bytes: &[u8]) -> Result<(), Error> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.gguf");
        std::fs::write(&path, bytes).unwrap();
        let g = Gguf::open(&path)?;
        g.config()?;
        g.tokenizer()?;
        Ok(())
    }

    /// Truncated and byte-flipped files (every header byte, then a sample of the rest): each
    /// is an error or a model, never a panic or an allocation the file cannot back.
    #[test]
    fn damaged_files_are_errors_not_crashes() {
        let good = small_file();
        read_all(&good).unwrap();
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for cut in (0..good.len()).step_by(7) {
            let r = std::panic::catch_unwind(|| read_all(&good[..cut]));
            assert!(r.is_ok(), "truncated at {cut} panicked");
            assert!(
                r.unwrap().is_err(),
                "a file cut at {cut} of {} loaded",
                good.len()
            );
        }
        for i in 0..3000 {
            let mut bad = good.clone();
            let at = if i < 600 {
                i % good.len()
            } else {
                next() as usize % good.len()
            };
            bad[at] ^= (next() as u8) | 1;
            let r = std::panic::catch_unwind(|| read_all(&bad));
            assert!(r.is_ok(), "a flipped byte at {at} panicked");
        }
    }
}
