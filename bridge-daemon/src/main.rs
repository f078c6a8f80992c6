//! `bridge-daemon`: the CutBridge command line. Errors become one stderr line and an exit code:
//! 0 changed, 2 nothing to change (not understood, no match, unsupported), 1 bad input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use bridge_daemon::interchange::{self, Format};
use bridge_daemon::understand::Understand;
use bridge_daemon::understand::rules::Rules;
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "bridge-daemon",
    version,
    about = "CutBridge: edit timelines by saying what you want"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Apply one instruction to a timeline file and write the edited timeline.
    Edit(EditArgs),
    /// Write the protocol's JSON Schemas (timeline, cut list, intent) into a folder.
    Schema {
        #[arg(long, default_value = "protocol/schema")]
        out: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
struct EditArgs {
    /// The timeline: OpenTimelineIO JSON (.otio) or the protocol's timeline JSON (.json).
    #[arg(long)]
    timeline: PathBuf,
    /// The transcript as SRT, timed from the timeline's first frame.
    #[arg(long)]
    subtitles: Option<PathBuf>,
    /// What to do, in Chinese or English.
    #[arg(long)]
    instruction: String,
    /// Where to write the result; the format follows the extension: .otio (OpenTimelineIO),
    /// .json (the protocol's timeline), .edl (CMX3600), .fcpxml (FCPXML 1.10) or .xml (FCP7 XML,
    /// for Premiere).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Print the intent and cut list as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Print how the instruction was understood and what it matched.
    #[arg(long)]
    explain: bool,
}

/// An error with the exit code it maps to.
struct Exit(u8, String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Edit(args) => edit(&args),
        Command::Schema { out } => schema(&out).map_err(|e| Exit(1, format!("{e:#}"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Exit(code, msg)) => {
            eprintln!("bridge-daemon: {msg}");
            ExitCode::from(code)
        }
    }
}

fn read_text(path: &Path) -> Result<String, Exit> {
    std::fs::read_to_string(path).map_err(|e| Exit(1, format!("{}: {e}", path.display())))
}

fn edit(args: &EditArgs) -> Result<(), Exit> {
    let format = match &args.output {
        Some(out) => Some(Format::from_path(out).ok_or_else(|| {
            Exit(
                1,
                format!(
                    "{}: unknown output format (use one of: {})",
                    out.display(),
                    Format::NAMES
                ),
            )
        })?),
        None => None,
    };
    if format.is_none() && !args.json && !args.explain {
        return Err(Exit(
            1,
            "nothing to do: give --output FILE, --json or --explain".into(),
        ));
    }
    let text = read_text(&args.timeline)?;
    let mut timeline = interchange::read_timeline_str(&text)
        .map_err(|e| Exit(1, format!("{}: {e}", args.timeline.display())))?;
    if let Some(srt) = &args.subtitles {
        let text = read_text(srt)?;
        timeline.subtitles = interchange::srt::read_str(&text, timeline.rate)
            .map_err(|e| Exit(1, format!("{}: {e}", srt.display())))?;
    }
    let backend = Rules;
    let outcome =
        bridge_daemon::instruct(&timeline, &args.instruction, &backend as &dyn Understand);
    let outcome = match outcome {
        Ok(o) => o,
        Err(refusal) => {
            if args.json {
                println!("{}", serde_json::json!({"refusal": refusal}));
            }
            return Err(Exit(2, refusal.message));
        }
    };
    if args.explain {
        print!(
            "{}",
            bridge_daemon::pipeline::explain_text(&timeline, &outcome)
        );
    }
    if args.json {
        let v = serde_json::json!({"intent": outcome.intent, "cut_list": outcome.cut_list, "explanation": outcome.explanation});
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    }
    if let (Some(out), Some(format)) = (&args.output, format) {
        let body = interchange::write_string(&outcome.timeline, format);
        interchange::write_atomically(out, body.as_bytes())
            .with_context(|| format!("{}: cannot write", out.display()))
            .map_err(|e| Exit(1, format!("{e:#}")))?;
    }
    Ok(())
}

fn schema(out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    for (name, value) in protocol::schema::all() {
        let path = out.join(name);
        let body = serde_json::to_string_pretty(&value)? + "\n";
        interchange::write_atomically(&path, body.as_bytes())
            .with_context(|| format!("{}: cannot write", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
