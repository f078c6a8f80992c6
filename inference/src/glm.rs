//! The ChatGLM2/3 and GLM-4 decoder, on candle-nn.
//!
//! Written here rather than taken from `candle_transformers::models::{chatglm, glm4}` because, in
//! candle-transformers 0.11.1, those build the rotary tables in the model dtype (BF16 cannot hold
//! positions above 256 exactly) and build the causal mask without the cache offset (a second
//! multi-token chunk attends to the future). Here the tables are computed in F32 and cast, the
//! mask knows the offset, scores are soft-maxed in F32 (as the reference implementation's
//! `attention_softmax_in_fp32`), and the cache is `candle_nn::kv_cache::KvCache`, which can be cut
//! back to a shared prompt prefix.
//!
//! Layout is (batch, seq, hidden) throughout; checkpoints use the reference names
//! (`transformer.encoder.layers.N.self_attention.query_key_value`, …).

use candle_core::{D, DType, Device, Module, Result, Tensor};
use candle_nn::kv_cache::KvCache;
use candle_nn::{Embedding, LayerNorm, VarBuilder};

use crate::config::GlmConfig;
use crate::quant::{Lin, Quant, Weights};

/// Rotary tables: cos and sin for every position, (positions, rotary_dim / 2), in the model dtype
/// but computed in F32.
#[derive(Debug, Clone)]
struct Rotary {
    cos: Tensor,
    sin: Tensor,
    rot_dim: usize,
}

impl Rotary {
    fn new(cfg: &GlmConfig, max_positions: usize, dtype: DType, dev: &Device) -> Result<Rotary> {
        // The reference rotates the first half of each head, in interleaved pairs.
        let rot_dim = cfg.kv_channels / 2;
        let base = 10_000f64 * cfg.rope_ratio;
        let inv: Vec<f32> = (0..rot_dim)
            .step_by(2)
            .map(|i| (1.0 / base.powf(i as f64 / rot_dim as f64)) as f32)
            .collect();
        let half = inv.len();
        let inv = Tensor::from_vec(inv, (1, half), &Device::Cpu)?;
        let t = Tensor::arange(0u32, max_positions as u32, &Device::Cpu)?
            .to_dtype(DType::F32)?
            .reshape((max_positions, 1))?;
        let freqs = t.matmul(&inv)?;
        Ok(Rotary {
            cos: freqs.cos()?.to_dtype(dtype)?.to_device(dev)?,
            sin: freqs.sin()?.to_dtype(dtype)?.to_device(dev)?,
            rot_dim,
        })
    }

    /// `x`: (b, heads, seq, head_dim) at positions `offset..offset + seq`.
    fn apply(&self, x: &Tensor, offset: usize) -> Result<Tensor> {
        let (_, _, seq, hd) = x.dims4()?;
        let cos = self.cos.narrow(0, offset, seq)?;
        let sin = self.sin.narrow(0, offset, seq)?;
        let rot = x.narrow(D::Minus1, 0, self.rot_dim)?.contiguous()?;
        let pass = x.narrow(D::Minus1, self.rot_dim, hd - self.rot_dim)?;
        let rot = candle_nn::rotary_emb::rope_i(&rot, &cos, &sin)?;
        Tensor::cat(&[&rot, &pass], D::Minus1)
    }
}

#[derive(Debug, Clone)]
enum Norm {
    Rms(candle_nn::RmsNorm),
    Layer(LayerNorm),
}

impl Norm {
    fn new(cfg: &GlmConfig, vb: VarBuilder) -> Result<Norm> {
        Ok(if cfg.rmsnorm {
            Norm::Rms(candle_nn::rms_norm(
                cfg.hidden_size,
                cfg.layernorm_epsilon,
                vb,
            )?)
        } else {
            Norm::Layer(candle_nn::layer_norm(
                cfg.hidden_size,
                cfg.layernorm_epsilon,
                vb,
            )?)
        })
    }
}

impl Module for Norm {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        match self {
            Norm::Rms(n) => n.forward(xs),
            Norm::Layer(n) => n.forward(xs),
        }
    }
}

#[derive(Debug, Clone)]
struct Attention {
    qkv: Lin,
    dense: Lin,
    heads: usize,
    groups: usize,
    head_dim: usize,
    cache: KvCache,
}

impl Attention {
    fn new(cfg: &GlmConfig, cache_len: usize, w: Weights) -> Result<Attention> {
        let hd = cfg.kv_channels;
        let (heads, groups) = (cfg.num_attention_heads, cfg.multi_query_group_num);
        let qkv = w.pp("query_key_value").linear(
            cfg.hidden_size,
            heads * hd + 2 * groups * hd,
            cfg.add_bias_linear || cfg.add_qkv_bias,
            false,
        )?;
        let dense =
            w.pp("dense")
                .linear(heads * hd, cfg.hidden_size, cfg.add_bias_linear, false)?;
        Ok(Attention {
            qkv,
            dense,
            heads,
            groups,
            head_dim: hd,
            cache: KvCache::new(2, cache_len),
        })
    }

