//! Bounds on password checking: how many run at once, and how often one client may fail.
//!
//! Two counts, both taken *before* the password is hashed, so that a burst of guesses cannot
//! slip past the limit while the first ones are still being checked:
//! - per account and client: after `max_failures` in the window that pair must wait out the
//!   window. Locking the pair rather than the account means nobody can lock `admin` out by
//!   guessing from their own machine.
//! - per client: past `max_failures` (on any accounts) each further attempt must wait twice
//!   as long as the last, up to the window.
//!
//! Both tables have a fixed capacity; when full, expired records go first, then the oldest.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Records kept per table; a flood of names or addresses evicts the oldest.
pub const CAPACITY: usize = 10_000;

/// How long a login waits for a free password checker before it is refused.
pub const CHECK_WAIT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy)]
struct Record {
    /// Failures in the window that started at `first`.
    count: u32,
    first: Instant,
    last: Instant,
}

struct Table<K> {
    records: HashMap<K, Record>,
    capacity: usize,
}

impl<K: Hash + Eq + Clone> Table<K> {
    fn new(capacity: usize) -> Table<K> {
        Table {
            records: HashMap::new(),
            capacity,
        }
    }

    /// The record of `key`, if its window is still open at `now`.
    fn live(&mut self, key: &K, now: Instant, window: Duration) -> Option<Record> {
        let r = *self.records.get(key)?;
        if now.duration_since(r.first) > window {
            self.records.remove(key);
            return None;
        }
        Some(r)
    }

    fn count(&mut self, key: K, now: Instant, window: Duration) {
        let r = self.live(&key, now, window);
        if r.is_none() && self.records.len() >= self.capacity {
            self.make_room(now, window);
        }
        let r = r.unwrap_or(Record {
            count: 0,
            first: now,
            last: now,
        });
        self.records.insert(
            key,
            Record {
                count: r.count.saturating_add(1),
                last: now,
                ..r
            },
        );
    }

    fn make_room(&mut self, now: Instant, window: Duration) {
        self.records
            .retain(|_, r| now.duration_since(r.first) <= window);
        while self.records.len() >= self.capacity {
            let Some(oldest) = self
                .records
                .iter()
                .min_by_key(|(_, r)| r.last)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            self.records.remove(&oldest);
        }
    }
}

/// A client as the limiter counts it: an IPv6 client usually holds a whole /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ClientKey {
    V4(u32),
    V6Net(u64),
}

impl From<IpAddr> for ClientKey {
    fn from(ip: IpAddr) -> ClientKey {
        match ip {
            IpAddr::V4(v4) => ClientKey::V4(u32::from(v4)),
            IpAddr::V6(v6) => ClientKey::V6Net((u128::from(v6) >> 64) as u64),
        }
    }
}

impl std::fmt::Display for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientKey::V4(a) => write!(f, "{}", std::net::Ipv4Addr::from(*a)),
            ClientKey::V6Net(net) => {
                write!(f, "{}/64", std::net::Ipv6Addr::from(u128::from(*net) << 64))
            }
        }
    }
}

/// A client as the limiter counts it, as text: an IPv4 address, or an IPv6 client's /64.
pub fn client_key(ip: IpAddr) -> String {
    ClientKey::from(ip).to_string()
}

struct Tables {
    pairs: Table<(String, ClientKey)>,
    clients: Table<ClientKey>,
}

pub struct LoginLimiter {
    max_failures: u32,
    window: Duration,
    tables: Mutex<Tables>,
    checkers: Checkers,
}

type Job = Box<dyn FnOnce() + Send>;

/// A few threads of their own that check passwords. Not the shared blocking pool: each
/// Argon2 check allocates about 19 MiB, and the C allocator keeps such memory in a cache per
/// thread, so checks spread over many threads would keep many times that resident.
struct Checkers {
    permits: Semaphore,
    jobs: std::sync::mpsc::Sender<Job>,
}

