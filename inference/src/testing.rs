//! Tiny random checkpoints in the real Hugging Face layout, for tests and benchmarks: no weights
//! can be downloaded where CutBridge is built, so the loading paths are exercised on these.
//!
//! A GLM folder gets `config.json`, weights in BF16 split over two safetensors shards with
//! `model.safetensors.index.json`, and a byte-level BPE `tokenizer.json` trained here with the
//! tokenizers crate on bilingual editing text, with the GLM chat template's special tokens. A
//! Whisper folder ([`write_tiny_whisper`]) gets `config.json`, `model.safetensors` in F32 (every
//! tensor candle's Whisper asks for, under its Hugging Face name) and a tokenizer with Whisper's
//! special tokens.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::normalizers::NormalizerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::processors::PostProcessorWrapper;
use tokenizers::{AddedToken, TokenizerImpl};

use crate::Error;
use crate::config::GlmConfig;
use crate::rng::SplitMix;

/// The special tokens of the GLM-4 chat template.
pub const SPECIAL_TOKENS: [&str; 7] = [
    "<|endoftext|>",
    "[MASK]",
    "[gMASK]",
    "<sop>",
    "<|system|>",
    "<|user|>",
    "<|assistant|>",
];

const CORPUS: &[&str] = &[
    "{\"steps\":[{\"action\":{\"do\":\"delete\"},\"target\":{\"kind\":\"emotion\",\"emotion\":\"sad\"},\"all\":true}]}",
    "{\"do\":\"speed\",\"factor\":2.0} {\"do\":\"keep_only\"} {\"do\":\"marker\",\"color\":\"RED\"}",
    "{\"kind\":\"speaker\",\"name\":\"王建国\"} {\"kind\":\"clip\",\"index\":3} {\"kind\":\"range\",\"start\":\"00:00:10:00\",\"end\":\"00:00:20:00\"}",
    "{\"do\":\"transition\",\"length\":{\"unit\":\"seconds\",\"value\":1.0},\"placement\":\"between\"}",
    "删除所有悲伤情绪片段 把争吵的部分加速两倍 删掉王建国说的话 在第三个镜头加红色标记",
    "delete every sad moment, speed up the argument 2x, cut the last clip, add a red marker",
    "You turn an editor's instruction into the intent JSON. Speakers: 王建国, 李梅. Clips: 采访, 空镜.",
    "remove the filler words and the long pauses; keep only the interview; move the intro to the end",
    "0123456789 true false null [] {} , : \" \\n",
];

/// A tiny shape: 2 layers, hidden 64, 4 heads in 2 groups of 16 dims.
pub fn tiny_config(vocab: usize) -> GlmConfig {
    GlmConfig {
        num_layers: 2,
        padded_vocab_size: vocab.div_ceil(64) * 64,
        hidden_size: 64,
        ffn_hidden_size: 128,
        kv_channels: 16,
        num_attention_heads: 4,
        seq_length: 8192,
        multi_query_group_num: 2,
        model_type: Some("chatglm".into()),
        ..GlmConfig::chatglm3_6b()
    }
}

/// Train a byte-level BPE tokenizer of about `vocab` tokens and write it as `tokenizer.json`.
pub fn write_tokenizer(path: &Path, vocab: usize) -> Result<(), Error> {
    write_tokenizer_with(path, vocab, &SPECIAL_TOKENS)
}

