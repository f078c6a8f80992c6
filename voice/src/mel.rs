//! Whisper's log-mel spectrogram lives in the `inference` crate, beside the model that reads it;
//! re-exported here so that the voice path keeps one name for it.

pub use inference::mel::*;
