//! The daemon's own microphone (feature `mic`): cpal's default input device, mixed down to mono
//! f32 and sent to the session that turned it on, which runs it through the same decoder and
//! detector as a panel's stream.
//!
//! A cpal stream may not move between threads on every platform, so it lives on a thread of its
//! own: [`Mic::open`] starts it and waits for it to say the device is open (or why not), and
//! dropping the [`Mic`] stops it. The audio callback never blocks: a full queue drops the chunk.

use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use tokio::sync::mpsc;

/// What can stop the microphone from opening.
#[derive(Debug, thiserror::Error)]
pub enum MicError {
    #[error("no input device (no microphone, or the sound system has none to offer)")]
    NoDevice,
    #[error("no usable input device: {device} failed: {why}")]
    Device { device: String, why: String },
    #[error("the microphone thread: {0}")]
    Thread(String),
}

/// An open input device; dropping it closes the device.
#[derive(Debug)]
pub struct Mic {
    name: String,
    rate: u32,
    stop: Option<std_mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Mic {
    /// Open the default input device; its audio (mono f32 at [`Mic::rate`]) goes to `to`.
    pub fn open(to: mpsc::Sender<Vec<f32>>) -> Result<Mic, MicError> {
        let (ready_tx, ready_rx) = std_mpsc::channel::<Result<(String, u32), MicError>>();
        let (stop_tx, stop_rx) = std_mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("cutbridge-mic".into())
            .spawn(move || {
                let stream = match open_stream(to) {
                    Ok((stream, name, rate)) => {
                        let _ = ready_tx.send(Ok((name, rate)));
                        stream
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                // Until the Mic is dropped (its sender with it).
                let _ = stop_rx.recv();
                drop(stream);
            })
            .map_err(|e| MicError::Thread(e.to_string()))?;
        let (name, rate) = ready_rx
            .recv()
            .map_err(|_| MicError::Thread("it ended before opening the device".into()))??;
        tracing::info!(device = %name, rate, "microphone on");
        Ok(Mic {
            name,
            rate,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// Always mono: the callback mixes the device's channels down.
    pub fn channels(&self) -> u16 {
        1
    }
}

impl Drop for Mic {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        tracing::info!(device = %self.name, "microphone off");
    }
}

fn open_stream(to: mpsc::Sender<Vec<f32>>) -> Result<(cpal::Stream, String, u32), MicError> {
    let host = cpal::default_host();
    let device = host.default_input_device().ok_or(MicError::NoDevice)?;
    #[allow(deprecated)]
    let name = device.name().unwrap_or_else(|_| "default input".into());
    let bad = |why: String| MicError::Device {
        device: name.clone(),
        why,
    };
    let supported = device
        .default_input_config()
        .map_err(|e| bad(e.to_string()))?;
    let format = supported.sample_format();
    let config: cpal::StreamConfig = supported.into();
    let channels = config.channels.max(1) as usize;
    let rate = config.sample_rate.0;
    let on_error = |e: cpal::StreamError| tracing::warn!("microphone: {e}");
    fn mono<T: Copy>(data: &[T], channels: usize, to_f32: impl Fn(T) -> f32) -> Vec<f32> {
        data.chunks(channels)
            .map(|f| f.iter().map(|&s| to_f32(s)).sum::<f32>() / channels as f32)
            .collect()
    }
    let stream = match format {
        cpal::SampleFormat::F32 => device.build_input_stream(
            &config,
            move |data: &[f32], _: &cpal::InputCallbackInfo| {
                let _ = to.try_send(mono(data, channels, |s| s));
            },
            on_error,
            None,
        ),
        cpal::SampleFormat::I16 => device.build_input_stream(
            &config,
            move |data: &[i16], _: &cpal::InputCallbackInfo| {
                let _ = to.try_send(mono(data, channels, |s| s as f32 / 32768.0));
            },
            on_error,
            None,
        ),
        cpal::SampleFormat::I32 => device.build_input_stream(
            &config,
            move |data: &[i32], _: &cpal::InputCallbackInfo| {
                let _ = to.try_send(mono(data, channels, |s| s as f32 / 2_147_483_648.0));
            },
            on_error,
            None,
        ),
        other => return Err(bad(format!("sample format {other} is not supported"))),
    }
    .map_err(|e| bad(e.to_string()))?;
    stream.play().map_err(|e| bad(e.to_string()))?;
    Ok((stream, name, rate))
}
