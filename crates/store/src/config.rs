//! `kaifang.toml` in the data directory, overridden by `KAIFANG_*` environment variables.
//!
//! Every error names where the bad value came from (the file or the variable) and its key.

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use crate::{Result, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub auth: AuthConfig,
    pub uploads: UploadConfig,
    pub work: WorkConfig,
    pub trade: TradeConfig,
    pub jobs: JobsConfig,
    /// Outgoing mail for notifications; none configured means in-app notifications only.
    pub smtp: Option<SmtpConfig>,
    pub map: MapConfig,
    pub bulletin: BulletinConfig,
    pub database: DatabaseConfig,
}

/// Where the operational database lives. Without a URL it is SQLite, `kaifang.db` in the data
/// directory; with `postgres://user@host/db` it is that PostgreSQL database (or one of the
/// PostgreSQL-compatible servers), and the data directory keeps the files only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `postgres://user:password@host:port/database`; `?options=-c search_path=name` selects a
    /// schema other than `public`.
    pub url: Option<String>,
}

/// The monthly bulletin's schedule: on this day of each month (China time) the server issues
/// the previous month's bulletin in Chinese, as DOCX and as PDF, once, and tells the leaders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BulletinConfig {
    /// 1 to 28; 0 turns the schedule off.
    pub day: u8,
}

impl Default for BulletinConfig {
    fn default() -> Self {
        BulletinConfig { day: 5 }
    }
}

/// The base layer of the maps. Without a file the UI draws Natural Earth's countries and marks
/// them illustrative; a deployment that must show an officially approved map puts its GeoJSON
/// here, with the approval number as the label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct MapConfig {
    /// A GeoJSON FeatureCollection of country or region polygons; relative paths are taken
    /// from the data directory.
    pub base_geojson: Option<String>,
    /// Shown on every map drawn over it, e.g. `审图号：GS(2024)1234号`.
    pub base_label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on.
    pub addr: String,
    /// Largest JSON request body, in MiB.
    pub body_limit_mb: u64,
    /// A request that takes longer is answered 408.
    pub request_timeout_secs: u64,
    /// Turn on when serving behind HTTPS: the session cookie is then `Secure` and named with
    /// the `__Host-` prefix, and HSTS is sent.
    pub secure_cookies: bool,
    /// Reverse proxies (addresses or CIDR ranges such as `10.0.0.0/8`) whose
    /// `X-Forwarded-For` header names the real client. From any other peer the header is
    /// ignored, so a client cannot pretend to be someone else to the login limiter.
    pub trusted_proxies: Vec<IpRange>,
}

/// An address or a CIDR range of addresses, as `10.0.0.0/8`, `192.168.1.7` or `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// IPv4 addresses seen through an IPv6 socket (`::ffff:10.0.0.1`) as the IPv4 they are.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl std::str::FromStr for IpRange {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<IpRange, String> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| format!("{s:?} is not an address or a range such as 10.0.0.0/8"))?;
        let network = canonical(network);
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
        };
        Ok(IpRange { network, prefix })
    }
}

impl TryFrom<String> for IpRange {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<IpRange, String> {
        s.parse()
    }
}

