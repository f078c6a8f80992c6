//! `bridge-daemon serve`: the resident daemon.

use super::*;

#[derive(clap::Args, Debug)]
pub(crate) struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:7717]; port 0 picks a free port.
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// A JSON config file (see docs/protocol.md); flags override it [default:
    /// <config dir>/cutbridge/config.json, when it exists].
    #[arg(long)]
    config: Option<PathBuf>,
    /// A browser origin that may connect besides clients that send none (repeatable): an exact
    /// origin, `file://` (pages loaded from files: the Premiere CEP panel) or `null`.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origin: Vec<String>,
    /// The token file [default: <config dir>/cutbridge/token, created with mode 0600].
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// Allow a non-loopback --listen address (no TLS: use a trusted network or a tunnel).
    #[arg(long)]
    allow_remote: bool,
    /// The audit log, JSON lines [default: <state dir>/cutbridge/audit.jsonl].
    #[arg(long)]
    audit_log: Option<PathBuf>,
    #[command(flatten)]
    backend: BackendArgs,
    /// A Whisper model folder from Hugging Face (config.json, model.safetensors, tokenizer.json)
    /// for voice commands; without it voice streams get utterances but no text.
    #[arg(long)]
    whisper: Option<PathBuf>,
}

pub(crate) fn serve(args: ServeArgs) -> Result<(), Exit> {
    use bridge_daemon::server::{self, Config, Server, auth, config};
    let bad = |e: server::ServerError| Exit(1, e.to_string());
    let config_file = args
        .config
        .clone()
        .or_else(|| config::default_config_path().filter(|p| p.exists()));
    let mut cfg = match &config_file {
        Some(p) => Config::load(p).map_err(bad)?,
        None => Config::default(),
    };
    for o in &args.allow_origin {
        if !cfg
            .allowed_origins
            .iter()
            .any(|a| a.eq_ignore_ascii_case(o))
        {
            cfg.allowed_origins.push(o.clone());
        }
    }
    if let Some(listen) = args.listen {
        cfg.listen = listen;
    }
    cfg.allow_remote |= args.allow_remote;
    if args.token_file.is_some() {
        cfg.token_file = args.token_file;
    }
    if args.audit_log.is_some() {
        cfg.audit_log = args.audit_log;
    }
    if cfg.audit_log.is_none() {
        cfg.audit_log = config::default_audit_path();
    }
    if args.whisper.is_some() {
        cfg.whisper_dir = args.whisper;
    }
    log_to_stderr();
    cfg.check().map_err(bad)?;
    let token_path = cfg.token_path().map_err(bad)?;
    let (token, created) = auth::load_or_create_token(&token_path).map_err(bad)?;
    // The model loads before the port is bound: an adapter that connects gets the backend the
    // daemon keeps (progress lines on stderr meanwhile).
    let opts = args.backend.options(cfg.backend_options())?;
    let selected = backend::select(&opts, &|f, msg| {
        tracing::info!("loading the model: {:.0}% {msg}", f * 100.0);
    })
    .map_err(|e| Exit(1, e.to_string()))?;
    tracing::info!("{}", selected.note);
    let rt = runtime()?;
    rt.block_on(async {
        let signals = server::shutdown_signal().map_err(|e| {
            Exit(
                1,
                format!("cannot install the SIGINT/SIGTERM handlers: {e}"),
            )
        })?;
        let server = Server::bind_with_backend(cfg, token, selected.backend)
            .await
            .map_err(bad)?;
        println!("bridge-daemon: listening on {}", server.url());
        println!(
            "bridge-daemon: token file {}{}",
            token_path.display(),
            if created { " (created)" } else { "" }
        );
        if let Some(p) = &config_file {
            println!("bridge-daemon: config file {}", p.display());
        }
        match server.audit_path() {
            Some(p) => println!("bridge-daemon: audit log {}", p.display()),
            None => println!("bridge-daemon: no audit log (no state folder on this system)"),
        }
        server.run(signals).await.map_err(bad)
    })?;
    // Work a cancelled request left on the blocking pool stops at its next stage; the process
    // does not wait for it (dropping the runtime would).
    rt.shutdown_timeout(std::time::Duration::from_millis(500));
    Ok(())
}
