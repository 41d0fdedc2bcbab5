//! The cooperation registry (对外合作): partners abroad and at home with their contacts and
//! linked investment projects, the exchanges and visits with them, and international arrivals
//! by month and source market.
//!
//! Partners are never deleted (the database refuses it): a partnership that ends is marked
//! ended, so the history of exchanges keeps its counterpart. A partner's changes carry the
//! version the caller read and are refused as stale when someone changed it first. Every
//! write is audited in its transaction.

use std::collections::HashMap;

use kaifang_invest::cooperation::{Direction, ExchangeKind, PartnerKind, PartnerStatus};
use kaifang_invest::tourism::TourismRow;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use time::Date;

use crate::audit::{self, Who};
use crate::rules::format_date;
use crate::tasks::OrgRef;
use crate::{Result, Store, StoreError, now};

/// A person to call at a partner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Contact {
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
}

/// A partner as lists and the map show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PartnerItem {
    pub id: i64,
    pub code: String,
    #[schema(value_type = String)]
    pub kind: PartnerKind,
    pub name_zh: String,
    pub name_en: String,
    /// ISO 3166-1 alpha-2 (`CN`: a partner at home).
    pub country: String,
    pub region: String,
    /// The year the relationship began, when known.
    pub since: Option<i32>,
    #[schema(value_type = String)]
    pub status: PartnerStatus,
    pub lat: f64,
    pub lon: f64,
    pub agreements: String,
    pub contacts: Vec<Contact>,
    /// The organisation of the province that looks after the relationship.
    pub lead: Option<OrgRef>,
    pub note: String,
    /// Where the entry comes from.
    pub source: String,
    /// Checked against its source; `false`: still to be confirmed.
    pub verified: bool,
    /// Synthetic demo data, not a real partner.
    pub synthetic: bool,
    /// Investment projects linked to it.
    pub projects: i64,
    /// Exchanges with it.
    pub exchanges: i64,
    pub version: i64,
    pub updated_at: String,
}

/// A project linked to a partner or an exchange.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LinkedProject {
    pub id: i64,
    pub name: String,
    pub stage: String,
    pub amount: f64,
    pub currency: String,
}

/// A partner with its projects and exchanges.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PartnerDetail {
    #[serde(flatten)]
    pub item: PartnerItem,
    pub linked_projects: Vec<LinkedProject>,
    pub activities: Vec<ExchangeItem>,
}

/// A partner to enter.
#[derive(Debug, Clone)]
pub struct NewPartner {
    pub code: String,
    pub kind: PartnerKind,
    pub name_zh: String,
    pub name_en: String,
    pub country: String,
    pub region: String,
    pub since: Option<i32>,
    pub status: PartnerStatus,
    pub lat: f64,
    pub lon: f64,
    pub agreements: String,
    pub contacts: Vec<Contact>,
    pub lead_org_id: Option<i64>,
    pub note: String,
    pub source: String,
    pub verified: bool,
    pub synthetic: bool,
}

/// What a change to a partner sets; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PartnerChange {
    pub status: Option<PartnerStatus>,
    pub agreements: Option<String>,
    pub contacts: Option<Vec<Contact>>,
    pub lead_org_id: Option<i64>,
    pub note: Option<String>,
    pub verified: Option<bool>,
}

/// A partner named in an exchange.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PartnerRef {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// An exchange, visit or event.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ExchangeItem {
    pub id: i64,
    pub title: String,
    #[schema(value_type = String)]
    pub kind: ExchangeKind,
    #[schema(value_type = String)]
    pub direction: Direction,
    pub starts_on: String,
    pub ends_on: String,
    pub place: String,
    pub country: String,
    pub participants: i64,
    /// Agreements signed.
    pub agreements: i64,
    pub outcomes: String,
    pub lead: OrgRef,
    pub partners: Vec<PartnerRef>,
    /// Projects that entered the pipeline from it.
    pub projects: Vec<LinkedProject>,
    pub synthetic: bool,
}

