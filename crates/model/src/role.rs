//! The five roles of the platform.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::ParseError;

/// What a user may do, independent of which organisation they belong to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Runs the platform: accounts, organisations, backups.
    Admin,
    /// Provincial leaders: read everything, write nothing.
    Leader,
    /// Provincial department staff: read everything, write the data of the modules their
    /// department owns.
    Department,
    /// City or development-zone staff: read and write their own organisation's data.
    Local,
    /// Enterprise staff: see only their own enterprise's records.
    Enterprise,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Leader,
        Role::Department,
        Role::Local,
        Role::Enterprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Leader => "leader",
            Role::Department => "department",
            Role::Local => "local",
            Role::Enterprise => "enterprise",
        }
    }
}

impl FromStr for Role {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                ParseError::new(
                    "role",
                    s,
                    "must be one of admin, leader, department, local, enterprise",
                )
            })
    }
}

impl TryFrom<String> for Role {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        s.parse()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
