//! Weights quantized on load, for 6–8 GB cards: candle's GGML block types and quantized matmul.
//!
//! `q8_0` keeps 8 bits per weight (34 bytes per block of 32); `q4k` about 4.5 (144 bytes per
//! super-block of 256). A matrix whose rows are not a whole number of blocks cannot take the type
//! asked for: as llama.cpp's quantizer does, Q4_K falls back to Q5_0 (blocks of 32), which is
//! what ChatGLM3-6B's `dense_4h_to_h` (13 696 inputs) gets. The output head is always Q8_0 (its
//! logits decide every token; llama.cpp's Q4_K_M keeps it at 6 bits or more too). Embeddings stay
//! dense, in F16, and their rows are cast to the compute dtype when looked up; norms and biases
//! stay in the compute dtype.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{DType, Module, Result, Tensor};
use candle_nn::{Linear, VarBuilder};
use serde::{Deserialize, Serialize};

/// A quantization asked for on the command line (`--quant`) or in the config (`"quant"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Quant {
    #[serde(rename = "q8_0")]
    Q8_0,
    #[serde(rename = "q4k")]
    Q4K,
}

impl Quant {
    pub const ALL: [Quant; 2] = [Quant::Q8_0, Quant::Q4K];

    pub fn name(self) -> &'static str {
        match self {
            Quant::Q8_0 => "q8_0",
            Quant::Q4K => "q4k",
        }
    }

    /// The block type for a matrix with `cols` inputs, or `None` to keep it dense.
    pub fn block_type(self, cols: usize) -> Option<GgmlDType> {
        let fits = |t: GgmlDType| (cols % t.block_size() == 0).then_some(t);
        match self {
            Quant::Q8_0 => fits(GgmlDType::Q8_0),
            Quant::Q4K => fits(GgmlDType::Q4K).or_else(|| fits(GgmlDType::Q5_0)),
        }
    }
}

impl fmt::Display for Quant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Quant {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Quant, String> {
        match s.to_ascii_lowercase().replace('-', "_").as_str() {
            "q8_0" | "q8" => Ok(Quant::Q8_0),
            "q4k" | "q4_k" | "q4_k_m" => Ok(Quant::Q4K),
            _ => Err(format!("{s:?} is not a quantization: q8_0 or q4k")),
        }
    }
}

/// A linear layer, dense (candle-nn) or quantized (a GGML block type, F32 activations).
#[derive(Debug, Clone)]
pub(crate) enum Lin {
    Dense(Linear),
    Quantized {
        weight: QMatMul,
        bias: Option<Tensor>,
    },
}

impl Module for Lin {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        match self {
            Lin::Dense(l) => l.forward(xs),
            Lin::Quantized { weight, bias } => {
                let dtype = xs.dtype();
                let ys = weight.forward(&xs.to_dtype(DType::F32)?)?;
                let ys = match bias {
                    Some(b) => ys.broadcast_add(b)?,
                    None => ys,
                };
                ys.to_dtype(dtype)
            }
        }
    }
}

/// Where the weights come from: the model's builder, and, when quantizing, a second builder over
/// the same files on the CPU in F32 (a matrix is read there, quantized, and moved to the device,
/// so it never exists dense on the GPU).
#[derive(Clone)]
pub(crate) struct Weights<'a> {
    pub vb: VarBuilder<'a>,
    quant: Option<(VarBuilder<'a>, Quant)>,
    /// A GGUF file: linear layers are its tensors as they are (`vb` reads it dequantized).
    gguf: Option<Arc<crate::gguf::Gguf>>,
}