/// [`write_tokenizer`] with other special tokens.
pub fn write_tokenizer_with(path: &Path, vocab: usize, special: &[&str]) -> Result<(), Error> {
    let tok_err = |e: tokenizers::Error| Error::Model(format!("training the tokenizer: {e}"));
    let specials: Vec<AddedToken> = special.iter().map(|s| AddedToken::from(*s, true)).collect();
    let mut trainer = BpeTrainerBuilder::new()
        .vocab_size(vocab)
        .min_frequency(1)
        .show_progress(false)
        .special_tokens(specials.clone())
        .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
        .build();
    let mut tk: TokenizerImpl<
        BPE,
        NormalizerWrapper,
        ByteLevel,
        PostProcessorWrapper,
        ByteLevelDecoder,
    > = TokenizerImpl::new(BPE::default());
    tk.with_pre_tokenizer(Some(ByteLevel::default().add_prefix_space(false)));
    tk.with_decoder(Some(ByteLevelDecoder::default()));
    let lines: Vec<String> = CORPUS
        .iter()
        .flat_map(|l| std::iter::repeat_n(l.to_string(), 3))
        .collect();
    tk.train(&mut trainer, lines.into_iter()).map_err(tok_err)?;
    tk.add_special_tokens(specials).map_err(tok_err)?;
    let tmp = path.with_extension("json.tmp");
    tk.save(&tmp, false).map_err(tok_err)?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Every tensor of a GLM checkpoint with its shape, in the reference names.
pub fn tensor_shapes(cfg: &GlmConfig) -> Vec<(String, Vec<usize>)> {
    let h = cfg.hidden_size;
    let hd = cfg.kv_channels;
    let qkv = cfg.num_attention_heads * hd + 2 * cfg.multi_query_group_num * hd;
    let mut v = vec![(
        "transformer.embedding.word_embeddings.weight".to_string(),
        vec![cfg.padded_vocab_size, h],
    )];
    for i in 0..cfg.num_layers {
        let p = format!("transformer.encoder.layers.{i}");
        v.push((format!("{p}.input_layernorm.weight"), vec![h]));
        v.push((
            format!("{p}.self_attention.query_key_value.weight"),
            vec![qkv, h],
        ));
        v.push((
            format!("{p}.self_attention.query_key_value.bias"),
            vec![qkv],
        ));
        v.push((
            format!("{p}.self_attention.dense.weight"),
            vec![h, cfg.num_attention_heads * hd],
        ));
        v.push((format!("{p}.post_attention_layernorm.weight"), vec![h]));
        v.push((
            format!("{p}.mlp.dense_h_to_4h.weight"),
            vec![2 * cfg.ffn_hidden_size, h],
        ));
        v.push((
            format!("{p}.mlp.dense_4h_to_h.weight"),
            vec![h, cfg.ffn_hidden_size],
        ));
    }
    v.push(("transformer.encoder.final_layernorm.weight".into(), vec![h]));
    v.push((
        "transformer.output_layer.weight".into(),
        vec![cfg.padded_vocab_size, h],
    ));
    v
}

/// Uniform random values in [-scale, scale).
fn random(n: usize, scale: f32, rng: &mut SplitMix) -> Vec<f32> {
    (0..n)
        .map(|_| (rng.next_f32() * 2.0 - 1.0) * scale)
        .collect()
}

/// Write random weights for `cfg` into `dir`, in `dtype`, over `shards` files with an index.
pub fn write_weights(
    dir: &Path,
    cfg: &GlmConfig,
    dtype: DType,
    shards: usize,
    seed: u64,
) -> Result<(), Error> {
    let shapes = tensor_shapes(cfg);
    let shards = shards.clamp(1, shapes.len());
    let per = shapes.len().div_ceil(shards);
    let mut map = serde_json::Map::new();
    let mut rng = SplitMix(seed);
    for (k, group) in shapes.chunks(per).enumerate() {
        let file = format!("model-{:05}-of-{:05}.safetensors", k + 1, shards);
        let mut tensors = HashMap::new();
        for (name, shape) in group {
            let n: usize = shape.iter().product();
            let data = if name.ends_with("layernorm.weight") {
                vec![1.0f32; n]
            } else {
                random(n, 0.08, &mut rng)
            };
            let t = Tensor::from_vec(data, shape.as_slice(), &Device::Cpu)?.to_dtype(dtype)?;
            tensors.insert(name.clone(), t);
            map.insert(name.clone(), serde_json::Value::String(file.clone()));
        }
        candle_core::safetensors::save(&tensors, dir.join(&file))?;
    }
    let index = serde_json::json!({ "metadata": {}, "weight_map": map });
    write_json(&dir.join("model.safetensors.index.json"), &index)
}

fn write_json(path: &Path, v: &serde_json::Value) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(v).map_err(|e| Error::Model(e.to_string()))?;
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

/// A config.json as the reference checkpoints write it.
pub fn config_json(cfg: &GlmConfig) -> serde_json::Value {
    serde_json::json!({
        "architectures": ["ChatGLMModel"],
        "model_type": "chatglm",
        "num_layers": cfg.num_layers,
        "padded_vocab_size": cfg.padded_vocab_size,
        "hidden_size": cfg.hidden_size,
        "ffn_hidden_size": cfg.ffn_hidden_size,
        "kv_channels": cfg.kv_channels,
        "num_attention_heads": cfg.num_attention_heads,
        "seq_length": cfg.seq_length,
        "layernorm_epsilon": cfg.layernorm_epsilon,
        "rmsnorm": cfg.rmsnorm,
        "apply_residual_connection_post_layernorm": cfg.apply_residual_connection_post_layernorm,
        "post_layer_norm": cfg.post_layer_norm,
        "add_bias_linear": cfg.add_bias_linear,
        "add_qkv_bias": cfg.add_qkv_bias,
        "multi_query_attention": cfg.multi_query_attention,
        "multi_query_group_num": cfg.multi_query_group_num,
        "rope_ratio": cfg.rope_ratio,
        "torch_dtype": "bfloat16",
        "eos_token_id": 0,
        "pad_token_id": 0
    })
}

/// A complete tiny checkpoint folder (tokenizer, config, two BF16 shards and their index).
pub fn write_tiny_glm(dir: &Path, seed: u64) -> Result<GlmConfig, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tok_path = dir.join("tokenizer.json");
    write_tokenizer(&tok_path, 600)?;
    let tk: tokenizers::Tokenizer = std::fs::read_to_string(&tok_path)
        .map_err(|e| Error::io(&tok_path, e))?
        .parse()
        .map_err(|e: tokenizers::Error| Error::Model(e.to_string()))?;
    let cfg = tiny_config(tk.get_vocab_size(true));
    write_json(&dir.join("config.json"), &config_json(&cfg))?;
    write_weights(dir, &cfg, DType::BF16, 2, seed)?;
    Ok(cfg)
}

