//! Organisations, users, login sessions and API tokens.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use base64::Engine;
use kaifang_model::{Actor, Module, OrgKind, Password, RegionCode, Role, Uscc, Username, ZoneType};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use crate::audit::{self, Who};
use crate::{Result, Store, StoreError, now};

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Org {
    pub id: i64,
    pub code: String,
    pub kind: OrgKind,
    pub name_zh: String,
    pub name_en: String,
    pub region_code: Option<String>,
    pub zone_type: Option<ZoneType>,
    /// Modules whose data this organisation owns (departments only).
    pub modules: Vec<Module>,
    /// Contact person and telephone, as the organisation keeps it.
    pub contact: String,
    /// Where the organisation's name and facts come from.
    pub source: String,
    /// Unified social credit code: the key of an enterprise's customs records.
    pub uscc: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewOrg {
    pub code: String,
    pub kind: OrgKind,
    pub name_zh: String,
    pub name_en: String,
    pub region_code: Option<RegionCode>,
    pub zone_type: Option<ZoneType>,
    pub modules: Vec<Module>,
    pub source: String,
    pub uscc: Option<Uscc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub org_id: i64,
    pub org_name_zh: String,
    pub org_name_en: String,
    #[sqlx(try_from = "crate::db::Flag")]
    pub disabled: bool,
    pub created_at: String,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub password: Password,
    pub role: Role,
    pub org_id: i64,
}

/// A logged-in user with the organisation they act for.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Principal {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org: Org,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id,
            role: self.role,
            org_id: self.org.id,
            modules: self.org.modules.clone(),
        }
    }

    pub fn who(&self, request_id: Option<String>) -> Who {
        Who {
            user_id: Some(self.id),
            actor: self.username.clone(),
            request_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, to tell tokens apart.
    pub prefix: String,
    pub created_at: String,
    /// RFC 3339 UTC; from then on the token authenticates nobody.
    pub expires_at: String,
    /// A read-only token may only make GET and HEAD requests.
    #[sqlx(try_from = "crate::db::Flag")]
    pub read_only: bool,
    /// Written at most once a minute, so it may lag the latest use by that much.
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// How long a new API token lives: 1 to [`TokenDays::MAX`] days, [`TokenDays::DEFAULT`] when
/// the caller does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenDays(u16);

impl TokenDays {
    pub const MAX: u16 = 365;
    pub const DEFAULT: TokenDays = TokenDays(90);

    pub fn new(days: i64) -> Result<TokenDays> {
        u16::try_from(days)
            .ok()
            .filter(|d| (1..=Self::MAX).contains(d))
            .map(TokenDays)
            .ok_or_else(|| {
                StoreError::invalid(
                    "expires_in_days",
                    format!("1 to {} days, not {days}", Self::MAX),
                )
            })
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

impl Default for TokenDays {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What a new API token is for and what it may do.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    /// What the token is for; 1 to 100 characters once trimmed.
    pub name: String,
    pub lifetime: TokenDays,
    pub read_only: bool,
}

/// The account behind a valid API token, and what the token allows.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenHolder {
    pub principal: Principal,
    pub token_id: i64,
    pub read_only: bool,
}

/// How long a login session lasts: at most `lifetime` after the login, and at most `idle`
/// after its last use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SessionLimits {
    pub lifetime: time::Duration,
    pub idle: time::Duration,
}

impl SessionLimits {
    /// The configured limits, each capped at ten years: timestamps are computed by adding
    /// and subtracting them, which must not overflow whatever number the file holds.
    pub fn from_config(auth: &crate::config::AuthConfig) -> SessionLimits {
        const TEN_YEARS_MINUTES: u64 = 10 * 366 * 24 * 60;
        let minutes = |m: u64| time::Duration::minutes(m.min(TEN_YEARS_MINUTES) as i64);
        SessionLimits {
            lifetime: minutes(auth.session_hours.saturating_mul(60)),
            idle: minutes(auth.session_idle_minutes),
        }
    }

    /// How stale `last_seen_at` may get before a use rewrites it: a minute, so that a busy
    /// session costs one write a minute, but never more than half the idle timeout, so that a
    /// session in use every so often is never taken for idle.
    fn touch_after(&self) -> time::Duration {
        (self.idle / 2_i32).min(LAST_USE_GRANULARITY)
    }
}

/// The finest a session's or token's last use is recorded.
const LAST_USE_GRANULARITY: time::Duration = time::Duration::minutes(1);

/// Who set a password, which decides what else ends with the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordChange {
    /// The user changed their own password: every session of theirs ends; the API tokens they
    /// made on purpose keep working.
    Own,
    /// An administrator set it, as when an account is recovered: whoever held the old password
    /// may have made tokens too, so every session ends and every token is revoked.
    Reset,
}

/// A new session: the secret goes in the cookie, the CSRF token to the page.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub csrf_token: String,
    pub principal: Principal,
}

