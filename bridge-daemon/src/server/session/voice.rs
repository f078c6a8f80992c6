//! A session's voice: `voice.begin` / binary PCM frames / `voice.end` from a panel, and
//! `voice.listen` for the daemon's own microphone (feature `mic`). Both feed the same decoder and
//! detector ([`voice`]); each utterance is reported (`voice.utterance`), transcribed off
//! the runtime with a timeout (`voice.transcript`), and acted on: "撤销"/"undo" becomes
//! `edit.undo` to the appliers, anything else goes through `edit.instruct` (so `edit.proposed`
//! reaches the appliers, this session included).
//!
//! Frames of a stream are handled one at a time, like requests: while an utterance is
//! transcribed the connection reads nothing more (the socket buffers the audio), so events keep
//! their order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use protocol::wire::{
    EditUndo, ErrorObject, Id, ListenMode, LogLevel, Notification, UtteranceEvent, UtteranceSpan,
    VoiceBeginParams, VoiceBeginResult, VoiceEndParams, VoiceEndResult, VoiceListenParams,
    VoiceListenResult, VoiceSource, VoiceTranscript, VoiceUtterance, code, method,
};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::{Flow, Handled, MethodResult, Session, params, reply_err, reply_ok};
use voice::{
    self, Command, SampleFormat, StreamDecoder, Transcribe, Vad, VadConfig, VadEvent, VoiceError,
};

/// One stream of audio: a panel's (binary frames) or the microphone's.
#[derive(Debug)]
pub struct VoiceStream {
    id: String,
    source: VoiceSource,
    decoder: StreamDecoder,
    vad: Vad,
    language: Option<String>,
    /// Act on transcripts (instruct, undo).
    act: bool,
    /// Hands-free: only utterances that begin with one of these count.
    wake: Option<Vec<String>>,
    frames: u64,
    bad_frames: u64,
    spans: Vec<UtteranceSpan>,
    /// The no-model warning was sent.
    warned: bool,
}

fn bad_audio(e: &VoiceError) -> ErrorObject {
    ErrorObject::new(code::BAD_AUDIO, e.to_string())
}

/// Round to the millisecond: what the wire carries.
fn ms(s: f64) -> f64 {
    (s * 1000.0).round() / 1000.0
}

