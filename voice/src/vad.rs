//! Voice activity detection on 16 kHz mono audio: 10 ms frames, each with the energy of the
//! 300–7000 Hz band and the spectral flatness of the 300–4000 Hz band, against a noise floor that
//! follows the quietest recent frames.
//!
//! - A frame is *loud* when its energy is `margin_db` over the noise floor and over an absolute
//!   floor (digital silence has no noise to measure).
//! - Speech *starts* after `start_ms` of loud frames when three of the last four are voice-like
//!   (a voice's harmonics; white noise and hiss have flat spectra); the utterance starts at the
//!   first loud frame of that run. A run loud for a second that never sounded like a voice is a
//!   new noise: it becomes the floor.
//! - It *ends* `hangover_ms` after the last loud frame, at the end of that frame; runs shorter
//!   than `min_speech_ms` (a click, a cough) are dropped.
//! - An utterance that reaches `max_utterance_s` is refused ([`VadEvent::TooLong`]): its audio
//!   is dropped and nothing more is taken until the speech stops.
//!
//! The floor starts at the quietest of the first 50 ms, unless they sound like a voice
//! (push-to-talk pressed mid-word): then at a quiet room's level, which it climbs from if that
//! was wrong. Speech in those first 50 ms starts the utterance at 50 ms.
//!
//! Each [`Utterance`] carries its samples from `pre_roll_ms` before its start to the moment it
//! ended (the hang-over included): what a speech-to-text model wants.
//!
//! Why not webrtc-vad (0.4, measured on the same 16 kHz espeak-ng file and sox noises): it builds
//! C code and works on 10/20/30 ms frames, and finds the speech starts as well (±10 ms), but its
//! runs end 110–150 ms after the speech, and in its most aggressive mode it calls every frame of
//! moderate white noise (sox `whitenoise vol 0.3`) and most of pink noise speech; pre-roll,
//! hang-over and a noise floor would have been ours to add anyway. This detector ends within
//! ±30 ms of the speech there and finds nothing in those noises (the tests hold it to ±60 ms).

use std::collections::VecDeque;
use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use super::pcm::TARGET_RATE;

const FRAME: usize = (TARGET_RATE / 100) as usize;
const FFT: usize = 256;
/// Voice-like frames among the last four that start speech: one alone happens in white noise now
/// and then (a periodogram's flatness scatters), three of four practically never.
const VOICED_TO_START: u32 = 3;
/// A loud run this long (1 s) that never started speech is taken as the new noise floor.
const NOISE_RUN_FRAMES: u64 = 100;
/// Frames that set the first noise floor.
const INIT_FRAMES: usize = 5;
/// The noise floor assumed when the first frames already sound like a voice…
const ASSUMED_ROOM_DBFS: f32 = -60.0;
/// …which is when their median flatness is this low (a vowel's harmonics; pink noise is ~0.4).
const VOICE_FLATNESS: f32 = 0.15;

/// How the detector decides. Times in milliseconds unless named otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct VadConfig {
    /// Audio kept before the start of an utterance (for the transcriber, not the boundary).
    pub pre_roll_ms: u32,
    /// Silence after the last loud frame that ends an utterance.
    pub hangover_ms: u32,
    /// Loud frames in a row that start speech.
    pub start_ms: u32,
    /// Shorter utterances are dropped.
    pub min_speech_ms: u32,
    /// Longer ones are refused.
    pub max_utterance_s: f64,
    /// Loud = this much over the noise floor…
    pub margin_db: f32,
    /// …and over this absolute level (dB relative to full scale, RMS).
    pub min_level_dbfs: f32,
    /// A run starts speech only if one of its frames is at most this flat (0 tonal, 1 white).
    pub max_flatness: f32,
}

impl Default for VadConfig {
    fn default() -> Self {
        VadConfig {
            pre_roll_ms: 200,
            hangover_ms: 300,
            start_ms: 40,
            min_speech_ms: 120,
            max_utterance_s: 30.0,
            margin_db: 12.0,
            min_level_dbfs: -48.0,
            max_flatness: 0.35,
        }
    }
}

