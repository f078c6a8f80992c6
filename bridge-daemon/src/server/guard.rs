//! The socket under the WebSocket, metered: what a connection may send before `session.hello`
//! (a byte budget, and no frame announced bigger than it), and whether it is in the middle of a
//! message (so that a message begun and never finished, or a frame header never completed, is
//! closed after `limits.message_timeout_ms` instead of holding the connection open forever).
//!
//! Frames are followed by reading their headers as the bytes pass (RFC 6455 §5.2: two bytes,
//! then a 16- or 64-bit length when the 7-bit one is 126 or 127, then a 4-byte mask key when the
//! mask bit is set); payloads are skipped, never copied. tungstenite does the real parsing: this
//! only counts.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Why the meter stopped a connection (carried inside the `io::Error` tungstenite returns).
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error(
        "more than {limit} bytes before session.hello: a connection must say hello first, in a small message"
    )]
    PreAuthBytes { limit: u64 },
    #[error(
        "a frame of {announced} bytes before session.hello: the limit before hello is {limit} bytes"
    )]
    PreAuthFrame { announced: u64, limit: u64 },
}

impl Refused {
    /// The meter's refusal inside a read error, if that is what it is.
    pub fn of(e: &io::Error) -> Option<&Refused> {
        e.get_ref()?.downcast_ref::<Refused>()
    }
}

const NOT_BUSY: u64 = u64::MAX;

/// What the connection task reads of its socket's meter.
#[derive(Debug)]
pub struct Meter {
    start: Instant,
    /// Bytes read so far.
    read: AtomicU64,
    /// Bytes that may be read in all before hello; `u64::MAX` once authenticated.
    budget: AtomicU64,
    /// When the last byte arrived (ms since `start`).
    last_read_ms: AtomicU64,
    /// Since when the client has been in the middle of a frame or a fragmented message (ms since
    /// `start`), or `NOT_BUSY`.
    busy_since_ms: AtomicU64,
    /// Frames are followed only after the HTTP handshake.
    framing: AtomicBool,
}

impl Meter {
    pub fn new(pre_auth_bytes: u64) -> Arc<Meter> {
        Arc::new(Meter {
            start: Instant::now(),
            read: AtomicU64::new(0),
            budget: AtomicU64::new(pre_auth_bytes),
            last_read_ms: AtomicU64::new(0),
            busy_since_ms: AtomicU64::new(NOT_BUSY),
            framing: AtomicBool::new(false),
        })
    }

    fn now_ms(&self) -> u64 {
        self.start
            .elapsed()
            .as_millis()
            .try_into()
            .unwrap_or(u64::MAX - 1)
    }

    /// The handshake is done: what follows is frames.
    pub fn handshake_done(&self) {
        self.framing.store(true, Ordering::Release);
    }

    /// The session said hello with the right token: the configured limits apply from now on.
    pub fn authenticated(&self) {
        self.budget.store(u64::MAX, Ordering::Release);
    }

    /// How long since the client last sent anything.
    pub fn silent_for(&self) -> Duration {
        let last = self.last_read_ms.load(Ordering::Acquire);
        Duration::from_millis(self.now_ms().saturating_sub(last))
    }

    /// How long the client has been in the middle of a frame or message, if it is.
    pub fn busy_for(&self) -> Option<Duration> {
        match self.busy_since_ms.load(Ordering::Acquire) {
            NOT_BUSY => None,
            since => Some(Duration::from_millis(self.now_ms().saturating_sub(since))),
        }
    }
}

/// Follows frame boundaries in the client's byte stream.
#[derive(Debug, Default)]
struct Frames {
    head: [u8; 14],
    have: usize,
    /// Payload bytes of the current frame still to come.
    left: u64,
    /// The current frame is the last of a data message (FIN on a text, binary or continuation).
    ends_message: bool,
    /// Inside a fragmented data message (between its first frame and the one with FIN).
    in_message: bool,
}

/// The length of a frame header whose first bytes are `h`, once two bytes are known.
fn header_len(h: &[u8]) -> Option<usize> {
    let b1 = *h.get(1)?;
    let ext = match b1 & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    Some(2 + ext + if b1 & 0x80 != 0 { 4 } else { 0 })
}

impl Frames {
    /// Follow `bytes`; the payload length of each frame header completed, for the caller to check.
    fn feed(
        &mut self,
        mut bytes: &[u8],
        mut on_header: impl FnMut(u64) -> io::Result<()>,
    ) -> io::Result<()> {
        while !bytes.is_empty() {
            if self.left > 0 {
                let k = (bytes.len() as u64).min(self.left);
                self.left -= k;
                bytes = &bytes[k as usize..];
                if self.left == 0 {
                    self.frame_done();
                }
                continue;
            }
            self.head[self.have] = bytes[0];
            self.have += 1;
            bytes = &bytes[1..];
            let Some(need) = header_len(&self.head[..self.have]) else {
                continue;
            };
            if self.have < need {
                continue;
            }
            let h = &self.head[..self.have];
            let len = match h[1] & 0x7f {
                126 => u64::from(u16::from_be_bytes([h[2], h[3]])),
                127 => u64::from_be_bytes(h[2..10].try_into().expect("eight bytes")),
                n => u64::from(n),
            };
            let fin = h[0] & 0x80 != 0;
            let control = h[0] & 0x08 != 0;
            self.have = 0;
            self.left = len;
            self.ends_message = !control && fin;
            if !control && !fin {
                self.in_message = true;
            }
            on_header(len)?;
            if len == 0 {
                self.frame_done();
            }
        }
        Ok(())
    }

