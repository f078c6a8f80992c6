//! PCM in: bytes (s16le or f32le, mono or interleaved stereo, 8 to 48 kHz) → mono f32 at 16 kHz.
//!
//! Frames arrive in small pieces (a panel sends 20 ms at a time), so the decoder is a stream:
//! rubato's FFT resampler works on fixed input chunks; samples wait in `pending` until a chunk is
//! full, and [`StreamDecoder::finish`] flushes the rest. The resampler's delay is dropped from the
//! front so that output sample `n` is input time `n / 16000` s.

use rubato::{FftFixedIn, Resampler};

use super::VoiceError;

/// What the detector and Whisper take.
pub const TARGET_RATE: u32 = 16_000;
/// The rates accepted.
pub const MIN_RATE: u32 = 8_000;
pub const MAX_RATE: u32 = 48_000;

/// Input chunk of the resampler, in input samples.
const CHUNK: usize = 1024;

/// How samples are written in a binary frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleFormat {
    /// Signed 16-bit little endian.
    S16le,
    /// 32-bit IEEE float little endian, full scale ±1.0.
    F32le,
}

impl SampleFormat {
    pub fn parse(name: &str) -> Result<SampleFormat, VoiceError> {
        match name.to_ascii_lowercase().as_str() {
            "s16le" | "s16" | "pcm_s16le" => Ok(SampleFormat::S16le),
            "f32le" | "f32" | "pcm_f32le" => Ok(SampleFormat::F32le),
            _ => Err(VoiceError::UnknownFormat(name.to_string())),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SampleFormat::S16le => "s16le",
            SampleFormat::F32le => "f32le",
        }
    }

    pub fn bytes(self) -> usize {
        match self {
            SampleFormat::S16le => 2,
            SampleFormat::F32le => 4,
        }
    }
}

/// Bytes → mono 16 kHz f32, one frame at a time.
pub struct StreamDecoder {
    format: SampleFormat,
    rate: u32,
    channels: u16,
    resampler: Option<FftFixedIn<f32>>,
    /// Mono input-rate samples waiting for a full resampler chunk.
    pending: Vec<f32>,
    /// Output samples still to drop (the resampler's delay).
    skip: usize,
    /// Mono input samples taken, and 16 kHz samples given out.
    taken: u64,
    given: u64,
}

impl std::fmt::Debug for StreamDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamDecoder")
            .field("format", &self.format)
            .field("rate", &self.rate)
            .field("channels", &self.channels)
            .field("taken", &self.taken)
            .finish_non_exhaustive()
    }
}

impl StreamDecoder {
    pub fn new(
        format: SampleFormat,
        rate: u32,
        channels: u16,
    ) -> Result<StreamDecoder, VoiceError> {
        if !(MIN_RATE..=MAX_RATE).contains(&rate) {
            return Err(VoiceError::UnsupportedRate(rate));
        }
        if !(1..=2).contains(&channels) {
            return Err(VoiceError::UnsupportedChannels(channels));
        }
        let resampler = if rate == TARGET_RATE {
            None
        } else {
            Some(
                FftFixedIn::<f32>::new(rate as usize, TARGET_RATE as usize, CHUNK, 2, 1)
                    .map_err(|e| VoiceError::Resample(e.to_string()))?,
            )
        };
        let skip = resampler.as_ref().map_or(0, |r| r.output_delay());
        Ok(StreamDecoder {
            format,
            rate,
            channels,
            resampler,
            pending: Vec::with_capacity(CHUNK * 2),
            skip,
            taken: 0,
            given: 0,
        })
    }

    pub fn rate(&self) -> u32 {
        self.rate
    }

    pub fn channels(&self) -> u16 {
        self.channels
    }

    pub fn format(&self) -> SampleFormat {
        self.format
    }

    /// Seconds of audio taken so far.
    pub fn seconds(&self) -> f64 {
        self.taken as f64 / self.rate as f64
    }