/// An exchange to record.
#[derive(Debug, Clone)]
pub struct NewExchange {
    pub title: String,
    pub kind: ExchangeKind,
    pub direction: Direction,
    pub starts_on: Date,
    pub ends_on: Date,
    pub place: String,
    pub country: String,
    pub participants: i64,
    pub agreements: i64,
    pub outcomes: String,
    pub lead_org_id: i64,
    pub partner_ids: Vec<i64>,
    pub project_ids: Vec<i64>,
    pub synthetic: bool,
}

/// A month's arrivals from one market as stored.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TourismRecord {
    /// `YYYY-MM`.
    pub month: String,
    pub market: String,
    pub visitors: i64,
    pub overnight: Option<i64>,
    pub receipts: Option<f64>,
    pub source: String,
    #[sqlx(try_from = "crate::db::Flag")]
    pub synthetic: bool,
}

const TEXT_LIMIT: usize = 500;
const BODY_LIMIT: usize = 4000;
/// Contacts per partner, partners and projects per exchange.
pub const MAX_CONTACTS: usize = 20;
pub const MAX_LINKS: usize = 50;
const LIST_LIMIT: i64 = 10_000;

fn text(field: &str, t: &str, limit: usize, required: bool) -> Result<String> {
    let t = t.trim();
    if required && t.is_empty() {
        return Err(StoreError::invalid(field, "must not be empty"));
    }
    if t.chars().count() > limit {
        return Err(StoreError::invalid(
            field,
            format!("at most {limit} characters"),
        ));
    }
    Ok(t.to_string())
}

fn country(field: &str, c: &str) -> Result<()> {
    if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(StoreError::invalid(
            field,
            format!("{c:?} is not an ISO 3166-1 alpha-2 code"),
        ));
    }
    Ok(())
}