    fn forward(&mut self, xs: &Tensor, rotary: &Rotary, mask: Option<&Tensor>) -> Result<Tensor> {
        let (b, seq, _) = xs.dims3()?;
        let offset = self.cache.current_seq_len();
        let hd = self.head_dim;
        let mixed = xs.apply(&self.qkv)?;
        let split = |start: usize, n: usize| -> Result<Tensor> {
            mixed
                .narrow(D::Minus1, start * hd, n * hd)?
                .reshape((b, seq, n, hd))?
                .transpose(1, 2)?
                .contiguous()
        };
        let q = split(0, self.heads)?;
        let k = split(self.heads, self.groups)?;
        let v = split(self.heads + self.groups, self.groups)?;
        let q = rotary.apply(&q, offset)?;
        let k = rotary.apply(&k, offset)?;
        let (k, v) = self.cache.append(&k.contiguous()?, &v)?;
        let rep = self.heads / self.groups;
        let k = candle_transformers::utils::repeat_kv(k, rep)?.contiguous()?;
        let v = candle_transformers::utils::repeat_kv(v, rep)?.contiguous()?;
        let scale = 1.0 / (hd as f64).sqrt();
        // Scores in the model dtype, soft-max in F32.
        let scores = (q.matmul(&k.t()?)? * scale)?.to_dtype(DType::F32)?;
        let scores = match mask {
            Some(m) => scores.broadcast_add(m)?,
            None => scores,
        };
        let probs = candle_nn::ops::softmax_last_dim(&scores)?.to_dtype(v.dtype())?;
        let ctx = probs
            .matmul(&v)?
            .transpose(1, 2)?
            .reshape((b, seq, self.heads * hd))?;
        ctx.apply(&self.dense)
    }
}

#[derive(Debug, Clone)]
struct Mlp {
    up: Lin,
    down: Lin,
}

impl Module for Mlp {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let h = xs.apply(&self.up)?;
        candle_nn::ops::swiglu(&h)?.apply(&self.down)
    }
}

#[derive(Debug, Clone)]
struct Block {
    input_norm: Norm,
    attention: Attention,
    post_norm: Norm,
    mlp: Mlp,
    residual_post_norm: bool,
}

impl Block {
    fn new(cfg: &GlmConfig, cache_len: usize, w: Weights) -> Result<Block> {
        Ok(Block {
            input_norm: Norm::new(cfg, w.vb.pp("input_layernorm"))?,
            attention: Attention::new(cfg, cache_len, w.pp("self_attention"))?,
            post_norm: Norm::new(cfg, w.vb.pp("post_attention_layernorm"))?,
            mlp: Mlp {
                up: w.pp("mlp.dense_h_to_4h").linear(
                    cfg.hidden_size,
                    cfg.ffn_hidden_size * 2,
                    cfg.add_bias_linear,
                    false,
                )?,
                down: w.pp("mlp.dense_4h_to_h").linear(
                    cfg.ffn_hidden_size,
                    cfg.hidden_size,
                    cfg.add_bias_linear,
                    false,
                )?,
            },
            residual_post_norm: cfg.apply_residual_connection_post_layernorm,
        })
    }

    fn forward(&mut self, xs: &Tensor, rotary: &Rotary, mask: Option<&Tensor>) -> Result<Tensor> {
        let normed = xs.apply(&self.input_norm)?;
        let attn = self.attention.forward(&normed, rotary, mask)?;
        let residual = if self.residual_post_norm { &normed } else { xs };
        let mid = (residual + attn)?;
        let normed = mid.apply(&self.post_norm)?;
        let out = normed.apply(&self.mlp)?;
        let residual = if self.residual_post_norm {
            &normed
        } else {
            &mid
        };
        out + residual
    }
}

/// A loaded GLM with its key/value cache.
#[derive(Debug, Clone)]
pub struct Glm {
    embedding: Embedding,
    layers: Vec<Block>,
    final_norm: Option<Norm>,
    output: Lin,
    rotary: Rotary,
    quant: Option<Quant>,
    max_positions: usize,
    dtype: DType,
    device: Device,
}

/// The longest context the cache and rotary tables are built for (the checkpoint's `seq_length`
/// may be 128k; an editing instruction with its context needs a few thousand).
pub const DEFAULT_MAX_POSITIONS: usize = 8192;

