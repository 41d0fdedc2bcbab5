use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Kaifang (开放): open-development platform for a border province — open channels, foreign
/// trade, development zones, directives and enterprise appeals.
#[derive(Debug, Parser)]
#[command(name = "kaifang", version, propagate_version = true)]
pub struct Cli {
    /// The data directory (database, configuration, uploads, backups).
    #[arg(
        long,
        global = true,
        env = "KAIFANG_DATA_DIR",
        default_value = "./kaifang-data"
    )]
    pub data_dir: PathBuf,

    /// Log filter, e.g. `info` or `kaifang_server=debug`.
    #[arg(long, global = true, env = "KAIFANG_LOG", default_value = "info")]
    pub log: String,

    /// Log lines as text for people, or as one JSON object per line for a log collector.
    #[arg(
        long,
        global = true,
        env = "KAIFANG_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web UI and the API. An empty or missing data directory gets the demo data
    /// when served on a loopback address (or with --demo); on any other address it gets the
    /// organisation registry only, and the log prints a one-time token that makes the first
    /// administrator.
    Serve {
        /// Address to listen on [config: server.addr; env: KAIFANG_ADDR; default 127.0.0.1:8080].
        #[arg(long)]
        addr: Option<SocketAddr>,
        /// Load the demo (synthetic accounts with a published password) into an empty data
        /// directory even on an address others can reach.
        #[arg(long)]
        demo: bool,
    },
    /// Create a new, empty data directory with the organisation registry and an administrator.
    Init {
        /// Name of the administrator account.
        #[arg(long, default_value = "admin")]
        admin: String,
        /// Read the administrator's password from the first line of standard input
        /// (otherwise one is generated and printed).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Load the synthetic demo data into a new data directory.
    Demo {
        /// Delete the existing database and uploads first (keeps kaifang.toml and backups/).
        #[arg(long)]
        reset: bool,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Write a consistent backup of the data directory — database, uploads and trade data —
    /// into the new directory DIR, by default backups/kaifang-<time>/ (safe while `serve` runs).
    Backup { dir: Option<PathBuf> },
    /// Replace the data with the backup directory BACKUP (stop `serve` first); what it replaces
    /// is kept in backups/pre-restore-<time>/. A single `.db` file of an earlier version
    /// replaces the database only.
    Restore { backup: PathBuf },
    /// Check a data directory: configuration, database integrity, foreign keys, uploads.
    Check,
    /// Apply the database migrations this binary knows (SQLite or PostgreSQL, as configured)
    /// and print the schema version.
    Migrate,
    /// Copy the whole operational database into an empty one, SQLite to PostgreSQL or back,
    /// with every table's rows counted on both sides; a failed copy leaves the target empty.
    CopyDb {
        /// The source: a PostgreSQL URL or an SQLite file [default: the data directory's].
        #[arg(long)]
        from: Option<String>,
        /// The target: `postgres://user@host/db` (an empty database or schema) or a new SQLite file.
        #[arg(long)]
        to: String,
    },
    /// Risk watch (风险预警): every indicator measured now, with its level.
    Risk {
        #[command(subcommand)]
        command: crate::risk::RiskCommand,
    },
    /// The monthly bulletin (月度通报) as DOCX or PDF: the figures in sentences, then a
    /// section per module with charts and tables; archived in the data directory.
    Bulletin(crate::bulletin::BulletinArgs),
    /// Investment attraction (招商引资): the negative-list check, the pipeline's figures,
    /// importing a project list.
    Invest {
        #[command(subcommand)]
        command: crate::invest::InvestCommand,
    },
    /// Supervision tasks, for scripts.
    Tasks {
        #[command(subcommand)]
        command: crate::work::TasksCommand,
    },
    /// Enterprise appeals, for scripts.
    Appeals {
        #[command(subcommand)]
        command: crate::work::AppealsCommand,
    },
    /// Print the version and the database schema version this binary writes.
    Version,
    /// Print the API's OpenAPI 3 document (JSON), as served at /api/openapi.json.
    Openapi,
    /// Plan a freight route on the open-channels network (best, alternatives, Pareto set).
    Route(Box<crate::channels::RouteArgs>),
    /// Check or export a freight network.
    Network {
        #[command(subcommand)]
        command: crate::channels::NetworkCommand,
    },
    /// Rank units on a composite-indicator framework (with no files: the default
    /// development-zone assessment on SYNTHETIC demo data).
    Assess(crate::assess::AssessArgs),
    /// Import data files: `kaifang import trade FILE...`.
    Import {
        #[command(subcommand)]
        command: crate::trade::ImportCommand,
    },
    /// Foreign-trade figures: summary, breakdowns, the synthetic demo.
    Trade {
        #[command(subcommand)]
        command: crate::trade::TradeCommand,
    },
    /// Traffic assignment (user equilibrium) on TNTP files or the province's freight network
    /// (`--net default`): volumes, relative gap, objective.
    Assign(Box<crate::assign::AssignArgs>),
    /// Close each link and node of the freight network in turn and rank them by what it costs.
    Critical(crate::assign::CriticalArgs),
    /// Value the candidate projects (NPV, benefit–cost ratio) and choose a portfolio under a
    /// budget.
    Appraise(crate::assign::AppraiseArgs),
    /// Run a read-only SQL query on the trade data (tables: records, agg_*, countries, ...).
    Sql {
        query: String,
        #[arg(long, value_enum, default_value = "table")]
        format: crate::trade::Format,
        #[arg(long, default_value_t = 1000)]
        max_rows: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Add(UserAdd),
    /// List accounts.
    List,
    /// Set a new password (ends the account's sessions).
    Passwd {
        username: String,
        /// Read the password from the first line of standard input (otherwise one is
        /// generated and printed).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account (ends its sessions, revokes its API tokens).
    Disable { username: String },
}

#[derive(Debug, Args)]
pub struct UserAdd {
    pub username: String,
    /// admin, leader, department, local or enterprise.
    #[arg(long)]
    pub role: String,
    /// Code of the organisation (see `data/organisations.csv`), e.g. jl-doc.
    #[arg(long)]
    pub org: String,
    /// Name shown in the UI (defaults to the username).
    #[arg(long)]
    pub name: Option<String>,
    /// Read the password from the first line of standard input (otherwise one is generated
    /// and printed).
    #[arg(long)]
    pub password_stdin: bool,
}
