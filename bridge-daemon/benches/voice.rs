//! Voice: real-time factors of voice activity detection and of Whisper's log-mel spectrogram (80
//! and 128 bins) on a minute of synthetic speech-like audio (buzzes between pauses, over noise),
//! and of resampling 48 kHz stereo to 16 kHz mono in 20 ms frames. Best of 5 runs each.
//! Targets: VAD > 500× real time; log-mel < 5 ms per second of audio.
//!
//! Then Whisper, the time from the end of speech to text for a 3 s utterance (mel window,
//! encoder, greedy decoding, through the daemon's worker), on random weights written by
//! `inference::testing`: the tiny shape by default; `CUTBRIDGE_BENCH_WHISPER_SHAPE=small|medium`
//! for Whisper small (d_model 768, 12 + 12 layers) or medium (1024, 24 + 24) shapes, which want
//! a GPU (`--features cuda`, `CUTBRIDGE_DEVICE=cuda`). Random weights decode a random number of
//! tokens, so the figures come with the token count and the time per token.
//!
//! Run: `cargo bench -p bridge-daemon --bench voice`

use std::time::Instant;

use voice::mel::LogMel;
use voice::{SampleFormat, StreamDecoder, Vad, VadConfig, VadEvent, Whisper};

const SECONDS: usize = 60;

/// One second of quiet, one of a 150 Hz buzz, repeated, with a little noise throughout.
fn audio(rate: usize) -> Vec<f32> {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    (0..rate * SECONDS)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let noise = ((s >> 11) as f32 / (1u64 << 53) as f32 - 0.5) * 0.01;
            let t = i as f32 / rate as f32;
            let speaking = (i / rate) % 2 == 1;
            let voice = if speaking {
                (1..=8)
                    .map(|h| (2.0 * std::f32::consts::PI * 150.0 * h as f32 * t).sin() / h as f32)
                    .sum::<f32>()
                    * 0.1
            } else {
                0.0
            };
            voice + noise
        })
        .collect()
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(v);
    }
    (best, out.expect("at least one run"))
}

fn main() {
    let pcm = audio(16_000);

    let (vad_s, utterances) = best_of(5, || {
        let mut vad = Vad::new(VadConfig::default());
        let mut n = 0;
        for frame in pcm.chunks(320) {
            n += vad
                .push(frame)
                .iter()
                .filter(|e| matches!(e, VadEvent::Utterance(_)))
                .count();
        }
        n + vad.finish().len()
    });
    println!(
        "vad: {SECONDS} s of audio in {:.2} ms: {:.0}x real time ({utterances} utterances; target > 500x)",
        vad_s * 1e3,
        SECONDS as f64 / vad_s
    );

    for n_mels in [80, 128] {
        let mel = LogMel::new(n_mels);
        // Whisper's window: 30 s.
        let window = &pcm[..16_000 * 30];
        let (mel_s, spec) = best_of(5, || mel.compute(window));
        let ms_per_s = mel_s * 1e3 / 30.0;
        println!(
            "log-mel {n_mels}: 30 s ({} frames) in {:.2} ms: {ms_per_s:.3} ms per second of audio, {:.0}x real time (target < 5 ms/s)",
            spec.n_frames,
            mel_s * 1e3,
            30.0 / mel_s
        );
    }

    let stereo48: Vec<u8> = audio(48_000)
        .iter()
        .flat_map(|&x| {
            let s = (x * 32767.0) as i16;
            let b = s.to_le_bytes();
            [b[0], b[1], b[0], b[1]]
        })
        .collect();
    let (rs_s, out_len) = best_of(5, || {
        let mut d = StreamDecoder::new(SampleFormat::S16le, 48_000, 2).expect("48 kHz stereo");
        let mut n = 0;
        // 20 ms of 48 kHz stereo s16le: 960 frames of 4 bytes.
        for frame in stereo48.chunks(3840) {
            n += d.push_bytes(frame).expect("whole frames").len();
        }
        n + d.finish().expect("flush").len()
    });
    println!(
        "resample 48 kHz stereo s16le -> 16 kHz mono: {SECONDS} s in {:.2} ms: {:.0}x real time ({out_len} samples out)",
        rs_s * 1e3,
        SECONDS as f64 / rs_s
    );

    whisper(&audio(16_000)[16_000..16_000 * 4]);
}

