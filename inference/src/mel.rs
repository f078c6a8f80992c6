//! Whisper's log-mel spectrogram, as OpenAI whisper's `audio.py` computes it: a 400-point STFT
//! (periodic Hann window, hop 160, centred with reflect padding, last frame dropped), power
//! spectrum, the Slaney-style mel filterbank of `librosa.filters.mel(sr=16000, n_fft=400)` (80 or
//! 128 bins), `log10(max(x, 1e-10))`, floored at the maximum − 8, then `(x + 4) / 4`.
//!
//! One real FFT plan (realfft) and the filterbank stored sparsely (each filter's non-zero span):
//! about a millisecond for a second of audio, where a naive DFT takes hundreds.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

pub const N_FFT: usize = 400;
pub const HOP: usize = 160;
pub const SAMPLE_RATE: f64 = 16_000.0;
const N_BINS: usize = N_FFT / 2 + 1;

/// One mel filter: weights for FFT bins `first..first + weights.len()`.
#[derive(Debug, Clone)]
struct Filter {
    first: usize,
    weights: Vec<f32>,
}

/// The filterbank and FFT plan for one mel size; build once, use for every utterance.
pub struct LogMel {
    n_mels: usize,
    filters: Vec<Filter>,
    window: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
}

impl std::fmt::Debug for LogMel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogMel")
            .field("n_mels", &self.n_mels)
            .finish_non_exhaustive()
    }
}

/// Slaney's mel scale (librosa `hz_to_mel(htk=False)`): linear below 1 kHz, logarithmic above.
pub fn hz_to_mel(hz: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if hz >= min_log_hz {
        min_log_mel + (hz / min_log_hz).ln() / logstep
    } else {
        hz / f_sp
    }
}

pub fn mel_to_hz(mel: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if mel >= min_log_mel {
        min_log_hz * (logstep * (mel - min_log_mel)).exp()
    } else {
        mel * f_sp
    }
}

/// `librosa.filters.mel(sr=16000, n_fft=400, n_mels, fmin=0, fmax=8000, htk=False,
/// norm="slaney")`, row-major `[n_mels][201]`.
pub fn mel_filterbank(n_mels: usize) -> Vec<Vec<f64>> {
    let max_mel = hz_to_mel(SAMPLE_RATE / 2.0);
    let mel_f: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(max_mel * i as f64 / (n_mels + 1) as f64))
        .collect();
    let fft_freqs: Vec<f64> = (0..N_BINS)
        .map(|k| k as f64 * SAMPLE_RATE / N_FFT as f64)
        .collect();
    (0..n_mels)
        .map(|i| {
            let (lo, mid, hi) = (mel_f[i], mel_f[i + 1], mel_f[i + 2]);
            let enorm = 2.0 / (hi - lo);
            fft_freqs
                .iter()
                .map(|&f| {
                    let lower = (f - lo) / (mid - lo);
                    let upper = (hi - f) / (hi - mid);
                    lower.min(upper).max(0.0) * enorm
                })
                .collect()
        })
        .collect()
}

/// A log-mel spectrogram: `n_mels` rows of `n_frames` values (row-major, as Whisper's encoder
/// takes them).
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrogram {
    pub n_mels: usize,
    pub n_frames: usize,
    pub data: Vec<f32>,
}

impl Spectrogram {
    pub fn at(&self, mel: usize, frame: usize) -> f32 {
        self.data[mel * self.n_frames + frame]
    }
}

