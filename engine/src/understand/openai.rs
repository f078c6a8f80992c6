//! The `openai` backend: any OpenAI-compatible chat completions server (vLLM, TGI, llama.cpp
//! server), for a studio that serves one model to every seat.
//!
//! `POST {url}/v1/chat/completions` with [`super::prompt`]'s messages, `temperature: 0`, and the
//! intent JSON Schema as structured output: `response_format` (`json_schema`, strict) and/or
//! vLLM's `guided_json` ([`SchemaMode`]). Connection errors, 429 and 5xx are retried with
//! exponential backoff (honouring `Retry-After`) inside one deadline, [`OpenAiConfig::timeout_ms`];
//! any other 4xx is not. Every failure is a [`RefusalKind::Backend`] refusal that names the
//! server and what went wrong. Blocking: the server calls it on its blocking pool.

use std::str::FromStr;
use std::time::{Duration, Instant};

use protocol::Intent;
use protocol::intent::Emotion;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::prompt::{self, Message};
use super::{Context, Understand};
use crate::{Refusal, RefusalKind};

/// The environment variable read for the API key when the config names none.
pub const API_KEY_ENV: &str = "CUTBRIDGE_OPENAI_API_KEY";

/// How the schema is sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemaMode {
    /// `response_format: {"type": "json_schema", ...}`: the OpenAI API, vLLM, TGI, llama.cpp.
    #[default]
    ResponseFormat,
    /// vLLM's `guided_json` extra parameter (older vLLM servers).
    GuidedJson,
    /// Both.
    Both,
}

impl FromStr for SchemaMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "response_format" => Ok(SchemaMode::ResponseFormat),
            "guided_json" => Ok(SchemaMode::GuidedJson),
            "both" => Ok(SchemaMode::Both),
            _ => Err(format!(
                "{s:?}: the schema mode is response_format, guided_json or both"
            )),
        }
    }
}

/// The `openai` backend's settings (the `openai` object of the config file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpenAiConfig {
    /// The server's base URL: `http://gpu-box:8000` (`/v1` is added unless it is there).
    pub url: String,
    /// The model name the server serves (`vllm serve NAME`).
    pub model: String,
    /// The API key; when absent, the environment variable `api_key_env` (none sent without one).
    pub api_key: Option<String>,
    /// Where to read the API key from when `api_key` is absent.
    pub api_key_env: String,
    /// One request's deadline, retries included.
    pub timeout_ms: u64,
    /// How many times to retry a connection error, 429 or 5xx.
    pub retries: u32,
    /// The first retry's wait; each next one doubles it.
    pub backoff_ms: u64,
    pub schema_mode: SchemaMode,
    /// The most tokens of an answer.
    pub max_tokens: u32,
    /// Ask the model for each subtitle line's emotion (else the lexicon's scores are used).
    pub label_emotions: bool,
    /// Lines per emotion-labelling request.
    pub emotion_batch: usize,
}

impl Default for OpenAiConfig {
    fn default() -> Self {
        OpenAiConfig {
            url: String::new(),
            model: String::new(),
            api_key: None,
            api_key_env: API_KEY_ENV.into(),
            timeout_ms: 30_000,
            retries: 2,
            backoff_ms: 250,
            schema_mode: SchemaMode::ResponseFormat,
            max_tokens: 512,
            label_emotions: true,
            emotion_batch: 64,
        }
    }
}

/// Why the backend cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum OpenAiError {
    #[error("the openai backend needs the server's URL (--openai-url or openai.url)")]
    NoUrl,
    #[error("{0:?}: the openai URL must start with http:// or https://")]
    BadUrl(String),
    #[error(
        "the openai backend needs the model's name as the server knows it (--openai-model or openai.model)"
    )]
    NoModel,
    #[error("setting openai.{0}: it must be at least 1")]
    Zero(&'static str),
}

/// A client of one OpenAI-compatible server.
#[derive(Debug)]
pub struct OpenAi {
    cfg: OpenAiConfig,
    endpoint: String,
    api_key: Option<String>,
    agent: ureq::Agent,
    intent_schema: Value,
}

/// What one attempt came to.
enum Attempt {
    Done(String),
    Retry(String, Option<Duration>),
    Fail(Refusal),
}

fn backend_error(message: impl Into<String>) -> Refusal {
    Refusal::new(RefusalKind::Backend, message)
}

fn excerpt(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 200 {
        format!("{}…", one.chars().take(200).collect::<String>())
    } else {
        one
    }
}

/// The message of an OpenAI-style error body (`{"error": {"message": ...}}`), else the body.
fn error_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            let e = v.get("error")?;
            e.get("message")
                .and_then(Value::as_str)
                .or_else(|| e.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| excerpt(body))
}