    /// Decode one binary frame. A frame that does not hold a whole number of sample frames is
    /// refused whole (nothing of it is kept), so the stream stays aligned.
    pub fn push_bytes(&mut self, bytes: &[u8]) -> Result<Vec<f32>, VoiceError> {
        let width = self.format.bytes() * self.channels as usize;
        if bytes.len() % width != 0 {
            return Err(VoiceError::BadFrameLength {
                format: self.format.name(),
                bytes: bytes.len(),
                channels: self.channels,
                multiple: width,
            });
        }
        let samples: Vec<f32> = match self.format {
            SampleFormat::S16le => bytes
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]) as f32 / 32768.0)
                .collect(),
            SampleFormat::F32le => bytes
                .chunks_exact(4)
                .map(|b| {
                    let v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    // NaN and infinities are not audio: silence them rather than poison the FFTs.
                    if v.is_finite() {
                        v.clamp(-1.0, 1.0)
                    } else {
                        0.0
                    }
                })
                .collect(),
        };
        self.push_samples(&samples)
    }

    /// Interleaved f32 samples (already decoded) → mono 16 kHz.
    pub fn push_samples(&mut self, interleaved: &[f32]) -> Result<Vec<f32>, VoiceError> {
        let ch = self.channels as usize;
        if interleaved.len() % ch != 0 {
            return Err(VoiceError::BadFrameLength {
                format: self.format.name(),
                bytes: interleaved.len() * self.format.bytes(),
                channels: self.channels,
                multiple: self.format.bytes() * ch,
            });
        }
        let before = self.pending.len();
        if ch == 1 {
            self.pending.extend_from_slice(interleaved);
        } else {
            self.pending.extend(
                interleaved
                    .chunks_exact(ch)
                    .map(|f| f.iter().sum::<f32>() / ch as f32),
            );
        }
        self.taken += (self.pending.len() - before) as u64;
        let Some(resampler) = self.resampler.as_mut() else {
            self.given += self.pending.len() as u64;
            return Ok(std::mem::take(&mut self.pending));
        };
        let mut out = Vec::new();
        let mut start = 0;
        while self.pending.len() - start >= resampler.input_frames_next() {
            let need = resampler.input_frames_next();
            let chunk = [&self.pending[start..start + need]];
            let mut res = resampler
                .process(&chunk, None)
                .map_err(|e| VoiceError::Resample(e.to_string()))?;
            start += need;
            out.append(&mut res[0]);
        }
        self.pending.drain(..start);
        Ok(self.emit(out))
    }

    /// Drop the resampler's delay from the front; count what goes out.
    fn emit(&mut self, mut out: Vec<f32>) -> Vec<f32> {
        if self.skip > 0 {
            let n = self.skip.min(out.len());
            out.drain(..n);
            self.skip -= n;
        }
        self.given += out.len() as u64;
        out
    }

    /// The rest of the stream: pending samples pushed through with zeros after them, cut to the
    /// length the input had. The decoder starts afresh after it.
    pub fn finish(&mut self) -> Result<Vec<f32>, VoiceError> {
        let expected = self.taken * TARGET_RATE as u64 / self.rate as u64;
        let mut out = Vec::new();
        if let Some(resampler) = self.resampler.as_mut() {
            let pending = std::mem::take(&mut self.pending);
            let mut first = true;
            // Bounded: each round gives at least one chunk's worth of output.
            for _ in 0..8 {
                if self.given + out.len() as u64 >= expected + self.skip as u64 && !first {
                    break;
                }
                // Nothing pending (the input ended on a chunk boundary): only the flush, since
                // rubato refuses an empty partial chunk.
                let input: Option<&[&[f32]]> = if first && !pending.is_empty() {
                    Some(&[&pending[..]])
                } else {
                    None
                };
                let mut res = resampler
                    .process_partial(input, None)
                    .map_err(|e| VoiceError::Resample(e.to_string()))?;
                out.append(&mut res[0]);
                first = false;
                if self.given + out.len() as u64 >= expected + self.skip as u64 {
                    break;
                }
            }
            resampler.reset();
        } else {
            out = std::mem::take(&mut self.pending);
        }
        let mut out = self.emit(out);
        let over = self.given.saturating_sub(expected) as usize;
        out.truncate(out.len().saturating_sub(over));
        self.given = 0;
        self.taken = 0;
        self.skip = self.resampler.as_ref().map_or(0, |r| r.output_delay());
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finishing_on_a_chunk_boundary_flushes_the_resampler() {
        // 48 kHz in whole resampler chunks: nothing is pending when the stream ends.
        let mut d = StreamDecoder::new(SampleFormat::F32le, 48_000, 1).unwrap();
        let input = vec![0.25f32; CHUNK * 6];
        let mut out = d.push_samples(&input).unwrap();
        assert!(d.pending.is_empty());
        out.extend(d.finish().unwrap());
        assert_eq!(out.len(), CHUNK * 6 / 3, "every input sample accounted for");
    }

    fn sine(rate: u32, hz: f32, seconds: f32) -> Vec<f32> {
        (0..(rate as f32 * seconds) as usize)
            .map(|i| (2.0 * std::f32::consts::PI * hz * i as f32 / rate as f32).sin() * 0.5)
            .collect()
    }

    #[test]
    fn bad_frames_are_named() {
        let mut d = StreamDecoder::new(SampleFormat::S16le, 16000, 1).unwrap();
        let e = d.push_bytes(&[0, 0, 0]).unwrap_err();
        assert!(e.to_string().contains("3 bytes"), "{e}");
        let mut d = StreamDecoder::new(SampleFormat::F32le, 16000, 1).unwrap();
        assert!(matches!(
            d.push_bytes(&[0; 6]),
            Err(VoiceError::BadFrameLength { multiple: 4, .. })
        ));
        let mut d = StreamDecoder::new(SampleFormat::S16le, 16000, 2).unwrap();
        assert!(d.push_bytes(&[0; 6]).is_err());
        assert!(d.push_bytes(&[0; 8]).is_ok());
        assert_eq!(
            SampleFormat::parse("mp3"),
            Err(VoiceError::UnknownFormat("mp3".into()))
        );
        assert_eq!(
            StreamDecoder::new(SampleFormat::S16le, 96000, 1).unwrap_err(),
            VoiceError::UnsupportedRate(96000)
        );
        assert_eq!(
            StreamDecoder::new(SampleFormat::S16le, 16000, 6).unwrap_err(),
            VoiceError::UnsupportedChannels(6)
        );
    }

    #[test]
    fn s16le_and_stereo_downmix() {
        let mut d = StreamDecoder::new(SampleFormat::S16le, 16000, 2).unwrap();
        let bytes: Vec<u8> = [16384i16, -16384, 32767, 32767]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let out = d.push_bytes(&bytes).unwrap();
        assert_eq!(out.len(), 2);
        assert!(out[0].abs() < 1e-6);
        assert!((out[1] - 32767.0 / 32768.0).abs() < 1e-6);
    }

    /// 8 to 48 kHz in 20 ms frames come out at 16 kHz, as long as the input and in time: a tone
    /// that starts half way starts half way.
    #[test]
    fn resampled_streams_keep_length_and_time() {
        for rate in [8000u32, 22050, 44100, 48000] {
            let mut input = sine(rate, 440.0, 1.0);
            input[..rate as usize / 2].fill(0.0);
            let mut d = StreamDecoder::new(SampleFormat::F32le, rate, 1).unwrap();
            let mut out = Vec::new();
            for frame in input.chunks(rate as usize / 50) {
                out.extend(d.push_samples(frame).unwrap());
            }
            out.extend(d.finish().unwrap());
            assert_eq!(out.len(), 16000, "{rate} Hz");
            let onset = out.iter().position(|x| x.abs() > 0.1).unwrap();
            assert!(
                (onset as i64 - 8000).abs() < 16,
                "{rate} Hz: onset at {onset}"
            );
            // The 440 Hz tone keeps its level (0.5 amplitude: RMS 0.354).
            let rms = (out[9000..15000].iter().map(|x| x * x).sum::<f32>() / 6000.0).sqrt();
            assert!((rms - 0.3536).abs() < 0.02, "{rate} Hz: rms {rms}");
        }
    }
}
