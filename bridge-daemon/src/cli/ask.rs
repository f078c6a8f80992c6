//! `bridge-daemon ask`: one instruction to the daemon, or offline when none answers, with the same outcome and exit code.

use super::*;

#[derive(clap::Args, Debug)]
pub(crate) struct AskArgs {
    /// The daemon.
    #[arg(long, default_value_t = format!("ws://127.0.0.1:{}", bridge_daemon::server::DEFAULT_PORT))]
    url: String,
    /// The daemon's token file [default: <config dir>/cutbridge/token].
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// The timeline: OpenTimelineIO JSON (.otio) or the protocol's timeline JSON (.json).
    #[arg(long)]
    timeline: PathBuf,
    /// The transcript as SRT, timed from the timeline's first frame.
    #[arg(long)]
    subtitles: Option<PathBuf>,
    /// Write the edited timeline here; the format follows the extension.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Seconds to wait for the daemon to answer the connection.
    #[arg(long, default_value_t = 3.0)]
    connect_timeout: f64,
    /// The backend used when no daemon answers (the daemon uses its own).
    #[command(flatten)]
    backend: BackendArgs,
    /// What to do, in Chinese or English.
    text: String,
}

/// What `ask` sends: the timeline as the daemon takes it, and the same read locally for the
/// offline fallback.
pub(crate) fn ask_input(
    args: &AskArgs,
) -> Result<(protocol::wire::TimelineInput, protocol::Timeline), Exit> {
    use protocol::wire::{NativeSnapshot, OtioSnapshot, TimelineInput};
    let Loaded { timeline, notes } =
        load_timeline(&args.timeline, None, args.subtitles.as_deref())?;
    for n in notes.iter().skip(1) {
        eprintln!("bridge-daemon: note: {n}");
    }
    // OTIO JSON goes as it is (the daemon keeps what it does not model); anything else as the
    // timeline read here, its transcript in it.
    let bytes = read_bytes(&args.timeline)?;
    let name = args.timeline.file_name().and_then(|n| n.to_str());
    let srt = match &args.subtitles {
        Some(p) => std::fs::read_to_string(p).ok().map(Some),
        None => Some(None),
    };
    let input = match (
        interchange::Source::sniff(&bytes, name),
        String::from_utf8(bytes),
        srt,
    ) {
        (Some(interchange::Source::Otio), Ok(text), Some(srt)) => {
            TimelineInput::Otio(OtioSnapshot { otio: text, srt })
        }
        _ => TimelineInput::Native(NativeSnapshot {
            timeline: timeline.clone(),
            srt: None,
        }),
    };
    Ok((input, timeline))
}

