//! Organisations, users, login sessions and API tokens.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use base64::Engine;
use kaifang_model::{Actor, Module, OrgKind, Password, RegionCode, Role, Username, ZoneType};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;

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
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
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
    "id, code, kind, name_zh, name_en, region_code, zone_type, modules, contact, source";

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
        })
    }
}

pub(crate) async fn insert_org(conn: &mut SqliteConnection, o: &NewOrg) -> Result<i64> {
    let t = now();
    let id = sqlx::query_scalar(
        "INSERT INTO organisations (code, kind, name_zh, name_en, region_code, zone_type, modules, source, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(&o.code)
    .bind(o.kind.as_str())
    .bind(&o.name_zh)
    .bind(&o.name_en)
    .bind(o.region_code.map(|r| r.to_string()))
    .bind(o.zone_type.map(|z| z.as_str()))
    .bind(Module::format_list(&o.modules))
    .bind(&o.source)
    .bind(&t)
    .fetch_one(conn)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict(format!("an organisation with code {:?} already exists", o.code))
        } else {
            e.into()
        }
    })?;
    Ok(id)
}

impl Store {
    pub async fn create_org(&self, who: &Who, o: &NewOrg) -> Result<Org> {
        let mut tx = self.pool.begin().await?;
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
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("UPDATE organisations SET contact = $1, updated_at = $2 WHERE id = $3")
            .bind(contact)
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("organisation {id}")));
        }
        audit::append(
            &mut tx,
            who,
            "org.update_contact",
            Some(&format!("org:{id}")),
            serde_json::json!({ "contact": contact }),
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
        let mut tx = self.pool.begin().await?;
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

    /// Sets a new password and ends the user's sessions.
    pub async fn set_password(&self, who: &Who, user_id: i64, password: &Password) -> Result<()> {
        let hash = hash_password(password)?;
        let mut tx = self.pool.begin().await?;
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
        audit::append(
            &mut tx,
            who,
            "user.password",
            Some(&format!("user:{user_id}")),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables (or re-enables) an account; disabling ends its sessions and revokes its tokens.
    pub async fn set_disabled(&self, who: &Who, user_id: i64, disabled: bool) -> Result<User> {
        let mut tx = self.pool.begin().await?;
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
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(now())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
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
        let row: Option<(i64, String, bool)> =
            sqlx::query_as("SELECT id, password_hash, disabled FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
        let (user_id, hash, disabled) = match row {
            Some(r) => r,
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
        hours: u64,
    ) -> Result<NewSession> {
        let secret = random_secret(32);
        let csrf_token = random_secret(24);
        let created = time::OffsetDateTime::now_utc();
        let expires = created + time::Duration::hours(hours as i64);
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(crate::format_ts(created))
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
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
    /// session is unknown, expired or its user disabled.
    pub async fn session(&self, secret: &str) -> Result<Option<(Principal, String)>> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT s.user_id, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled = FALSE",
        )
        .bind(sha256_hex(secret))
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some((user_id, csrf)) => Ok(Some((self.principal(user_id).await?, csrf))),
            None => Ok(None),
        }
    }

    pub async fn end_session(&self, who: &Who, secret: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
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
    pub async fn create_token(
        &self,
        who: &Who,
        user_id: i64,
        name: &str,
    ) -> Result<(String, ApiToken)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::invalid("name", "1 to 100 characters"));
        }
        let token = format!("kf_{}", random_secret(32));
        let prefix: String = token.chars().take(10).collect();
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(&prefix)
        .bind(sha256_hex(&token))
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            who,
            "token.create",
            Some(&format!("token:{id}")),
            serde_json::json!({ "name": name, "user_id": user_id }),
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

    pub async fn tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        Ok(sqlx::query_as(
            "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes one of `user_id`'s tokens; another user's token is "not found".
    pub async fn revoke_token(&self, who: &Who, user_id: i64, token_id: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
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

    /// The user behind an API token, if it is valid and its user enabled.
    pub async fn token_principal(&self, token: &str) -> Result<Option<Principal>> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT t.id, t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = FALSE",
        )
        .bind(sha256_hex(token))
        .fetch_optional(&self.pool)
        .await?;
        let Some((token_id, user_id)) = row else {
            return Ok(None);
        };
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now())
            .bind(token_id)
            .execute(&self.pool)
            .await?;
        self.principal(user_id).await.map(Some)
    }
}

const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, u.org_id, u.disabled, u.created_at, \
     o.name_zh AS org_name_zh, o.name_en AS org_name_en FROM users u JOIN organisations o ON o.id = u.org_id";

pub(crate) async fn insert_user(
    conn: &mut SqliteConnection,
    u: &NewUser,
    hash: &str,
) -> Result<i64> {
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