// ---------------------------------------------------------------------------------------------
// passwords and secrets

/// A stored password hash to check a login against (see [`Store::password_check`]).
pub struct PasswordCheck {
    user_id: i64,
    hash: String,
    /// False for a disabled account or the decoy: the check runs, and fails, all the same.
    usable: bool,
}

impl PasswordCheck {
    /// The account's id when `password` is right and the account may log in. Costs tens of
    /// milliseconds of CPU and about 19 MiB: run it off the async workers.
    pub fn verify(&self, password: &str) -> Option<i64> {
        let ok = verify_password(&self.hash, password);
        (ok && self.usable).then_some(self.user_id)
    }
}

pub fn hash_password(password: &Password) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::invalid("password", e.to_string()))
}

/// Most Argon2 memory a stored hash may ask for (ours use 19 MiB): a hash is only ever
/// written by this program, but a check must not allocate whatever a bad row says.
const MAX_ARGON2_KIB: u32 = 256 * 1024;

fn verify_password(hash: &str, password: &str) -> bool {
    verify_phc(hash, password).unwrap_or(false)
}

/// Recomputes the hash into memory this thread keeps between checks: allocating and freeing
/// 19 MiB per check leaves several times that resident in the C allocator's caches.
fn verify_phc(hash: &str, password: &str) -> Option<bool> {
    use argon2::{Algorithm, Block, Params, Version};
    thread_local! {
        static BLOCKS: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let h = PasswordHash::new(hash).ok()?;
    let params = Params::try_from(&h).ok()?;
    if params.m_cost() > MAX_ARGON2_KIB {
        return None;
    }
    let algorithm = Algorithm::try_from(h.algorithm).ok()?;
    let version = h
        .version
        .map(Version::try_from)
        .transpose()
        .ok()?
        .unwrap_or_default();
    let expected = h.hash?;
    let mut salt = [0u8; 64];
    let salt = h.salt?.decode_b64(&mut salt).ok()?;
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() < params.block_count() {
            blocks.resize(params.block_count(), Block::default());
        }
        argon2
            .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut blocks[..])
            .ok()
    })?;
    // Compared without stopping at the first difference.
    let same = out
        .iter()
        .zip(expected.as_bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0;
    Some(same && out.len() == expected.len())
}

/// A hash to verify against when the account does not exist, so that an unknown name takes
/// as long to refuse as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let p: Password = "decoy-password-never-matches".parse().expect("valid");
        hash_password(&p).unwrap_or_default()
    })
}

fn random_secret(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

// ---------------------------------------------------------------------------------------------
// organisations

const ORG_COLUMNS: &str =
    "id, code, kind, name_zh, name_en, region_code, zone_type, modules, contact, source, uscc";

/// An `organisations` row; the kind is parsed as it is read, the zone type and the list of
/// modules when it becomes an [`Org`].
#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    code: String,
    #[sqlx(try_from = "String")]
    kind: OrgKind,
    name_zh: String,
    name_en: String,
    region_code: Option<String>,
    zone_type: Option<String>,
    modules: String,
    contact: String,
    source: String,
    uscc: Option<String>,
}

