//! One queue for heavy work. Background jobs (freight studies, imports, backups) and the
//! heavy answers computed inside a request (an assessment with Monte Carlo runs or custom
//! weights, a Sobol sensitivity) share a fixed number of slots, so that however many are asked
//! for, at most that many compute at once and the rest of the service stays responsive.
//!
//! Two limits, checked before anything is computed:
//! - per user: one person may have at most `per_user` pieces of heavy work queued or running;
//!   the next is refused at once (an [`AppError::Busy`]), so one person cannot fill the queue;
//! - in all: at most `max_queued` pieces wait or run; past that everyone is refused.
//!
//! A job waits in the queue for as long as it takes (its record says `queued`); a request
//! waits at most `wait`, then is refused, since its client is waiting too.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{AppError, AppResult};

/// The queue's limits (`[jobs]` in kaifang.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimits {
    /// Pieces of heavy work computing at once.
    pub concurrency: usize,
    /// Pieces one user may have queued or running.
    pub per_user: usize,
    /// Pieces queued or running in all.
    pub max_queued: usize,
    /// How long a request waits for a slot before it is refused.
    pub wait: Duration,
}

impl QueueLimits {
    /// From the configuration; a concurrency of 0 means one less than the machine's cores
    /// (at least 1), leaving a core to answer everything else.
    pub fn from_config(c: &kaifang_store::config::JobsConfig) -> QueueLimits {
        let concurrency = match c.concurrency {
            0 => std::thread::available_parallelism()
                .map_or(1, |p| p.get())
                .saturating_sub(1)
                .max(1),
            n => usize::try_from(n).unwrap_or(usize::MAX),
        };
        QueueLimits {
            concurrency,
            per_user: usize::try_from(c.per_user).unwrap_or(usize::MAX),
            max_queued: usize::try_from(c.max_queued).unwrap_or(usize::MAX),
            wait: Duration::from_secs(c.wait_secs),
        }
    }
}

impl Default for QueueLimits {
    fn default() -> Self {
        QueueLimits::from_config(&kaifang_store::config::JobsConfig::default())
    }
}

struct Inner {
    limits: QueueLimits,
    slots: Arc<Semaphore>,
    /// Work queued or running: per user, and in all.
    held: Mutex<Held>,
}

#[derive(Default)]
struct Held {
    total: usize,
    by_user: HashMap<i64, usize>,
}

/// The shared queue. Cheap to clone; clones share.
#[derive(Clone)]
pub struct WorkQueue(Arc<Inner>);

impl Default for WorkQueue {
    fn default() -> Self {
        WorkQueue::new(QueueLimits::default())
    }
}

/// A place in the queue: counted against its user and the total until dropped.
pub struct Ticket {
    queue: Arc<Inner>,
    user: Option<i64>,
}

/// A slot to compute in; the place in the queue is given back with it on drop.
pub struct Permit {
    _slot: OwnedSemaphorePermit,
    _ticket: Ticket,
}

impl WorkQueue {
    pub fn new(limits: QueueLimits) -> WorkQueue {
        WorkQueue(Arc::new(Inner {
            limits,
            slots: Arc::new(Semaphore::new(limits.concurrency.max(1))),
            held: Mutex::default(),
        }))
    }

    pub fn limits(&self) -> QueueLimits {
        self.0.limits
    }

    /// Pieces of work computing now.
    pub fn running(&self) -> usize {
        self.0.limits.concurrency.max(1) - self.0.slots.available_permits()
    }

