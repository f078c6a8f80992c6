//! `bridge-daemon`: the CutBridge command line. Errors become one stderr line and an exit code:
//! 0 changed, 2 nothing to change (not understood, no match, unsupported), 1 bad input.
//! `serve` runs the resident daemon; `ask` sends one instruction to it (or runs it offline).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

use cli::*;

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
    /// Write the protocol's JSON Schemas into a folder (and the reference part of
    /// docs/protocol.md with --doc).
    Schema {
        #[arg(long, default_value = "protocol/schema")]
        out: PathBuf,
        /// docs/protocol.md: regenerate everything after its "generated" marker line.
        #[arg(long)]
        doc: Option<PathBuf>,
    },
    /// Run the daemon: JSON-RPC 2.0 over WebSocket, for the NLE adapters.
    Serve(ServeArgs),
    /// Send one instruction to the running daemon (offline when none answers).
    Ask(AskArgs),
    /// Write an HTML report (and a Markdown summary beside it) of what a cut list or
    /// instructions do to a timeline.
    Report(ReportArgs),
    /// Assemble a timeline from a script: each line matched to the take in a bin that says it.
    Assemble(AssembleArgs),
    /// A project's standing preferences (protected lines and ranges, margins around cuts, the
    /// default transition, words that are not filler): show, set or clear them.
    Prefs {
        #[command(subcommand)]
        action: PrefsAction,
    },
    /// Install an adapter where its host looks for it: the Resolve scripts, the Premiere UXP
    /// plug-in and/or CEP panel (by Premiere version), or the OpenFX bundle.
    Install(InstallArgs),
    /// Find the utterances in a recording (voice activity detection) and transcribe them: the
    /// offline twin of the daemon's voice path. Exit 0 when every utterance has its text (or with
    /// --vad-only), 2 when there is speech but no text (no Whisper model), 1 on bad input.
    Listen(ListenArgs),
    /// A local language model folder or GGUF file: `model check DIR` loads it, answers one
    /// instruction with the daemon's prompt and schema, and prints load time, speed and memory;
    /// `model tokenize DIR TEXT` prints its tokenizer's ids.
    Model {
        #[command(subcommand)]
        action: ModelAction,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Edit(args) => edit(&args),
        Command::Schema { out, doc } => {
            schema(&out, doc.as_deref()).map_err(|e| Exit(1, format!("{e:#}")))
        }
        Command::Serve(args) => serve(args),
        Command::Ask(args) => ask(&args),
        Command::Report(args) => report(&args),
        Command::Prefs { action } => prefs(&action),
        Command::Assemble(args) => assemble(&args),
        Command::Install(args) => install(&args),
        Command::Listen(args) => listen(&args),
        Command::Model {
            action: ModelAction::Check(args),
        } => model_check(&args),
        Command::Model {
            action: ModelAction::Tokenize { dir, text },
        } => model_tokenize(&dir, &text),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Exit(code, msg)) => {
            eprintln!("bridge-daemon: {msg}");
            ExitCode::from(code)
        }
    }
}
