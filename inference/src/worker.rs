//! One thread owns the model. Requests arrive by channel with their own reply channel, wait in a
//! queue that serves clients in turn (one editor's burst does not starve another seat), can be
//! cancelled while waiting or running, and end with a clear error at their deadline.
//!
//! [`Worker::spawn`] returns only once the model has loaded (or failed to: the load's own error,
//! not a dead channel), and reports load progress on the way.
//!
//! The worker is generic over what it serves ([`Serve`]): the language model's requests
//! ([`GenRequest`] → [`Generation`], the default) or Whisper's (audio → text).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded, unbounded};

use crate::Error;
use crate::engine::{Engine, GenRequest, Generation, StopCheck};

/// A model the worker can own: it runs one request at a time, checking `stop` between steps.
pub trait Serve: Send + 'static {
    type Req: Send + 'static;
    type Resp: Send + 'static;
    fn run(&mut self, req: &Self::Req, stop: StopCheck) -> Result<Self::Resp, Error>;
}

/// Anything that answers the language model's requests: the real [`Engine`], or a test double
/// with the same contract. Every `Generate` is a [`Serve`].
pub trait Generate: Send + 'static {
    fn generate(&mut self, req: &GenRequest, stop: StopCheck) -> Result<Generation, Error>;
}

impl Generate for Engine {
    fn generate(&mut self, req: &GenRequest, stop: StopCheck) -> Result<Generation, Error> {
        Engine::generate(self, req, stop)
    }
}

impl<G: Generate> Serve for G {
    type Req = GenRequest;
    type Resp = Generation;
    fn run(&mut self, req: &GenRequest, stop: StopCheck) -> Result<Generation, Error> {
        self.generate(req, stop)
    }
}

/// Load progress: fraction done and what is being done.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub fraction: f32,
    pub message: String,
}

struct Job<Req, Resp> {
    client: u64,
    req: Req,
    deadline: Instant,
    timeout: Duration,
    cancelled: Arc<AtomicBool>,
    reply: Sender<Result<Resp, Error>>,
}

/// A submitted request: wait for it, or cancel it.
#[derive(Debug)]
pub struct Ticket<Resp = Generation> {
    rx: Receiver<Result<Resp, Error>>,
    cancelled: Arc<AtomicBool>,
    deadline: Instant,
    timeout: Duration,
}

impl<Resp> Ticket<Resp> {
    /// Stop the request: dropped if still queued, stopped at the next token if running.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    pub fn cancel_handle(&self) -> Arc<AtomicBool> {
        self.cancelled.clone()
    }

    /// The answer, or the error that ended it. Never waits much past the deadline.
    pub fn wait(self) -> Result<Resp, Error> {
        let grace = Duration::from_millis(500);
        let left = self.deadline.saturating_duration_since(Instant::now()) + grace;
        match self.rx.recv_timeout(left) {
            Ok(r) => r,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                self.cancel();
                Err(Error::Timeout(self.timeout.as_secs_f64()))
            }
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => Err(Error::WorkerGone),
        }
    }
}

/// The handle to the model's thread. Dropping it stops the thread after the running request.
pub struct Worker<Req = GenRequest, Resp = Generation> {
    tx: Option<Sender<Job<Req, Resp>>>,
    pending: Arc<std::sync::atomic::AtomicUsize>,
    max_pending: usize,
    thread: Option<JoinHandle<()>>,
}

impl<Req, Resp> std::fmt::Debug for Worker<Req, Resp> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("pending", &self.pending())
            .field("max_pending", &self.max_pending)
            .finish_non_exhaustive()
    }
}

