//! The protocol crate's one error type.

/// Everything that can go wrong in the shared model; each variant names the offending input.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    #[error("invalid frame rate {0}: it must be a positive number of frames per second up to 1000")]
    InvalidRate(String),
    #[error("invalid timecode {text:?}: {why}")]
    InvalidTimecode { text: String, why: String },
    #[error("operation {index} ({op}) cannot be applied: {why}")]
    InvalidOperation {
        index: usize,
        op: &'static str,
        why: String,
    },
}