impl LogMel {
    /// Whisper's sizes are 80 (tiny to large-v2) and 128 (large-v3); any size from 1 works.
    pub fn new(n_mels: usize) -> LogMel {
        let filters = mel_filterbank(n_mels)
            .into_iter()
            .map(|row| {
                let first = row.iter().position(|&w| w > 0.0).unwrap_or(0);
                let last = row.iter().rposition(|&w| w > 0.0).unwrap_or(0);
                let weights = if last >= first {
                    row[first..=last].iter().map(|&w| w as f32).collect()
                } else {
                    Vec::new()
                };
                Filter { first, weights }
            })
            .collect();
        // torch.hann_window(400) is periodic: cos over N, not N − 1.
        let window = (0..N_FFT)
            .map(|n| {
                (0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / N_FFT as f64).cos()) as f32
            })
            .collect();
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(N_FFT);
        LogMel {
            n_mels,
            filters,
            window,
            fft,
        }
    }

    pub fn n_mels(&self) -> usize {
        self.n_mels
    }

    /// The spectrogram of 16 kHz mono samples: `len / 160` frames (Whisper pads to 30 s before
    /// calling this; the caller decides).
    pub fn compute(&self, samples: &[f32]) -> Spectrogram {
        let n_frames = samples.len() / HOP;
        let mut data = vec![0f32; self.n_mels * n_frames];
        if n_frames == 0 {
            return Spectrogram {
                n_mels: self.n_mels,
                n_frames,
                data,
            };
        }
        // torch.stft(center=True, pad_mode="reflect"): N_FFT / 2 mirrored samples each side.
        let pad = N_FFT / 2;
        let padded = reflect_pad(samples, pad);
        let mut input = self.fft.make_input_vec();
        let mut spectrum: Vec<Complex<f32>> = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let mut power = vec![0f32; N_BINS];
        for frame in 0..n_frames {
            let start = frame * HOP;
            for ((x, &s), &w) in input
                .iter_mut()
                .zip(&padded[start..start + N_FFT])
                .zip(&self.window)
            {
                *x = s * w;
            }
            // Sizes come from the plan itself: this cannot fail.
            let _ = self
                .fft
                .process_with_scratch(&mut input, &mut spectrum, &mut scratch);
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p = c.norm_sqr();
            }
            for (m, f) in self.filters.iter().enumerate() {
                let e: f32 = f
                    .weights
                    .iter()
                    .zip(&power[f.first..])
                    .map(|(w, p)| w * p)
                    .sum();
                data[m * n_frames + frame] = e.max(1e-10).log10();
            }
        }
        let max = data.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        for v in &mut data {
            *v = (v.max(max - 8.0) + 4.0) / 4.0;
        }
        Spectrogram {
            n_mels: self.n_mels,
            n_frames,
            data,
        }
    }
}

/// Whisper's window: 30 s of audio, 3000 frames.
pub const WINDOW_SAMPLES: usize = 30 * 16_000;
pub const WINDOW_FRAMES: usize = WINDOW_SAMPLES / HOP;

impl LogMel {
    /// What Whisper's encoder takes for one utterance of up to 30 s, as `whisper.transcribe`
    /// makes it: the audio followed by 30 s of zeros (`log_mel_spectrogram(padding=N_SAMPLES)`),
    /// its spectrogram (the floor at the maximum − 8 over all of it), the first 3000 frames. A
    /// longer input is cut at 30 s.
    pub fn whisper_window(&self, samples: &[f32]) -> Spectrogram {
        let n = samples.len().min(WINDOW_SAMPLES);
        let mut padded = Vec::with_capacity(n + WINDOW_SAMPLES);
        padded.extend_from_slice(&samples[..n]);
        padded.resize(n + WINDOW_SAMPLES, 0.0);
        let full = self.compute(&padded);
        let mut data = Vec::with_capacity(self.n_mels * WINDOW_FRAMES);
        for m in 0..self.n_mels {
            let row = &full.data[m * full.n_frames..(m + 1) * full.n_frames];
            data.extend_from_slice(&row[..WINDOW_FRAMES]);
        }
        Spectrogram {
            n_mels: self.n_mels,
            n_frames: WINDOW_FRAMES,
            data,
        }
    }
}