pub(crate) fn ask(args: &AskArgs) -> Result<(), Exit> {
    use bridge_daemon::client::{Client, ClientError, Hello};
    use protocol::wire::{CutListRef, ExportParams, InstructParams, code};

    let format = output_format(args.output.as_deref())?;
    let (input, timeline) = ask_input(args)?;
    let token_path = args
        .token_file
        .clone()
        .or_else(bridge_daemon::server::config::default_token_path);
    let token = token_path
        .as_ref()
        .ok_or_else(|| "no token file (give --token-file)".to_string())
        .and_then(|p| {
            std::fs::read_to_string(p)
                .map(|t| t.trim().to_string())
                .map_err(|e| format!("cannot read the token file {}: {e}", p.display()))
        });
    let token = match token {
        Ok(t) => t,
        Err(why) => {
            eprintln!("bridge-daemon: {why}: running the instruction offline");
            return ask_offline(args, &timeline, format);
        }
    };
    let rt = runtime()?;
    let timeout = std::time::Duration::from_secs_f64(args.connect_timeout.clamp(0.1, 60.0));
    let online = rt.block_on(async {
        let mut client =
            match Client::connect(&args.url, Hello::new(token, "bridge-daemon ask"), timeout).await
            {
                Ok(c) => c,
                Err(e @ (ClientError::Connect { .. } | ClientError::Timeout { .. })) => {
                    return Err(e);
                }
                Err(e) => return Ok(Err(e)),
            };
        let params = InstructParams {
            text: args.text.clone(),
            timeline: Some(input),
            fingerprint: None,
            selection: None,
        };
        let result = match client.instruct(&params).await {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        let exported = match format {
            Some(_) => {
                let name = args
                    .output
                    .as_ref()
                    .and_then(|o| o.extension())
                    .map(|e| e.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                let p = ExportParams {
                    cut_list: Some(CutListRef::Id(result.cut_list.id.clone())),
                    fingerprint: None,
                    format: name,
                };
                match client.export(&p).await {
                    Ok(x) => Some(x.text),
                    Err(e) => return Ok(Err(e)),
                }
            }
            None => None,
        };
        client.close().await;
        Ok(Ok((result, exported)))
    });
    match online {
        Err(e) => {
            eprintln!("bridge-daemon: no daemon answered ({e}): running the instruction offline");
            ask_offline(args, &timeline, format)
        }
        Ok(Err(ClientError::Rpc(e))) => {
            // A refusal exits as it does offline: by its kind (bad input and backend failures 1,
            // the rest 2); any other error is 1.
            let exit = if e.code == code::REFUSED {
                e.data_str("kind")
                    .and_then(|k| {
                        serde_json::from_value::<engine::RefusalKind>(serde_json::Value::from(k))
                            .ok()
                    })
                    .map_or(2, refusal_exit_code)
            } else {
                1
            };
            Err(Exit(exit, e.message))
        }
        Ok(Err(e)) => Err(Exit(1, e.to_string())),
        Ok(Ok((result, exported))) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&result).unwrap_or_default()
            );
            if let (Some(out), Some(body)) = (&args.output, exported) {
                interchange::write_atomically(out, body.as_bytes())
                    .map_err(|e| Exit(1, format!("{}: cannot write: {e}", out.display())))?;
            }
            Ok(())
        }
    }
}

/// `ask` without a daemon: the same pipeline, the same reply printed.
pub(crate) fn ask_offline(
    args: &AskArgs,
    timeline: &protocol::Timeline,
    format: Option<Format>,
) -> Result<(), Exit> {
    use protocol::wire::{InstructResult, Timings};
    let started = std::time::Instant::now();
    // A standing preference said as an instruction is saved, as the daemon and `edit` do.
    let store = pref_store(&PrefsDir::default()).ok();
    if let Some(saved) = engine::pipeline::spoken_preference(timeline, &args.text, store.as_ref()) {
        let result = saved.map_err(|r| Exit(refusal_exit_code(r.kind), r.message))?;
        println!(
            "{}",
            serde_json::to_string_pretty(&result).unwrap_or_default()
        );
        return Ok(());
    }
    let standing = load_prefs(pref_store(&PrefsDir::default()), &timeline.name)?;
    let backend = select_backend(&args.backend.options(BackendOptions::default())?)?;
    let outcome = engine::pipeline::run(
        &engine::pipeline::InstructRequest::new(timeline, &args.text, &*backend)
            .with_preferences(&standing),
    )
    .map_err(|r| Exit(refusal_exit_code(r.kind), r.message))?;
    let summary = engine::pipeline::explain_text(timeline, &outcome);
    let mut cut_list = outcome.cut_list;
    cut_list.id = "offline".into();
    let result = InstructResult {
        cut_list,
        intent: outcome.intent,
        explanation: bridge_daemon::server::wire_explanation(outcome.explanation),
        summary,
        result_fingerprint: outcome.timeline.fingerprint(),
        timings: Timings {
            total_us: started.elapsed().as_micros() as u64,
            ..Timings::default()
        },
        preference_saved: None,
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&result).unwrap_or_default()
    );
    if let (Some(out), Some(format)) = (&args.output, format) {
        interchange::write_file(out, &outcome.timeline, format)
            .map_err(|e| Exit(1, format!("{}: cannot write: {e}", out.display())))?;
    }
    Ok(())
}
