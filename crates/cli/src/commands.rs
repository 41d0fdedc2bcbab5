use anyhow::{Context, Result, bail};
use kaifang_model::{Password, Role, Username};
use kaifang_store::accounts::NewUser;
use kaifang_store::audit::Who;
use kaifang_store::demo::{DEMO_ACCOUNTS, DEMO_PASSWORD};
use kaifang_store::{Config, DataDir, Store};
use std::io::BufRead;

use crate::args::{Cli, Command, UserAdd, UserCommand};
use crate::progress;

pub fn init_logging(args: &Cli) {
    let filter = tracing_subscriber::EnvFilter::try_new(&args.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match args.log_format {
        crate::args::LogFormat::Text => logs.with_target(false).init(),
        // One object per line, with the request's span (its id, method and path) on each.
        crate::args::LogFormat::Json => logs.json().with_current_span(true).init(),
    }
}

pub fn run(args: Cli) -> Result<()> {
    let dir = DataDir::new(&args.data_dir);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match args.command {
            Command::Serve { addr, demo } => {
                serve(&dir, kaifang_app::datadir::ServeOptions { addr, demo }).await
            }
            Command::Init {
                admin,
                password_stdin,
            } => init(&dir, &admin, password_stdin).await,
            Command::Demo { reset } => demo(&dir, reset).await,
            Command::User { command } => user(&dir, command).await,
            Command::Backup { dir: dest } => backup(&dir, dest).await,
            Command::Restore { backup } => restore(&dir, &backup).await,
            Command::Check => check(&dir).await,
            Command::Migrate => migrate(&dir).await,
            Command::CopyDb { from, to } => copy_db(&dir, from.as_deref(), &to).await,
            Command::Route(a) => crate::channels::route(*a),
            Command::Network { command } => crate::channels::network(command),
            Command::Assess(a) => crate::assess::run(a),
            Command::Assign(a) => crate::assign::run(*a, &dir).await,
            Command::Critical(a) => crate::assign::critical(a),
            Command::Appraise(a) => crate::assign::appraise(a),
            Command::Tasks { command } => crate::work::tasks(&dir, command).await,
            Command::Risk { command } => crate::risk::risk(&dir, command).await,
            Command::Bulletin(a) => crate::bulletin::bulletin(&dir, a).await,
            Command::Invest { command } => crate::invest::invest(&dir, command).await,
            Command::Appeals { command } => crate::work::appeals(&dir, command).await,
            Command::Import { command } => crate::trade::import(&dir, command).await,
            Command::Trade { command } => crate::trade::trade(&dir, command).await,
            Command::Sql {
                query,
                format,
                max_rows,
            } => crate::trade::sql(&dir, &query, format, max_rows).await,
            Command::Openapi => {
                println!("{}", kaifang_server::openapi::document()?);
                Ok(())
            }
            Command::Version => {
                println!("kaifang {}", env!("CARGO_PKG_VERSION"));
                println!(
                    "database schema version {}",
                    kaifang_store::db::known_schema_version()
                );
                Ok(())
            }
        }
    })
}

pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

async fn serve(dir: &DataDir, options: kaifang_app::datadir::ServeOptions) -> Result<()> {
    let prepared = kaifang_app::datadir::prepare(dir, env, &options)
        .await
        .with_context(|| format!("cannot open data directory {}", dir.root().display()))?;
    let config = prepared.config.clone();
    let app =
        kaifang_server::Application::build(prepared.store.clone(), config, prepared.demo).await?;
    let bound = app.local_addr()?;
    let root = std::fs::canonicalize(dir.root()).unwrap_or_else(|_| dir.root().to_path_buf());
    tracing::info!("data directory: {}", root.display());
    if prepared.created_demo {
        tracing::info!("created a new data directory with the synthetic demo data");
    }
    if prepared.demo {
        let names: Vec<String> = DEMO_ACCOUNTS
            .iter()
            .map(|(u, _, r, org)| format!("{u} ({r}, {org})"))
            .collect();
        tracing::info!(
            "demo accounts: {}; password for all: {DEMO_PASSWORD}",
            names.join(", ")
        );
    }
    if let Some(token) = app.setup_token() {
        tracing::warn!(
            "no account exists yet: open http://{bound}/login , choose \"first setup\" and enter the setup token {token} to create the administrator (or stop the server and run `kaifang user add`)"
        );
    }
    tracing::info!(
        "Kaifang is serving on http://{bound}/ : open it in a browser and log in (API documentation at http://{bound}/api/docs)"
    );
    app.run_until_stopped(kaifang_server::shutdown_signal())
        .await?;
    prepared.store.close().await;
    drop(prepared.lock);
    Ok(())
}

/// A password from the first line of standard input, or a generated one that is printed.
fn password_from(stdin: bool) -> Result<(Password, bool)> {
    if stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let p: Password = line.trim_end_matches(['\r', '\n']).parse()?;
        return Ok((p, false));
    }
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let p: String = (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    Ok((p.parse()?, true))
}

