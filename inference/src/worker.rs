//! One thread owns the model. Requests arrive by channel with their own reply channel, wait in a
//! queue that serves clients in turn (one editor's burst does not starve another seat), can be
//! cancelled while waiting or running, and end with a clear error at their deadline.
//!
//! [`Worker::spawn`] returns only once the model has loaded (or failed to: the load's own error,
//! not a dead channel), and reports load progress on the way.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded, unbounded};

use crate::Error;
use crate::engine::{Engine, GenRequest, Generation, StopCheck};

/// Anything the worker can run: the real [`Engine`], or a test double with the same contract.
pub trait Generate: Send + 'static {
    fn generate(&mut self, req: &GenRequest, stop: StopCheck) -> Result<Generation, Error>;
}

impl Generate for Engine {
    fn generate(&mut self, req: &GenRequest, stop: StopCheck) -> Result<Generation, Error> {
        Engine::generate(self, req, stop)
    }
}

/// Load progress: fraction done and what is being done.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub fraction: f32,
    pub message: String,
}

struct Job {
    client: u64,
    req: GenRequest,
    deadline: Instant,
    timeout: Duration,
    cancelled: Arc<AtomicBool>,
    reply: Sender<Result<Generation, Error>>,
}

/// A submitted request: wait for it, or cancel it.
#[derive(Debug)]
pub struct Ticket {
    rx: Receiver<Result<Generation, Error>>,
    cancelled: Arc<AtomicBool>,
    deadline: Instant,
    timeout: Duration,
}

impl Ticket {
    /// Stop the request: dropped if still queued, stopped at the next token if running.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    pub fn cancel_handle(&self) -> Arc<AtomicBool> {
        self.cancelled.clone()
    }

    /// The answer, or the error that ended it. Never waits much past the deadline.
    pub fn wait(self) -> Result<Generation, Error> {
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
#[derive(Debug)]
pub struct Worker {
    tx: Option<Sender<Job>>,
    pending: Arc<std::sync::atomic::AtomicUsize>,
    max_pending: usize,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Start the thread, load with `load` on it, and wait for the ready handshake.
    pub fn spawn<G, L, P>(load: L, progress: P, max_pending: usize) -> Result<Worker, Error>
    where
        G: Generate,
        L: FnOnce(&mut dyn FnMut(f32, &str)) -> Result<G, Error> + Send + 'static,
        P: Fn(Progress) + Send + 'static,
    {
        let (tx, rx) = unbounded::<Job>();
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
    pub fn submit(&self, client: u64, req: GenRequest, timeout: Duration) -> Result<Ticket, Error> {
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
    pub fn generate(
        &self,
        client: u64,
        req: GenRequest,
        timeout: Duration,
    ) -> Result<Generation, Error> {
        self.submit(client, req, timeout)?.wait()
    }

    /// Requests queued or running.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::SeqCst)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Per-client queues served round robin.
#[derive(Default)]
struct Fair {
    queues: BTreeMap<u64, VecDeque<Job>>,
    last: Option<u64>,
}

impl Fair {
    fn push(&mut self, j: Job) {
        self.queues.entry(j.client).or_default().push_back(j);
    }

    fn is_empty(&self) -> bool {
        self.queues.is_empty()
    }

    /// The next client after the one served last, wrapping around.
    fn pop(&mut self) -> Option<Job> {
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

fn serve<G: Generate>(mut g: G, rx: Receiver<Job>, pending: Arc<std::sync::atomic::AtomicUsize>) {
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
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| g.generate(&job.req, &stop)))
                .unwrap_or_else(|_| Err(Error::Model("the model panicked".into())))
        };
        pending.fetch_sub(1, Ordering::SeqCst);
        let _ = job.reply.send(result);
    }
}