impl Glm {
    /// Build the model from `vb` (rooted at the checkpoint's top level). `progress` is called
    /// after each layer with (layers done, layers).
    pub fn new(
        cfg: &GlmConfig,
        vb: VarBuilder,
        max_positions: usize,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Glm> {
        Self::with_weights(cfg, Weights::new(vb, None), max_positions, progress)
    }

    /// [`Glm::new`] with the linear layers quantized to `quant` as they load: `cpu` is a
    /// builder over the same files on the CPU (any dtype; each matrix is read there in F32).
    pub fn new_quantized(
        cfg: &GlmConfig,
        vb: VarBuilder,
        cpu: VarBuilder,
        quant: Quant,
        max_positions: usize,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Glm> {
        let cpu = cpu.set_dtype(DType::F32);
        Self::with_weights(
            cfg,
            Weights::new(vb, Some((cpu, quant))),
            max_positions,
            progress,
        )
    }

    /// The model of a GGUF file, its linear layers kept in the file's own types; the rest in
    /// `dtype` (the embedding table in F16).
    pub fn from_gguf(
        cfg: &GlmConfig,
        gguf: std::sync::Arc<crate::gguf::Gguf>,
        dtype: DType,
        device: &Device,
        max_positions: usize,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Glm> {
        Self::with_weights(
            cfg,
            Weights::from_gguf(gguf, dtype, device),
            max_positions,
            progress,
        )
    }

    fn with_weights(
        cfg: &GlmConfig,
        w: Weights,
        max_positions: usize,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Glm> {
        let max_positions = max_positions.min(cfg.seq_length).max(1);
        let w = w.pp("transformer");
        let vb = w.vb.clone();
        let embedding = w
            .pp("embedding.word_embeddings")
            .embedding(cfg.padded_vocab_size, cfg.hidden_size)?;
        let cache_len = max_positions.min(2048);
        let mut layers = Vec::with_capacity(cfg.num_layers);
        let wl = w.pp("encoder.layers");
        for i in 0..cfg.num_layers {
            layers.push(Block::new(cfg, cache_len, wl.pp(i))?);
            progress(i + 1, cfg.num_layers);
        }
        let final_norm = if cfg.post_layer_norm {
            Some(Norm::new(cfg, vb.pp("encoder.final_layernorm"))?)
        } else {
            None
        };
        let output =
            w.pp("output_layer")
                .linear(cfg.hidden_size, cfg.padded_vocab_size, false, true)?;
        let rotary = Rotary::new(cfg, max_positions, vb.dtype(), vb.device())?;
        Ok(Glm {
            embedding,
            layers,
            final_norm,
            output,
            rotary,
            quant: w.quant(),
            max_positions,
            dtype: vb.dtype(),
            device: vb.device().clone(),
        })
    }

    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The quantization of the linear layers, if any.
    pub fn quant(&self) -> Option<Quant> {
        self.quant
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    pub fn max_positions(&self) -> usize {
        self.max_positions
    }

    /// Tokens already in the cache.
    pub fn cached(&self) -> usize {
        self.layers
            .first()
            .map(|l| l.attention.cache.current_seq_len())
            .unwrap_or(0)
    }

    /// Forget everything after the first `keep` cached positions (a shared prompt prefix stays).
    pub fn truncate_cache(&mut self, keep: usize) -> Result<()> {
        if keep >= self.cached() {
            return Ok(());
        }
        for l in &mut self.layers {
            let c = &mut l.attention.cache;
            let kept = match (c.k()?, c.v()?) {
                (Some(k), Some(v)) if keep > 0 => {
                    Some((k.narrow(2, 0, keep)?, v.narrow(2, 0, keep)?))
                }
                _ => None,
            };
            c.reset();
            if let Some((k, v)) = kept {
                c.append(&k.contiguous()?, &v.contiguous()?)?;
            }
        }
        Ok(())
    }

    /// Run `tokens` after what is cached; returns the F32 logits of the last position, (vocab,).
    pub fn forward(&mut self, tokens: &[u32]) -> Result<Tensor> {
        let seq = tokens.len();
        if seq == 0 {
            candle_core::bail!("forward of no tokens");
        }
        let offset = self.cached();
        if offset + seq > self.max_positions {
            candle_core::bail!(
                "context of {} tokens is longer than the {} this model was loaded for",
                offset + seq,
                self.max_positions
            );
        }
        let ids = Tensor::from_slice(tokens, (1, seq), &self.device)?;
        let mut xs = self.embedding.forward(&ids)?.to_dtype(self.dtype)?;
        let mask = if seq > 1 {
            Some(causal_mask(seq, offset, &self.device)?)
        } else {
            None
        };
        for l in &mut self.layers {
            xs = l.forward(&xs, &self.rotary, mask.as_ref())?;
        }
        let last = xs.narrow(1, seq - 1, 1)?;
        let last = match &self.final_norm {
            Some(n) => last.apply(n)?,
            None => last,
        };
        last.apply(&self.output)?
            .flatten_all()?
            .to_dtype(DType::F32)
    }
}

/// (seq, offset + seq): query i (at position offset + i) sees keys 0..=offset + i.
fn causal_mask(seq: usize, offset: usize, dev: &Device) -> Result<Tensor> {
    let total = offset + seq;
    let mask: Vec<f32> = (0..seq)
        .flat_map(|i| {
            (0..total).map(move |j| {
                if j > offset + i {
                    f32::NEG_INFINITY
                } else {
                    0.0
                }
            })
        })
        .collect();
    Tensor::from_vec(mask, (seq, total), dev)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_with_offset_lets_each_query_see_the_prefix_and_itself() {
        let m = causal_mask(2, 3, &Device::Cpu).unwrap();
        let rows: Vec<Vec<f32>> = m.to_vec2().unwrap();
        assert_eq!(rows[0][..4], [0.0; 4]);
        assert_eq!(rows[0][4], f32::NEG_INFINITY);
        assert_eq!(rows[1], vec![0.0; 5]);
    }
}