impl From<IpRange> for String {
    fn from(r: IpRange) -> String {
        format!("{}/{}", r.network, r.prefix)
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            addr: "127.0.0.1:8080".into(),
            body_limit_mb: 2,
            request_timeout_secs: 30,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Lifetime of a login session.
    pub session_hours: u64,
    /// A session not used for this long is refused, whatever its lifetime left.
    pub session_idle_minutes: u64,
    /// Live (neither revoked nor expired) API tokens one account may hold.
    pub max_tokens_per_user: u64,
    /// Failed logins allowed for one account from one client within the window; past it
    /// that pair waits out the window (other clients can still log in to the account).
    pub login_max_failures: u32,
    pub login_window_minutes: u64,
    /// Password checks running at once (each holds about 19 MiB for Argon2); more wait up
    /// to two seconds, then are refused with 429.
    pub login_concurrency: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            session_hours: 12,
            session_idle_minutes: 120,
            max_tokens_per_user: 10,
            login_max_failures: 5,
            login_window_minutes: 15,
            login_concurrency: 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UploadConfig {
    /// Largest uploaded file, in MiB.
    pub max_mb: u64,
    /// Space one organisation's uploads may take in all, in MiB.
    pub org_quota_mb: u64,
    /// The same for an enterprise, whose uploads are its appeals' evidence.
    pub enterprise_quota_mb: u64,
    /// Space kept free on the data directory's disk, in MiB: a write that would leave less is
    /// refused (507), so the database never meets a full disk.
    pub disk_reserve_mb: u64,
}

impl Default for UploadConfig {
    fn default() -> Self {
        UploadConfig {
            max_mb: 20,
            org_quota_mb: 1024,
            enterprise_quota_mb: 100,
            disk_reserve_mb: 512,
        }
    }
}

/// Bounds of the analysts' read-only SQL on the trade records: one query may not take the
/// server's memory or time from everyone else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TradeConfig {
    /// Memory one query may hold, in MiB; past it the query fails.
    pub sql_memory_mb: u64,
    /// Seconds one query may run before it is stopped.
    pub sql_timeout_secs: u64,
    /// Most rows one answer carries.
    pub sql_max_rows: u64,
    /// Queries running at once; more wait briefly, then are refused (429).
    pub sql_concurrency: u64,
    /// Cells an uploaded customs workbook's largest sheet may declare; a larger one is
    /// refused (422) before it is read.
    pub xlsx_max_cells: u64,
    /// MiB an uploaded customs workbook may inflate to.
    pub xlsx_max_inflated_mb: u64,
    /// MiB an import of customs files may hold, whatever their size: records past their
    /// share wait on disk, and a CSV file is read a block at a time.
    pub import_memory_mb: u64,
    /// A Ballista scheduler (`df://host:port`) to run the queries that scan the trade files
    /// on; its executors must see the data directory at the same path. In this process when
    /// absent.
    pub ballista: Option<String>,
}

impl Default for TradeConfig {
    fn default() -> Self {
        TradeConfig {
            sql_memory_mb: 512,
            sql_timeout_secs: 20,
            sql_max_rows: 10_000,
            sql_concurrency: 2,
            xlsx_max_cells: 12_000_000,
            xlsx_max_inflated_mb: 2048,
            import_memory_mb: 300,
            ballista: None,
        }
    }
}

/// The queue of heavy work: background jobs (freight studies, imports, backups) and heavy
/// answers computed in a request (Monte Carlo ranks, sensitivity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Pieces of heavy work computing at once; 0: one less than the machine's cores.
    pub concurrency: u64,
    /// Pieces one user may have queued or running; more are refused (429).
    pub per_user: u64,
    /// Pieces queued or running in all; more are refused (429).
    pub max_queued: u64,
    /// Seconds a request waits for a free slot before it is refused (429).
    pub wait_secs: u64,
    /// Seconds a job's lease lasts: its instance renews it four times as often, and where
    /// several instances share a PostgreSQL database, a job whose lease ran out (its instance
    /// stopped) is marked failed by another.
    pub lease_secs: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            concurrency: 0,
            per_user: 2,
            max_queued: 64,
            wait_secs: 10,
            lease_secs: 60,
        }
    }
}

/// Time limits of directives and appeals, in working days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkConfig {
    /// A task or appeal turns yellow, and its reminder goes out, this many working days
    /// before its deadline.
    pub warn_working_days: u32,
    /// The Department of Commerce accepts or rejects an appeal within this many working days
    /// (MOFCOM's complaint-handling rules of 2020: 7).
    pub accept_working_days: u32,
    /// The assigned department answers within this many working days of acceptance
    /// (MOFCOM's rules: 60).
    pub resolve_working_days: u32,
    /// How often the server looks for tasks and appeals that are due soon or overdue.
    pub reminder_minutes: u64,
    /// Evaluate the risk indicators once a day (at the first round after midnight, China
    /// time, and at start) and raise alerts.
    pub risk_evaluation: bool,
}

impl Default for WorkConfig {
    fn default() -> Self {
        WorkConfig {
            warn_working_days: 3,
            accept_working_days: 7,
            resolve_working_days: 60,
            reminder_minutes: 10,
            risk_evaluation: true,
        }
    }
}