async fn open_locked(dir: &DataDir) -> Result<(kaifang_store::DirLock, Store)> {
    Ok(kaifang_app::datadir::open_locked(dir, env).await?)
}

async fn init(dir: &DataDir, admin: &str, password_stdin: bool) -> Result<()> {
    let admin: Username = admin.parse()?;
    let (password, generated) = password_from(password_stdin)?;
    kaifang_app::datadir::init(dir, &admin, &password).await?;
    println!("initialised {}", dir.root().display());
    if generated {
        println!(
            "administrator: {admin}, password: {} (shown once; change it after logging in)",
            password.expose()
        );
    } else {
        println!("administrator: {admin}");
    }
    Ok(())
}

async fn demo(dir: &DataDir, reset: bool) -> Result<()> {
    let bar = progress::bar("trade demo");
    let loaded = kaifang_app::datadir::demo(
        dir,
        reset,
        kaifang_app::trade::demo_rows(env),
        progress::reporter(&bar),
    )
    .await;
    bar.finish_and_clear();
    let loaded = loaded?;
    println!("demo data loaded into {}", dir.root().display());
    for (u, _, role, org) in DEMO_ACCOUNTS {
        println!("  {u:<10} {role:<11} {org}");
    }
    println!("password for all demo accounts: {DEMO_PASSWORD}");
    if loaded.trade_rows > 0 {
        println!(
            "synthetic trade records (合成演示数据) 2019-2025: {} rows",
            loaded.trade_rows
        );
    }
    Ok(())
}

async fn user(dir: &DataDir, command: UserCommand) -> Result<()> {
    // Account changes go through the store directly, so they need the directory to themselves.
    let (lock, store) = open_locked(dir).await?;
    let result = user_command(&store, command).await;
    store.close().await;
    drop(lock);
    result
}

async fn user_command(store: &Store, command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add(UserAdd {
            username,
            role,
            org,
            name,
            password_stdin,
        }) => {
            let username: Username = username.parse()?;
            let role: Role = role.parse()?;
            let org = store.org_by_code(&org).await?;
            let (password, generated) = password_from(password_stdin)?;
            let user = NewUser {
                display_name: name.unwrap_or_else(|| username.to_string()),
                username,
                password: password.clone(),
                role,
                org_id: org.id,
            };
            let u = store.create_user(&Who::cli("user add"), &user).await?;
            println!("created {} ({}, {})", u.username, u.role, org.code);
            if generated {
                println!("password: {} (shown once)", password.expose());
            }
        }
        UserCommand::List => {
            println!(
                "{:<20} {:<11} {:<9} ORGANISATION",
                "USERNAME", "ROLE", "STATUS"
            );
            for u in store.users().await? {
                let status = if u.disabled { "disabled" } else { "active" };
                println!(
                    "{:<20} {:<11} {:<9} {} / {}",
                    u.username, u.role, status, u.org_name_zh, u.org_name_en
                );
            }
        }
        UserCommand::Passwd {
            username,
            password_stdin,
        } => {
            let u = store.user_by_name(&username).await?;
            let (password, generated) = password_from(password_stdin)?;
            store
                .set_password(
                    &Who::cli("user passwd"),
                    u.id,
                    &password,
                    kaifang_store::accounts::PasswordChange::Reset,
                )
                .await?;
            println!(
                "password of {} changed; its sessions have ended and its API tokens are revoked",
                u.username
            );
            if generated {
                println!("password: {} (shown once)", password.expose());
            }
        }
        UserCommand::Disable { username } => {
            let u = store.user_by_name(&username).await?;
            store
                .set_disabled(&Who::cli("user disable"), u.id, true)
                .await?;
            println!(
                "{} disabled; its sessions have ended and its API tokens are revoked",
                u.username
            );
        }
    }
    Ok(())
}

async fn backup(dir: &DataDir, dest: Option<std::path::PathBuf>) -> Result<()> {
    if !dir.is_initialised() {
        bail!(
            "{} is not a Kaifang data directory (no kaifang.db)",
            dir.root().display()
        );
    }
    let dest = dest.unwrap_or_else(|| kaifang_app::backup::default_path(dir));
    if dest.extension().is_some_and(|e| e == "db") {
        bail!(
            "{}: a backup is a directory (database, uploads and trade data); give a name without .db",
            dest.display()
        );
    }
    let reserve = Config::load(&dir.config_path(), env)?
        .uploads
        .disk_reserve_mb
        .saturating_mul(1024 * 1024);
    // No lock: a backup reads a consistent snapshot while a server may be writing.
    let store = Store::open(dir, false).await?;
    let bar = progress::bar("backup");
    let info = kaifang_app::backup::create(
        &store,
        &Who::cli("backup"),
        &dest,
        None,
        reserve,
        progress::reporter(&bar),
    )
    .await;
    bar.finish_and_clear();
    store.close().await;
    let info = info?;
    println!(
        "backup written to {} ({} files, {} bytes{})",
        info.path.display(),
        info.files,
        info.bytes,
        info.trade_generation
            .map(|g| format!(", trade data generation {g}"))
            .unwrap_or_default()
    );
    Ok(())
}

