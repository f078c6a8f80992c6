//! `config.json` of a ChatGLM2/3 or GLM-4 checkpoint (the `THUDM/chatglm3-6b` and
//! `THUDM/glm-4-9b-chat` layout: `model_type` "chatglm").

use std::path::Path;

use serde::Deserialize;

use crate::Error;

fn one() -> f64 {
    1.0
}
fn yes() -> bool {
    true
}
fn eps() -> f64 {
    1e-5
}
fn two() -> usize {
    2
}

/// The fields of `config.json` the model needs; the rest of the file is ignored.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct GlmConfig {
    pub num_layers: usize,
    pub padded_vocab_size: usize,
    pub hidden_size: usize,
    pub ffn_hidden_size: usize,
    pub kv_channels: usize,
    pub num_attention_heads: usize,
    pub seq_length: usize,
    #[serde(default = "eps")]
    pub layernorm_epsilon: f64,
    #[serde(default = "yes")]
    pub rmsnorm: bool,
    #[serde(default)]
    pub apply_residual_connection_post_layernorm: bool,
    #[serde(default = "yes")]
    pub post_layer_norm: bool,
    #[serde(default)]
    pub add_bias_linear: bool,
    #[serde(default = "yes")]
    pub add_qkv_bias: bool,
    #[serde(default = "yes")]
    pub multi_query_attention: bool,
    #[serde(default = "two")]
    pub multi_query_group_num: usize,
    /// GLM-4 and the long-context ChatGLM3 variants scale the rotary base (10 000 × ratio).
    #[serde(default = "one")]
    pub rope_ratio: f64,
    #[serde(default)]
    pub model_type: Option<String>,
}

impl GlmConfig {
    /// ChatGLM3-6B's shape (for benchmarks on random weights).
    pub fn chatglm3_6b() -> GlmConfig {
        GlmConfig {
            num_layers: 28,
            padded_vocab_size: 65024,
            hidden_size: 4096,
            ffn_hidden_size: 13696,
            kv_channels: 128,
            num_attention_heads: 32,
            seq_length: 8192,
            layernorm_epsilon: 1e-5,
            rmsnorm: true,
            apply_residual_connection_post_layernorm: false,
            post_layer_norm: true,
            add_bias_linear: false,
            add_qkv_bias: true,
            multi_query_attention: true,
            multi_query_group_num: 2,
            rope_ratio: 1.0,
            model_type: Some("chatglm".into()),
        }
    }

    pub fn from_file(path: &Path) -> Result<GlmConfig, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let de = &mut serde_json::Deserializer::from_str(&text);
        let cfg: GlmConfig = serde_path_to_error::deserialize(de).map_err(|e| {
            Error::BadModel(format!(
                "{}: {} (at {})",
                path.display(),
                e.inner(),
                e.path()
            ))
        })?;
        cfg.validate()
            .map_err(|m| Error::BadModel(format!("{}: {m}", path.display())))?;
        Ok(cfg)
    }

    /// The checks a shape must pass before any tensor is allocated.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(t) = &self.model_type
            && t != "chatglm"
        {
            return Err(format!(
                "model_type is {t:?}: only ChatGLM2/3 and GLM-4 (\"chatglm\") checkpoints are supported"
            ));
        }
        let positive = [
            ("num_layers", self.num_layers),
            ("padded_vocab_size", self.padded_vocab_size),
            ("hidden_size", self.hidden_size),
            ("ffn_hidden_size", self.ffn_hidden_size),
            ("kv_channels", self.kv_channels),
            ("num_attention_heads", self.num_attention_heads),
            ("seq_length", self.seq_length),
            ("multi_query_group_num", self.multi_query_group_num),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(format!("{name} is 0"));
            }
        }
        if !self.multi_query_attention {
            return Err("multi_query_attention is false: only grouped-query checkpoints (ChatGLM2 and later) are supported".into());
        }
        if self.num_attention_heads % self.multi_query_group_num != 0 {
            return Err(format!(
                "num_attention_heads {} is not a multiple of multi_query_group_num {}",
                self.num_attention_heads, self.multi_query_group_num
            ));
        }
        if self.kv_channels % 4 != 0 {
            return Err(format!(
                "kv_channels {} must be a multiple of 4 (rotary pairs on half the head)",
                self.kv_channels
            ));
        }
        if !(self.rope_ratio.is_finite() && self.rope_ratio > 0.0) {
            return Err(format!("rope_ratio {} is not positive", self.rope_ratio));
        }
        Ok(())
    }

    pub fn head_dim(&self) -> usize {
        self.kv_channels
    }

    /// Parameters, for memory estimates.
    pub fn parameters(&self) -> usize {
        let h = self.hidden_size;
        let hd = self.kv_channels;
        let qkv = h * (self.num_attention_heads * hd + 2 * self.multi_query_group_num * hd);
        let per_layer =
            qkv + self.num_attention_heads * hd * h + 3 * h * self.ffn_hidden_size + 2 * h;
        2 * self.padded_vocab_size * h + self.num_layers * per_layer + h
    }
}