/// What the detector found.
#[derive(Debug, Clone, PartialEq)]
pub enum VadEvent {
    /// Speech began at `start_s` (seconds from the stream's start); sent as soon as it is sure.
    SpeechStart { start_s: f64 },
    /// A whole utterance.
    Utterance(Utterance),
    /// Speech went on past the maximum: dropped.
    TooLong { start_s: f64, at_s: f64, max_s: f64 },
}

/// One utterance: where it is and its audio (16 kHz mono, from the pre-roll to the end of the
/// hang-over).
#[derive(Clone, PartialEq)]
pub struct Utterance {
    pub start_s: f64,
    pub end_s: f64,
    pub samples: Vec<f32>,
}

impl std::fmt::Debug for Utterance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Utterance")
            .field("start_s", &self.start_s)
            .field("end_s", &self.end_s)
            .field("samples", &self.samples.len())
            .finish()
    }
}

enum State {
    Idle,
    /// Speech since frame `start`; the last loud frame was `last_loud`.
    Speech {
        start: u64,
        last_loud: u64,
    },
    /// Past the maximum: waiting for the speech to stop.
    Overflow {
        last_loud: u64,
    },
}

/// The streaming detector: push 16 kHz samples in any amounts, get events.
pub struct Vad {
    cfg: VadConfig,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    window_energy: f32,
    fft_in: Vec<f32>,
    fft_out: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// Samples not yet making a whole frame.
    partial: Vec<f32>,
    /// Frames seen.
    frame: u64,
    /// Noise floor (dB); `None` until the first frames set it.
    floor: Option<f32>,
    /// The first frames' energy and flatness.
    init: Vec<(f32, f32)>,
    /// The first frame of the current run of loud frames.
    run: Option<u64>,
    /// Whether each of the last 4 frames was loud and voice-like (bit 0 the newest).
    voiced_bits: u8,
    state: State,
    /// Audio kept: the pre-roll while idle, the utterance while in speech.
    audio: VecDeque<f32>,
    /// Frame index of `audio[0]`, in samples.
    audio_start: u64,
}

impl std::fmt::Debug for Vad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vad")
            .field("cfg", &self.cfg)
            .field("frame", &self.frame)
            .field("floor", &self.floor)
            .finish_non_exhaustive()
    }
}

fn ms_frames(ms: u32) -> u64 {
    (ms as u64).div_ceil(10)
}