/// `numpy.pad(x, pad, mode="reflect")`: the edge sample is not repeated. Short inputs reflect as
/// far as they can and then pad with zeros.
fn reflect_pad(x: &[f32], pad: usize) -> Vec<f32> {
    let n = x.len();
    let mut out = Vec::with_capacity(n + 2 * pad);
    for i in (1..=pad).rev() {
        out.push(if i < n { x[i] } else { 0.0 });
    }
    out.extend_from_slice(x);
    for i in 1..=pad {
        out.push(if i < n { x[n - 1 - i] } else { 0.0 });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Power spectrum of one frame by the textbook DFT, independent of the FFT crate.
    fn naive_power(frame: &[f64]) -> Vec<f64> {
        (0..N_BINS)
            .map(|k| {
                let (mut re, mut im) = (0.0, 0.0);
                for (n, &x) in frame.iter().enumerate() {
                    let a = -2.0 * std::f64::consts::PI * (k * n) as f64 / N_FFT as f64;
                    re += x * a.cos();
                    im += x * a.sin();
                }
                re * re + im * im
            })
            .collect()
    }

    #[test]
    fn slaney_scale_round_trips_and_is_linear_below_1k() {
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-9);
        assert!((hz_to_mel(200.0) - 3.0).abs() < 1e-9);
        for hz in [0.0, 300.0, 999.0, 1000.0, 4321.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-6);
        }
        // librosa: hz_to_mel(8000) = 15 + ln(8) / (ln(6.4) / 27) = 45.2456...
        assert!((hz_to_mel(8000.0) - 45.245_640_471_924_965).abs() < 1e-9);
    }

    #[test]
    fn filterbank_has_slaney_areas() {
        // With Slaney normalisation each triangle has area 1 in Hz: peak 2 / (hi − lo), base hi − lo.
        let fb = mel_filterbank(80);
        let peak_bin = |row: &Vec<f64>| {
            row.iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .unwrap()
                .0
        };
        for (i, row) in fb.iter().enumerate().skip(10) {
            let area: f64 = row.iter().sum::<f64>() * SAMPLE_RATE / N_FFT as f64;
            assert!((area - 1.0).abs() < 0.1, "filter {i}: area {area}");
        }
        // Peaks climb with the filter index.
        assert!(
            fb.windows(2)
                .skip(10)
                .all(|w| peak_bin(&w[0]) <= peak_bin(&w[1]))
        );
        assert_eq!(mel_filterbank(128).len(), 128);
    }

    #[test]
    fn silence_is_minus_one_and_a_half() {
        // log10(1e-10) = −10 everywhere; max − 8 = −18 does not bite; (−10 + 4) / 4 = −1.5.
        let s = LogMel::new(80).compute(&[0.0; 16000]);
        assert_eq!((s.n_mels, s.n_frames), (80, 100));
        assert!(s.data.iter().all(|&v| (v + 1.5).abs() < 1e-6));
    }

    /// A 1 kHz sine: its energy lands in the filters around 1 kHz, and a middle frame's values
    /// equal those computed here from a naive DFT, the filterbank and Whisper's formula.
    #[test]
    fn sine_matches_a_naive_reference() {
        let hz = 1000.0;
        let samples: Vec<f32> = (0..16000)
            .map(|i| {
                (0.3 * (2.0 * std::f64::consts::PI * hz * i as f64 / SAMPLE_RATE).sin()) as f32
            })
            .collect();
        let lm = LogMel::new(80);
        let s = lm.compute(&samples);
        let frame = 50;
        let loudest = (0..80)
            .max_by(|&a, &b| s.at(a, frame).total_cmp(&s.at(b, frame)))
            .unwrap();
        let fb = mel_filterbank(80);
        // The filter whose triangle covers 1 kHz best: bin 25 (1000 / 40).
        let expected = (0..80)
            .max_by(|&a, &b| fb[a][25].total_cmp(&fb[b][25]))
            .unwrap();
        assert_eq!(loudest, expected);

        // Reference for frame 50 (its window lies inside the signal, no padding involved).
        let start = frame * HOP - N_FFT / 2;
        let windowed: Vec<f64> = (0..N_FFT)
            .map(|n| {
                let w = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / N_FFT as f64).cos();
                samples[start + n] as f64 * w
            })
            .collect();
        let power = naive_power(&windowed);
        let logs: Vec<f64> = fb
            .iter()
            .map(|row| {
                let e: f64 = row.iter().zip(&power).map(|(w, p)| w * p).sum();
                e.max(1e-10).log10()
            })
            .collect();
        // Every frame but the edges is the same steady tone, so the global maximum is this
        // frame's maximum (to within the edge frames, which hold less energy).
        let max = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for (m, l) in logs.iter().enumerate() {
            let want = (l.max(max - 8.0) + 4.0) / 4.0;
            let got = s.at(m, frame) as f64;
            assert!((got - want).abs() < 2e-3, "mel {m}: {got} vs {want}");
        }
    }

    #[test]
    fn whisper_window_is_3000_frames_of_the_audio_then_silence() {
        let samples: Vec<f32> = (0..16000 * 2)
            .map(|i| {
                (0.3 * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / SAMPLE_RATE).sin()) as f32
            })
            .collect();
        let lm = LogMel::new(128);
        let w = lm.whisper_window(&samples);
        assert_eq!(
            (w.n_mels, w.n_frames, w.data.len()),
            (128, 3000, 128 * 3000)
        );
        let plain = lm.compute(&samples);
        // Inside the audio, the same values (the tone holds the maximum either way).
        for m in [0, 10, 60, 127] {
            for f in [3, 100, 190] {
                assert!(
                    (w.at(m, f) - plain.at(m, f)).abs() < 1e-5,
                    "mel {m} frame {f}"
                );
            }
        }
        // After it, silence: the floor, max − 8.
        let max = w.data.iter().copied().fold(f32::MIN, f32::max);
        assert!((w.at(5, 2500) - (max - 2.0)).abs() < 1e-5);
    }

    #[test]
    fn reflect_padding_mirrors_without_repeating_the_edge() {
        assert_eq!(
            reflect_pad(&[1.0, 2.0, 3.0, 4.0], 2),
            vec![3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 2.0]
        );
    }
}