impl Session {
    fn vad_config(&self) -> VadConfig {
        VadConfig {
            max_utterance_s: self.shared.config.limits.max_utterance_s,
            ..VadConfig::default()
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn new_stream(
        &self,
        source: VoiceSource,
        format: SampleFormat,
        rate: u32,
        channels: u16,
        language: Option<String>,
        act: bool,
        wake: Option<Vec<String>>,
    ) -> Result<VoiceStream, VoiceError> {
        Ok(VoiceStream {
            id: self.shared.new_id("vs"),
            source,
            decoder: StreamDecoder::new(format, rate, channels)?,
            vad: Vad::new(self.vad_config()),
            language,
            act,
            wake,
            frames: 0,
            bad_frames: 0,
            spans: Vec::new(),
            warned: false,
        })
    }

    /// A notification this session's client must see (utterances, transcripts): queued without
    /// waiting; a client too slow to take it loses it (its queue is full).
    fn notify(&self, method: &str, params: impl serde::Serialize) {
        self.notify_lossy(method, params);
    }

    pub(super) fn voice_begin(
        &mut self,
        id: &Option<Id>,
        p: Option<Value>,
    ) -> MethodResult<String> {
        let p: VoiceBeginParams = params(p)?;
        let format = SampleFormat::parse(&p.format).map_err(|e| {
            bad_audio(&e).with_data(json!({"path": "format", "formats": ["s16le", "f32le"]}))
        })?;
        let language = voice::parse_language(p.language.as_deref())
            .map_err(|e| bad_audio(&e).with_data(json!({"path": "language"})))?;
        if let Some(old) = &self.voice {
            tracing::info!(session = %self.session_id(), stream = %old.id, "voice.begin replaces an unfinished stream");
        }
        let stream = self
            .new_stream(
                VoiceSource::Stream,
                format,
                p.rate,
                p.channels,
                language,
                p.instruct,
                None,
            )
            .map_err(|e| bad_audio(&e))?;
        let result = VoiceBeginResult {
            stream: stream.id.clone(),
            transcriber: self.shared.transcriber.name().to_string(),
            transcription_unavailable: self.shared.transcription_unavailable.clone(),
            max_utterance_s: self.shared.config.limits.max_utterance_s,
        };
        tracing::info!(session = %self.session_id(), stream = %stream.id, format = format.name(), rate = p.rate, channels = p.channels, "voice stream begins");
        self.voice = Some(stream);
        Ok(reply_ok(id, &result))
    }

    pub(super) async fn voice_end(
        &mut self,
        id: &Option<Id>,
        p: Option<Value>,
    ) -> MethodResult<String> {
        let p: VoiceEndParams = params(p)?;
        let Some(mut stream) = self.voice.take() else {
            return Err(ErrorObject::new(
                code::INVALID_REQUEST,
                "no voice stream to end: send voice.begin first",
            ));
        };
        let mut events = match stream.decoder.finish() {
            Ok(tail) => stream.vad.push(&tail),
            Err(e) => {
                tracing::warn!("voice: the last samples were lost: {e}");
                Vec::new()
            }
        };
        events.extend(stream.vad.finish());
        let audio_s = stream.decoder.seconds().max(stream.vad.seconds());
        let errors = self.voice_events(&mut stream, events).await;
        if let Some(e) = errors.first() {
            tracing::info!(session = %self.session_id(), "voice.end: {}", e.message);
        }
        tracing::info!(session = %self.session_id(), stream = %stream.id, frames = stream.frames, client_frames = ?p.frames, utterances = stream.spans.len(), "voice stream ends");
        let needs_model = !stream.spans.is_empty() && !self.has_model();
        let result = VoiceEndResult {
            stream: stream.id,
            audio_s: ms(audio_s),
            frames: stream.frames,
            bad_frames: stream.bad_frames,
            utterances: stream.spans,
            transcription_unavailable: needs_model
                .then(|| self.shared.transcription_unavailable.clone())
                .flatten(),
        };
        Ok(reply_ok(id, &result))
    }

    fn has_model(&self) -> bool {
        self.shared.transcription_unavailable.is_none()
    }

    /// A binary frame: audio of the current stream. Errors answer with id null; the session
    /// goes on.
    pub async fn handle_binary(&mut self, bytes: tokio_tungstenite::tungstenite::Bytes) -> Handled {
        let err = |e: ErrorObject| Handled {
            reply: Some(reply_err(&None, &e)),
            flow: Flow::Continue,
        };
        if !self.authenticated() {
            return err(ErrorObject::new(
                code::UNAUTHENTICATED,
                "not authenticated: send session.hello with the daemon's token first",
            ));
        }
        let Some(mut stream) = self.voice.take() else {
            return err(ErrorObject::new(
                code::BINARY_NOT_SUPPORTED,
                format!(
                    "a binary frame ({} bytes) outside a voice stream: binary frames carry audio \
                     between voice.begin and voice.end",
                    bytes.len()
                ),
            ));
        };
        stream.frames += 1;
        let len = bytes.len();
        // Decoding a big frame (resampling, the detector) takes milliseconds to seconds: off the
        // reactor, so that other clients are not held up.
        let decode = move |mut stream: VoiceStream| {
            let events = stream
                .decoder
                .push_bytes(&bytes)
                .map(|pcm| stream.vad.push(&pcm));
            (stream, events)
        };
        let (mut stream, events) = super::work(len > 64 * 1024, move || decode(stream)).await;
        let events = match events {
            Ok(events) => events,
            Err(e) => {
                stream.bad_frames += 1;
                let frame = stream.frames;
                self.voice = Some(stream);
                return err(bad_audio(&e).with_data(json!({"frame": frame, "bytes": len})));
            }
        };
        let errors = self.voice_events(&mut stream, events).await;
        self.voice = Some(stream);
        match errors.into_iter().next() {
            Some(e) => err(e),
            None => Handled {
                reply: None,
                flow: Flow::Continue,
            },
        }
    }

    /// Samples from the microphone (interleaved f32 at the device's rate).
    pub async fn handle_mic(&mut self, samples: Vec<f32>) {
        let Some(mut stream) = self.mic_stream.take() else {
            return;
        };
        let events = match stream.decoder.push_samples(&samples) {
            Ok(pcm) => stream.vad.push(&pcm),
            Err(e) => {
                tracing::warn!("microphone: {e}");
                Vec::new()
            }
        };
        for e in self.voice_events(&mut stream, events).await {
            self.log(LogLevel::Warning, e.message);
        }
        self.mic_stream = Some(stream);
    }

    /// Report and act on what the detector found; the errors are for the client (too long).
    async fn voice_events(
        &mut self,
        stream: &mut VoiceStream,
        events: Vec<VadEvent>,
    ) -> Vec<ErrorObject> {
        let mut errors = Vec::new();
        for event in events {
            match event {
                VadEvent::SpeechStart { start_s } => self.notify(
                    method::VOICE_UTTERANCE,
                    VoiceUtterance {
                        stream: stream.id.clone(),
                        source: stream.source,
                        event: UtteranceEvent::Start,
                        start_s: ms(start_s),
                        end_s: None,
                    },
                ),
                VadEvent::TooLong {
                    start_s,
                    at_s,
                    max_s,
                } => {
                    self.notify(
                        method::VOICE_UTTERANCE,
                        VoiceUtterance {
                            stream: stream.id.clone(),
                            source: stream.source,
                            event: UtteranceEvent::TooLong,
                            start_s: ms(start_s),
                            end_s: Some(ms(at_s)),
                        },
                    );
                    let message = format!(
                        "the utterance from {start_s:.2} s went on past {max_s} s (the longest \
                         taken): its audio was dropped; pause between instructions"
                    );
                    stream.spans.push(UtteranceSpan {
                        start_s: ms(start_s),
                        end_s: ms(at_s),
                        text: None,
                        error: Some(message.clone()),
                    });
                    errors.push(
                        ErrorObject::new(code::UTTERANCE_TOO_LONG, message).with_data(
                            json!({"stream": stream.id, "start_s": ms(start_s), "max_s": max_s}),
                        ),
                    );
                }
                VadEvent::Utterance(u) => {
                    self.notify(
                        method::VOICE_UTTERANCE,
                        VoiceUtterance {
                            stream: stream.id.clone(),
                            source: stream.source,
                            event: UtteranceEvent::End,
                            start_s: ms(u.start_s),
                            end_s: Some(ms(u.end_s)),
                        },
                    );
                    let span = self.utterance(stream, u).await;
                    stream.spans.push(span);
                }
            }
        }
        errors
    }

    /// One utterance: its text (when there is a model) and what it asks for.
    async fn utterance(&mut self, stream: &mut VoiceStream, u: voice::Utterance) -> UtteranceSpan {
        let mut span = UtteranceSpan {
            start_s: ms(u.start_s),
            end_s: ms(u.end_s),
            text: None,
            error: None,
        };
        if let Some(why) = &self.shared.transcription_unavailable {
            if !stream.warned {
                stream.warned = true;
                self.log(
                    LogLevel::Warning,
                    format!("voice: utterances are found but not transcribed: {why}"),
                );
            }
            return span;
        }
        let model = self.shared.transcriber.clone();
        let limit = self.shared.config.limits.transcribe_timeout();
        let t0 = Instant::now();
        let text =
            match transcribe_off_runtime(model, u.samples, stream.language.clone(), limit).await {
                Ok(t) => t.trim().to_string(),
                Err(e) => {
                    span.error = Some(e.to_string());
                    self.log(LogLevel::Error, format!("voice: {e}"));
                    return span;
                }
            };
        tracing::info!(session = %self.session_id(), ms = t0.elapsed().as_millis() as u64, %text, "transcribed");
        span.text = Some(text.clone());
        let command = if stream.act {
            voice::parse_command(&text, stream.wake.as_deref())
        } else {
            None
        };
        let action = match (&command, stream.act) {
            (_, false) => "none",
            (None, true) => "ignored",
            (Some(Command::Undo), _) => "undo",
            (Some(Command::Instruct(_)), _) => "instruct",
        };
        self.notify(
            method::VOICE_TRANSCRIPT,
            VoiceTranscript {
                stream: stream.id.clone(),
                text: text.clone(),
                is_final: true,
                start_s: span.start_s,
                end_s: span.end_s,
                action: action.into(),
            },
        );
        match command {
            None => {}
            Some(Command::Undo) => {
                if let Err(e) = self.spoken_undo(&text) {
                    span.error = Some(e);
                }
            }
            Some(Command::Instruct(instruction)) => {
                let r = self
                    .instruct_as(
                        &None,
                        Some(json!({ "text": instruction })),
                        Instant::now(),
                        true,
                    )
                    .await;
                if let Err(e) = r {
                    self.log(
                        LogLevel::Warning,
                        format!("voice: \"{instruction}\": {}", e.message),
                    );
                    span.error = Some(e.message);
                }
            }
        }
        span
    }

    /// "撤销": `edit.undo` to the appliers of the timeline synced last.
    fn spoken_undo(&self, text: &str) -> Result<(), String> {
        let Some(fingerprint) = self.shared.last_fingerprint() else {
            return Err("undo: no timeline has been synced".into());
        };
        let n = Notification::new(
            method::EDIT_UNDO,
            EditUndo {
                fingerprint: fingerprint.clone(),
                text: text.to_string(),
                from_session: self.session_id().to_string(),
            },
        );
        let text = serde_json::to_string(&n).map_err(|e| e.to_string())?;
        let sent = self
            .shared
            .notify_appliers(&fingerprint, "", &Utf8Bytes::from(text));
        if sent == 0 {
            return Err("undo: no applier has this timeline open".into());
        }
        Ok(())
    }

    pub(super) async fn voice_listen(
        &mut self,
        id: &Option<Id>,
        p: Option<Value>,
    ) -> MethodResult<String> {
        let p: VoiceListenParams = params(p)?;
        if !p.on {
            // Push-to-talk released: the utterance under way ends now.
            let was = match self.stop_mic() {
                Some(mut stream) => {
                    let mut events = stream
                        .decoder
                        .finish()
                        .map(|t| stream.vad.push(&t))
                        .unwrap_or_default();
                    events.extend(stream.vad.finish());
                    for e in self.voice_events(&mut stream, events).await {
                        self.log(LogLevel::Warning, e.message);
                    }
                    Some(stream.id)
                }
                None => None,
            };
            return Ok(reply_ok(
                id,
                &VoiceListenResult {
                    on: false,
                    mode: p.mode,
                    device: None,
                    stream: was,
                },
            ));
        }
        let language = voice::parse_language(p.language.as_deref())
            .map_err(|e| bad_audio(&e).with_data(json!({"path": "language"})))?;
        self.start_mic(id, p.mode, language)
    }

    #[cfg(not(feature = "mic"))]
    fn start_mic(
        &mut self,
        _id: &Option<Id>,
        _mode: ListenMode,
        _language: Option<String>,
    ) -> MethodResult<String> {
        Err(ErrorObject::new(
            code::NO_INPUT_DEVICE,
            "this daemon was built without the mic feature, so it cannot listen to a microphone: \
             build it with `cargo build --features mic` (Linux needs libasound2-dev), or stream \
             audio from the panel with voice.begin",
        ))
    }

    #[cfg(feature = "mic")]
    fn start_mic(
        &mut self,
        id: &Option<Id>,
        mode: ListenMode,
        language: Option<String>,
    ) -> MethodResult<String> {
        self.stop_mic();
        let mic = crate::mic::Mic::open(self.mic_tx.clone()).map_err(|e| {
            ErrorObject::new(
                code::NO_INPUT_DEVICE,
                format!("cannot listen to a microphone: {e}"),
            )
        })?;
        let wake = match mode {
            ListenMode::PushToTalk => None,
            ListenMode::HandsFree => Some(self.shared.config.wake_phrases.clone()),
        };
        let stream = self
            .new_stream(
                VoiceSource::Mic,
                SampleFormat::F32le,
                mic.rate(),
                mic.channels(),
                language,
                true,
                wake,
            )
            .map_err(|e| {
                ErrorObject::new(code::NO_INPUT_DEVICE, format!("the input device: {e}"))
            })?;
        let result = VoiceListenResult {
            on: true,
            mode,
            device: Some(mic.name().to_string()),
            stream: Some(stream.id.clone()),
        };
        self.mic_stream = Some(stream);
        self.mic = Some(mic);
        Ok(reply_ok(id, &result))
    }

    /// Stop the microphone (if on); the stream it fed.
    pub(super) fn stop_mic(&mut self) -> Option<VoiceStream> {
        #[cfg(feature = "mic")]
        {
            self.mic = None;
        }
        self.mic_stream.take()
    }
}

/// Run `model` on one utterance on a blocking thread, giving up after `limit` (the thread
/// finishes on its own; its result is dropped).
async fn transcribe_off_runtime(
    model: Arc<dyn Transcribe>,
    samples: Vec<f32>,
    language: Option<String>,
    limit: Duration,
) -> Result<String, VoiceError> {
    let name = model.name().to_string();
    let job = tokio::task::spawn_blocking(move || model.transcribe(&samples, language.as_deref()));
    match tokio::time::timeout(limit, job).await {
        Err(_) => Err(VoiceError::Timeout(limit)),
        Ok(Err(e)) => Err(VoiceError::Transcription {
            model: name,
            why: format!("the worker thread failed: {e}"),
        }),
        Ok(Ok(r)) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use voice::NoModel;

    /// A transcriber that takes too long is given up on; its error names the limit.
    #[test]
    fn a_slow_transcriber_times_out_off_the_runtime() {
        struct Slow;
        impl Transcribe for Slow {
            fn name(&self) -> &str {
                "slow"
            }
            fn transcribe(&self, _: &[f32], _: Option<&str>) -> Result<String, VoiceError> {
                std::thread::sleep(Duration::from_millis(500));
                Ok("late".into())
            }
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let limit = Duration::from_millis(50);
        let r = rt.block_on(transcribe_off_runtime(
            Arc::new(Slow),
            vec![0.0; 160],
            None,
            limit,
        ));
        assert_eq!(r, Err(VoiceError::Timeout(limit)));
        let r = rt.block_on(transcribe_off_runtime(
            Arc::new(NoModel),
            vec![0.0; 160],
            Some("zh".into()),
            limit,
        ));
        assert!(matches!(r, Err(VoiceError::NoModel(_))));
    }
}