/// Whisper on random weights of the shape `CUTBRIDGE_BENCH_WHISPER_SHAPE` names (tiny default).
fn whisper(utterance: &[f32]) {
    let shape = std::env::var("CUTBRIDGE_BENCH_WHISPER_SHAPE").unwrap_or_else(|_| "tiny".into());
    let dir = tempfile::tempdir().expect("a temporary folder");
    let t = Instant::now();
    let cfg = inference::testing::write_tiny_whisper(dir.path(), 1).expect("a tiny Whisper");
    let (d_model, layers, heads) = match shape.as_str() {
        "tiny" => (cfg.d_model, cfg.encoder_layers, cfg.encoder_attention_heads),
        "small" => (768, 12, 12),
        "medium" => (1024, 24, 16),
        other => panic!("CUTBRIDGE_BENCH_WHISPER_SHAPE={other}: tiny, small or medium"),
    };
    if shape != "tiny" {
        // The tiny tokenizer's ids are all inside a real vocabulary of 51 865.
        let big = candle_transformers_config(&cfg, d_model, layers, heads);
        std::fs::write(
            dir.path().join("config.json"),
            inference::testing::whisper_config_json(&big).to_string(),
        )
        .expect("config.json");
        inference::testing::write_whisper_weights(&dir.path().join("model.safetensors"), &big, 1)
            .expect("random weights");
    }
    let written_s = t.elapsed().as_secs_f64();
    let device_name = std::env::var("CUTBRIDGE_DEVICE").unwrap_or_else(|_| "auto".into());
    let device = inference::device(&device_name).expect("the device");
    println!(
        "whisper {shape} (d_model {d_model}, {layers}+{layers} layers, {heads} heads) on {device_name}: random weights written in {written_s:.2} s"
    );
    // As the model stops (an immediate <|endoftext|> on random weights), then 20 tokens, about
    // what a 3 s command holds.
    for fixed in [None, Some(20)] {
        let t = Instant::now();
        let opts = inference::WhisperOptions {
            device: device.clone(),
            fixed_tokens: fixed,
            ..inference::WhisperOptions::default()
        };
        let model = Whisper::load_with(dir.path(), opts, |_| {}).expect("the model loads");
        let load_ms = t.elapsed().as_secs_f64() * 1e3;
        for language in [Some("en"), Some("zh"), None] {
            let mut best: Option<(f64, inference::Transcript)> = None;
            for _ in 0..5 {
                let t = Instant::now();
                let tr = model.transcript(utterance, language).expect("a transcript");
                let s = t.elapsed().as_secs_f64();
                if best.as_ref().is_none_or(|(b, _)| s < *b) {
                    best = Some((s, tr));
                }
            }
            let (s, t) = best.expect("five runs");
            println!(
                "whisper {shape} {:>4}: 3 s utterance -> text in {:.1} ms (loaded in {load_ms:.0} ms; mel {:.1} ms, encoder {:.1} ms, decoder {:.1} ms for {} tokens: {:.2} ms/token)",
                language.unwrap_or("auto"),
                s * 1e3,
                t.mel_ms,
                t.encode_ms,
                t.decode_ms,
                t.tokens,
                t.decode_ms / t.tokens.max(1) as f64
            );
        }
    }
}

fn candle_transformers_config(
    tiny: &inference::whisper::Config,
    d_model: usize,
    layers: usize,
    heads: usize,
) -> inference::whisper::Config {
    inference::whisper::Config {
        d_model,
        encoder_layers: layers,
        decoder_layers: layers,
        encoder_attention_heads: heads,
        decoder_attention_heads: heads,
        vocab_size: 51_865,
        ..tiny.clone()
    }
}