impl TryFrom<OrgRow> for Org {
    type Error = StoreError;
    fn try_from(r: OrgRow) -> Result<Org> {
        Ok(Org {
            id: r.id,
            code: r.code,
            kind: r.kind,
            name_zh: r.name_zh,
            name_en: r.name_en,
            region_code: r.region_code,
            zone_type: r.zone_type.map(|z| z.parse()).transpose()?,
            modules: Module::parse_list(&r.modules)?,
            contact: r.contact,
            source: r.source,
            uscc: r.uscc,
        })
    }
}

pub(crate) async fn insert_org(conn: &mut AnyConnection, o: &NewOrg) -> Result<i64> {
    let t = now();
    let id = sqlx::query_scalar(
        "INSERT INTO organisations (code, kind, name_zh, name_en, region_code, zone_type, modules, source, uscc, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(&o.code)
    .bind(o.kind.as_str())
    .bind(&o.name_zh)
    .bind(&o.name_en)
    .bind(o.region_code.map(|r| r.to_string()))
    .bind(o.zone_type.map(|z| z.as_str()))
    .bind(Module::format_list(&o.modules))
    .bind(&o.source)
    .bind(o.uscc.as_ref().map(Uscc::as_str))
    .bind(&t)
    .fetch_one(conn)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict(format!(
                "an organisation with code {:?} or credit code {:?} already exists",
                o.code,
                o.uscc.as_ref().map(Uscc::as_str).unwrap_or_default()
            ))
        } else {
            e.into()
        }
    })?;
    Ok(id)
}

impl Store {
    pub async fn create_org(&self, who: &Who, o: &NewOrg) -> Result<Org> {
        let mut tx = self.begin_write().await?;
        let id = insert_org(&mut tx, o).await?;
        audit::append(
            &mut tx,
            who,
            "org.create",
            Some(&format!("org:{id}")),
            serde_json::json!({ "code": o.code, "kind": o.kind }),
        )
        .await?;
        tx.commit().await?;
        self.org(id).await
    }