fn checked_contacts(contacts: &[Contact]) -> Result<String> {
    if contacts.len() > MAX_CONTACTS {
        return Err(StoreError::invalid(
            "contacts",
            format!("at most {MAX_CONTACTS} contacts"),
        ));
    }
    let cleaned = contacts
        .iter()
        .map(|c| {
            Ok(Contact {
                name: text("contacts.name", &c.name, 100, true)?,
                role: text("contacts.role", &c.role, 100, false)?,
                phone: text("contacts.phone", &c.phone, 40, false)?,
                email: text("contacts.email", &c.email, 200, false)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(serde_json::to_string(&cleaned).unwrap_or_else(|_| "[]".into()))
}

async fn org_exists(conn: &mut AnyConnection, field: &str, id: i64) -> Result<()> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::invalid(field, format!("no organisation {id}")))
}

#[derive(sqlx::FromRow)]
struct PartnerRow {
    id: i64,
    code: String,
    kind: String,
    name_zh: String,
    name_en: String,
    country: String,
    region: String,
    since: Option<i32>,
    status: String,
    lat: f64,
    lon: f64,
    agreements: String,
    contacts: String,
    lead_org_id: Option<i64>,
    lead_code: Option<String>,
    lead_zh: Option<String>,
    lead_en: Option<String>,
    note: String,
    source: String,
    #[sqlx(try_from = "crate::db::Flag")]
    verified: bool,
    #[sqlx(try_from = "crate::db::Flag")]
    synthetic: bool,
    projects: i64,
    exchanges: i64,
    version: i64,
    updated_at: String,
}

const PARTNER_SELECT: &str = "SELECT p.id, p.code, p.kind, p.name_zh, p.name_en, p.country, p.region, \
     p.since, p.status, p.lat, p.lon, p.agreements, p.contacts, p.lead_org_id, \
     o.code AS lead_code, o.name_zh AS lead_zh, o.name_en AS lead_en, p.note, p.source, \
     CAST(p.verified AS INTEGER) AS verified, CAST(p.synthetic AS INTEGER) AS synthetic, \
     (SELECT COUNT(*) FROM coop_partner_projects l WHERE l.partner_id = p.id) AS projects, \
     (SELECT COUNT(*) FROM coop_exchange_partners e WHERE e.partner_id = p.id) AS exchanges, \
     p.version, p.updated_at \
     FROM coop_partners p LEFT JOIN organisations o ON o.id = p.lead_org_id";

impl PartnerRow {
    fn item(self) -> Result<PartnerItem> {
        let bad = |what: &str| StoreError::Sqlite(format!("partner {}: bad {what}", self.id));
        Ok(PartnerItem {
            id: self.id,
            kind: PartnerKind::parse(&self.kind).ok_or_else(|| bad("kind"))?,
            status: PartnerStatus::parse(&self.status).ok_or_else(|| bad("status"))?,
            contacts: serde_json::from_str(&self.contacts).map_err(|_| bad("contacts"))?,
            lead: OrgRef::joined(self.lead_org_id, self.lead_code, self.lead_zh, self.lead_en),
            code: self.code,
            name_zh: self.name_zh,
            name_en: self.name_en,
            country: self.country,
            region: self.region,
            since: self.since,
            lat: self.lat,
            lon: self.lon,
            agreements: self.agreements,
            note: self.note,
            source: self.source,
            verified: self.verified,
            synthetic: self.synthetic,
            projects: self.projects,
            exchanges: self.exchanges,
            version: self.version,
            updated_at: self.updated_at,
        })
    }
}

async fn load_partner(conn: &mut AnyConnection, id: i64) -> Result<Option<PartnerItem>> {
    let row: Option<PartnerRow> = sqlx::query_as(&format!("{PARTNER_SELECT} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(PartnerRow::item).transpose()
}

async fn insert_partner(conn: &mut AnyConnection, who: &Who, p: &NewPartner) -> Result<i64> {
    let code = text("code", &p.code, 60, true)?;
    if !code
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(StoreError::invalid(
            "code",
            "use lower-case letters, digits and '-'",
        ));
    }
    let name_zh = text("name_zh", &p.name_zh, TEXT_LIMIT, true)?;
    let name_en = text("name_en", &p.name_en, TEXT_LIMIT, true)?;
    country("country", &p.country)?;
    if !(p.lat.is_finite() && p.lat.abs() <= 90.0) {
        return Err(StoreError::invalid("lat", "a latitude between -90 and 90"));
    }
    if !(p.lon.is_finite() && p.lon.abs() <= 180.0) {
        return Err(StoreError::invalid(
            "lon",
            "a longitude between -180 and 180",
        ));
    }
    if p.since.is_some_and(|y| !(1900..=2100).contains(&y)) {
        return Err(StoreError::invalid("since", "a year between 1900 and 2100"));
    }
    if let Some(lead) = p.lead_org_id {
        org_exists(conn, "lead_org_id", lead).await?;
    }
    let contacts = checked_contacts(&p.contacts)?;
    let at = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO coop_partners (code, kind, name_zh, name_en, country, region, since, status, \
         lat, lon, agreements, contacts, lead_org_id, note, source, verified, synthetic, version, \
         created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 1, $18, $18) \
         RETURNING id",
    )
    .bind(&code)
    .bind(p.kind.key())
    .bind(&name_zh)
    .bind(&name_en)
    .bind(&p.country)
    .bind(text("region", &p.region, TEXT_LIMIT, false)?)
    .bind(p.since)
    .bind(p.status.key())
    .bind(p.lat)
    .bind(p.lon)
    .bind(text("agreements", &p.agreements, BODY_LIMIT, false)?)
    .bind(&contacts)
    .bind(p.lead_org_id)
    .bind(text("note", &p.note, BODY_LIMIT, false)?)
    .bind(text("source", &p.source, BODY_LIMIT, true)?)
    .bind(p.verified)
    .bind(p.synthetic)
    .bind(&at)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict(format!("a partner with code {code} exists already"))
        } else {
            e.into()
        }
    })?;
    audit::append(
        conn,
        who,
        "cooperation.partner.create",
        Some(&format!("coop_partner:{id}")),
        serde_json::json!({ "code": code, "kind": p.kind.key(), "status": p.status.key(),
            "synthetic": p.synthetic }),
    )
    .await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct ExchangeRow {
    id: i64,
    title: String,
    kind: String,
    direction: String,
    starts_on: String,
    ends_on: String,
    place: String,
    country: String,
    participants: i64,
    agreements: i64,
    outcomes: String,
    lead_org_id: i64,
    lead_code: String,
    lead_zh: String,
    lead_en: String,
    #[sqlx(try_from = "crate::db::Flag")]
    synthetic: bool,
}

