//! The server's settings: a JSON config file (`--config`), overridden by command-line flags.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ServerError;
use engine::understand::backend::{BackendKind, BackendOptions};
use engine::understand::openai::OpenAiConfig;

/// The port the daemon listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 7717;

/// Everything `serve` can be told. Every field has a default; a config file names only what it
/// changes, and an unknown field is an error (a typo must not silently keep a default).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where to listen; loopback unless `allow_remote`.
    pub listen: SocketAddr,
    /// Permit a non-loopback `listen` address (there is no TLS: use a tunnel or a trusted network).
    pub allow_remote: bool,
    /// The token file; default `<config dir>/cutbridge/token`.
    pub token_file: Option<PathBuf>,
    /// The audit log (JSON lines); default `<state dir>/cutbridge/audit.jsonl`.
    pub audit_log: Option<PathBuf>,
    /// Rotate the audit log when it grows past this many bytes.
    pub audit_max_bytes: u64,
    /// How many rotated audit logs to keep (`audit.jsonl.1` … `.N`).
    pub audit_keep: usize,
    /// The largest audit record: past it, its longest lists are cut short (with a count of
    /// what was left out).
    pub audit_max_record_bytes: usize,
    /// Rotation keeps at least this many of the newest records of each kind.
    pub audit_keep_per_kind: usize,
    /// Browser `Origin`s that may connect (clients that send none always may). Exact origins
    /// (`http://localhost:8088`), `null` (sandboxed and `data:` pages send it: allow it only
    /// knowingly) or `file://` (any page loaded from a file: the Premiere CEP panel, whose
    /// installer adds it). Everything else is refused at the handshake.
    pub allowed_origins: Vec<String>,
    /// A Whisper model folder (Hugging Face: config.json, model.safetensors, tokenizer.json) for
    /// speech to text; without it voice streams get utterances but no text.
    pub whisper_dir: Option<PathBuf>,
    /// When a timeline has no transcript and an instruction needs its lines, make one from its
    /// media with the Whisper model of `whisper_dir` (minutes on a CPU for long media; cached per
    /// file; progress is reported and the request can be cancelled).
    pub transcribe_media: bool,
    /// Hands-free listening acts on an utterance only when it begins with one of these.
    pub wake_phrases: Vec<String>,
    pub limits: Limits,
    /// The understanding backend: `rules` (default), `chatglm`, `openai` or `auto` (ChatGLM when
    /// `model_dir` is set and loads, else rules).
    pub backend: BackendKind,
    /// The ChatGLM model folder (Hugging Face layout).
    pub model_dir: Option<PathBuf>,
    /// Quantize the ChatGLM model's linear layers on load: `q8_0` (8 bits) or `q4k` (about 4.5
    /// bits, for 6–8 GB cards); absent: as the files hold them (BF16 on a GPU, F32 on the CPU).
    pub quant: Option<inference::Quant>,
    /// The `openai` backend's server, model, key, timeout, retries and schema mode.
    pub openai: OpenAiConfig,
}