    /// All organisations, or only `only` when given (an enterprise sees itself alone).
    pub async fn orgs(&self, only: Option<i64>) -> Result<Vec<Org>> {
        sqlx::query_as::<_, OrgRow>(&format!(
            "SELECT {ORG_COLUMNS} FROM organisations WHERE ($1 IS NULL OR id = $1) ORDER BY kind, code"
        ))
        .bind(only)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Org::try_from)
        .collect()
    }

    pub async fn org(&self, id: i64) -> Result<Org> {
        sqlx::query_as::<_, OrgRow>(&format!(
            "SELECT {ORG_COLUMNS} FROM organisations WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("organisation {id}")))?
        .try_into()
    }

    pub async fn org_by_code(&self, code: &str) -> Result<Org> {
        sqlx::query_as::<_, OrgRow>(&format!(
            "SELECT {ORG_COLUMNS} FROM organisations WHERE code = $1"
        ))
        .bind(code)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("organisation {code:?}")))?
        .try_into()
    }

    /// Changes an organisation's contact line (the part its own staff keep up to date).
    pub async fn set_org_contact(&self, who: &Who, id: i64, contact: &str) -> Result<Org> {
        if contact.chars().count() > 200 {
            return Err(StoreError::invalid("contact", "at most 200 characters"));
        }
        self.set_org_column(who, id, "contact", Some(contact), "org.update_contact")
            .await
    }

    /// Records (or clears) an organisation's unified social credit code; an enterprise then
    /// sees the customs records that carry it as its own trade.
    pub async fn set_org_uscc(&self, who: &Who, id: i64, uscc: Option<&Uscc>) -> Result<Org> {
        self.set_org_column(who, id, "uscc", uscc.map(Uscc::as_str), "org.set_uscc")
            .await
    }

    /// Sets one column of an organisation (`column` is ours, never the caller's) and audits it
    /// as `action`, in one transaction.
    async fn set_org_column(
        &self,
        who: &Who,
        id: i64,
        column: &'static str,
        value: Option<&str>,
        action: &str,
    ) -> Result<Org> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(&format!(
            "UPDATE organisations SET {column} = $1, updated_at = $2 WHERE id = $3"
        ))
        .bind(value)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if StoreError::is_unique_violation(&e) {
                StoreError::Conflict(format!(
                    "another organisation has the {column} {:?}",
                    value.unwrap_or_default()
                ))
            } else {
                e.into()
            }
        })?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("organisation {id}")));
        }
        let mut details = serde_json::Map::new();
        details.insert(column.into(), value.into());
        audit::append(
            &mut tx,
            who,
            action,
            Some(&format!("org:{id}")),
            serde_json::Value::Object(details),
        )
        .await?;
        tx.commit().await?;
        self.org(id).await
    }

    // -----------------------------------------------------------------------------------------
    // users

    pub async fn create_user(&self, who: &Who, u: &NewUser) -> Result<User> {
        let org = self.org(u.org_id).await?;
        if !u.role.fits(org.kind) {
            return Err(StoreError::invalid(
                "role",
                format!(
                    "a {} account cannot belong to an organisation of kind {}",
                    u.role, org.kind
                ),
            ));
        }
        if u.display_name.trim().is_empty() || u.display_name.chars().count() > 100 {
            return Err(StoreError::invalid("display_name", "1 to 100 characters"));
        }
        let hash = hash_password(&u.password)?;
        let mut tx = self.begin_write().await?;
        let id = insert_user(&mut tx, u, &hash).await?;
        audit::append(
            &mut tx,
            who,
            "user.create",
            Some(&format!("user:{id}")),
            serde_json::json!({ "username": u.username.as_str(), "role": u.role, "org": org.code }),
        )
        .await?;
        tx.commit().await?;
        self.user(id).await
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        Ok(
            sqlx::query_as(&format!("{USER_SELECT} ORDER BY u.username"))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        sqlx::query_as(&format!("{USER_SELECT} WHERE u.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    pub async fn user_by_name(&self, username: &str) -> Result<User> {
        sqlx::query_as(&format!("{USER_SELECT} WHERE u.username = $1"))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {username:?}")))
    }

    /// Sets a new password and ends the user's sessions; a reset also revokes their tokens.
    pub async fn set_password(
        &self,
        who: &Who,
        user_id: i64,
        password: &Password,
        change: PasswordChange,
    ) -> Result<()> {
        let hash = hash_password(password)?;
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
        )
        .bind(hash)
        .bind(now())
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let revoked = match change {
            PasswordChange::Own => 0,
            PasswordChange::Reset => revoke_all_tokens(&mut tx, user_id).await?,
        };
        audit::append(
            &mut tx,
            who,
            "user.password",
            Some(&format!("user:{user_id}")),
            serde_json::json!({ "reset": change == PasswordChange::Reset, "tokens_revoked": revoked }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables (or re-enables) an account; disabling ends its sessions and revokes its tokens.
    pub async fn set_disabled(&self, who: &Who, user_id: i64, disabled: bool) -> Result<User> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(disabled)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        }
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            revoke_all_tokens(&mut tx, user_id).await?;
        }
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        audit::append(
            &mut tx,
            who,
            action,
            Some(&format!("user:{user_id}")),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        self.user(user_id).await
    }

    // -----------------------------------------------------------------------------------------
    // login and sessions

    /// Checks a name and password. `None` whatever was wrong (unknown name, wrong password,
    /// disabled account), after the same amount of work, so the answer says nothing about
    /// which part was wrong. The hashing runs on the blocking pool; a server bounds it with
    /// [`Store::password_check`] on its own few threads instead.
    pub async fn authenticate(&self, username: &str, password: &str) -> Result<Option<Principal>> {
        let check = self.password_check(username).await?;
        let password = password.to_string();
        let id = tokio::task::spawn_blocking(move || check.verify(&password))
            .await
            .unwrap_or(None);
        match id {
            Some(id) => self.principal(id).await.map(Some),
            None => Ok(None),
        }
    }

    /// What `username`'s password is checked against: the account's hash, or a decoy hash
    /// that takes as long to refuse when there is no such account.
    pub async fn password_check(&self, username: &str) -> Result<PasswordCheck> {
        let row: Option<(i64, String, crate::db::Flag)> = sqlx::query_as(
            "SELECT id, password_hash, CAST(disabled AS INTEGER) FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        let (user_id, hash, disabled) = match row {
            Some((id, hash, disabled)) => (id, hash, disabled.0),
            None => (0, decoy_hash().to_string(), true),
        };
        Ok(PasswordCheck {
            user_id,
            hash,
            usable: !disabled,
        })
    }

    pub async fn principal(&self, user_id: i64) -> Result<Principal> {
        let u = self.user(user_id).await?;
        let org = self.org(u.org_id).await?;
        Ok(Principal {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            org,
        })
    }

    pub async fn create_session(
        &self,
        who: &Who,
        principal: Principal,
        limits: SessionLimits,
    ) -> Result<NewSession> {
        let secret = random_secret(32);
        let csrf_token = random_secret(24);
        let created = time::OffsetDateTime::now_utc();
        let expires = created + limits.lifetime;
        let mut tx = self.begin_write().await?;
        // Sessions past either limit are refused anyway; a login is a good moment to forget them.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2")
            .bind(crate::format_ts(created))
            .bind(crate::format_ts(created - limits.idle))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $4)",
        )
        .bind(sha256_hex(&secret))
        .bind(principal.id)
        .bind(&csrf_token)
        .bind(crate::format_ts(created))
        .bind(crate::format_ts(expires))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            who,
            "auth.login",
            Some(&format!("user:{}", principal.id)),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(NewSession {
            secret,
            csrf_token,
            principal,
        })
    }

    /// The user behind a session cookie, with the session's CSRF token; `None` when the
    /// session is unknown, past its lifetime, idle for longer than `limits.idle`, or its user
    /// disabled. A use counts as activity; it is written only when the recorded last use is
    /// older than [`SessionLimits::touch_after`], so a busy session is not a write per request.
    pub async fn session(
        &self,
        secret: &str,
        limits: SessionLimits,
    ) -> Result<Option<(Principal, String)>> {
        let at = time::OffsetDateTime::now_utc();
        let id_hash = sha256_hex(secret);
        let row: Option<(i64, String, String)> = sqlx::query_as(
            "SELECT s.user_id, s.csrf_token, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND u.disabled = FALSE",
        )
        .bind(&id_hash)
        .bind(crate::format_ts(at))
        .bind(crate::format_ts(at - limits.idle))
        .fetch_optional(&self.pool)
        .await?;
        let Some((user_id, csrf, last_seen)) = row else {
            return Ok(None);
        };
        if last_seen < crate::format_ts(at - limits.touch_after()) {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                .bind(crate::format_ts(at))
                .bind(&id_hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some((self.principal(user_id).await?, csrf)))
    }

    pub async fn end_session(&self, who: &Who, secret: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(sha256_hex(secret))
            .execute(&mut *tx)
            .await?;
        audit::append(&mut tx, who, "auth.logout", None, serde_json::json!({})).await?;
        tx.commit().await?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // API tokens

    /// Creates a token for `user_id`; the full token is returned once and never stored.
    /// Refused (conflict) when the user already holds `max_live` live tokens.
    pub async fn create_token(
        &self,
        who: &Who,
        user_id: i64,
        new: &NewApiToken,
        max_live: u64,
    ) -> Result<(String, ApiToken)> {
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::invalid("name", "1 to 100 characters"));
        }
        let token = format!("kf_{}", random_secret(32));
        let prefix: String = token.chars().take(10).collect();
        let created = time::OffsetDateTime::now_utc();
        let expires = created + time::Duration::days(i64::from(new.lifetime.get()));
        let mut tx = self.begin_write().await?;
        // Inserted before counting: the insert takes the database's write lock, so two
        // requests at once cannot both count one below the limit and both add a token.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at, expires_at, read_only) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(&prefix)
        .bind(sha256_hex(&token))
        .bind(crate::format_ts(created))
        .bind(crate::format_ts(expires))
        .bind(new.read_only)
        .fetch_one(&mut *tx)
        .await?;
        let live: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(user_id)
        .bind(crate::format_ts(created))
        .fetch_one(&mut *tx)
        .await?;
        if u64::try_from(live).unwrap_or(0) > max_live {
            // Dropping the transaction rolls the insert back.
            return Err(StoreError::Conflict(format!(
                "you hold {max_live} live API tokens, the most allowed; revoke one first"
            )));
        }
        audit::append(
            &mut tx,
            who,
            "token.create",
            Some(&format!("token:{id}")),
            serde_json::json!({
                "name": name,
                "user_id": user_id,
                "expires_at": crate::format_ts(expires),
                "read_only": new.read_only,
            }),
        )
        .await?;
        tx.commit().await?;
        let info = self
            .tokens(user_id)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| StoreError::NotFound(format!("token {id}")))?;
        Ok((token, info))
    }

    /// All of `user_id`'s tokens, revoked and expired ones included (never the secrets).
    pub async fn tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        Ok(sqlx::query_as(
            "SELECT id, name, prefix, created_at, expires_at, CAST(read_only AS INTEGER) AS read_only, last_used_at, revoked_at \
             FROM api_tokens WHERE user_id = $1 ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes one of `user_id`'s tokens; another user's token is "not found".
    pub async fn revoke_token(&self, who: &Who, user_id: i64, token_id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(now())
            .bind(token_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("token {token_id}")));
        }
        audit::append(
            &mut tx,
            who,
            "token.revoke",
            Some(&format!("token:{token_id}")),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user behind an API token, if the token is neither revoked nor expired and its user
    /// enabled. Its last use is written at most once a minute, so a busy client is not a write
    /// per request.
    pub async fn token_principal(&self, token: &str) -> Result<Option<TokenHolder>> {
        let at = time::OffsetDateTime::now_utc();
        let row: Option<(i64, i64, crate::db::Flag, Option<String>)> = sqlx::query_as(
            "SELECT t.id, t.user_id, CAST(t.read_only AS INTEGER), t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.disabled = FALSE",
        )
        .bind(sha256_hex(token))
        .bind(crate::format_ts(at))
        .fetch_optional(&self.pool)
        .await?;
        let Some((token_id, user_id, crate::db::Flag(read_only), last_used)) = row else {
            return Ok(None);
        };
        let stale = crate::format_ts(at - LAST_USE_GRANULARITY);
        if last_used.is_none_or(|t| t < stale) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(crate::format_ts(at))
                .bind(token_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(TokenHolder {
            principal: self.principal(user_id).await?,
            token_id,
            read_only,
        }))
    }
}

/// Revokes every live token of `user_id`; returns how many.
async fn revoke_all_tokens(conn: &mut AnyConnection, user_id: i64) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(user_id)
    .execute(conn)
    .await?
    .rows_affected())
}

