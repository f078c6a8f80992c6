//! cutbridge-inference's integration tests, in one test binary: each file of this folder is a
//! module (the crate, candle and llguidance are linked once, not once per file).

/// candle's `test_device!`: `$body(&Device)` as a test on the CPU, and on CUDA or Metal when the
/// crate is built with that feature (`cargo test -p cutbridge-inference --features cuda`), so
/// the GLM and Whisper numerics are checked on the devices editors run them on.
macro_rules! test_device {
    ($body:ident, $cpu:ident, $cuda:ident, $metal:ident) => {
        #[test]
        fn $cpu() {
            $body(&candle_core::Device::Cpu)
        }

        #[cfg(feature = "cuda")]
        #[test]
        fn $cuda() {
            $body(&candle_core::Device::new_cuda(0).expect("a CUDA device"))
        }

        #[cfg(feature = "metal")]
        #[test]
        fn $metal() {
            $body(&candle_core::Device::new_metal(0).expect("a Metal device"))
        }
    };
}

mod gguf;
mod parity;
mod quant;
mod tiny_glm;
mod tokenizer_model;
mod whisper;
mod worker;