/// The GPT-2 byte-level alphabet: the character that stands for each byte in a vocabulary.
fn byte_chars() -> [char; 256] {
    let mut out = ['\0'; 256];
    let mut k = 0x100u32;
    for b in 0..=255u8 {
        let c = b as char;
        let direct = matches!(c, '!'..='~' | '\u{A1}'..='\u{AC}' | '\u{AE}'..='\u{FF}');
        out[b as usize] = if direct {
            c
        } else {
            let c = char::from_u32(k).unwrap_or('?');
            k += 1;
            c
        };
    }
    out
}

/// A byte-level BPE `tokenizer.json` of exactly `vocab` tokens, with the GLM template's special tokens at its end. Made of
/// English sub-words, CJK characters and pairs, digits and JSON punctuation, like a real
/// bilingual vocabulary; for benchmarking the constraint at a real model's vocabulary size.
pub fn write_synthetic_tokenizer(path: &Path, vocab: usize) -> Result<(), Error> {
    let map = byte_chars();
    let enc_bytes = |b: &[u8]| -> String { b.iter().map(|b| map[*b as usize]).collect() };
    let mut merges: Vec<serde_json::Value> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut words: Vec<String> = Vec::with_capacity(vocab);
    for b in 0..=255u8 {
        let w = map[b as usize].to_string();
        seen.insert(w.clone());
        words.push(w);
    }
    let specials = SPECIAL_TOKENS.len();
    let want = vocab.saturating_sub(specials);
    let mut rng = SplitMix(0x5EED);
    let mut next = |n: u64| rng.below(n);
    const LETTERS: &[u8] = b"etaoinshrdlcumwfgypbvkjxqz";
    const PUNCT: &[&str] = &[
        "\"", ":", ",", "{", "}", "[", "]", "\":\"", "\",\"", "\":", "},{", "\"}", "\"]", ".", " ",
        "_",
    ];
    while words.len() < want {
        let w = match next(10) {
            0..=3 => {
                let len = 2 + next(7) as usize;
                let mut s = String::new();
                if next(2) == 0 {
                    s.push(' ');
                }
                for _ in 0..len {
                    s.push(LETTERS[next(LETTERS.len() as u64) as usize] as char);
                }
                s
            }
            4..=6 => (0..1 + next(2))
                .map(|_| char::from_u32(0x4E00 + next(0x5000) as u32).unwrap_or('中'))
                .collect(),
            7 => (0..1 + next(3))
                .map(|_| char::from(b'0' + next(10) as u8))
                .collect(),
            _ => (0..1 + next(2))
                .map(|_| PUNCT[next(PUNCT.len() as u64) as usize])
                .collect(),
        };
        // Each prefix of the word becomes a token made by merging the shorter prefix with the
        // next byte: a vocabulary whose merges really produce it, as BPE training would.
        let bytes = w.as_bytes();
        for k in 2..=bytes.len() {
            if words.len() >= want {
                break;
            }
            let tok = enc_bytes(&bytes[..k]);
            if seen.insert(tok.clone()) {
                merges.push(serde_json::json!([
                    enc_bytes(&bytes[..k - 1]),
                    enc_bytes(&bytes[k - 1..k])
                ]));
                words.push(tok);
            }
        }
    }
    let vocab_map: serde_json::Map<String, serde_json::Value> = words
        .iter()
        .enumerate()
        .map(|(i, w)| (w.clone(), i.into()))
        .collect();
    let added: Vec<serde_json::Value> = SPECIAL_TOKENS
        .iter()
        .enumerate()
        .map(|(i, s)| {
            serde_json::json!({"id": words.len() + i, "content": s, "single_word": false,
                "lstrip": false, "rstrip": false, "normalized": false, "special": true})
        })
        .collect();
    let byte_level = serde_json::json!({"type": "ByteLevel", "add_prefix_space": false,
        "trim_offsets": true, "use_regex": true});
    let doc = serde_json::json!({
        "version": "1.0", "truncation": null, "padding": null,
        "added_tokens": added, "normalizer": null,
        "pre_tokenizer": byte_level, "post_processor": null, "decoder": byte_level,
        "model": {"type": "BPE", "dropout": null, "unk_token": null,
            "continuing_subword_prefix": null, "end_of_word_suffix": null, "fuse_unk": false,
            "byte_fallback": false, "ignore_merges": false, "vocab": vocab_map, "merges": merges}
    });
    write_json(path, &doc)
}