impl<'a> Weights<'a> {
    pub fn new(vb: VarBuilder<'a>, quant: Option<(VarBuilder<'a>, Quant)>) -> Weights<'a> {
        Weights {
            vb,
            quant,
            gguf: None,
        }
    }

    /// Weights from a GGUF file, read in `dtype` on `device` where kept dense.
    pub fn from_gguf(
        gguf: Arc<crate::gguf::Gguf>,
        dtype: DType,
        device: &candle_core::Device,
    ) -> Weights<'static> {
        let vb = VarBuilder::from_backend(
            Box::new(crate::gguf::DenseBackend(gguf.clone())),
            dtype,
            device.clone(),
        );
        Weights {
            vb,
            quant: None,
            gguf: Some(gguf),
        }
    }

    pub fn quant(&self) -> Option<Quant> {
        self.quant.as_ref().map(|q| q.1)
    }

    pub fn pp(&self, s: impl ToString) -> Weights<'a> {
        let s = s.to_string();
        Weights {
            vb: self.vb.pp(&s),
            quant: self.quant.as_ref().map(|(c, q)| (c.pp(&s), *q)),
            gguf: self.gguf.clone(),
        }
    }

    /// `weight` (out, in) and, if `bias`, `bias` (out); `head` marks the output layer.
    pub fn linear(&self, input: usize, output: usize, bias: bool, head: bool) -> Result<Lin> {
        if let Some(g) = &self.gguf {
            let name = format!("{}.weight", self.vb.prefix());
            let q = g.qtensor(&name, self.vb.device())?;
            if q.shape().dims() != [output, input] {
                candle_core::bail!(
                    "{}: {name} is {:?}, the model expects ({output}, {input})",
                    g.path().display(),
                    q.shape()
                );
            }
            let bias = if bias {
                Some(self.vb.get(output, "bias")?)
            } else {
                None
            };
            return Ok(Lin::Quantized {
                weight: QMatMul::from_arc(Arc::new(q))?,
                bias,
            });
        }
        let dense = || -> Result<Lin> {
            Ok(Lin::Dense(candle_nn::linear_b(
                input,
                output,
                bias,
                self.vb.clone(),
            )?))
        };
        let Some((cpu, quant)) = &self.quant else {
            return dense();
        };
        let ty = if head {
            Quant::Q8_0.block_type(input)
        } else {
            quant.block_type(input)
        };
        let Some(ty) = ty else {
            return dense();
        };
        let w = cpu.get((output, input), "weight")?;
        let q = QTensor::quantize_onto(&w, ty, self.vb.device())?;
        drop(w);
        let bias = if bias {
            Some(self.vb.get(output, "bias")?)
        } else {
            None
        };
        Ok(Lin::Quantized {
            weight: QMatMul::from_arc(Arc::new(q))?,
            bias,
        })
    }

    /// The embedding table: dense, in F16 when the rest is quantized or the file holds it
    /// quantized.
    pub fn embedding(&self, vocab: usize, hidden: usize) -> Result<candle_nn::Embedding> {
        let quantized_file = self
            .gguf
            .as_ref()
            .is_some_and(|g| g.is_quantized(&format!("{}.weight", self.vb.prefix())));
        let vb = if self.quant.is_some() || quantized_file {
            self.vb.clone().set_dtype(DType::F16)
        } else {
            self.vb.clone()
        };
        candle_nn::embedding(vocab, hidden, vb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn q4k_falls_back_to_q5_0_where_rows_are_not_whole_super_blocks() {
        assert_eq!(Quant::Q4K.block_type(4096), Some(GgmlDType::Q4K));
        // ChatGLM3-6B's dense_4h_to_h: 13 696 inputs = 53.5 super-blocks.
        assert_eq!(Quant::Q4K.block_type(13696), Some(GgmlDType::Q5_0));
        assert_eq!(Quant::Q8_0.block_type(13696), Some(GgmlDType::Q8_0));
        assert_eq!(Quant::Q8_0.block_type(100), None);
    }

    #[test]
    fn names_parse_both_ways() {
        for q in Quant::ALL {
            assert_eq!(q.name().parse::<Quant>().unwrap(), q);
            assert_eq!(
                serde_json::to_value(q).unwrap(),
                serde_json::Value::from(q.name())
            );
        }
        assert_eq!("Q4_K_M".parse::<Quant>().unwrap(), Quant::Q4K);
        assert!("int4".parse::<Quant>().unwrap_err().contains("q8_0 or q4k"));
    }

    #[test]
    fn a_quantized_layer_is_close_to_the_dense_one() {
        let dev = Device::Cpu;
        let (input, output) = (256, 64);
        let w: Vec<f32> = (0..input * output)
            .map(|i| ((i * 2654435761usize) % 1000) as f32 / 1000.0 - 0.5)
            .collect();
        let w = Tensor::from_vec(w, (output, input), &dev).unwrap();
        let x = Tensor::from_vec(
            (0..2 * input)
                .map(|i| (i as f32 * 0.37).sin())
                .collect::<Vec<_>>(),
            (1, 2, input),
            &dev,
        )
        .unwrap();
        let dense = Lin::Dense(Linear::new(w.clone(), None))
            .forward(&x)
            .unwrap();
        for (ty, tol) in [(GgmlDType::Q8_0, 0.05f32), (GgmlDType::Q4K, 0.6)] {
            let q = QTensor::quantize(&w, ty).unwrap();
            let lin = Lin::Quantized {
                weight: QMatMul::from_arc(Arc::new(q)).unwrap(),
                bias: None,
            };
            let got = lin.forward(&x).unwrap();
            let diff = (got - &dense)
                .unwrap()
                .abs()
                .unwrap()
                .max_keepdim(2)
                .unwrap()
                .flatten_all()
                .unwrap()
                .max(0)
                .unwrap()
                .to_scalar::<f32>()
                .unwrap();
            assert!(diff < tol, "{ty:?}: max |diff| {diff}");
        }
    }
}