impl Checkers {
    fn new(threads: usize) -> Checkers {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = std::sync::Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = queue.clone();
            // A thread that cannot start leaves the others; with none, checks time out (429).
            let _ = std::thread::Builder::new()
                .name(format!("password-check-{i}"))
                .spawn(move || {
                    loop {
                        let job = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
        }
        Checkers {
            permits: Semaphore::new(threads),
            jobs,
        }
    }
}

/// Why a login may not be tried now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Too many failures: wait this many seconds.
    Wait(u64),
    /// Every password checker stayed busy.
    Busy,
}

/// A counted attempt: dropped as is, it stays a failure; `succeeded` takes it back.
#[must_use]
pub struct Attempt<'a> {
    limiter: &'a LoginLimiter,
    user: String,
    client: ClientKey,
}

impl Attempt<'_> {
    /// Nothing was tried after all: the attempt no longer counts.
    pub fn withdraw(self) {
        let mut t = self.limiter.lock();
        if let Some(r) = t.pairs.records.get_mut(&(self.user, self.client)) {
            r.count = r.count.saturating_sub(1);
        }
        if let Some(r) = t.clients.records.get_mut(&self.client) {
            r.count = r.count.saturating_sub(1);
        }
    }

    pub fn succeeded(self) {
        let mut t = self.limiter.lock();
        t.pairs.records.remove(&(self.user, self.client));
        if let Some(r) = t.clients.records.get_mut(&self.client) {
            r.count = r.count.saturating_sub(1);
        }
    }
}

impl LoginLimiter {
    pub fn new(max_failures: u32, window: Duration, concurrency: usize) -> LoginLimiter {
        LoginLimiter::with_capacity(max_failures, window, concurrency, CAPACITY)
    }

    fn with_capacity(
        max_failures: u32,
        window: Duration,
        concurrency: usize,
        capacity: usize,
    ) -> LoginLimiter {
        LoginLimiter {
            max_failures: max_failures.max(1),
            window,
            tables: Mutex::new(Tables {
                pairs: Table::new(capacity),
                clients: Table::new(capacity),
            }),
            checkers: Checkers::new(concurrency.max(1)),
        }
    }

    /// Failures of an account from a client before it must wait out the window.
    pub fn max_failures(&self) -> u32 {
        self.max_failures
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts an attempt of `user` from `client` as a failure unless it is taken back, or
    /// says how long to wait.
    pub fn attempt(&self, user: &str, client: IpAddr) -> Result<Attempt<'_>, Refusal> {
        self.attempt_at(user, client, Instant::now())
    }