/// One tiny checkpoint per test process (seed 7), written on first use into a temporary folder
/// that is kept for the process's life: training the tokenizer takes a moment.
pub fn shared_tiny_glm() -> &'static Path {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::Builder::new()
            .prefix("tiny-glm")
            .tempdir()
            .expect("a temporary folder")
            .keep();
        write_tiny_glm(&d, 7).expect("the tiny checkpoint is written");
        d
    })
}

/// Whisper's special tokens (multilingual models), the ones CutBridge's decoding uses.
pub const WHISPER_SPECIAL_TOKENS: [&str; 10] = [
    "<|endoftext|>",
    "<|startoftranscript|>",
    "<|en|>",
    "<|zh|>",
    "<|translate|>",
    "<|transcribe|>",
    "<|startoflm|>",
    "<|startofprev|>",
    "<|nocaptions|>",
    "<|notimestamps|>",
];

/// A tiny Whisper shape: d_model 64, 2 encoder and 2 decoder layers of 4 heads, 80 mel bins,
/// the real context lengths (1500 audio positions for a 30 s window, 448 text positions).
pub fn tiny_whisper_config(vocab: usize) -> candle_transformers::models::whisper::Config {
    candle_transformers::models::whisper::Config {
        num_mel_bins: 80,
        max_source_positions: 1500,
        d_model: 64,
        encoder_attention_heads: 4,
        encoder_layers: 2,
        vocab_size: vocab,
        max_target_positions: 448,
        decoder_attention_heads: 4,
        decoder_layers: 2,
        suppress_tokens: Vec::new(),
    }
}