impl Vad {
    pub fn new(cfg: VadConfig) -> Vad {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FFT);
        let window: Vec<f32> = (0..FRAME)
            .map(|n| {
                (0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / FRAME as f64).cos()) as f32
            })
            .collect();
        let window_energy = window.iter().map(|w| w * w).sum();
        Vad {
            fft_in: fft.make_input_vec(),
            fft_out: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
            window,
            window_energy,
            cfg,
            partial: Vec::with_capacity(FRAME),
            frame: 0,
            floor: None,
            init: Vec::with_capacity(INIT_FRAMES),
            run: None,
            voiced_bits: 0,
            state: State::Idle,
            audio: VecDeque::new(),
            audio_start: 0,
        }
    }

    pub fn config(&self) -> &VadConfig {
        &self.cfg
    }

    /// Seconds of audio seen.
    pub fn seconds(&self) -> f64 {
        (self.frame * FRAME as u64 + self.partial.len() as u64) as f64 / TARGET_RATE as f64
    }

    /// Whether an utterance is under way.
    pub fn in_speech(&self) -> bool {
        matches!(self.state, State::Speech { .. })
    }

    pub fn push(&mut self, samples: &[f32]) -> Vec<VadEvent> {
        let mut events = Vec::new();
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (FRAME - self.partial.len()).min(rest.len());
            self.partial.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.partial.len() == FRAME {
                let frame = std::mem::take(&mut self.partial);
                self.frame_in(&frame, &mut events);
                self.partial = frame;
                self.partial.clear();
            }
        }
        events
    }

    /// The end of the stream: an utterance under way ends at its last loud frame.
    pub fn finish(&mut self) -> Vec<VadEvent> {
        let mut events = Vec::new();
        if let State::Speech { start, last_loud } = self.state {
            self.close(start, last_loud, &mut events);
        }
        self.state = State::Idle;
        self.run = None;
        events
    }

    fn secs(frame: u64) -> f64 {
        frame as f64 * FRAME as f64 / TARGET_RATE as f64
    }

    /// Energy of the 300–7000 Hz band (dBFS, RMS: rumble and hum do not count) and spectral
    /// flatness of the 300–4000 Hz band.
    fn measure(&mut self, frame: &[f32]) -> (f32, f32) {
        for (i, x) in self.fft_in.iter_mut().enumerate() {
            *x = if i < FRAME {
                frame[i] * self.window[i]
            } else {
                0.0
            };
        }
        let _ =
            self.fft
                .process_with_scratch(&mut self.fft_in, &mut self.fft_out, &mut self.scratch);
        // Bins of 62.5 Hz: 300 Hz is bin 5, 4000 Hz bin 64, 7000 Hz bin 112.
        let power = |c: &Complex<f32>| c.norm_sqr();
        let band_power: f32 = self.fft_out[5..=112].iter().map(power).sum();
        // Parseval over the one-sided spectrum, divided by the window's energy: the band's mean
        // square of the unwindowed signal.
        let energy = 2.0 * band_power / (FFT as f32 * self.window_energy);
        let db = 10.0 * (energy + 1e-12).log10();
        let band = &self.fft_out[5..=64];
        let (mut log_sum, mut sum) = (0f32, 0f32);
        for c in band {
            let p = power(c) + 1e-12;
            log_sum += p.ln();
            sum += p;
        }
        let n = band.len() as f32;
        let flatness = (log_sum / n).exp() / (sum / n);
        (db, flatness)
    }

    fn frame_in(&mut self, frame: &[f32], events: &mut Vec<VadEvent>) {
        let idx = self.frame;
        self.frame += 1;
        let (db, flatness) = self.measure(frame);
        // The floor starts as the quietest of the first frames, unless they sound like a voice
        // (push-to-talk pressed mid-word): then at a quiet room's level, climbed from if wrong.
        // After that it falls at once to a quieter frame and climbs slowly (6 dB a second) while
        // no one speaks, so steady noise becomes the floor and speech does not.
        let Some(floor) = self.floor else {
            self.init.push((db, flatness));
            if self.init.len() == INIT_FRAMES {
                let quietest = self.init.iter().map(|f| f.0).fold(f32::MAX, f32::min);
                let mut flat: Vec<f32> = self.init.iter().map(|f| f.1).collect();
                flat.sort_by(f32::total_cmp);
                self.floor = Some(if flat[INIT_FRAMES / 2] <= VOICE_FLATNESS {
                    quietest.min(ASSUMED_ROOM_DBFS)
                } else {
                    quietest.max(-90.0)
                });
            }
            self.audio.extend(frame.iter().copied());
            let keep = (self.frame * FRAME as u64)
                .saturating_sub(ms_frames(self.cfg.pre_roll_ms) * FRAME as u64);
            self.trim_audio(keep);
            return;
        };
        let floor = match floor {
            f if db < f => db.max(-90.0),
            f if !self.in_speech() => f + (db - f).min(0.06),
            f => f,
        };
        self.floor = Some(floor);
        let loud = db > floor + self.cfg.margin_db && db > self.cfg.min_level_dbfs;
        let voiced = loud && flatness <= self.cfg.max_flatness;

        self.audio.extend(frame.iter().copied());
        let pre_roll = ms_frames(self.cfg.pre_roll_ms) * FRAME as u64;
        match self.state {
            State::Idle => {
                self.voiced_bits = ((self.voiced_bits << 1) | voiced as u8) & 0b1111;
                self.run = match (loud, self.run) {
                    (false, _) => None,
                    (true, None) => Some(idx),
                    // Loud for a second and never a voice: a new noise, not speech. It becomes
                    // the floor at once rather than over the seconds the slow climb would take.
                    (true, Some(first)) if idx - first >= NOISE_RUN_FRAMES => {
                        self.floor = Some(db);
                        None
                    }
                    (true, run) => run,
                };
                if let Some(first) = self.run
                    && self.voiced_bits.count_ones() >= VOICED_TO_START
                    && idx + 1 - first >= ms_frames(self.cfg.start_ms)
                {
                    self.state = State::Speech {
                        start: first,
                        last_loud: idx,
                    };
                    self.run = None;
                    events.push(VadEvent::SpeechStart {
                        start_s: Self::secs(first),
                    });
                } else {
                    // Keep the pre-roll and the run so far.
                    let keep_from = self
                        .run
                        .map_or(self.frame * FRAME as u64, |f| f * FRAME as u64)
                        .saturating_sub(pre_roll);
                    self.trim_audio(keep_from);
                }
            }
            State::Speech { start, last_loud } => {
                let last_loud = if loud { idx } else { last_loud };
                self.state = State::Speech { start, last_loud };
                if idx - last_loud >= ms_frames(self.cfg.hangover_ms) {
                    self.close(start, last_loud, events);
                    self.state = State::Idle;
                    self.trim_audio((self.frame * FRAME as u64).saturating_sub(pre_roll));
                } else if Self::secs(idx + 1 - start) > self.cfg.max_utterance_s {
                    events.push(VadEvent::TooLong {
                        start_s: Self::secs(start),
                        at_s: Self::secs(idx + 1),
                        max_s: self.cfg.max_utterance_s,
                    });
                    self.state = State::Overflow { last_loud };
                    self.audio.clear();
                    self.audio_start = self.frame * FRAME as u64;
                }
            }
            State::Overflow { last_loud } => {
                let last_loud = if loud { idx } else { last_loud };
                self.state = State::Overflow { last_loud };
                self.audio.clear();
                self.audio_start = self.frame * FRAME as u64;
                if idx - last_loud >= ms_frames(self.cfg.hangover_ms) {
                    self.state = State::Idle;
                }
            }
        }
    }

    /// Drop kept audio before sample `from`.
    fn trim_audio(&mut self, from: u64) {
        if from > self.audio_start {
            let n = ((from - self.audio_start) as usize).min(self.audio.len());
            self.audio.drain(..n);
            self.audio_start += n as u64;
        }
    }

    fn close(&mut self, start: u64, last_loud: u64, events: &mut Vec<VadEvent>) {
        let end = last_loud + 1;
        if end - start < ms_frames(self.cfg.min_speech_ms) {
            return;
        }
        let pre_roll = ms_frames(self.cfg.pre_roll_ms) * FRAME as u64;
        let from = (start * FRAME as u64).saturating_sub(pre_roll);
        self.trim_audio(from);
        events.push(VadEvent::Utterance(Utterance {
            start_s: Self::secs(start),
            end_s: Self::secs(end),
            samples: self.audio.iter().copied().collect(),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic noise source (xorshift), uniform in ±`amp`.
    fn noise(n: usize, amp: f32, seed: u64) -> Vec<f32> {
        let mut s = seed | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                ((s >> 11) as f32 / (1u64 << 53) as f32 * 2.0 - 1.0) * amp
            })
            .collect()
    }

    /// A vowel-like buzz: a 150 Hz pulse train's first harmonics.
    fn buzz(n: usize, amp: f32) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = i as f32 / 16000.0;
                (1..=12)
                    .map(|h| (2.0 * std::f32::consts::PI * 150.0 * h as f32 * t).sin() / h as f32)
                    .sum::<f32>()
                    * amp
                    / 3.0
            })
            .collect()
    }

    fn run(samples: &[f32]) -> Vec<VadEvent> {
        let mut v = Vad::new(VadConfig::default());
        let mut ev = Vec::new();
        for c in samples.chunks(320) {
            ev.extend(v.push(c));
        }
        ev.extend(v.finish());
        ev
    }

    fn utterances(ev: &[VadEvent]) -> Vec<(f64, f64)> {
        ev.iter()
            .filter_map(|e| match e {
                VadEvent::Utterance(u) => Some((u.start_s, u.end_s)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn silence_and_noise_make_no_utterance() {
        assert!(run(&vec![0.0; 16000 * 3]).is_empty());
        for amp in [0.01, 0.3, 1.0] {
            let ev = run(&noise(16000 * 5, amp, 7));
            assert!(ev.is_empty(), "noise ±{amp}: {ev:?}");
        }
    }

    /// Loud noise after digital silence (the floor at its lowest) is not speech, becomes the
    /// floor within a second, and is not hoarded as audio; speech over it is found after.
    #[test]
    fn a_new_noise_becomes_the_floor() {
        let mut v = Vad::new(VadConfig::default());
        let mut ev = v.push(&vec![0.0; 16000]);
        let mut peak_audio = 0;
        for k in 0..10 {
            ev.extend(v.push(&noise(16000, 0.3, 11 + k)));
            peak_audio = peak_audio.max(v.audio.len());
        }
        assert!(utterances(&ev).is_empty(), "{ev:?}");
        assert!(
            peak_audio <= 16000 + 3200 + 320,
            "kept {peak_audio} samples"
        );
        let speech: Vec<f32> = buzz(16000, 1.0)
            .iter()
            .zip(noise(16000, 0.3, 99))
            .map(|(a, b)| a * 4.0 + b)
            .collect();
        ev.extend(v.push(&speech));
        ev.extend(v.push(&noise(16000, 0.3, 100)));
        let u = utterances(&ev);
        assert_eq!(u.len(), 1, "{ev:?}");
        assert!(
            (u[0].0 - 11.0).abs() < 0.05 && (u[0].1 - 12.0).abs() < 0.05,
            "{u:?}"
        );
    }

    #[test]
    fn a_buzz_between_silences_is_one_utterance_with_its_boundaries() {
        let mut s = vec![0.0; 16000];
        s.extend(buzz(16000, 0.3));
        s.extend(vec![0.0; 16000]);
        let ev = run(&s);
        assert!(matches!(ev[0], VadEvent::SpeechStart { .. }));
        let u = utterances(&ev);
        assert_eq!(u.len(), 1, "{ev:?}");
        assert!(
            (u[0].0 - 1.0).abs() < 0.02 && (u[0].1 - 2.0).abs() < 0.02,
            "{u:?}"
        );
        let VadEvent::Utterance(utt) = &ev[1] else {
            panic!()
        };
        // Pre-roll (0.2 s) + speech (1 s) + hang-over (0.3 s).
        assert!((utt.samples.len() as f64 / 16000.0 - 1.5).abs() < 0.03);
    }

    #[test]
    fn the_utterance_ends_300_ms_after_the_speech() {
        let mut v = Vad::new(VadConfig::default());
        let mut s = vec![0.0; 8000];
        s.extend(buzz(8000, 0.3));
        assert!(utterances(&v.push(&s)).is_empty());
        // 290 ms of silence: not yet; 20 more: ended.
        assert!(utterances(&v.push(&vec![0.0; 4640])).is_empty());
        assert_eq!(utterances(&v.push(&vec![0.0; 320])).len(), 1);
    }

    #[test]
    fn speech_in_noise_is_found_and_too_long_is_refused() {
        let mut s = noise(16000 * 2, 0.02, 3);
        let speech: Vec<f32> = buzz(16000, 0.3)
            .iter()
            .zip(noise(16000, 0.02, 5))
            .map(|(a, b)| a + b)
            .collect();
        s.extend(speech);
        s.extend(noise(16000, 0.02, 9));
        let u = utterances(&run(&s));
        assert_eq!(u.len(), 1);
        assert!(
            (u[0].0 - 2.0).abs() < 0.03 && (u[0].1 - 3.0).abs() < 0.03,
            "{u:?}"
        );

        let mut v = Vad::new(VadConfig {
            max_utterance_s: 2.0,
            ..VadConfig::default()
        });
        // Speech from the very first sample (push-to-talk pressed mid-word) is found too.
        let mut ev = v.push(&buzz(16000 * 5, 0.3));
        ev.extend(v.push(&vec![0.0; 8000]));
        ev.extend(v.push(&buzz(8000, 0.3)));
        ev.extend(v.push(&vec![0.0; 8000]));
        assert!(matches!(ev[1], VadEvent::TooLong { .. }), "{ev:?}");
        // After the long speech stops, the next utterance is found.
        assert_eq!(utterances(&ev).len(), 1, "{ev:?}");
    }
}
