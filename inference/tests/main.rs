//! cutbridge-inference's integration tests, in one test binary: each file of this folder is a
//! module (the crate, candle and llguidance are linked once, not once per file).

mod gguf;
mod parity;
mod quant;
mod tiny_glm;
mod tokenizer_model;
mod whisper;
mod worker;