/// Resource limits, per server and per session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// The largest frame and message accepted; a bigger one closes that connection with 1009.
    pub max_message_bytes: usize,
    /// Authenticated sessions at once; a `session.hello` past it is refused (−32003) and closed.
    pub max_sessions: usize,
    /// Connections waiting for their handshake and hello at once; a new one past it closes the
    /// one that has waited longest.
    pub max_pending: usize,
    /// Of those, from one non-loopback address (loopback clients share one address).
    pub max_pending_per_peer: usize,
    /// Bytes a connection may send before its hello (the HTTP handshake included), and the
    /// largest frame it may announce then; more closes it with 1009.
    pub pre_auth_bytes: u64,
    /// Sustained requests per second per session (token bucket).
    pub requests_per_second: u32,
    /// Requests a session may send in a burst above the sustained rate.
    pub burst: u32,
    /// Frames queued for one session before it counts as too slow: notifications to a full queue
    /// close that session (it re-syncs when it reconnects); its own replies wait.
    pub outbound_queue: usize,
    /// A connection must send `session.hello` within this time.
    pub hello_timeout_ms: u64,
    /// The WebSocket handshake must finish within this time.
    pub handshake_timeout_ms: u64,
    /// One frame must be written to the client within this time, or the connection is dropped.
    pub write_timeout_ms: u64,
    /// Timelines (and their indexes) cached by fingerprint.
    pub cached_timelines: usize,
    /// Cut lists (and the timelines they make) kept for `edit.export` and `apply.report`.
    pub cached_cut_lists: usize,
    /// On SIGINT/SIGTERM, how long in-flight requests may take to finish.
    pub shutdown_grace_ms: u64,
    /// A request not answered within this time gets −32016 and its work is cancelled.
    pub request_timeout_ms: u64,
    /// A message (or frame) begun must be finished within this time, or the connection closes.
    pub message_timeout_ms: u64,
    /// After this long without a byte from the client (the daemon pings a silent one every
    /// `keepalive_ms`; clients answer pings by themselves), the connection closes.
    pub idle_timeout_ms: u64,
    pub keepalive_ms: u64,
    /// The largest reply (an export of a huge timeline); a bigger one is refused (−32017), and
    /// no connection's unsent frames may grow past it (a client that never reads is closed).
    pub max_reply_bytes: usize,
    /// Memory the cached timelines (with their indexes) may take, estimated; the least
    /// recently used go first.
    pub timeline_cache_bytes: u64,
    /// Memory the kept cut lists may take, estimated.
    pub cut_list_cache_bytes: u64,
    /// The longest utterance taken (seconds); a longer one is refused and its audio dropped.
    pub max_utterance_s: f64,
    /// Speech to text of one utterance must finish within this time.
    pub transcribe_timeout_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), DEFAULT_PORT),
            allow_remote: false,
            token_file: None,
            audit_log: None,
            audit_max_bytes: 16 << 20,
            audit_keep: 5,
            audit_max_record_bytes: 1 << 20,
            audit_keep_per_kind: 50,
            allowed_origins: Vec::new(),
            whisper_dir: None,
            transcribe_media: false,
            wake_phrases: voice::default_wake_phrases(),
            limits: Limits::default(),
            backend: BackendKind::default(),
            model_dir: None,
            quant: None,
            openai: OpenAiConfig::default(),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 32 << 20,
            max_sessions: 512,
            max_pending: 256,
            max_pending_per_peer: 8,
            pre_auth_bytes: 64 << 10,
            requests_per_second: 100,
            burst: 200,
            outbound_queue: 64,
            hello_timeout_ms: 10_000,
            handshake_timeout_ms: 5_000,
            write_timeout_ms: 30_000,
            cached_timelines: 32,
            cached_cut_lists: 1024,
            shutdown_grace_ms: 10_000,
            request_timeout_ms: 120_000,
            message_timeout_ms: 60_000,
            idle_timeout_ms: 600_000,
            keepalive_ms: 30_000,
            max_reply_bytes: 256 << 20,
            timeline_cache_bytes: 512 << 20,
            cut_list_cache_bytes: 128 << 20,
            max_utterance_s: 30.0,
            transcribe_timeout_ms: 30_000,
        }
    }
}

impl Limits {
    pub fn hello_timeout(&self) -> Duration {
        Duration::from_millis(self.hello_timeout_ms)
    }
    pub fn handshake_timeout(&self) -> Duration {
        Duration::from_millis(self.handshake_timeout_ms)
    }
    pub fn write_timeout(&self) -> Duration {
        Duration::from_millis(self.write_timeout_ms)
    }
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.shutdown_grace_ms)
    }
    pub fn transcribe_timeout(&self) -> Duration {
        Duration::from_millis(self.transcribe_timeout_ms)
    }
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
    pub fn message_timeout(&self) -> Duration {
        Duration::from_millis(self.message_timeout_ms)
    }
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms)
    }
    pub fn keepalive(&self) -> Duration {
        Duration::from_millis(self.keepalive_ms)
    }
}

impl Config {
    /// Read a JSON config file.
    pub fn load(path: &Path) -> Result<Config, ServerError> {
        let text = std::fs::read_to_string(path).map_err(|source| ServerError::Io {
            what: format!("cannot read config file {}", path.display()),
            source,
        })?;
        let mut de = serde_json::Deserializer::from_str(&text);
        serde_path_to_error::deserialize(&mut de).map_err(|e| ServerError::Config {
            path: path.to_path_buf(),
            why: format!("{}: {}", e.path(), e.inner()),
        })
    }

