//! First contents of a data directory: the organisation registry (facts, from
//! `data/organisations.csv`, each row with its source) and, for the demo, one account per role.

use kaifang_model::{Module, OrgKind, Password, RegionCode, Role, Uscc, Username, ZoneType};

use crate::accounts::{NewOrg, NewUser, hash_password, insert_org, insert_user};
use crate::audit::{self, Who};
use crate::{Result, Store, StoreError};

const ORGANISATIONS_CSV: &str = include_str!("../../../data/organisations.csv");
const ORGANISATIONS_FILE: &str = "data/organisations.csv";

/// The password of every demo account; printed in the log and on the login page.
pub const DEMO_PASSWORD: &str = "kaifang-demo";

/// The demo accounts: username, display name (zh), role, organisation code.
pub const DEMO_ACCOUNTS: &[(&str, &str, Role, &str)] = &[
    ("admin", "系统管理员", Role::Admin, "jl-gov"),
    ("leader", "省领导（演示）", Role::Leader, "jl-gov"),
    ("duban", "省政府督查室（演示）", Role::Department, "jl-gov"),
    (
        "commerce",
        "商务厅对外贸易处（演示）",
        Role::Department,
        "jl-doc",
    ),
    ("hunchun", "珲春市商务局（演示）", Role::Local, "hc-gov"),
    (
        "faw",
        "一汽进出口业务员（演示）",
        Role::Enterprise,
        "faw-ie",
    ),
];

/// The demo enterprise whose account sees the synthetic trade records carrying
/// [`kaifang_model::uscc::DEMO_ENTERPRISE`] as its own.
pub const DEMO_TRADING_ORG: &str = "faw-ie";

/// Parses an organisation registry in the layout of `data/organisations.csv`; errors name the
/// file, the row (1 = header) and the field.
pub fn parse_organisations(file: &str, text: &str) -> Result<Vec<NewOrg>> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| data_err(file, 1, "header", e.to_string()))?
        .clone();
    let col = |name: &str| -> Result<usize> {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| data_err(file, 1, name, "column is missing".into()))
    };
    let [code, kind, name_zh, name_en, region, zone, modules, source] = [
        "code",
        "kind",
        "name_zh",
        "name_en",
        "region_code",
        "zone_type",
        "modules",
        "source",
    ]
    .map(col);
    let (code, kind, name_zh, name_en, region, zone, modules, source) = (
        code?, kind?, name_zh?, name_en?, region?, zone?, modules?, source?,
    );
    // The credit code is optional: the shipped registry has none it could source.
    let uscc = headers.iter().position(|h| h == "uscc");
    let mut out: Vec<NewOrg> = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| data_err(file, row, "row", e.to_string()))?;
        let get = |c: usize| rec.get(c).unwrap_or("").trim();
        let field = |name: &'static str, c: usize| -> Result<&str> {
            let v = get(c);
            if v.is_empty() {
                Err(data_err(file, row, name, "must not be empty".into()))
            } else {
                Ok(v)
            }
        };
        let org = NewOrg {
            code: field("code", code)?.to_string(),
            kind: field("kind", kind)?
                .parse::<OrgKind>()
                .map_err(|e| data_err(file, row, "kind", e.to_string()))?,
            name_zh: field("name_zh", name_zh)?.to_string(),
            name_en: field("name_en", name_en)?.to_string(),
            region_code: Some(get(region))
                .filter(|s| !s.is_empty())
                .map(str::parse::<RegionCode>)
                .transpose()
                .map_err(|e| data_err(file, row, "region_code", e.to_string()))?,
            zone_type: Some(get(zone))
                .filter(|s| !s.is_empty())
                .map(str::parse::<ZoneType>)
                .transpose()
                .map_err(|e| data_err(file, row, "zone_type", e.to_string()))?,
            modules: Module::parse_list(get(modules))
                .map_err(|e| data_err(file, row, "modules", e.to_string()))?,
            source: field("source", source)?.to_string(),
            uscc: uscc
                .map(get)
                .filter(|s| !s.is_empty())
                .map(str::parse::<Uscc>)
                .transpose()
                .map_err(|e| data_err(file, row, "uscc", e.to_string()))?,
        };
        if (org.kind == OrgKind::Zone) != org.zone_type.is_some() {
            return Err(data_err(
                file,
                row,
                "zone_type",
                "is required for zones and only for zones".into(),
            ));
        }
        if !org.modules.is_empty() && org.kind != OrgKind::Department {
            return Err(data_err(
                file,
                row,
                "modules",
                "only departments own modules".into(),
            ));
        }
        if out.iter().any(|o| o.code == org.code) {
            return Err(data_err(
                file,
                row,
                "code",
                format!("duplicate code {:?}", org.code),
            ));
        }
        out.push(org);
    }
    Ok(out)
}