const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, u.org_id, CAST(u.disabled AS INTEGER) AS disabled, u.created_at, \
     o.name_zh AS org_name_zh, o.name_en AS org_name_en FROM users u JOIN organisations o ON o.id = u.org_id";

pub(crate) async fn insert_user(conn: &mut AnyConnection, u: &NewUser, hash: &str) -> Result<i64> {
    let t = now();
    sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, role, org_id, created_at, password_changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(u.username.as_str())
    .bind(u.display_name.trim())
    .bind(hash)
    .bind(u.role.as_str())
    .bind(u.org_id)
    .bind(t)
    .fetch_one(conn)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict(format!("the username {:?} is taken", u.username.as_str()))
        } else {
            e.into()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordVerifier;

    /// A store with the registry and one administrator, `admin`.
    async fn store_with_admin() -> (tempfile::TempDir, Store, Principal) {
        let tmp = tempfile::tempdir().unwrap();
        let store = crate::testing::open(tmp.path()).await;
        let who = Who::cli("test");
        let admin: Username = "admin".parse().unwrap();
        let password: Password = "kaifang-demo".parse().unwrap();
        store.initialise(&who, &admin, &password).await.unwrap();
        let id = store.user_by_name("admin").await.unwrap().id;
        let principal = store.principal(id).await.unwrap();
        (tmp, store, principal)
    }

    fn token(name: &str, read_only: bool) -> NewApiToken {
        NewApiToken {
            name: name.into(),
            lifetime: TokenDays::DEFAULT,
            read_only,
        }
    }

    const LONG_AGO: &str = "2000-01-01T00:00:00.000000Z";

    #[test]
    fn token_lifetimes_are_one_day_to_a_year() {
        assert_eq!(TokenDays::default().get(), 90);
        assert_eq!(TokenDays::new(1).unwrap().get(), 1);
        assert_eq!(TokenDays::new(365).unwrap().get(), 365);
        for bad in [0, -1, 366, i64::MAX] {
            let e = TokenDays::new(bad).unwrap_err();
            assert!(
                matches!(&e, StoreError::Invalid { field, .. } if field == "expires_in_days"),
                "{bad}: {e}"
            );
        }
    }

    #[tokio::test]
    async fn an_expired_token_authenticates_nobody() {
        let (_tmp, store, admin) = store_with_admin().await;
        let who = admin.who(None);
        let (secret, info) = store
            .create_token(&who, admin.id, &token("sync", true), 10)
            .await
            .unwrap();
        assert!(info.read_only);
        assert!(info.expires_at > now(), "{}", info.expires_at);
        let holder = store.token_principal(&secret).await.unwrap().unwrap();
        assert_eq!((holder.principal.id, holder.read_only), (admin.id, true));
        sqlx::query("UPDATE api_tokens SET expires_at = $1 WHERE id = $2")
            .bind(LONG_AGO)
            .bind(info.id)
            .execute(&store.pool)
            .await
            .unwrap();
        assert_eq!(store.token_principal(&secret).await.unwrap(), None);
    }

    #[tokio::test]
    async fn live_tokens_are_limited_per_user() {
        let (_tmp, store, admin) = store_with_admin().await;
        let who = admin.who(None);
        let mut ids = Vec::new();
        for i in 0..3 {
            let (_, t) = store
                .create_token(&who, admin.id, &token(&format!("t{i}"), false), 3)
                .await
                .unwrap();
            ids.push(t.id);
        }
        let e = store
            .create_token(&who, admin.id, &token("one too many", false), 3)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict(_)), "{e}");
        assert_eq!(
            store.tokens(admin.id).await.unwrap().len(),
            3,
            "rolled back"
        );
        // Revoked and expired tokens leave room.
        store.revoke_token(&who, admin.id, ids[0]).await.unwrap();
        store
            .create_token(&who, admin.id, &token("t3", false), 3)
            .await
            .unwrap();
        sqlx::query("UPDATE api_tokens SET expires_at = $1 WHERE id = $2")
            .bind(LONG_AGO)
            .bind(ids[1])
            .execute(&store.pool)
            .await
            .unwrap();
        store
            .create_token(&who, admin.id, &token("t4", false), 3)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_reset_password_revokes_tokens_and_an_own_change_keeps_them() {
        let (_tmp, store, admin) = store_with_admin().await;
        let who = admin.who(None);
        let (secret, _) = store
            .create_token(&who, admin.id, &token("sync", false), 10)
            .await
            .unwrap();
        let new: Password = "another-password".parse().unwrap();
        store
            .set_password(&who, admin.id, &new, PasswordChange::Own)
            .await
            .unwrap();
        assert!(store.token_principal(&secret).await.unwrap().is_some());
        store
            .set_password(&who, admin.id, &new, PasswordChange::Reset)
            .await
            .unwrap();
        assert_eq!(store.token_principal(&secret).await.unwrap(), None);
        let tokens = store.tokens(admin.id).await.unwrap();
        assert!(tokens.iter().all(|t| t.revoked_at.is_some()));
    }

    fn limits(idle_minutes: i64) -> SessionLimits {
        SessionLimits {
            lifetime: time::Duration::hours(12),
            idle: time::Duration::minutes(idle_minutes),
        }
    }

    async fn last_seen(store: &Store) -> String {
        sqlx::query_scalar("SELECT last_seen_at FROM sessions")
            .fetch_one(&store.pool)
            .await
            .unwrap()
    }

    async fn set_last_seen(store: &Store, at: time::OffsetDateTime) {
        sqlx::query("UPDATE sessions SET last_seen_at = $1")
            .bind(crate::format_ts(at))
            .execute(&store.pool)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn an_idle_session_is_refused_and_a_used_one_is_touched_once_a_minute() {
        let (_tmp, store, admin) = store_with_admin().await;
        let limits = limits(30);
        let session = store
            .create_session(&admin.who(None), admin.clone(), limits)
            .await
            .unwrap();
        let seen = last_seen(&store).await;
        assert!(
            store
                .session(&session.secret, limits)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(last_seen(&store).await, seen, "no write within the minute");

        // Used 5 minutes after the last recorded use: recorded again.
        let five_ago = time::OffsetDateTime::now_utc() - time::Duration::minutes(5);
        set_last_seen(&store, five_ago).await;
        assert!(
            store
                .session(&session.secret, limits)
                .await
                .unwrap()
                .is_some()
        );
        assert!(last_seen(&store).await > crate::format_ts(five_ago));

        // Not used for longer than the idle timeout: refused, although within its lifetime.
        let idle = time::OffsetDateTime::now_utc() - time::Duration::minutes(31);
        set_last_seen(&store, idle).await;
        assert!(
            store
                .session(&session.secret, limits)
                .await
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn configured_limits_cannot_overflow_a_timestamp() {
        let auth = crate::config::AuthConfig {
            session_hours: u64::MAX,
            session_idle_minutes: u64::MAX,
            ..Default::default()
        };
        let limits = SessionLimits::from_config(&auth);
        let now = time::OffsetDateTime::now_utc();
        assert!(now + limits.lifetime > now && now - limits.idle < now);
        let d = SessionLimits::from_config(&Default::default());
        assert_eq!(
            (d.lifetime, d.idle),
            (time::Duration::hours(12), time::Duration::minutes(120))
        );
    }

    #[test]
    fn a_short_idle_timeout_is_recorded_often_enough() {
        assert_eq!(limits(120).touch_after(), time::Duration::minutes(1));
        assert_eq!(limits(1).touch_after(), time::Duration::seconds(30));
    }

    #[test]
    fn our_check_agrees_with_the_argon2_crate() {
        let p: Password = "kaifang-demo".parse().unwrap();
        let hash = hash_password(&p).unwrap();
        let parsed = PasswordHash::new(&hash).unwrap();
        for (guess, right) in [("kaifang-demo", true), ("kaifang-demO", false), ("", false)] {
            assert_eq!(verify_password(&hash, guess), right, "{guess}");
            assert_eq!(
                Argon2::default()
                    .verify_password(guess.as_bytes(), &parsed)
                    .is_ok(),
                right
            );
        }
        assert!(!verify_password("not a hash", "kaifang-demo"));
        // A row asking for a gigabyte of memory is refused, not computed.
        let greedy = hash.replace("m=19456", "m=1048576");
        assert!(!verify_password(&greedy, "kaifang-demo"));
    }
}
