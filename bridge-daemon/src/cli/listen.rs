//! `bridge-daemon listen`: a WAV file through the voice detector (and Whisper), printed as JSON lines.

use super::*;

#[derive(clap::Args, Debug)]
pub(crate) struct ListenArgs {
    /// A WAV file: 16-bit, 24-bit, 32-bit or float PCM, mono or stereo, 8 to 48 kHz.
    #[arg(long)]
    file: PathBuf,
    /// Only find the utterances; no transcription.
    #[arg(long)]
    vad_only: bool,
    /// Print one JSON document instead of lines.
    #[arg(long)]
    json: bool,
    /// The language spoken: zh, en or auto.
    #[arg(long, default_value = "auto")]
    language: String,
    /// A Whisper model folder from Hugging Face (config.json, model.safetensors, tokenizer.json).
    #[arg(long)]
    whisper: Option<PathBuf>,
}

pub(crate) fn listen(args: &ListenArgs) -> Result<(), Exit> {
    use serde_json::json;
    use voice::{self, VadConfig, VadEvent};
    let language =
        voice::parse_language(Some(&args.language)).map_err(|e| Exit(1, e.to_string()))?;
    let (samples, rate, channels) =
        voice::read_wav(&args.file).map_err(|e| Exit(1, e.to_string()))?;
    let events = voice::utterances_of(&samples, rate, channels, VadConfig::default())
        .map_err(|e| Exit(1, format!("{}: {e}", args.file.display())))?;
    let seconds = samples.len() as f64 / channels.max(1) as f64 / rate as f64;
    // The model is loaded only when there is something to transcribe.
    let has_speech = events.iter().any(|e| matches!(e, VadEvent::Utterance(_)));
    let model = if args.vad_only || !has_speech {
        None
    } else {
        if args.whisper.is_some() {
            // Loading a model takes seconds: its progress lines on stderr, as `serve` shows them.
            log_to_stderr();
        }
        Some(voice::transcriber(args.whisper.as_deref()))
    };
    let mut missing: Option<String> = None;
    let mut rows = Vec::new();
    for e in &events {
        match e {
            VadEvent::Utterance(u) => {
                let text = match &model {
                    Some(Ok(m)) => match m.transcribe(&u.samples, language.as_deref()) {
                        Ok(t) => Some(t),
                        Err(e) => {
                            missing.get_or_insert(e.to_string());
                            None
                        }
                    },
                    Some(Err(e)) => {
                        missing.get_or_insert(e.to_string());
                        None
                    }
                    None => None,
                };
                rows.push(json!({"start_s": round_ms(u.start_s), "end_s": round_ms(u.end_s), "text": text}));
            }
            VadEvent::TooLong {
                start_s,
                at_s,
                max_s,
            } => {
                rows.push(
                    json!({"start_s": round_ms(*start_s), "end_s": round_ms(*at_s), "text": null,
                                 "error": format!("longer than {max_s} s: not transcribed")}),
                );
            }
            VadEvent::SpeechStart { .. } => {}
        }
    }
    if args.json {
        let doc = json!({
            "file": args.file.display().to_string(),
            "rate": rate,
            "channels": channels,
            "seconds": round_ms(seconds),
            "utterances": rows,
            "transcription": missing,
        });
        println!("{doc}");
    } else {
        for r in &rows {
            let text = r["text"].as_str().unwrap_or("");
            let error = r["error"]
                .as_str()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default();
            println!(
                "{:.3}\t{:.3}\t{text}{error}",
                r["start_s"].as_f64().unwrap_or(0.0),
                r["end_s"].as_f64().unwrap_or(0.0)
            );
        }
    }
    match missing {
        Some(why) => Err(Exit(2, why)),
        None => Ok(()),
    }
}