    // A poisoned lock only means a panic elsewhere while counting; the counts stay usable.
    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        self.0.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a place in the queue for `user` (none: the system's own work, limited only by
    /// the total), or refuses at once when the user or the queue is full.
    pub fn enter(&self, user: Option<i64>) -> AppResult<Ticket> {
        let limits = self.0.limits;
        let mut held = self.held();
        if held.total >= limits.max_queued {
            return Err(AppError::Busy(format!(
                "the server has {} pieces of heavy work queued or running, its limit; try again later",
                held.total
            )));
        }
        if let Some(u) = user {
            let mine = held.by_user.entry(u).or_default();
            if *mine >= limits.per_user {
                return Err(AppError::Busy(format!(
                    "you already have {mine} pieces of heavy work queued or running (the limit \
                     is {}); wait for one to finish or cancel it",
                    limits.per_user
                )));
            }
            *mine += 1;
        }
        held.total += 1;
        Ok(Ticket {
            queue: self.0.clone(),
            user,
        })
    }

    /// A place and a slot within the request's patience (`wait`), or [`AppError::Busy`].
    pub async fn admit(&self, user: Option<i64>) -> AppResult<Permit> {
        let ticket = self.enter(user)?;
        match tokio::time::timeout(self.0.limits.wait, ticket.slot()).await {
            Ok(permit) => permit,
            Err(_) => Err(AppError::Busy(format!(
                "the server is busy with other heavy work (at most {} at once); try again shortly",
                self.0.limits.concurrency
            ))),
        }
    }
}

impl Ticket {
    /// Waits for a slot to compute in, however long that takes.
    pub async fn slot(self) -> AppResult<Permit> {
        let slot = self
            .queue
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| AppError::Internal("the work queue is closed".into()))?;
        Ok(Permit {
            _slot: slot,
            _ticket: self,
        })
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut held = self.queue.held.lock().unwrap_or_else(|p| p.into_inner());
        held.total = held.total.saturating_sub(1);
        if let Some(u) = self.user
            && let Some(n) = held.by_user.get_mut(&u)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                held.by_user.remove(&u);
            }
        }
    }
}

/// A flag that blocking work checks between steps, raised when the request that waits for
/// the work goes away (its client disconnected or its time ran out), so abandoned work stops
/// instead of holding a slot.
#[derive(Default)]
pub struct StopOnDrop(Arc<AtomicBool>);

impl StopOnDrop {
    /// The flag to hand to the blocking work.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(concurrency: usize, per_user: usize, max_queued: usize) -> WorkQueue {
        WorkQueue::new(QueueLimits {
            concurrency,
            per_user,
            max_queued,
            wait: Duration::from_millis(50),
        })
    }

    #[test]
    fn a_user_past_their_limit_is_refused_and_gets_a_place_back_when_one_ends() {
        let q = queue(1, 2, 10);
        let a = q.enter(Some(1)).unwrap();
        let _b = q.enter(Some(1)).unwrap();
        assert!(matches!(q.enter(Some(1)), Err(AppError::Busy(_))));
        // Someone else is not held back by user 1.
        let _c = q.enter(Some(2)).unwrap();
        drop(a);
        q.enter(Some(1)).unwrap();
    }

    #[test]
    fn the_total_is_bounded_for_system_work_too() {
        let q = queue(1, 5, 3);
        let _held: Vec<Ticket> = (0..3).map(|_| q.enter(None).unwrap()).collect();
        assert!(matches!(q.enter(None), Err(AppError::Busy(_))));
        assert!(matches!(q.enter(Some(9)), Err(AppError::Busy(_))));
    }

    #[tokio::test]
    async fn a_request_waits_briefly_for_a_slot_then_is_refused() {
        let q = queue(1, 5, 10);
        let running = q.admit(Some(1)).await.unwrap();
        assert_eq!(q.running(), 1);
        let refused = q.admit(Some(2)).await;
        assert!(matches!(refused, Err(AppError::Busy(m)) if m.contains("at most 1 at once")));
        drop(running);
        assert_eq!(q.running(), 0);
        q.admit(Some(2)).await.unwrap();
    }

    #[tokio::test]
    async fn never_more_than_the_limit_compute_at_once() {
        let q = queue(2, 100, 100);
        let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let now = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let (q, peak, now) = (q.clone(), peak.clone(), now.clone());
                tokio::spawn(async move {
                    let _p = q.enter(Some(i)).unwrap().slot().await.unwrap();
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(n, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    now.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert_eq!(q.running(), 0);
    }

    #[test]
    fn dropping_the_guard_raises_the_stop_flag() {
        let guard = StopOnDrop::default();
        let flag = guard.flag();
        assert!(!flag.load(Ordering::Relaxed));
        drop(guard);
        assert!(flag.load(Ordering::Relaxed));
    }
}