/// An SMTP relay that accepts mail without login, as a government intranet relay usually
/// does. TLS and login are not supported yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    /// The sender, e.g. `开放平台 <kaifang@example.gov.cn>`.
    pub from: String,
    /// Link base for the mails, e.g. `https://kaifang.example.gov.cn`.
    #[serde(default)]
    pub base_url: String,
}

fn default_smtp_port() -> u16 {
    25
}

/// One environment override: variable, the key it sets, and how.
type Setter = fn(&mut Config, &str) -> std::result::Result<(), String>;

const ENV_OVERRIDES: &[(&str, &str, Setter)] = &[
    ("KAIFANG_ADDR", "server.addr", |c, v| {
        c.server.addr = v.to_string();
        Ok(())
    }),
    ("KAIFANG_BODY_LIMIT_MB", "server.body_limit_mb", |c, v| {
        c.server.body_limit_mb = parse_num(v)?;
        Ok(())
    }),
    (
        "KAIFANG_REQUEST_TIMEOUT_SECS",
        "server.request_timeout_secs",
        |c, v| {
            c.server.request_timeout_secs = parse_num(v)?;
            Ok(())
        },
    ),
    ("KAIFANG_SECURE_COOKIES", "server.secure_cookies", |c, v| {
        c.server.secure_cookies = match v {
            "1" | "true" => true,
            "0" | "false" => false,
            _ => return Err("expected true or false".into()),
        };
        Ok(())
    }),
    ("KAIFANG_SESSION_HOURS", "auth.session_hours", |c, v| {
        c.auth.session_hours = parse_num(v)?;
        Ok(())
    }),
    (
        "KAIFANG_SESSION_IDLE_MINUTES",
        "auth.session_idle_minutes",
        |c, v| {
            c.auth.session_idle_minutes = parse_num(v)?;
            Ok(())
        },
    ),
    (
        "KAIFANG_LOGIN_MAX_FAILURES",
        "auth.login_max_failures",
        |c, v| {
            c.auth.login_max_failures = parse_num(v)?;
            Ok(())
        },
    ),
    ("KAIFANG_DATABASE_URL", "database.url", |c, v| {
        c.database.url = Some(v.to_string());
        Ok(())
    }),
    ("KAIFANG_TRADE_BALLISTA", "trade.ballista", |c, v| {
        c.trade.ballista = Some(v.to_string());
        Ok(())
    }),
    ("KAIFANG_UPLOAD_MAX_MB", "uploads.max_mb", |c, v| {
        c.uploads.max_mb = parse_num(v)?;
        Ok(())
    }),
];

fn parse_num<T: std::str::FromStr>(v: &str) -> std::result::Result<T, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("expected a whole number, found {v:?}"))
}