impl OpenAi {
    pub fn new(cfg: OpenAiConfig) -> Result<OpenAi, OpenAiError> {
        let base = cfg.url.trim().trim_end_matches('/');
        if base.is_empty() {
            return Err(OpenAiError::NoUrl);
        }
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(OpenAiError::BadUrl(cfg.url.clone()));
        }
        if cfg.model.trim().is_empty() {
            return Err(OpenAiError::NoModel);
        }
        if cfg.timeout_ms == 0 {
            return Err(OpenAiError::Zero("timeout_ms"));
        }
        if cfg.emotion_batch == 0 {
            return Err(OpenAiError::Zero("emotion_batch"));
        }
        if cfg.max_tokens == 0 {
            return Err(OpenAiError::Zero("max_tokens"));
        }
        let endpoint = if base.ends_with("/v1") {
            format!("{base}/chat/completions")
        } else {
            format!("{base}/v1/chat/completions")
        };
        let api_key = cfg
            .api_key
            .clone()
            .or_else(|| std::env::var(&cfg.api_key_env).ok())
            .filter(|k| !k.trim().is_empty());
        let agent = ureq::Agent::new_with_config(
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .user_agent(concat!("cutbridge/", env!("CARGO_PKG_VERSION")))
                .build(),
        );
        Ok(OpenAi {
            endpoint,
            api_key,
            agent,
            intent_schema: prompt::intent_schema_json(),
            cfg,
        })
    }

    /// The chat completions URL requests go to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn config(&self) -> &OpenAiConfig {
        &self.cfg
    }

    /// The request body of a chat whose answer must match `schema`.
    pub fn request_body(
        &self,
        messages: &[Message],
        schema_name: &str,
        schema: &Value,
        max_tokens: u32,
    ) -> Value {
        let mut body = json!({
            "model": self.cfg.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": max_tokens,
        });
        if matches!(
            self.cfg.schema_mode,
            SchemaMode::ResponseFormat | SchemaMode::Both
        ) {
            body["response_format"] = json!({
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema, "strict": true},
            });
        }
        if matches!(
            self.cfg.schema_mode,
            SchemaMode::GuidedJson | SchemaMode::Both
        ) {
            body["guided_json"] = schema.clone();
        }
        body
    }

    /// Send one chat and return the answer's text, retrying what may pass.
    fn complete(&self, body: &Value) -> Result<String, Refusal> {
        let text = serde_json::to_string(body).expect("a JSON value serialises");
        let timeout = Duration::from_millis(self.cfg.timeout_ms);
        let deadline = Instant::now() + timeout;
        let mut last = String::new();
        let attempts = self.cfg.retries + 1;
        for attempt in 0..attempts {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match self.attempt(&text, left, timeout) {
                Attempt::Done(body) => return self.answer(&body),
                Attempt::Fail(r) => return Err(r),
                Attempt::Retry(why, retry_after) => {
                    tracing::warn!(attempt = attempt + 1, "openai backend: {why}");
                    last = why;
                    if attempt + 1 == attempts {
                        break;
                    }
                    let backoff = Duration::from_millis(
                        self.cfg.backoff_ms.saturating_mul(1 << attempt.min(16)),
                    );
                    let wait = retry_after.unwrap_or(backoff);
                    let left = deadline.saturating_duration_since(Instant::now());
                    if wait >= left {
                        last = format!("{last} (no time left to retry within {timeout:?})");
                        break;
                    }
                    std::thread::sleep(wait);
                }
            }
        }
        Err(backend_error(format!(
            "the model server at {} failed: {last}",
            self.endpoint
        )))
    }

    fn attempt(&self, body: &str, left: Duration, timeout: Duration) -> Attempt {
        let mut req = self
            .agent
            .post(&self.endpoint)
            .config()
            .timeout_global(Some(left))
            .build()
            .header("Content-Type", "application/json")
            .header("Accept", "application/json");
        if let Some(k) = &self.api_key {
            req = req.header("Authorization", format!("Bearer {k}"));
        }
        let timed_out = || {
            Attempt::Fail(backend_error(format!(
                "the model server at {} did not answer within {:.1} s",
                self.endpoint,
                timeout.as_secs_f64()
            )))
        };
        let mut resp = match req.send(body) {
            Ok(r) => r,
            Err(ureq::Error::Timeout(_)) => return timed_out(),
            Err(ureq::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) =>
            {
                return timed_out();
            }
            Err(
                e @ (ureq::Error::ConnectionFailed
                | ureq::Error::HostNotFound
                | ureq::Error::Io(_)
                | ureq::Error::Protocol(_)),
            ) => {
                return Attempt::Retry(format!("cannot reach it: {e}"), None);
            }
            Err(e) => {
                return Attempt::Fail(backend_error(format!(
                    "the request to the model server at {} failed: {e}",
                    self.endpoint
                )));
            }
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        let text = match resp
            .body_mut()
            .with_config()
            .limit(16 << 20)
            .read_to_string()
        {
            Ok(t) => t,
            Err(ureq::Error::Timeout(_)) => return timed_out(),
            Err(e) => return Attempt::Retry(format!("its answer broke off: {e}"), None),
        };
        match status {
            200..=299 => Attempt::Done(text),
            429 => Attempt::Retry(
                format!("it is busy (429: {})", error_message(&text)),
                retry_after,
            ),
            500..=599 => Attempt::Retry(
                format!("it answered {status}: {}", error_message(&text)),
                retry_after,
            ),
            _ => Attempt::Fail(backend_error(format!(
                "the model server at {} refused the request ({status}: {})",
                self.endpoint,
                error_message(&text)
            ))),
        }
    }

    /// The text of a chat completion's first choice.
    fn answer(&self, body: &str) -> Result<String, Refusal> {
        let v: Value = serde_json::from_str(body).map_err(|e| {
            backend_error(format!(
                "the model server at {} answered with something that is not JSON ({e}): {}",
                self.endpoint,
                excerpt(body)
            ))
        })?;
        let choice = v.pointer("/choices/0").ok_or_else(|| {
            backend_error(format!(
                "the model server at {} answered without choices: {}",
                self.endpoint,
                excerpt(body)
            ))
        })?;
        if let Some(r) = choice.pointer("/message/refusal").and_then(Value::as_str) {
            return Err(Refusal::new(
                RefusalKind::NotUnderstood,
                format!("the model declined: {r}"),
            ));
        }
        let content = choice
            .pointer("/message/content")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                backend_error(format!(
                    "the model server at {} answered without choices[0].message.content: {}",
                    self.endpoint,
                    excerpt(body)
                ))
            })?;
        if choice.get("finish_reason").and_then(Value::as_str) == Some("length") {
            return Err(backend_error(format!(
                "the model's answer was cut off at {} tokens: {}",
                self.cfg.max_tokens,
                excerpt(content)
            )));
        }
        Ok(content.to_string())
    }
}

