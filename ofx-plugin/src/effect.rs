//! What one CutBridge node does, whatever host it runs in: pass the picture through untouched,
//! hand each frame's features to the daemon link when analysis is on, and send the editor's
//! instruction when they press Send.
//!
//! Knows nothing of OpenFX: the `ofx` module translates host calls into these methods (as ntsc-rs
//! keeps its effect apart from its OpenFX glue). Everything here may be called from many host
//! threads at once. A render call takes one short lock that only render calls share (the recent
//! frames, for the shot-boundary score) and queues its frame with `try_send`: it never waits on
//! the network or on anything the connection thread holds.

use crate::analysis::{self, FrameAnalyser, FrameFeatures, HISTOGRAM_BINS};
use crate::daemon::{Answer, DaemonLink, FrameReport, LinkError};
use crate::pixels::{
    ImageMut, ImageRef, PixelError, Rect, clear_window, copy_window, copy_window_visiting,
};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long Send waits for the daemon's answer before it leaves the answer for later.
pub const SEND_WAIT: Duration = Duration::from_millis(1500);
/// Frames remembered for the shot-boundary score and to skip re-renders of the same frame.
const RECENT_FRAMES: usize = 8;

/// What the node's read-only parameters should show after an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeReport {
    pub status: String,
    /// The daemon's answer, when there is one.
    pub last_result: Option<String>,
}

/// The status shown while an answer is awaited.
pub const STATUS_WAITING: &str = "sent; waiting for the daemon's answer";
/// The status shown when the daemon answered.
pub const STATUS_ANSWERED: &str = "the daemon answered";

impl NodeReport {
    fn from_answer(answer: Result<String, LinkError>) -> NodeReport {
        match answer {
            Ok(summary) => NodeReport {
                status: STATUS_ANSWERED.into(),
                last_result: Some(summary),
            },
            Err(e) => NodeReport {
                status: e.to_string(),
                last_result: None,
            },
        }
    }
}

#[derive(Debug, Default)]
struct RecentFrames {
    frames: VecDeque<(f64, [f32; HISTOGRAM_BINS])>,
}

impl RecentFrames {
    /// Notes a frame; `None` when this very frame was noted already (a re-render), else the
    /// shot-change score against the frame before it, when that one is known.
    fn note(&mut self, time: f64, histogram: &[f32; HISTOGRAM_BINS]) -> Option<Option<f32>> {
        if let Some(at) = self.frames.iter().position(|(t, _)| *t == time) {
            if self.frames[at].1 == *histogram {
                return None;
            }
            self.frames.remove(at);
        }
        let score = self
            .frames
            .iter()
            .find(|(t, _)| *t == time - 1.0)
            .map(|(_, previous)| analysis::shot_change(previous, histogram));
        if self.frames.len() == RECENT_FRAMES {
            self.frames.pop_front();
        }
        self.frames.push_back((time, *histogram));
        Some(score)
    }
}

/// One node.
#[derive(Debug)]
pub struct Effect {
    link: DaemonLink,
    recent: Mutex<RecentFrames>,
    /// An answer Send stopped waiting for.
    pending: Mutex<Option<Answer>>,
    analysed: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in another render call (contained at the entry point) must not disable the node.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Effect {
    /// A node talking to the daemon at `address`; `node` names it in `analysis.frames`.
    pub fn new(address: &str, node: String) -> std::io::Result<Effect> {
        Ok(Effect {
            link: DaemonLink::start(address, node)?,
            recent: Mutex::default(),
            pending: Mutex::default(),
            analysed: AtomicU64::new(0),
        })
    }

    /// Renders `window` of the output at `time`: the source's pixels bit for bit (transparent
    /// black where there is no source), and, when `analyse` is set, queues the source frame's
    /// features for the daemon.
    pub fn render(
        &self,
        time: f64,
        source: Option<&ImageRef<'_>>,
        output: &mut ImageMut<'_>,
        window: Rect,
        analyse: bool,
    ) -> Result<(), PixelError> {
        match (source, analyse) {
            (Some(source), true) => {
                // One pass: each sampled row is analysed right after it is copied.
                let mut analyser = FrameAnalyser::new(source.bounds(), source.format());
                copy_window_visiting(source, output, window, |y, row| analyser.add_row(y, row))?;
                if let Some(features) = analyser.finish(source) {
                    self.hand_off(time, source.bounds(), features);
                }
            }
            (Some(source), false) => copy_window(source, output, window)?,
            (None, _) => clear_window(output, window),
        }
        Ok(())
    }

    /// Queues a frame's features for the daemon (unless this very frame was sent already).
    fn hand_off(&self, time: f64, bounds: Rect, features: FrameFeatures) {
        let Some(shot_change) = lock(&self.recent).note(time, &features.histogram) else {
            return;
        };
        self.analysed.fetch_add(1, Ordering::Relaxed);
        self.link.offer_frame(FrameReport {
            time,
            width: bounds.width() as u32,
            height: bounds.height() as u32,
            shot_change,
            features,
        });
    }

    /// Frames analysed and offered to the daemon, and frames of those dropped by a full queue.
    pub fn frame_counts(&self) -> (u64, u64) {
        (
            self.analysed.load(Ordering::Relaxed),
            self.link.frames_dropped(),
        )
    }

    /// Sends the instruction and waits up to `wait` for the answer. If none came, the status
    /// says so and [`Effect::late_answer`] picks the answer up later.
    pub fn send_instruction(&self, text: &str, wait: Duration) -> NodeReport {
        let text = text.trim();
        if text.is_empty() {
            return NodeReport {
                status: "nothing to send: write an instruction first".into(),
                last_result: None,
            };
        }
        let answer = self.link.instruct(text);
        match answer.wait(wait) {
            Some(result) => {
                *lock(&self.pending) = None;
                NodeReport::from_answer(result)
            }
            None => {
                *lock(&self.pending) = Some(answer);
                NodeReport {
                    status: STATUS_WAITING.into(),
                    last_result: None,
                }
            }
        }
    }

    /// The answer to an instruction that Send stopped waiting for, once it has come.
    pub fn late_answer(&self) -> Option<NodeReport> {
        let mut pending = lock(&self.pending);
        let result = pending.as_ref()?.try_take()?;
        *pending = None;
        Some(NodeReport::from_answer(result))
    }

    /// Talks to the daemon at `address` from now on.
    pub fn set_address(&self, address: &str) {
        self.link.set_address(address);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_frames_score_against_the_frame_before_and_skip_repeats() {
        let mut recent = RecentFrames::default();
        let dark = {
            let mut h = [0.0; HISTOGRAM_BINS];
            h[0] = 1.0;
            h
        };
        let light = {
            let mut h = [0.0; HISTOGRAM_BINS];
            h[15] = 1.0;
            h
        };
        assert_eq!(recent.note(10.0, &dark), Some(None));
        assert_eq!(
            recent.note(10.0, &dark),
            None,
            "a re-render is not sent twice"
        );
        assert_eq!(recent.note(11.0, &light), Some(Some(1.0)));
        assert_eq!(recent.note(12.0, &light), Some(Some(0.0)));
        assert_eq!(
            recent.note(20.0, &light),
            Some(None),
            "frame 19 was never seen"
        );
        for t in 0..20 {
            recent.note(100.0 + f64::from(t), &dark);
        }
        assert_eq!(recent.frames.len(), RECENT_FRAMES);
    }
}