async fn restore(dir: &DataDir, backup: &std::path::Path) -> Result<()> {
    let lock = dir
        .lock()
        .context("stop `kaifang serve` before restoring")?;
    let bar = progress::bar("restore");
    let restored = kaifang_app::backup::restore(dir, backup, progress::reporter(&bar)).await;
    bar.finish_and_clear();
    let restored = restored?;
    drop(lock);
    if restored.database_only {
        println!(
            "restored the database {} from {}; uploads and trade data were left as they were (a single-file backup holds only the database)",
            dir.db_path().display(),
            backup.display()
        );
    } else {
        println!(
            "restored {} (database, uploads, trade data) from {}",
            dir.root().display(),
            backup.display()
        );
    }
    if let Some(k) = restored.kept {
        println!("what it replaced was kept as {}", k.display());
    }
    Ok(())
}

/// Applies the migrations this binary knows to the database of `dir` (SQLite or PostgreSQL).
async fn migrate(dir: &DataDir) -> Result<()> {
    let (lock, store) = kaifang_app::datadir::open_locked(dir, env).await?;
    println!(
        "database {}: schema version {} ({:?})",
        store.location().display().display(),
        kaifang_store::db::known_schema_version(),
        store.backend()
    );
    store.close().await;
    drop(lock);
    Ok(())
}

/// Where a database is, as the command line names it: a PostgreSQL URL or an SQLite file.
fn location(text: &str) -> kaifang_store::Location {
    if kaifang_store::db::is_postgres_url(text) {
        kaifang_store::Location::Postgres(text.to_string())
    } else {
        kaifang_store::Location::Sqlite(std::path::PathBuf::from(
            text.trim_start_matches("sqlite://"),
        ))
    }
}

/// Copies the whole operational database from `from` (the data directory's own by default)
/// into the empty database `to`, holding the directory's lock so that nothing writes meanwhile.
async fn copy_db(dir: &DataDir, from: Option<&str>, to: &str) -> Result<()> {
    let lock = dir.lock()?;
    let from = match from {
        Some(f) => location(f),
        None => kaifang_store::Location::of(dir)?,
    };
    let to = location(to);
    let copied = kaifang_store::copy::copy_database(&from, &to, |table, rows| {
        eprintln!("  {table}: {rows} rows");
    })
    .await?;
    drop(lock);
    let rows: i64 = copied.iter().map(|c| c.rows).sum();
    println!(
        "copied {} tables, {rows} rows, from {} to {}; every table's rows counted on both sides",
        copied.len(),
        from.display().display(),
        to.display().display()
    );
    if let kaifang_store::Location::Postgres(_) = to {
        println!(
            "to use it, set [database] url in {} (or KAIFANG_DATABASE_URL)",
            dir.config_path().display()
        );
    }
    Ok(())
}

async fn check(dir: &DataDir) -> Result<()> {
    let mut problems = Vec::new();
    println!("data directory: {}", dir.root().display());
    match Config::load(&dir.config_path(), env) {
        Ok(_) => println!("  configuration: ok"),
        Err(e) => problems.push(format!("configuration: {e}")),
    }
    if !dir.is_initialised() {
        bail!(
            "{} is not a Kaifang data directory (no kaifang.db)",
            dir.root().display()
        );
    }
    let store = Store::open(dir, false).await?;
    println!("  database: {}", store.location().display().display());
    let found = store.check().await?;
    // PostgreSQL checks its own pages and always enforces foreign keys; what `check` looks at
    // there is the migrations applied and the uploads.
    let checked = match store.backend() {
        kaifang_store::Backend::Sqlite => "database integrity, foreign keys, uploads",
        kaifang_store::Backend::Postgres => "schema migrations, uploads",
    };
    println!(
        "  schema version: {}",
        kaifang_store::db::known_schema_version()
    );
    println!(
        "  demo data: {}",
        if store.is_demo().await? {
            "yes (synthetic)"
        } else {
            "no"
        }
    );
    println!(
        "  organisations: {}, users: {}",
        store.orgs(None).await?.len(),
        store.users().await?.len()
    );
    problems.extend(found);
    let open = kaifang_app::recover::open_writes(&store).await?;
    store.close().await;
    if open.is_empty() {
        println!("  interrupted writes: none");
    } else {
        // Not a problem in itself: a backup may be running beside the server. One a crash cut
        // short is concluded from the files by the next `serve` (or any command that locks
        // the directory).
        println!(
            "  writes announced but not concluded: {} (running now, or interrupted and concluded at the next start)",
            open.len()
        );
        for e in &open {
            println!(
                "    {} {} {} by {}",
                e.at,
                e.action.trim_end_matches(".begin"),
                e.target.as_deref().unwrap_or(""),
                e.actor
            );
        }
    }
    if problems.is_empty() {
        println!("  {checked}: ok");
        Ok(())
    } else {
        for p in &problems {
            println!("  PROBLEM: {p}");
        }
        bail!("{} problem(s) found", problems.len())
    }
}