    /// Refuse a non-loopback address unless `allow_remote`; limits must be usable.
    pub fn check(&self) -> Result<(), ServerError> {
        if !self.listen.ip().is_loopback() && !self.allow_remote {
            return Err(ServerError::RemoteNotAllowed(self.listen));
        }
        let l = &self.limits;
        let positive = [
            ("limits.max_message_bytes", l.max_message_bytes as u64),
            ("limits.max_sessions", l.max_sessions as u64),
            (
                "limits.requests_per_second",
                u64::from(l.requests_per_second),
            ),
            ("limits.burst", u64::from(l.burst)),
            ("limits.outbound_queue", l.outbound_queue as u64),
            ("limits.cached_timelines", l.cached_timelines as u64),
            ("limits.cached_cut_lists", l.cached_cut_lists as u64),
            ("limits.max_pending", l.max_pending as u64),
            ("limits.max_pending_per_peer", l.max_pending_per_peer as u64),
            ("limits.timeline_cache_bytes", l.timeline_cache_bytes),
            ("limits.cut_list_cache_bytes", l.cut_list_cache_bytes),
        ];
        for (name, value) in positive {
            if value == 0 {
                return Err(ServerError::InvalidSetting {
                    name,
                    why: "it must be at least 1".into(),
                });
            }
        }
        // Timeouts of 0 would close every connection (or drop every write) at once; a minute-long
        // hello or handshake wait would let silent sockets hold the session slots.
        let timeouts = [
            ("limits.hello_timeout_ms", l.hello_timeout_ms, 100, 60_000),
            (
                "limits.handshake_timeout_ms",
                l.handshake_timeout_ms,
                100,
                60_000,
            ),
            ("limits.write_timeout_ms", l.write_timeout_ms, 100, 600_000),
            (
                "limits.transcribe_timeout_ms",
                l.transcribe_timeout_ms,
                100,
                600_000,
            ),
            (
                "limits.request_timeout_ms",
                l.request_timeout_ms,
                100,
                3_600_000,
            ),
            (
                "limits.message_timeout_ms",
                l.message_timeout_ms,
                100,
                600_000,
            ),
            (
                "limits.idle_timeout_ms",
                l.idle_timeout_ms,
                1_000,
                86_400_000,
            ),
            ("limits.keepalive_ms", l.keepalive_ms, 100, 3_600_000),
        ];
        for (name, value, lo, hi) in timeouts {
            if !(lo..=hi).contains(&value) {
                return Err(ServerError::InvalidSetting {
                    name,
                    why: format!("{value} ms is not between {lo} and {hi} ms"),
                });
            }
        }
        if l.shutdown_grace_ms > 600_000 {
            return Err(ServerError::InvalidSetting {
                name: "limits.shutdown_grace_ms",
                why: format!("{} ms is more than 600000 ms", l.shutdown_grace_ms),
            });
        }
        // Before hello a connection sends an HTTP upgrade and one small hello: a few hundred bytes.
        if !(1024..=1 << 20).contains(&l.pre_auth_bytes) {
            return Err(ServerError::InvalidSetting {
                name: "limits.pre_auth_bytes",
                why: format!("{} is not between 1024 and 1048576 bytes", l.pre_auth_bytes),
            });
        }
        if l.max_reply_bytes < 1 << 20 {
            return Err(ServerError::InvalidSetting {
                name: "limits.max_reply_bytes",
                why: format!("{} is less than 1048576 bytes", l.max_reply_bytes),
            });
        }
        if !(1.0..=600.0).contains(&l.max_utterance_s) {
            return Err(ServerError::InvalidSetting {
                name: "limits.max_utterance_s",
                why: format!("{} is not between 1 and 600 seconds", l.max_utterance_s),
            });
        }
        Ok(())
    }

    /// What [`engine::understand::backend::select`] needs.
    pub fn backend_options(&self) -> BackendOptions {
        BackendOptions {
            kind: self.backend,
            model_dir: self.model_dir.clone(),
            quant: self.quant,
            openai: self.openai.clone(),
        }
    }

    /// The token file: the configured one, else [`protocol::paths`]'s rule
    /// (`$CUTBRIDGE_TOKEN_FILE`, else `<config dir>/cutbridge/token`).
    pub fn token_path(&self) -> Result<PathBuf, ServerError> {
        if let Some(p) = &self.token_file {
            return Ok(p.clone());
        }
        default_token_path().ok_or(ServerError::NoConfigDir)
    }
}

/// The token file without `--token-file`: `$CUTBRIDGE_TOKEN_FILE`, else
/// `<config dir>/cutbridge/token` (`~/.config/cutbridge/token` on Linux): [`protocol::paths`].
pub fn default_token_path() -> Option<PathBuf> {
    protocol::paths::default_token_file()
}

