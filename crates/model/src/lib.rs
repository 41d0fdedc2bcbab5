//! Kaifang's vocabulary: the words every other crate speaks.
//!
//! Nothing here does I/O. Values are parsed once at the edge (`FromStr`, `TryFrom`) and carried
//! as types afterwards, so a `Username` or a `RegionCode` deeper in the code is known to be valid.

pub mod access;
pub mod credentials;
pub mod names;
pub mod org;
pub mod role;
pub mod uscc;

pub use access::{Actor, AppealScope, Decision};
pub use names::{ParseError, Password, RegionCode, Username};
pub use org::{Module, OrgKind, ZoneType};
pub use role::Role;
pub use uscc::Uscc;
