//! A test double of an OpenAI-compatible chat completions server (vLLM, TGI, llama.cpp server):
//! `std::net::TcpListener` on 127.0.0.1 port 0, one thread per connection, minimal HTTP/1.1
//! (`Content-Length` bodies, `Connection: close`). Each request is recorded; a script decides
//! each reply from the request's number and body.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The content of the last message (the user turn).
    pub fn last_message(&self) -> String {
        let m = self.body["messages"].as_array().expect("messages");
        m.last().unwrap()["content"].as_str().unwrap().to_string()
    }

    /// Whether this is an emotion-labelling request (by its schema's name).
    pub fn is_emotion_request(&self) -> bool {
        self.body.pointer("/response_format/json_schema/name") == Some(&json!("emotion_labels"))
    }
}

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A status and a JSON body.
    Status(u16, String),
    /// Wait, then reply.
    After(Duration, Box<Reply>),
}

impl Reply {
    /// 200 with a chat completion whose message content is `content`.
    pub fn content(content: &str) -> Reply {
        Reply::Status(200, completion(content))
    }

    /// An OpenAI-style error body.
    pub fn error(status: u16, message: &str) -> Reply {
        Reply::Status(
            status,
            json!({"error": {"message": message, "type": "server_error", "code": status}})
                .to_string(),
        )
    }
}

/// A chat completion object as the chat completions API returns it.
pub fn completion(content: &str) -> String {
    json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "test-model",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "logprobs": null,
            "finish_reason": "stop",
        }],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    })
    .to_string()
}

type Script = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

pub struct FakeOpenAi {
    /// `http://127.0.0.1:PORT`, the base URL to configure.
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl FakeOpenAi {
    /// Serve until the test process ends; `script(n, request)` answers the `n`th request (0-based).
    pub fn start(script: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static) -> FakeOpenAi {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        let recs = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (recs, script) = (recs.clone(), script.clone());
                std::thread::spawn(move || handle(stream, &recs, &*script));
            }
        });
        FakeOpenAi { url, requests }
    }

    /// Every reply the same.
    pub fn always(reply: Reply) -> FakeOpenAi {
        FakeOpenAi::start(move |_, _| reply.clone())
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

fn handle(stream: TcpStream, recs: &Mutex<Vec<Recorded>>, script: &Script) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            return;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let rec = Recorded {
        method,
        path,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let n = {
        let mut r = recs.lock().unwrap();
        r.push(rec.clone());
        r.len() - 1
    };
    let mut reply = script(n, &rec);
    let mut stream = stream;
    loop {
        match reply {
            Reply::After(d, next) => {
                std::thread::sleep(d);
                reply = *next;
            }
            Reply::Status(code, body) => {
                let reason = match code {
                    200 => "OK",
                    400 => "Bad Request",
                    401 => "Unauthorized",
                    404 => "Not Found",
                    429 => "Too Many Requests",
                    500 => "Internal Server Error",
                    503 => "Service Unavailable",
                    _ => "Status",
                };
                let head = format!(
                    "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body.as_bytes());
                let _ = stream.flush();
                return;
            }
        }
    }
}