impl Config {
    /// Reads `path` if it exists (defaults otherwise), then applies the environment.
    pub fn load(path: &Path, env: impl Fn(&str) -> Option<String>) -> Result<Config> {
        let mut config = match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, &path.display().to_string())?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => return Err(StoreError::io(path)(e)),
        };
        for (var, key, set) in ENV_OVERRIDES {
            if let Some(value) = env(var) {
                set(&mut config, &value).map_err(|message| StoreError::Config {
                    origin: format!("environment variable {var}"),
                    key: key.to_string(),
                    message,
                })?;
            }
        }
        config.validate(&format!("{} (or its KAIFANG_* overrides)", path.display()))?;
        Ok(config)
    }

    pub fn parse(text: &str, origin: &str) -> Result<Config> {
        toml::from_str(text).map_err(|e| {
            let key = e
                .span()
                .map(|s| key_at(text, s.start))
                .unwrap_or_else(|| "?".into());
            StoreError::Config {
                origin: origin.to_string(),
                key,
                message: e.message().to_string(),
            }
        })
    }

    fn validate(&self, origin: &str) -> Result<()> {
        let bad = |key: &str, message: String| StoreError::Config {
            origin: origin.to_string(),
            key: key.to_string(),
            message,
        };
        if let Some(url) = &self.database.url
            && !crate::db::is_postgres_url(url)
        {
            return Err(bad(
                "database.url",
                "expected a PostgreSQL URL such as postgres://kaifang@127.0.0.1/kaifang \
                 (leave it out for SQLite in the data directory)"
                    .into(),
            ));
        }
        if self.bulletin.day > 28 {
            return Err(bad(
                "bulletin.day",
                format!(
                    "{} is not a day every month has: 1 to 28, or 0 for no schedule",
                    self.bulletin.day
                ),
            ));
        }
        self.server.addr.parse::<SocketAddr>().map_err(|_| {
            bad(
                "server.addr",
                format!(
                    "{:?} is not an address such as 127.0.0.1:8080",
                    self.server.addr
                ),
            )
        })?;
        let positive = [
            ("server.body_limit_mb", self.server.body_limit_mb),
            (
                "server.request_timeout_secs",
                self.server.request_timeout_secs,
            ),
            ("auth.session_hours", self.auth.session_hours),
            ("auth.session_idle_minutes", self.auth.session_idle_minutes),
            ("auth.max_tokens_per_user", self.auth.max_tokens_per_user),
            (
                "auth.login_max_failures",
                u64::from(self.auth.login_max_failures),
            ),
            ("auth.login_window_minutes", self.auth.login_window_minutes),
            ("auth.login_concurrency", self.auth.login_concurrency),
            ("uploads.max_mb", self.uploads.max_mb),
            ("uploads.org_quota_mb", self.uploads.org_quota_mb),
            (
                "uploads.enterprise_quota_mb",
                self.uploads.enterprise_quota_mb,
            ),
            (
                "work.accept_working_days",
                u64::from(self.work.accept_working_days),
            ),
            (
                "work.resolve_working_days",
                u64::from(self.work.resolve_working_days),
            ),
            ("work.reminder_minutes", self.work.reminder_minutes),
            ("trade.sql_memory_mb", self.trade.sql_memory_mb),
            ("trade.sql_timeout_secs", self.trade.sql_timeout_secs),
            ("trade.sql_max_rows", self.trade.sql_max_rows),
            ("trade.sql_concurrency", self.trade.sql_concurrency),
            ("trade.xlsx_max_cells", self.trade.xlsx_max_cells),
            (
                "trade.xlsx_max_inflated_mb",
                self.trade.xlsx_max_inflated_mb,
            ),
            ("trade.import_memory_mb", self.trade.import_memory_mb),
            ("jobs.per_user", self.jobs.per_user),
            ("jobs.max_queued", self.jobs.max_queued),
            ("jobs.wait_secs", self.jobs.wait_secs),
            ("jobs.lease_secs", self.jobs.lease_secs),
        ];
        for (key, v) in positive {
            if v == 0 {
                return Err(bad(key, "must be greater than 0".into()));
            }
        }
        if let Some(smtp) = &self.smtp {
            if smtp.host.trim().is_empty() {
                return Err(bad("smtp.host", "must not be empty".into()));
            }
            if !smtp.from.contains('@') {
                return Err(bad(
                    "smtp.from",
                    format!("{:?} is not a mail address", smtp.from),
                ));
            }
        }
        Ok(())
    }

    /// The file written by `kaifang init`: every key with its default, commented.
    pub fn template() -> String {
        let d = Config::default();
        format!(
            "# Kaifang configuration. Every key is optional; the values shown are the defaults.\n\
             # Environment variables override them: KAIFANG_ADDR, KAIFANG_BODY_LIMIT_MB,\n\
             # KAIFANG_REQUEST_TIMEOUT_SECS, KAIFANG_SECURE_COOKIES, KAIFANG_SESSION_HOURS,\n\
             # KAIFANG_SESSION_IDLE_MINUTES, KAIFANG_LOGIN_MAX_FAILURES, KAIFANG_UPLOAD_MAX_MB,\n\
             # KAIFANG_DATABASE_URL, KAIFANG_TRADE_BALLISTA.\n\n\
             [database]\n# url = \"postgres://kaifang@127.0.0.1/kaifang\"   # PostgreSQL; SQLite in this directory when absent\n\n\
             [server]\n# addr = \"{}\"\n# body_limit_mb = {}\n# request_timeout_secs = {}\n# secure_cookies = {}   # true behind HTTPS: the cookie is Secure and named __Host-kaifang_session\n# trusted_proxies = []   # e.g. [\"10.0.0.5\"]: only these may say who the client is (X-Forwarded-For)\n\n\
             [auth]\n# session_hours = {}\n# session_idle_minutes = {}   # a session unused this long is refused\n# max_tokens_per_user = {}   # live API tokens per account\n# login_max_failures = {}\n# login_window_minutes = {}\n# login_concurrency = {}\n\n\
             [uploads]\n# max_mb = {}\n# org_quota_mb = {}   # all of one organisation's uploads\n# enterprise_quota_mb = {}   # an enterprise's (its appeals' evidence)\n# disk_reserve_mb = {}   # free space kept on the disk; writes past it answer 507\n\n\
             [work]\n# warn_working_days = {}\n# accept_working_days = {}\n# resolve_working_days = {}\n# reminder_minutes = {}\n# risk_evaluation = {}   # evaluate the risk indicators daily and raise alerts\n\n\
             [trade]\n# sql_memory_mb = {}\n# sql_timeout_secs = {}\n# sql_max_rows = {}\n# sql_concurrency = {}\n# xlsx_max_cells = {}   # an uploaded workbook declaring more is refused unread\n# xlsx_max_inflated_mb = {}\n# import_memory_mb = {}   # an import holds at most this much, whatever the files' size\n# ballista = \"df://10.0.0.7:50050\"   # run the queries over the trade files on a Ballista cluster\n\n\
             [jobs]\n# concurrency = {}   # heavy work at once; 0: cores - 1\n# per_user = {}\n# max_queued = {}\n# wait_secs = {}   # a request waits this long for a slot, then 429\n# lease_secs = {}   # a job whose instance stopped renewing it this long is failed by another\n\n\
             [bulletin]\n# day = {}   # the previous month's bulletin is issued on this day of the month; 0: never\n\n\
             [map]\n# base_geojson = \"basemap.geojson\"   # an approved base map; Natural Earth (illustrative) otherwise\n# base_label = \"审图号：...\"\n\n\
             # Mail notifications (off unless this section is present):\n\
             # [smtp]\n# host = \"smtp.example.gov.cn\"\n# port = 25\n# from = \"Kaifang <kaifang@example.gov.cn>\"\n# base_url = \"https://kaifang.example.gov.cn\"\n",
            d.server.addr,
            d.server.body_limit_mb,
            d.server.request_timeout_secs,
            d.server.secure_cookies,
            d.auth.session_hours,
            d.auth.session_idle_minutes,
            d.auth.max_tokens_per_user,
            d.auth.login_max_failures,
            d.auth.login_window_minutes,
            d.auth.login_concurrency,
            d.uploads.max_mb,
            d.uploads.org_quota_mb,
            d.uploads.enterprise_quota_mb,
            d.uploads.disk_reserve_mb,
            d.work.warn_working_days,
            d.work.accept_working_days,
            d.work.resolve_working_days,
            d.work.reminder_minutes,
            d.work.risk_evaluation,
            d.trade.sql_memory_mb,
            d.trade.sql_timeout_secs,
            d.trade.sql_max_rows,
            d.trade.sql_concurrency,
            d.trade.xlsx_max_cells,
            d.trade.xlsx_max_inflated_mb,
            d.trade.import_memory_mb,
            d.jobs.concurrency,
            d.jobs.per_user,
            d.jobs.max_queued,
            d.jobs.wait_secs,
            d.jobs.lease_secs,
            d.bulletin.day,
        )
    }
}