const EXCHANGE_SELECT: &str = "SELECT x.id, x.title, x.kind, x.direction, x.starts_on, x.ends_on, \
     x.place, x.country, x.participants, x.agreements, x.outcomes, x.lead_org_id, \
     o.code AS lead_code, o.name_zh AS lead_zh, o.name_en AS lead_en, \
     CAST(x.synthetic AS INTEGER) AS synthetic \
     FROM coop_exchanges x JOIN organisations o ON o.id = x.lead_org_id";

/// The exchanges `rows` with their partners and projects, in the order given.
async fn exchange_items(
    conn: &mut AnyConnection,
    rows: Vec<ExchangeRow>,
) -> Result<Vec<ExchangeItem>> {
    let partners: Vec<(i64, i64, String, String, String)> = sqlx::query_as(
        "SELECT e.exchange_id, p.id, p.code, p.name_zh, p.name_en \
         FROM coop_exchange_partners e JOIN coop_partners p ON p.id = e.partner_id ORDER BY p.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let projects: Vec<(i64, i64, String, String, f64, String)> = sqlx::query_as(
        "SELECT e.exchange_id, p.id, p.name, p.stage, p.amount, p.currency \
         FROM coop_exchange_projects e JOIN invest_projects p ON p.id = e.project_id ORDER BY p.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut partners_of: HashMap<i64, Vec<PartnerRef>> = HashMap::new();
    for (x, id, code, name_zh, name_en) in partners {
        partners_of.entry(x).or_default().push(PartnerRef {
            id,
            code,
            name_zh,
            name_en,
        });
    }
    let mut projects_of: HashMap<i64, Vec<LinkedProject>> = HashMap::new();
    for (x, id, name, stage, amount, currency) in projects {
        projects_of.entry(x).or_default().push(LinkedProject {
            id,
            name,
            stage,
            amount,
            currency,
        });
    }
    rows.into_iter()
        .map(|r| {
            let bad = |what: &str| StoreError::Sqlite(format!("exchange {}: bad {what}", r.id));
            Ok(ExchangeItem {
                kind: ExchangeKind::parse(&r.kind).ok_or_else(|| bad("kind"))?,
                direction: Direction::parse(&r.direction).ok_or_else(|| bad("direction"))?,
                partners: partners_of.remove(&r.id).unwrap_or_default(),
                projects: projects_of.remove(&r.id).unwrap_or_default(),
                id: r.id,
                title: r.title,
                starts_on: r.starts_on,
                ends_on: r.ends_on,
                place: r.place,
                country: r.country,
                participants: r.participants,
                agreements: r.agreements,
                outcomes: r.outcomes,
                lead: OrgRef {
                    id: r.lead_org_id,
                    code: r.lead_code,
                    name_zh: r.lead_zh,
                    name_en: r.lead_en,
                },
                synthetic: r.synthetic,
            })
        })
        .collect()
}

/// Links exchange `id` to each of `ids`, every one of which must exist (`exists` finds it).
async fn link_all(
    conn: &mut AnyConnection,
    id: i64,
    ids: &[i64],
    (field, what): (&str, &str),
    exists: &'static str,
    insert: &'static str,
) -> Result<()> {
    for other in ids {
        let found: Option<i64> = sqlx::query_scalar(exists)
            .bind(other)
            .fetch_optional(&mut *conn)
            .await?;
        if found.is_none() {
            return Err(StoreError::invalid(field, format!("no {what} {other}")));
        }
        sqlx::query(insert)
            .bind(id)
            .bind(other)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn insert_exchange(conn: &mut AnyConnection, who: &Who, x: &NewExchange) -> Result<i64> {
    let title = text("title", &x.title, TEXT_LIMIT, true)?;
    if x.ends_on < x.starts_on {
        return Err(StoreError::invalid("ends_on", "ends before it starts"));
    }
    country("country", &x.country)?;
    if !(0..=1_000_000).contains(&x.participants) {
        return Err(StoreError::invalid(
            "participants",
            "a count between 0 and 1,000,000",
        ));
    }
    if !(0..=10_000).contains(&x.agreements) {
        return Err(StoreError::invalid(
            "agreements",
            "a count between 0 and 10,000",
        ));
    }
    if x.partner_ids.len() > MAX_LINKS || x.project_ids.len() > MAX_LINKS {
        return Err(StoreError::invalid(
            "partner_ids",
            format!("at most {MAX_LINKS} partners and {MAX_LINKS} projects"),
        ));
    }
    org_exists(conn, "lead_org_id", x.lead_org_id).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO coop_exchanges (title, kind, direction, starts_on, ends_on, place, country, \
         participants, agreements, outcomes, lead_org_id, synthetic, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(&title)
    .bind(x.kind.key())
    .bind(x.direction.key())
    .bind(format_date(x.starts_on))
    .bind(format_date(x.ends_on))
    .bind(text("place", &x.place, TEXT_LIMIT, false)?)
    .bind(&x.country)
    .bind(x.participants)
    .bind(x.agreements)
    .bind(text("outcomes", &x.outcomes, BODY_LIMIT, false)?)
    .bind(x.lead_org_id)
    .bind(x.synthetic)
    .bind(now())
    .fetch_one(&mut *conn)
    .await?;
    link_all(
        conn,
        id,
        &x.partner_ids,
        ("partner_ids", "partner"),
        "SELECT id FROM coop_partners WHERE id = $1",
        "INSERT INTO coop_exchange_partners (exchange_id, partner_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .await?;
    link_all(
        conn,
        id,
        &x.project_ids,
        ("project_ids", "project"),
        "SELECT id FROM invest_projects WHERE id = $1",
        "INSERT INTO coop_exchange_projects (exchange_id, project_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .await?;
    audit::append(
        conn,
        who,
        "cooperation.exchange.create",
        Some(&format!("coop_exchange:{id}")),
        serde_json::json!({ "title": title, "kind": x.kind.key(), "direction": x.direction.key(),
            "partners": x.partner_ids, "projects": x.project_ids, "synthetic": x.synthetic }),
    )
    .await?;
    Ok(id)
}

/// Which exchanges a list shows.
#[derive(Debug, Clone, Default)]
pub struct ExchangeFilter {
    pub year: Option<i32>,
    pub partner_id: Option<i64>,
    pub kind: Option<ExchangeKind>,
}

impl Store {
    /// Every partner (or those of one kind), by kind then code.
    pub async fn partners(&self, kind: Option<PartnerKind>) -> Result<Vec<PartnerItem>> {
        let rows: Vec<PartnerRow> = sqlx::query_as(&format!(
            "{PARTNER_SELECT} WHERE ($1 IS NULL OR p.kind = $1) ORDER BY p.kind, p.code LIMIT $2"
        ))
        .bind(kind.map(PartnerKind::key))
        .bind(LIST_LIMIT)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(PartnerRow::item).collect()
    }

    /// Partner `id` with its linked projects and its exchanges, the latest first.
    pub async fn partner(&self, id: i64) -> Result<PartnerDetail> {
        let mut conn = self.pool.acquire().await?;
        let item = load_partner(&mut conn, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("partner {id}")))?;
        let linked_projects: Vec<LinkedProject> = sqlx::query_as(
            "SELECT p.id, p.name, p.stage, p.amount, p.currency FROM coop_partner_projects l \
             JOIN invest_projects p ON p.id = l.project_id WHERE l.partner_id = $1 ORDER BY p.id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let rows: Vec<ExchangeRow> = sqlx::query_as(&format!(
            "{EXCHANGE_SELECT} WHERE x.id IN \
             (SELECT exchange_id FROM coop_exchange_partners WHERE partner_id = $1) \
             ORDER BY x.starts_on DESC, x.id DESC"
        ))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let activities = exchange_items(&mut conn, rows).await?;
        Ok(PartnerDetail {
            item,
            linked_projects,
            activities,
        })
    }

    pub async fn create_partner(&self, who: &Who, p: &NewPartner) -> Result<PartnerDetail> {
        let mut tx = self.begin_write().await?;
        let id = insert_partner(&mut tx, who, p).await?;
        tx.commit().await?;
        self.partner(id).await
    }

    /// Enters the partners whose codes the registry does not hold yet; answers how many.
    pub async fn seed_partners(&self, who: &Who, partners: &[NewPartner]) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        let mut added = 0;
        for p in partners {
            let known: Option<i64> =
                sqlx::query_scalar("SELECT id FROM coop_partners WHERE code = $1")
                    .bind(&p.code)
                    .fetch_optional(&mut *tx)
                    .await?;
            if known.is_none() {
                insert_partner(&mut tx, who, p).await?;
                added += 1;
            }
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Changes partner `id`, which the caller read at `version`.
    pub async fn update_partner(
        &self,
        who: &Who,
        id: i64,
        version: i64,
        change: &PartnerChange,
    ) -> Result<PartnerDetail> {
        let mut tx = self.begin_write().await?;
        let Some(before) = load_partner(&mut tx, id).await? else {
            return Err(StoreError::NotFound(format!("partner {id}")));
        };
        if before.version != version {
            drop(tx);
            let current = self.partner(id).await?;
            return Err(StoreError::stale(
                &format!("partner {id}"),
                version,
                current.item.version,
                &current,
            ));
        }
        if let Some(lead) = change.lead_org_id {
            org_exists(&mut tx, "lead_org_id", lead).await?;
        }
        let contacts = change
            .contacts
            .as_deref()
            .map(checked_contacts)
            .transpose()?;
        let agreements = change
            .agreements
            .as_deref()
            .map(|a| text("agreements", a, BODY_LIMIT, false))
            .transpose()?;
        let note = change
            .note
            .as_deref()
            .map(|n| text("note", n, BODY_LIMIT, false))
            .transpose()?;
        let done = sqlx::query(
            "UPDATE coop_partners SET status = COALESCE($1, status), \
             agreements = COALESCE($2, agreements), contacts = COALESCE($3, contacts), \
             lead_org_id = COALESCE($4, lead_org_id), note = COALESCE($5, note), \
             verified = COALESCE($6, verified), version = version + 1, updated_at = $7 \
             WHERE id = $8 AND version = $9",
        )
        .bind(change.status.map(PartnerStatus::key))
        .bind(&agreements)
        .bind(&contacts)
        .bind(change.lead_org_id)
        .bind(&note)
        .bind(change.verified)
        .bind(now())
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "partner {id} changed while it was saved; reload and try again"
            )));
        }
        audit::append(
            &mut tx,
            who,
            "cooperation.partner.update",
            Some(&format!("coop_partner:{id}")),
            serde_json::json!({
                "version": version + 1,
                "status": change.status.map(|s| [before.status.key(), s.key()]),
                "contacts": change.contacts.as_ref().map(Vec::len),
                "agreements": agreements.is_some(),
                "lead_org_id": change.lead_org_id,
                "note": note.is_some(),
                "verified": change.verified,
            }),
        )
        .await?;
        tx.commit().await?;
        self.partner(id).await
    }

    /// Links investment project `project` to partner `id` (once; linking again changes nothing).
    pub async fn link_partner_project(
        &self,
        who: &Who,
        id: i64,
        project: i64,
    ) -> Result<PartnerDetail> {
        let mut tx = self.begin_write().await?;
        if load_partner(&mut tx, id).await?.is_none() {
            return Err(StoreError::NotFound(format!("partner {id}")));
        }
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM invest_projects WHERE id = $1")
            .bind(project)
            .fetch_optional(&mut *tx)
            .await?;
        if found.is_none() {
            return Err(StoreError::invalid(
                "project_id",
                format!("no project {project}"),
            ));
        }
        let done = sqlx::query(
            "INSERT INTO coop_partner_projects (partner_id, project_id, linked_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(project)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            audit::append(
                &mut tx,
                who,
                "cooperation.partner.link_project",
                Some(&format!("coop_partner:{id}")),
                serde_json::json!({ "project": project }),
            )
            .await?;
        }
        tx.commit().await?;
        self.partner(id).await
    }

    /// Exchanges matching `filter`, the latest first.
    pub async fn exchanges(&self, filter: &ExchangeFilter) -> Result<Vec<ExchangeItem>> {
        let mut conn = self.pool.acquire().await?;
        let rows: Vec<ExchangeRow> = sqlx::query_as(&format!(
            "{EXCHANGE_SELECT} WHERE ($1 IS NULL OR substr(x.starts_on, 1, 4) = $1) \
             AND ($2 IS NULL OR x.id IN (SELECT exchange_id FROM coop_exchange_partners WHERE partner_id = $2)) \
             AND ($3 IS NULL OR x.kind = $3) \
             ORDER BY x.starts_on DESC, x.id DESC LIMIT $4"
        ))
        .bind(filter.year.map(|y| format!("{y:04}")))
        .bind(filter.partner_id)
        .bind(filter.kind.map(ExchangeKind::key))
        .bind(LIST_LIMIT)
        .fetch_all(&mut *conn)
        .await?;
        exchange_items(&mut conn, rows).await
    }

    /// Records exchange `x`; answers it as lists show it.
    pub async fn create_exchange(&self, who: &Who, x: &NewExchange) -> Result<ExchangeItem> {
        let mut tx = self.begin_write().await?;
        let id = insert_exchange(&mut tx, who, x).await?;
        tx.commit().await?;
        let mut conn = self.pool.acquire().await?;
        let rows: Vec<ExchangeRow> = sqlx::query_as(&format!("{EXCHANGE_SELECT} WHERE x.id = $1"))
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
        exchange_items(&mut conn, rows)
            .await?
            .pop()
            .ok_or_else(|| StoreError::NotFound(format!("exchange {id}")))
    }

    /// Records the demo's exchanges in one transaction, unless the registry has exchanges.
    pub async fn seed_exchanges(&self, who: &Who, exchanges: &[NewExchange]) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        let any: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM coop_exchanges")
            .fetch_one(&mut *tx)
            .await?;
        if any > 0 {
            return Ok(0);
        }
        for x in exchanges {
            insert_exchange(&mut tx, who, x).await?;
        }
        tx.commit().await?;
        Ok(exchanges.len())
    }

    /// Every month's arrivals by market, in month order.
    pub async fn tourism(&self) -> Result<Vec<TourismRecord>> {
        Ok(sqlx::query_as(
            "SELECT month, market, visitors, overnight, receipts, source, \
             CAST(synthetic AS INTEGER) AS synthetic FROM coop_tourism \
             ORDER BY month, market",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Stores a table of arrivals: the months it covers are replaced whole (a corrected table
    /// imported again leaves no market of the old one behind), in one transaction.
    pub async fn import_tourism(
        &self,
        who: &Who,
        rows: &[TourismRow],
        source: &str,
        synthetic: bool,
    ) -> Result<usize> {
        let source = text("source", source, TEXT_LIMIT, true)?;
        let mut months: Vec<String> = rows.iter().map(|r| r.month.key()).collect();
        months.sort();
        months.dedup();
        let mut tx = self.begin_write().await?;
        for m in &months {
            sqlx::query("DELETE FROM coop_tourism WHERE month = $1")
                .bind(m)
                .execute(&mut *tx)
                .await?;
        }
        let at = now();
        for r in rows {
            sqlx::query(
                "INSERT INTO coop_tourism (month, market, visitors, overnight, receipts, source, synthetic, imported_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(r.month.key())
            .bind(&r.market)
            .bind(r.visitors as i64)
            .bind(r.overnight.map(|o| o as i64))
            .bind(r.receipts)
            .bind(&source)
            .bind(synthetic)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        }
        audit::append(
            &mut tx,
            who,
            "cooperation.tourism.import",
            Some(&format!("source:{source}")),
            serde_json::json!({ "rows": rows.len(), "months": months.len(),
                "first": months.first(), "last": months.last(), "synthetic": synthetic }),
        )
        .await?;
        tx.commit().await?;
        Ok(rows.len())
    }
}
