//! Connections that have not said hello yet: a small pool of their own, so that sockets without
//! the token never hold a slot an editor needs.
//!
//! At most `limits.max_pending` connections wait for their handshake and hello at once, and at
//! most `limits.max_pending_per_peer` from one non-loopback address. When a new connection would
//! pass either bound, the one that has waited longest (of that address, or of all) is closed to
//! make room: the newcomer always gets its chance, and 600 silent or half-open sockets cost 256
//! small tasks, not 600 session places. On loopback every client shares one address, so there only the
//! overall bound applies. Authenticated sessions are counted apart (`limits.max_sessions`,
//! taken at hello).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

#[derive(Debug, Default)]
struct Waiting {
    next: u64,
    /// By arrival: the address and the bell that closes it.
    by_age: BTreeMap<u64, (IpAddr, Arc<Notify>)>,
    per_peer: HashMap<IpAddr, usize>,
}

impl Waiting {
    fn remove(&mut self, seq: u64) -> Option<Arc<Notify>> {
        let (ip, bell) = self.by_age.remove(&seq)?;
        if let Some(n) = self.per_peer.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                self.per_peer.remove(&ip);
            }
        }
        Some(bell)
    }
}

/// The pool of connections waiting to authenticate.
#[derive(Debug)]
pub struct Admission {
    max: usize,
    per_peer: usize,
    waiting: Mutex<Waiting>,
}

/// A connection's place in the pool, given up when it authenticates or closes (dropped).
#[derive(Debug)]
pub struct Ticket {
    seq: u64,
    bell: Arc<Notify>,
    pool: Arc<Admission>,
}

impl Ticket {
    /// Rings when this connection was closed to make room for a newer one.
    pub fn evicted(&self) -> Arc<Notify> {
        self.bell.clone()
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.pool.lock().remove(self.seq);
    }
}

impl Admission {
    pub fn new(max: usize, per_peer: usize) -> Arc<Admission> {
        Arc::new(Admission {
            max: max.max(1),
            per_peer: per_peer.max(1),
            waiting: Mutex::new(Waiting::default()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Take a place for a connection from `ip`, closing the longest-waiting one(s) if the pool
    /// (or that address's share of it) is full.
    pub fn admit(self: &Arc<Admission>, ip: IpAddr) -> Ticket {
        let mut w = self.lock();
        let seq = w.next;
        w.next += 1;
        let bell = Arc::new(Notify::new());
        w.by_age.insert(seq, (ip, bell.clone()));
        *w.per_peer.entry(ip).or_default() += 1;
        let mut evicted = Vec::new();
        if !ip.is_loopback() && w.per_peer[&ip] > self.per_peer {
            let oldest = w
                .by_age
                .iter()
                .find(|(_, (p, _))| *p == ip)
                .map(|(s, _)| *s);
            if let Some(s) = oldest.and_then(|s| w.remove(s)) {
                evicted.push(s);
            }
        }
        while w.by_age.len() > self.max {
            let Some(&oldest) = w.by_age.keys().next() else {
                break;
            };
            if let Some(b) = w.remove(oldest) {
                evicted.push(b);
            }
        }
        drop(w);
        if !evicted.is_empty() {
            tracing::debug!(
                evicted = evicted.len(),
                "pre-hello pool full: closed the longest-waiting connection"
            );
        }
        for b in evicted {
            // A stored permit: the connection sees it even if it is not waiting yet.
            b.notify_one();
        }
        Ticket {
            seq,
            bell,
            pool: self.clone(),
        }
    }

    /// Connections waiting now.
    #[cfg(test)]
    pub fn waiting(&self) -> usize {
        self.lock().by_age.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn rang(t: &Ticket) -> bool {
        let bell = t.evicted();
        futures_util::FutureExt::now_or_never(async move {
            tokio::time::timeout(Duration::from_millis(1), bell.notified())
                .await
                .is_ok()
        })
        .unwrap_or(false)
    }

    #[tokio::test]
    async fn the_longest_waiting_connection_makes_room() {
        let pool = Admission::new(3, 2);
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let a = pool.admit(lo);
        let b = pool.admit(lo);
        let c = pool.admit(lo);
        assert_eq!(pool.waiting(), 3);
        let d = pool.admit(lo);
        assert_eq!(pool.waiting(), 3);
        assert!(rang(&a), "the oldest is closed");
        assert!(!rang(&b) && !rang(&c) && !rang(&d));
        // Leaving (hello said, or closed) frees the place without closing anyone.
        drop(b);
        let _e = pool.admit(lo);
        assert!(!rang(&c));
        drop(a);
        assert_eq!(pool.waiting(), 3);
    }

    #[tokio::test]
    async fn one_remote_address_holds_only_its_share() {
        let pool = Admission::new(10, 2);
        let evil: IpAddr = "10.0.0.9".parse().unwrap();
        let good: IpAddr = "10.0.0.2".parse().unwrap();
        let g = pool.admit(good);
        let e1 = pool.admit(evil);
        let e2 = pool.admit(evil);
        let e3 = pool.admit(evil);
        assert!(rang(&e1), "the address's oldest goes");
        assert!(!rang(&e2) && !rang(&e3));
        assert!(!rang(&g), "another address is untouched");
        // Loopback clients all share one address: only the overall bound applies to them.
        let lo: IpAddr = "::1".parse().unwrap();
        let locals: Vec<_> = (0..5).map(|_| pool.admit(lo)).collect();
        assert!(locals.iter().all(|t| !rang(t)));
    }
}