/// The dotted key (`section.key`) whose line contains byte offset `at`, so that a type error
/// reported at a value still names its key.
fn key_at(text: &str, at: usize) -> String {
    let mut section = String::new();
    let mut key = String::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('[') {
            section = t.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            key.clear();
        } else if let Some((k, _)) = t.split_once('=') {
            key = k.trim().to_string();
        }
        if at < offset + line.len() {
            break;
        }
        offset += line.len();
    }
    let line_no = text[..at.min(text.len())].matches('\n').count() + 1;
    match (section.is_empty(), key.is_empty()) {
        (true, true) => format!("line {line_no}"),
        (true, false) => format!("{key} (line {line_no})"),
        (false, true) => format!("[{section}] (line {line_no})"),
        (false, false) => format!("{section}.{key} (line {line_no})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn template_parses_to_defaults() {
        assert_eq!(
            Config::parse(&Config::template(), "t").unwrap(),
            Config::default()
        );
    }

    #[test]
    fn wrong_type_names_file_and_key() {
        let e = Config::parse(
            "[server]\naddr = \"127.0.0.1:1\"\nbody_limit_mb = \"big\"\n",
            "x.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("x.toml: server.body_limit_mb (line 3)"),
            "{e}"
        );
    }

    #[test]
    fn trusted_proxies_are_ranges() {
        let c = Config::parse(
            "[server]\ntrusted_proxies = [\"10.0.0.0/8\", \"192.168.1.7\", \"fd00::/8\"]\n",
            "t",
        )
        .unwrap();
        let [a, b, v6] = c.server.trusted_proxies[..] else {
            panic!("three ranges")
        };
        assert!(a.contains("10.200.3.4".parse().unwrap()));
        assert!(
            a.contains("::ffff:10.0.0.1".parse().unwrap()),
            "IPv4 through IPv6"
        );
        assert!(!a.contains("11.0.0.1".parse().unwrap()));
        assert!(b.contains("192.168.1.7".parse().unwrap()));
        assert!(!b.contains("192.168.1.8".parse().unwrap()));
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
        let e = Config::parse("[server]\ntrusted_proxies = [\"10.0.0.0/40\"]\n", "t")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("server.trusted_proxies") && e.contains("0 to 32"),
            "{e}"
        );
    }

    #[test]
    fn unknown_key_is_refused() {
        let e = Config::parse("[server]\nport = 80\n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.toml") && e.contains("port"), "{e}");
    }

    #[test]
    fn bad_address_names_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kaifang.toml");
        std::fs::write(&p, "[server]\naddr = \"localhost\"\n").unwrap();
        let e = Config::load(&p, no_env).unwrap_err().to_string();
        assert!(
            e.contains("kaifang.toml") && e.contains("server.addr"),
            "{e}"
        );
    }

    #[test]
    fn environment_overrides_the_file_and_names_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kaifang.toml");
        std::fs::write(&p, "[server]\naddr = \"127.0.0.1:1000\"\n").unwrap();
        let c = Config::load(&p, |k| (k == "KAIFANG_ADDR").then(|| "0.0.0.0:9000".into())).unwrap();
        assert_eq!(c.server.addr, "0.0.0.0:9000");
        let e = Config::load(&p, |k| {
            (k == "KAIFANG_UPLOAD_MAX_MB").then(|| "lots".into())
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("KAIFANG_UPLOAD_MAX_MB") && e.contains("uploads.max_mb"),
            "{e}"
        );
    }

    #[test]
    fn session_and_token_limits_are_positive_and_overridable() {
        let d = Config::default();
        assert_eq!(
            (d.auth.session_idle_minutes, d.auth.max_tokens_per_user),
            (120, 10)
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kaifang.toml");
        for (text, key) in [
            (
                "[auth]\nsession_idle_minutes = 0\n",
                "auth.session_idle_minutes",
            ),
            (
                "[auth]\nmax_tokens_per_user = 0\n",
                "auth.max_tokens_per_user",
            ),
        ] {
            std::fs::write(&p, text).unwrap();
            let e = Config::load(&p, no_env).unwrap_err().to_string();
            assert!(e.contains(key) && e.contains("greater than 0"), "{e}");
        }
        std::fs::write(&p, "[auth]\nmax_tokens_per_user = 3\n").unwrap();
        let c = Config::load(&p, |k| {
            (k == "KAIFANG_SESSION_IDLE_MINUTES").then(|| "15".into())
        })
        .unwrap();
        assert_eq!(
            (c.auth.session_idle_minutes, c.auth.max_tokens_per_user),
            (15, 3)
        );
    }

    #[test]
    fn missing_file_means_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config::load(&dir.path().join("none.toml"), no_env).unwrap();
        assert_eq!(c, Config::default());
    }
}