    fn attempt_at(&self, user: &str, client: IpAddr, now: Instant) -> Result<Attempt<'_>, Refusal> {
        let user = user.to_lowercase();
        let client = ClientKey::from(client);
        let mut t = self.lock();
        let mut wait = Duration::ZERO;
        if let Some(r) = t.pairs.live(&(user.clone(), client), now, self.window)
            && r.count >= self.max_failures
        {
            wait = wait.max(self.window.saturating_sub(now.duration_since(r.first)));
        }
        if let Some(r) = t.clients.live(&client, now, self.window)
            && r.count >= self.max_failures
        {
            let doublings = (r.count - self.max_failures).min(20);
            let backoff = Duration::from_secs(1u64 << doublings).min(self.window);
            wait = wait.max(backoff.saturating_sub(now.duration_since(r.last)));
        }
        if !wait.is_zero() {
            return Err(Refusal::Wait(wait.as_secs() + 1));
        }
        t.pairs.count((user.clone(), client), now, self.window);
        t.clients.count(client, now, self.window);
        Ok(Attempt {
            limiter: self,
            user,
            client,
        })
    }

    /// Runs `check` on one of the few password checkers: at most `concurrency` at once, and
    /// a check that finds none free within [`CHECK_WAIT`] is refused, never queued without end.
    pub async fn check<T: Send + 'static>(
        &self,
        check: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Refusal> {
        let Ok(Ok(_permit)) =
            tokio::time::timeout(CHECK_WAIT, self.checkers.permits.acquire()).await
        else {
            return Err(Refusal::Busy);
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(check());
        });
        self.checkers.jobs.send(job).map_err(|_| Refusal::Busy)?;
        rx.await.map_err(|_| Refusal::Busy)
    }

    /// Records held, for tests of the bound.
    #[cfg(test)]
    fn len(&self) -> (usize, usize) {
        let t = self.lock();
        (t.pairs.records.len(), t.clients.records.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_guessing_client_cannot_lock_the_account_for_others() {
        let l = LoginLimiter::new(3, Duration::from_secs(900), 2);
        let now = Instant::now();
        let attacker = ip("203.0.113.9");
        for i in 0..3 {
            let at = now + Duration::from_secs(i);
            drop(
                l.attempt_at("admin", attacker, at)
                    .expect("within the limit"),
            );
        }
        let later = now + Duration::from_secs(60);
        assert!(matches!(
            l.attempt_at("admin", attacker, later),
            Err(Refusal::Wait(s)) if s > 800
        ));
        l.attempt_at("admin", ip("198.51.100.7"), later)
            .expect("another client may still try admin")
            .succeeded();
        // The window passes and the pair may try again.
        assert!(
            l.attempt_at("admin", attacker, now + Duration::from_secs(1000))
                .is_ok()
        );
    }

    #[test]
    fn a_client_trying_many_accounts_backs_off() {
        let l = LoginLimiter::new(3, Duration::from_secs(900), 2);
        let now = Instant::now();
        let c = ip("203.0.113.9");
        for i in 0..3 {
            drop(l.attempt_at(&format!("user{i}"), c, now).unwrap());
        }
        // Fourth failure: one second; fifth: two; the wait doubles.
        assert_eq!(
            l.attempt_at("user9", c, now).err(),
            Some(Refusal::Wait(2)),
            "1 s back-off, rounded up"
        );
        drop(
            l.attempt_at("user9", c, now + Duration::from_secs(1))
                .unwrap(),
        );
        assert!(
            l.attempt_at("user10", c, now + Duration::from_secs(2))
                .is_err()
        );
        drop(
            l.attempt_at("user10", c, now + Duration::from_secs(3))
                .unwrap(),
        );
        // A success takes back only its own attempt.
        let t = now + Duration::from_secs(100);
        l.attempt_at("user11", c, t).unwrap().succeeded();
        assert!(l.attempt_at("user12", c, t).is_err(), "the back-off stands");
        assert!(
            l.attempt_at("user12", c, t + Duration::from_secs(4))
                .is_ok()
        );
    }

    #[test]
    fn attempts_count_before_the_check_finishes() {
        let l = LoginLimiter::new(2, Duration::from_secs(900), 2);
        let c = ip("203.0.113.9");
        let now = Instant::now();
        let a = l.attempt_at("admin", c, now).unwrap();
        let b = l.attempt_at("admin", c, now).unwrap();
        assert!(
            l.attempt_at("admin", c, now).is_err(),
            "a third concurrent guess is refused before the first two are decided"
        );
        drop((a, b));
    }

    #[test]
    fn tables_stay_bounded_under_a_flood_of_names_and_addresses() {
        let l = LoginLimiter::with_capacity(5, Duration::from_secs(900), 2, 100);
        let now = Instant::now();
        for i in 0..10_000u32 {
            let client = IpAddr::from(i.to_be_bytes());
            drop(l.attempt_at(
                &format!("name{i}"),
                client,
                now + Duration::from_millis(u64::from(i)),
            ));
        }
        let (pairs, clients) = l.len();
        assert!(
            pairs <= 100 && clients <= 100,
            "{pairs} pairs, {clients} clients"
        );
    }

    #[tokio::test]
    async fn checks_past_the_checkers_wait_briefly_then_are_refused() {
        let l = std::sync::Arc::new(LoginLimiter::new(5, Duration::from_secs(900), 1));
        let slow = {
            let l = l.clone();
            tokio::spawn(async move {
                l.check(|| std::thread::sleep(CHECK_WAIT + Duration::from_millis(500)))
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        let t = Instant::now();
        assert_eq!(l.check(|| 1).await, Err(Refusal::Busy));
        assert!(t.elapsed() >= CHECK_WAIT && t.elapsed() < CHECK_WAIT * 2);
        assert_eq!(slow.await.unwrap(), Ok(()));
        assert_eq!(l.check(|| 2).await, Ok(2), "free again");
    }

    #[test]
    fn ipv6_clients_count_by_their_slash_64() {
        assert_eq!(
            ClientKey::from(ip("2001:db8:1:2::1")),
            ClientKey::from(ip("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            ClientKey::from(ip("2001:db8:1:2::1")),
            ClientKey::from(ip("2001:db8:1:3::1"))
        );
        assert_ne!(ClientKey::from(ip("0.0.0.1")), ClientKey::from(ip("::1")));
    }
}