/// The demo's trading enterprise, linked to the synthetic records by a made-up credit code;
/// its source says so.
fn with_demo_uscc(o: &NewOrg) -> Result<NewOrg> {
    Ok(NewOrg {
        uscc: Some(kaifang_model::uscc::DEMO_ENTERPRISE.parse()?),
        source: format!(
            "{}; credit code {} is the synthetic trade demo's, not the company's",
            o.source,
            kaifang_model::uscc::DEMO_ENTERPRISE
        ),
        ..o.clone()
    })
}

fn data_err(file: &str, row: usize, field: &str, message: String) -> StoreError {
    StoreError::Data {
        file: file.to_string(),
        row,
        field: field.to_string(),
        message,
    }
}

impl Store {
    /// Whether anything has been set up in this database yet.
    pub async fn is_empty(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organisations")
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 0)
    }

    /// Sets up a new directory: the organisation registry and one administrator account.
    pub async fn initialise(&self, who: &Who, admin: &Username, password: &Password) -> Result<()> {
        self.initialise_registry(who).await?;
        self.create_first_admin(who, admin, password)
            .await
            .map(drop)
    }

    /// Sets up a new directory with the organisation registry and no account yet: a server
    /// that others can reach starts this way, and its first administrator is made with the
    /// one-time setup token (`create_first_admin`).
    pub async fn initialise_registry(&self, who: &Who) -> Result<()> {
        if !self.is_empty().await? {
            return Err(StoreError::Conflict(
                "this data directory is initialised already".into(),
            ));
        }
        let orgs = parse_organisations(ORGANISATIONS_FILE, ORGANISATIONS_CSV)?;
        let mut tx = self.begin_write().await?;
        for o in &orgs {
            insert_org(&mut tx, o).await?;
        }
        Store::set_meta(&mut tx, "created_at", &crate::now()).await?;
        audit::append(
            &mut tx,
            who,
            "datadir.init",
            None,
            serde_json::json!({ "organisations": orgs.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether any account exists.
    pub async fn has_users(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// The first administrator, in the provincial General Office; refused once any account
    /// exists, in the same transaction that would create it.
    pub async fn create_first_admin(
        &self,
        who: &Who,
        admin: &Username,
        password: &Password,
    ) -> Result<i64> {
        let hash = hash_password(password)?;
        let mut tx = self.begin_write().await?;
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *tx)
            .await?;
        if users > 0 {
            return Err(StoreError::Conflict(
                "this installation has accounts already".into(),
            ));
        }
        let org_id: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE code = 'jl-gov'")
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| {
                data_err(
                    ORGANISATIONS_FILE,
                    0,
                    "code",
                    "the registry lacks jl-gov".into(),
                )
            })?;
        let user = NewUser {
            username: admin.clone(),
            display_name: "系统管理员 Administrator".into(),
            password: password.clone(),
            role: Role::Admin,
            org_id,
        };
        let id = insert_user(&mut tx, &user, &hash).await?;
        audit::append(
            &mut tx,
            who,
            "user.first_admin",
            None,
            serde_json::json!({ "admin": admin.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Sets up a new directory with the demo: the registry and one account per role, all with
    /// [`DEMO_PASSWORD`], and marks the directory as holding demo data.
    pub async fn load_demo(&self, who: &Who) -> Result<()> {
        if !self.is_empty().await? {
            return Err(StoreError::Conflict(
                "this data directory is not empty; use `kaifang demo --reset`".into(),
            ));
        }
        let orgs = parse_organisations(ORGANISATIONS_FILE, ORGANISATIONS_CSV)?;
        let password: Password = DEMO_PASSWORD.parse()?;
        // One hash for all demo accounts: hashing is the slow part of the first start.
        let hash = hash_password(&password)?;
        let mut tx = self.begin_write().await?;
        let mut ids = std::collections::HashMap::new();
        for o in &orgs {
            let id = if o.code == DEMO_TRADING_ORG && o.uscc.is_none() {
                insert_org(&mut tx, &with_demo_uscc(o)?).await?
            } else {
                insert_org(&mut tx, o).await?
            };
            ids.insert(o.code.as_str(), id);
        }
        for (username, display, role, org) in DEMO_ACCOUNTS {
            let org_id = *ids.get(org).ok_or_else(|| {
                data_err(
                    ORGANISATIONS_FILE,
                    0,
                    "code",
                    format!("demo organisation {org} is missing"),
                )
            })?;
            let user = NewUser {
                username: username.parse()?,
                display_name: display.to_string(),
                password: password.clone(),
                role: *role,
                org_id,
            };
            insert_user(&mut tx, &user, &hash).await?;
        }
        Store::set_meta(&mut tx, "created_at", &crate::now()).await?;
        Store::set_meta(&mut tx, "demo", "true").await?;
        audit::append(
            &mut tx,
            who,
            "datadir.demo",
            None,
            serde_json::json!({ "organisations": orgs.len(), "accounts": DEMO_ACCOUNTS.len() }),
        )
        .await?;
        tx.commit().await?;
        let rules = crate::rules::Rules::from_config(&crate::config::WorkConfig::default())?;
        self.seed_work_demo(&rules, crate::rules::today_in_china())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_registry_parses_and_every_row_has_a_source() {
        let orgs = parse_organisations(ORGANISATIONS_FILE, ORGANISATIONS_CSV).unwrap();
        assert!(orgs.len() >= 20);
        assert!(orgs.iter().all(|o| !o.source.is_empty()));
        for (_, _, _, org) in DEMO_ACCOUNTS {
            assert!(orgs.iter().any(|o| o.code == *org), "{org}");
        }
        for (_, _, role, org) in DEMO_ACCOUNTS {
            let kind = orgs.iter().find(|o| o.code == *org).unwrap().kind;
            assert!(role.fits(kind), "{role} in {org}");
        }
    }

    #[test]
    fn a_registry_may_carry_credit_codes_and_a_wrong_one_is_named() {
        let head = "code,kind,name_zh,name_en,region_code,zone_type,modules,source,uscc\n";
        let good = format!(
            "{head}e,enterprise,甲,A,220100,,,s,{}\n",
            kaifang_model::uscc::DEMO_ENTERPRISE
        );
        let orgs = parse_organisations("orgs.csv", &good).unwrap();
        assert_eq!(
            orgs[0].uscc.as_ref().map(Uscc::as_str),
            Some(kaifang_model::uscc::DEMO_ENTERPRISE)
        );
        let bad = format!("{head}e,enterprise,甲,A,220100,,,s,91220101MA00FAW010\n");
        let e = parse_organisations("orgs.csv", &bad)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("orgs.csv, row 2, field uscc"), "{e}");
    }

    #[test]
    fn errors_name_file_row_and_field() {
        let text = "code,kind,name_zh,name_en,region_code,zone_type,modules,source\n\
                    a,zone,甲,A,220100,etdz,,s\n\
                    b,zone,乙,B,2201,etdz,,s\n";
        let e = parse_organisations("orgs.csv", text)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("orgs.csv, row 3, field region_code"), "{e}");
        let text = "code,kind,name_zh,name_en,region_code,zone_type,modules,source\na,city,甲,A,,,,s\na,city,乙,B,,,,s\n";
        let e = parse_organisations("orgs.csv", text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 3, field code: duplicate"), "{e}");
        let e = parse_organisations("orgs.csv", "code,kind\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 1, field name_zh: column is missing"), "{e}");
    }
}
