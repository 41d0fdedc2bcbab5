//! Investment and cooperation (招商与合作): the meeting's "efficiently carry out investment
//! attraction" and "implement the national negative list for foreign investment access".
//!
//! - [`industry`]: the national industry classification (GB/T 4754-2017), the code every
//!   project and every negative-list item is filed under.
//! - [`negative_list`]: the editions of the negative list for foreign investment access
//!   (外商投资准入特别管理措施), loaded from data files so that a new edition needs no code,
//!   and the check of an industry or a described activity against one edition.
//! - [`pipeline`]: the stages of an investment project (招商引资项目), from lead to production,
//!   and which step is allowed when.
//! - [`stats`]: the pipeline's figures — signed and arrived amounts by city, zone, industry,
//!   source country and month with year-on-year change, conversion rates and time in stage.
//! - [`sheet`]: the project list as departments keep it in Excel, read with every problem named
//!   by row and column.
//! - [`cooperation`]: the cooperation registry's vocabulary — partners abroad and at home,
//!   exchanges — and the sourced reference files of partners and visa policies.
//! - [`tourism`]: international arrivals by month and source market, read from the statistics
//!   office's tables, and the year's figures with year-on-year change.
//!
//! Pure: no SQL, no HTTP. The store keeps projects and the registry; the use-case layer asks this crate.

pub mod cooperation;
pub mod industry;
pub mod negative_list;
pub mod pipeline;
pub mod sheet;
pub mod stats;
pub mod tourism;