/// `<config dir>/cutbridge/config.json`, read by `serve` when it exists and no `--config` is given.
pub fn default_config_path() -> Option<PathBuf> {
    Some(dirs::config_dir()?.join("cutbridge").join("config.json"))
}

/// `<state dir>/cutbridge/audit.jsonl` (`~/.local/state/cutbridge/audit.jsonl` on Linux).
pub fn default_audit_path() -> Option<PathBuf> {
    let base = dirs::state_dir().or_else(dirs::data_local_dir)?;
    Some(base.join("cutbridge").join("audit.jsonl"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_addresses_need_allow_remote() {
        let mut c = Config {
            listen: "0.0.0.0:7717".parse().unwrap(),
            ..Config::default()
        };
        assert!(matches!(c.check(), Err(ServerError::RemoteNotAllowed(_))));
        c.allow_remote = true;
        assert!(c.check().is_ok());
        assert!(Config::default().check().is_ok());
    }

    /// The config example in docs/protocol.md is every default, spelled out.
    #[test]
    fn timeouts_of_zero_or_too_long_are_refused() {
        for (set, name) in [
            (
                (|l: &mut Limits| l.hello_timeout_ms = 0) as fn(&mut Limits),
                "limits.hello_timeout_ms",
            ),
            (
                |l| l.handshake_timeout_ms = 3_600_000,
                "limits.handshake_timeout_ms",
            ),
            (|l| l.write_timeout_ms = 0, "limits.write_timeout_ms"),
            (
                |l| l.shutdown_grace_ms = 86_400_000,
                "limits.shutdown_grace_ms",
            ),
        ] {
            let mut c = Config::default();
            set(&mut c.limits);
            match c.check() {
                Err(ServerError::InvalidSetting { name: n, .. }) => assert_eq!(n, name),
                other => panic!("{name}: {other:?}"),
            }
        }
        assert!(Config::default().check().is_ok());
    }

    #[test]
    fn the_documented_config_is_the_default() {
        let doc = include_str!("../../../docs/protocol.md");
        let at = doc.find("is JSON; every field is optional").unwrap();
        let block = &doc[at..];
        let start = block.find("```json\n").unwrap() + "```json\n".len();
        let end = block[start..].find("```").unwrap();
        let c: Config = serde_json::from_str(&block[start..start + end]).unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn quant_is_read_by_name_and_a_wrong_one_names_the_field() {
        let c: Config = serde_json::from_str(r#"{"quant": "q4k"}"#).unwrap();
        assert_eq!(c.quant, Some(inference::Quant::Q4K));
        assert_eq!(c.backend_options().quant, Some(inference::Quant::Q4K));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.json");
        std::fs::write(&p, r#"{"quant": "int3"}"#).unwrap();
        let e = Config::load(&p).unwrap_err().to_string();
        assert!(e.contains("quant"), "{e}");
    }

    #[test]
    fn config_file_errors_name_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.json");
        std::fs::write(&p, r#"{"limits": {"burst": "many"}}"#).unwrap();
        let e = Config::load(&p).unwrap_err().to_string();
        assert!(e.contains("limits.burst"), "{e}");
        std::fs::write(&p, r#"{"listn": "127.0.0.1:1"}"#).unwrap();
        let e = Config::load(&p).unwrap_err().to_string();
        assert!(e.contains("listn"), "{e}");
        std::fs::write(&p, r#"{"limits": {"burst": 5}}"#).unwrap();
        assert_eq!(Config::load(&p).unwrap().limits.burst, 5);
        std::fs::write(&p, r#"{"backend": "gpt"}"#).unwrap();
        let e = Config::load(&p).unwrap_err().to_string();
        assert!(e.contains("backend"), "{e}");
        std::fs::write(&p, r#"{"openai": {"url": "http://h:8000", "modle": "x"}}"#).unwrap();
        let e = Config::load(&p).unwrap_err().to_string();
        assert!(e.contains("openai.modle"), "{e}");
        std::fs::write(
            &p,
            r#"{"backend": "openai", "openai": {"url": "http://h:8000", "model": "glm", "schema_mode": "both", "timeout_ms": 5000}}"#,
        )
        .unwrap();
        let o = Config::load(&p).unwrap().backend_options();
        assert_eq!(o.kind, BackendKind::Openai);
        assert_eq!(
            (o.openai.model.as_str(), o.openai.timeout_ms),
            ("glm", 5000)
        );
        assert_eq!(o.openai.retries, OpenAiConfig::default().retries);
    }
}