    fn frame_done(&mut self) {
        if self.ends_message {
            self.in_message = false;
        }
        self.ends_message = false;
    }

    fn busy(&self) -> bool {
        self.have > 0 || self.left > 0 || self.in_message
    }
}

/// A socket that reports to a [`Meter`] as it is read.
#[derive(Debug)]
pub struct Metered<S> {
    inner: S,
    meter: Arc<Meter>,
    frames: Frames,
}

impl<S> Metered<S> {
    pub fn new(inner: S, meter: Arc<Meter>) -> Metered<S> {
        Metered {
            inner,
            meter,
            frames: Frames::default(),
        }
    }

    /// The socket itself, bypassing the meter (draining after a refusal).
    pub fn raw(&mut self) -> &mut S {
        &mut self.inner
    }

    fn account(&mut self, bytes: &[u8]) -> io::Result<()> {
        let m = &self.meter;
        let total = m.read.fetch_add(bytes.len() as u64, Ordering::AcqRel) + bytes.len() as u64;
        let now = m.now_ms();
        m.last_read_ms.store(now, Ordering::Release);
        let budget = m.budget.load(Ordering::Acquire);
        if total > budget {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                Refused::PreAuthBytes { limit: budget },
            ));
        }
        if !m.framing.load(Ordering::Acquire) {
            return Ok(());
        }
        let was_busy = self.frames.busy();
        self.frames.feed(bytes, |announced| {
            let limit = m.budget.load(Ordering::Acquire);
            if announced > limit {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    Refused::PreAuthFrame { announced, limit },
                ));
            }
            Ok(())
        })?;
        match (was_busy, self.frames.busy()) {
            (false, true) => m.busy_since_ms.store(now, Ordering::Release),
            (_, false) => m.busy_since_ms.store(NOT_BUSY, Ordering::Release),
            (true, true) => {}
        }
        Ok(())
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Metered<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let filled = &buf.filled()[before..];
                if filled.is_empty() {
                    return Poll::Ready(Ok(()));
                }
                Poll::Ready(this.account(filled))
            }
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Metered<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client frame: FIN, opcode, masked, with its length encoded as RFC 6455 says.
    fn frame(fin: bool, opcode: u8, len: usize) -> Vec<u8> {
        let mut f = vec![(if fin { 0x80 } else { 0 }) | opcode];
        match len {
            0..=125 => f.push(0x80 | len as u8),
            126..=65535 => {
                f.push(0x80 | 126);
                f.extend((len as u16).to_be_bytes());
            }
            _ => {
                f.push(0x80 | 127);
                f.extend((len as u64).to_be_bytes());
            }
        }
        f.extend([1, 2, 3, 4]);
        f.extend(std::iter::repeat_n(b'x', len));
        f
    }

    fn busy_after(chunks: &[&[u8]]) -> bool {
        let mut f = Frames::default();
        for c in chunks {
            f.feed(c, |_| Ok(())).unwrap();
        }
        f.busy()
    }

    #[test]
    fn whole_frames_leave_the_client_idle_wherever_the_reads_split_them() {
        let mut bytes = frame(true, 1, 10);
        bytes.extend(frame(true, 9, 0));
        bytes.extend(frame(true, 2, 300));
        bytes.extend(frame(true, 1, 70_000));
        for split in [1, 2, 3, 7, 13, 100, 4096] {
            let chunks: Vec<&[u8]> = bytes.chunks(split).collect();
            assert!(!busy_after(&chunks), "split {split}");
        }
    }

    #[test]
    fn a_partial_frame_or_an_unfinished_message_is_busy() {
        let f = frame(true, 1, 300);
        assert!(busy_after(&[&f[..1]]), "half a header");
        assert!(busy_after(&[&f[..5]]), "a header without its mask");
        assert!(
            busy_after(&[&f[..f.len() - 1]]),
            "a payload short of one byte"
        );
        // A first fragment: busy until the final continuation, pings in between or not.
        let first = frame(false, 1, 5);
        let ping = frame(true, 9, 4);
        let last = frame(true, 0, 5);
        assert!(busy_after(&[&first]));
        assert!(busy_after(&[&first, &ping]));
        assert!(!busy_after(&[&first, &ping, &last]));
    }

    #[test]
    fn header_lengths_follow_the_rfc() {
        let mut seen = Vec::new();
        let mut f = Frames::default();
        for len in [0, 125, 126, 65_535, 65_536] {
            let bytes = frame(true, 2, len);
            f.feed(&bytes, |n| {
                seen.push(n);
                Ok(())
            })
            .unwrap();
        }
        assert_eq!(seen, [0, 125, 126, 65_535, 65_536]);
        // A 64-bit length is read whole (a 31 MB announcement is seen before its payload).
        let mut announced = None;
        let mut head = vec![0x81, 0x80 | 127];
        head.extend(31_000_000u64.to_be_bytes());
        Frames::default()
            .feed(&head[..6], |n| {
                announced = Some(n);
                Ok(())
            })
            .unwrap();
        assert_eq!(announced, None, "the header is not complete yet");
        head.extend([0, 0, 0, 0]);
        Frames::default()
            .feed(&head, |n| {
                announced = Some(n);
                Ok(())
            })
            .unwrap();
        assert_eq!(announced, Some(31_000_000));
    }
}