impl<Req: Send + 'static, Resp: Send + 'static> Worker<Req, Resp> {
    /// Start the thread, load with `load` on it, and wait for the ready handshake.
    pub fn spawn<G, L, P>(load: L, progress: P, max_pending: usize) -> Result<Self, Error>
    where
        G: Serve<Req = Req, Resp = Resp>,
        L: FnOnce(&mut dyn FnMut(f32, &str)) -> Result<G, Error> + Send + 'static,
        P: Fn(Progress) + Send + 'static,
    {
        let (tx, rx) = unbounded::<Job<Req, Resp>>();
        let (ready_tx, ready_rx) = bounded::<Result<(), Error>>(1);
        let pending = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let pending_w = pending.clone();
        let thread = std::thread::Builder::new()
            .name("cutbridge-model".into())
            .spawn(move || {
                let mut report = |fraction: f32, message: &str| {
                    progress(Progress {
                        fraction,
                        message: message.to_string(),
                    })
                };
                let loaded =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load(&mut report)))
                        .unwrap_or_else(|_| {
                            Err(Error::Model("the model panicked while loading".into()))
                        });
                // Progress ends with the load: whoever relays it sees its channel close.
                drop(progress);
                match loaded {
                    Ok(g) => {
                        let _ = ready_tx.send(Ok(()));
                        serve(g, rx, pending_w);
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            })
            .map_err(|e| Error::Model(format!("cannot start the model thread: {e}")))?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Worker {
                tx: Some(tx),
                pending,
                max_pending,
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(Error::WorkerGone)
            }
        }
    }

    /// Queue `req` for `client`; it fails with [`Error::Timeout`] if not done within `timeout`.
    pub fn submit(&self, client: u64, req: Req, timeout: Duration) -> Result<Ticket<Resp>, Error> {
        let waiting = self.pending.load(Ordering::SeqCst);
        if waiting >= self.max_pending {
            return Err(Error::Busy(waiting));
        }
        let (reply, rx) = bounded(1);
        let cancelled = Arc::new(AtomicBool::new(false));
        let deadline = Instant::now() + timeout;
        let job = Job {
            client,
            req,
            deadline,
            timeout,
            cancelled: cancelled.clone(),
            reply,
        };
        self.pending.fetch_add(1, Ordering::SeqCst);
        let tx = self.tx.as_ref().ok_or(Error::WorkerGone)?;
        if tx.send(job).is_err() {
            self.pending.fetch_sub(1, Ordering::SeqCst);
            return Err(Error::WorkerGone);
        }
        Ok(Ticket {
            rx,
            cancelled,
            deadline,
            timeout,
        })
    }

    /// Submit and wait.
    pub fn generate(&self, client: u64, req: Req, timeout: Duration) -> Result<Resp, Error> {
        self.submit(client, req, timeout)?.wait()
    }
}

impl<Req, Resp> Worker<Req, Resp> {
    /// Requests queued or running.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::SeqCst)
    }
}

impl<Req, Resp> Drop for Worker<Req, Resp> {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Per-client queues served round robin.
struct Fair<Req, Resp> {
    queues: BTreeMap<u64, VecDeque<Job<Req, Resp>>>,
    last: Option<u64>,
}

impl<Req, Resp> Default for Fair<Req, Resp> {
    fn default() -> Self {
        Fair {
            queues: BTreeMap::new(),
            last: None,
        }
    }
}

impl<Req, Resp> Fair<Req, Resp> {
    fn push(&mut self, j: Job<Req, Resp>) {
        self.queues.entry(j.client).or_default().push_back(j);
    }

    fn is_empty(&self) -> bool {
        self.queues.is_empty()
    }

    /// The next client after the one served last, wrapping around.
    fn pop(&mut self) -> Option<Job<Req, Resp>> {
        let next = match self.last {
            Some(l) => self
                .queues
                .range(l + 1..)
                .next()
                .map(|(k, _)| *k)
                .or_else(|| self.queues.keys().next().copied()),
            None => self.queues.keys().next().copied(),
        }?;
        let q = self.queues.get_mut(&next)?;
        let j = q.pop_front();
        if q.is_empty() {
            self.queues.remove(&next);
        }
        self.last = Some(next);
        j
    }
}

fn serve<G: Serve>(
    mut g: G,
    rx: Receiver<Job<G::Req, G::Resp>>,
    pending: Arc<std::sync::atomic::AtomicUsize>,
) {
    let mut fair = Fair::default();
    loop {
        if fair.is_empty() {
            match rx.recv() {
                Ok(j) => fair.push(j),
                Err(_) => return,
            }
        }
        while let Ok(j) = rx.try_recv() {
            fair.push(j);
        }
        let Some(job) = fair.pop() else { continue };
        let result = if job.cancelled.load(Ordering::SeqCst) {
            Err(Error::Cancelled)
        } else if Instant::now() >= job.deadline {
            Err(Error::Timeout(job.timeout.as_secs_f64()))
        } else {
            let stop = || {
                if job.cancelled.load(Ordering::SeqCst) {
                    Some(Error::Cancelled)
                } else if Instant::now() >= job.deadline {
                    Some(Error::Timeout(job.timeout.as_secs_f64()))
                } else {
                    None
                }
            };
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| g.run(&job.req, &stop)))
                .unwrap_or_else(|_| Err(Error::Model("the model panicked".into())))
        };
        pending.fetch_sub(1, Ordering::SeqCst);
        let _ = job.reply.send(result);
    }
}