impl Understand for OpenAi {
    fn name(&self) -> &'static str {
        "openai"
    }

    fn understand(&self, text: &str, ctx: &Context) -> Result<Intent, Refusal> {
        let chat = prompt::build(ctx, text);
        let body = self.request_body(
            &chat.messages(),
            "intent",
            &self.intent_schema,
            self.cfg.max_tokens,
        );
        let answer = self.complete(&body)?;
        prompt::parse_intent_output(&answer)
    }

    fn label_emotions(&self, lines: &[&str]) -> Option<Result<Vec<Option<Emotion>>, Refusal>> {
        if !self.cfg.label_emotions {
            return None;
        }
        let mut out = Vec::with_capacity(lines.len());
        for batch in lines.chunks(self.cfg.emotion_batch) {
            let messages = [
                Message {
                    role: "system",
                    content: prompt::EMOTION_SYSTEM_PROMPT.into(),
                },
                Message {
                    role: "user",
                    content: prompt::emotion_user(batch),
                },
            ];
            let schema = prompt::emotion_schema_json(batch.len());
            // A label is a few tokens; the JSON around them a few more.
            let max_tokens = (batch.len() as u32).saturating_mul(8).saturating_add(32);
            let body = self.request_body(&messages, "emotion_labels", &schema, max_tokens);
            let labels = self
                .complete(&body)
                .and_then(|a| prompt::parse_emotion_output(&a, batch.len()));
            match labels {
                Ok(l) => out.extend(l),
                Err(e) => return Some(Err(e)),
            }
        }
        Some(Ok(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(url: &str) -> OpenAiConfig {
        OpenAiConfig {
            url: url.into(),
            model: "m".into(),
            ..OpenAiConfig::default()
        }
    }

    #[test]
    fn endpoints_and_settings() {
        let o = OpenAi::new(cfg("http://h:8000/")).unwrap();
        assert_eq!(o.endpoint(), "http://h:8000/v1/chat/completions");
        let o = OpenAi::new(cfg("https://h/v1")).unwrap();
        assert_eq!(o.endpoint(), "https://h/v1/chat/completions");
        assert!(matches!(OpenAi::new(cfg("")), Err(OpenAiError::NoUrl)));
        assert!(matches!(
            OpenAi::new(cfg("h:8000")),
            Err(OpenAiError::BadUrl(_))
        ));
        let mut c = cfg("http://h");
        c.model.clear();
        assert!(matches!(OpenAi::new(c), Err(OpenAiError::NoModel)));
        assert_eq!("both".parse::<SchemaMode>(), Ok(SchemaMode::Both));
        assert!("json".parse::<SchemaMode>().is_err());
    }

    #[test]
    fn the_body_carries_the_schema_as_the_mode_says() {
        let msgs = [Message {
            role: "user",
            content: "x".into(),
        }];
        let schema = prompt::intent_schema_json();
        for (mode, rf, gj) in [
            (SchemaMode::ResponseFormat, true, false),
            (SchemaMode::GuidedJson, false, true),
            (SchemaMode::Both, true, true),
        ] {
            let mut c = cfg("http://h");
            c.schema_mode = mode;
            let b = OpenAi::new(c)
                .unwrap()
                .request_body(&msgs, "intent", &schema, 9);
            assert_eq!(b["temperature"], 0);
            assert_eq!(b["max_tokens"], 9);
            assert_eq!(b.get("response_format").is_some(), rf, "{mode:?}");
            assert_eq!(b.get("guided_json").is_some(), gj, "{mode:?}");
            if rf {
                assert_eq!(b["response_format"]["json_schema"]["schema"], schema);
                assert_eq!(b["response_format"]["json_schema"]["strict"], true);
            }
        }
    }
}