/// A Whisper config.json as Hugging Face writes it (the fields candle reads, and a few more).
pub fn whisper_config_json(
    cfg: &candle_transformers::models::whisper::Config,
) -> serde_json::Value {
    serde_json::json!({
        "architectures": ["WhisperForConditionalGeneration"],
        "model_type": "whisper",
        "num_mel_bins": cfg.num_mel_bins,
        "max_source_positions": cfg.max_source_positions,
        "d_model": cfg.d_model,
        "encoder_attention_heads": cfg.encoder_attention_heads,
        "encoder_layers": cfg.encoder_layers,
        "encoder_ffn_dim": cfg.d_model * 4,
        "vocab_size": cfg.vocab_size,
        "max_target_positions": cfg.max_target_positions,
        "decoder_attention_heads": cfg.decoder_attention_heads,
        "decoder_layers": cfg.decoder_layers,
        "decoder_ffn_dim": cfg.d_model * 4,
        "suppress_tokens": cfg.suppress_tokens,
        "torch_dtype": "float32"
    })
}

/// Random weights for `cfg` as `model.safetensors`: candle's own Whisper is built over a
/// `VarMap` (so every tensor it asks for exists, under its name and shape), then each is filled
/// with seeded random values (layer norms: weight 1, bias 0) and the map saved.
pub fn write_whisper_weights(
    path: &Path,
    cfg: &candle_transformers::models::whisper::Config,
    seed: u64,
) -> Result<(), Error> {
    let varmap = candle_nn::VarMap::new();
    let vb = candle_nn::VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    candle_transformers::models::whisper::model::Whisper::load(&vb, cfg.clone())?;
    let vars = varmap
        .data()
        .lock()
        .map_err(|_| Error::Model("the variable map is poisoned".into()))?;
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort();
    let mut rng = SplitMix(seed);
    for name in names {
        let var = &vars[name];
        let shape = var.shape().clone();
        let n = shape.elem_count();
        let data = if name.contains("layer_norm") {
            let v = if name.ends_with(".weight") { 1.0 } else { 0.0 };
            vec![v; n]
        } else {
            random(n, 0.1, &mut rng)
        };
        var.set(&Tensor::from_vec(data, shape, &Device::Cpu)?)?;
    }
    drop(vars);
    varmap.save(path)?;
    Ok(())
}

/// A complete tiny Whisper folder: `tokenizer.json`, `config.json`, `model.safetensors`.
pub fn write_tiny_whisper(
    dir: &Path,
    seed: u64,
) -> Result<candle_transformers::models::whisper::Config, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tok_path = dir.join("tokenizer.json");
    write_tokenizer_with(&tok_path, 600, &WHISPER_SPECIAL_TOKENS)?;
    let tk: tokenizers::Tokenizer = std::fs::read_to_string(&tok_path)
        .map_err(|e| Error::io(&tok_path, e))?
        .parse()
        .map_err(|e: tokenizers::Error| Error::Model(e.to_string()))?;
    let cfg = tiny_whisper_config(tk.get_vocab_size(true));
    write_json(&dir.join("config.json"), &whisper_config_json(&cfg))?;
    write_whisper_weights(&dir.join("model.safetensors"), &cfg, seed)?;
    Ok(cfg)
}
