//! The stages of an investment project (招商引资项目), as the provinces' project lists track
//! them: a lead (线索) is negotiated (洽谈), signed (签约), the investing company registered
//! (注册), the plant or office built (开工建设), the funds arrive (资金到位) and it produces
//! (投产). A project can be dropped (终止) at any point before production, with the reason.
//!
//! A step may pass over stages: a project signed and registered on the same day, or a
//! department that learns of a project only when its funds arrive, records the later stage at
//! once. The stages passed over count as reached on that date, so that the conversion rates
//! say how many projects got *at least* that far, which is how the lists report them.

use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 线索: a possible investor and an idea.
    Lead,
    /// 洽谈: talks under way.
    Negotiating,
    /// 签约: an agreement signed; the amount counts as signed (签约额).
    Signed,
    /// 注册: the investing company registered (it has a USCC).
    Registered,
    /// 开工建设: construction started.
    Construction,
    /// 资金到位: funds arrived (到位资金).
    FundsArrived,
    /// 投产: in production or in operation; the pipeline's end.
    Production,
    /// 终止: dropped, with the reason.
    Dropped,
}

impl Stage {
    /// The stages a project moves through, in order; [`Stage::Dropped`] is not among them.
    pub const FORWARD: [Stage; 7] = [
        Stage::Lead,
        Stage::Negotiating,
        Stage::Signed,
        Stage::Registered,
        Stage::Construction,
        Stage::FundsArrived,
        Stage::Production,
    ];

    pub const ALL: [Stage; 8] = [
        Stage::Lead,
        Stage::Negotiating,
        Stage::Signed,
        Stage::Registered,
        Stage::Construction,
        Stage::FundsArrived,
        Stage::Production,
        Stage::Dropped,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Stage::Lead => "lead",
            Stage::Negotiating => "negotiating",
            Stage::Signed => "signed",
            Stage::Registered => "registered",
            Stage::Construction => "construction",
            Stage::FundsArrived => "funds_arrived",
            Stage::Production => "production",
            Stage::Dropped => "dropped",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Stage::Lead => "线索",
            Stage::Negotiating => "洽谈",
            Stage::Signed => "签约",
            Stage::Registered => "注册",
            Stage::Construction => "开工建设",
            Stage::FundsArrived => "资金到位",
            Stage::Production => "投产",
            Stage::Dropped => "终止",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Stage::Lead => "Lead",
            Stage::Negotiating => "Negotiating",
            Stage::Signed => "Signed",
            Stage::Registered => "Registered",
            Stage::Construction => "Under construction",
            Stage::FundsArrived => "Funds arrived",
            Stage::Production => "In production",
            Stage::Dropped => "Dropped",
        }
    }

    /// The stage from its key or either of its names, as people write it in a sheet.
    pub fn parse(s: &str) -> Option<Stage> {
        let s = s.trim();
        Stage::ALL
            .into_iter()
            .find(|st| st.key() == s || st.name_zh() == s || st.name_en().eq_ignore_ascii_case(s))
    }

    /// The position among [`Stage::FORWARD`]; `None` for a dropped project.
    pub fn rank(self) -> Option<usize> {
        Stage::FORWARD.iter().position(|s| *s == self)
    }

    /// Whether nothing more can happen to the project.
    pub fn is_final(self) -> bool {
        matches!(self, Stage::Production | Stage::Dropped)
    }

    /// Whether a project at this stage has signed (its amount counts as signed investment).
    pub fn has_signed(self) -> bool {
        self.rank().is_some_and(|r| r >= 2)
    }
}

impl TryFrom<String> for Stage {
    type Error = String;
    fn try_from(s: String) -> Result<Stage, String> {
        Stage::ALL
            .into_iter()
            .find(|st| st.key() == s)
            .ok_or_else(|| format!("unknown project stage {s:?}"))
    }
}

/// Why a step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("the project is {stage} and can no longer change stage", stage = .0.key())]
    Final(Stage),
    #[error("a project at {from} can only move to a later stage, not to {to}", from = .from.key(), to = .to.key())]
    Backwards { from: Stage, to: Stage },
    #[error("a project is dropped with the drop step, which needs a reason")]
    DropIsItsOwnStep,
    #[error("the date {on} is before the project reached its current stage on {since}")]
    BeforeCurrent { on: Date, since: Date },
    #[error("the date {on} is in the future (today is {today})")]
    Future { on: Date, today: Date },
    #[error("a reason is needed to drop a project")]
    NoReason,
    #[error("the amount of funds arrived is needed when the funds arrive")]
    NoArrivedAmount,
}

/// Checks a step to `to` on date `on` for a project at `from` since `since`; returns the stages
/// the step passes through (every stage after `from` up to and including `to`), each then
/// reached on `on`.
pub fn advance(
    from: Stage,
    since: Date,
    to: Stage,
    on: Date,
    today: Date,
) -> Result<Vec<Stage>, StepError> {
    if from.is_final() {
        return Err(StepError::Final(from));
    }
    if to == Stage::Dropped {
        return Err(StepError::DropIsItsOwnStep);
    }
    check_date(since, on, today)?;
    let (Some(a), Some(b)) = (from.rank(), to.rank()) else {
        return Err(StepError::Final(from));
    };
    if b <= a {
        return Err(StepError::Backwards { from, to });
    }
    Ok(Stage::FORWARD[a + 1..=b].to_vec())
}

/// Checks dropping a project at `from` since `since`, on `on`, with `reason`.
pub fn drop_project(
    from: Stage,
    since: Date,
    on: Date,
    today: Date,
    reason: &str,
) -> Result<(), StepError> {
    if from.is_final() {
        return Err(StepError::Final(from));
    }
    if reason.trim().is_empty() {
        return Err(StepError::NoReason);
    }
    check_date(since, on, today)
}

fn check_date(since: Date, on: Date, today: Date) -> Result<(), StepError> {
    if on > today {
        return Err(StepError::Future { on, today });
    }
    if on < since {
        return Err(StepError::BeforeCurrent { on, since });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2025 - 06 - 30);

    #[test]
    fn a_step_may_pass_over_stages_and_counts_them_reached() {
        let passed = advance(
            Stage::Signed,
            date!(2025 - 01 - 10),
            Stage::FundsArrived,
            date!(2025 - 03 - 01),
            TODAY,
        )
        .unwrap();
        assert_eq!(
            passed,
            vec![Stage::Registered, Stage::Construction, Stage::FundsArrived]
        );
    }

    #[test]
    fn steps_go_forward_only_and_never_from_the_end() {
        let d = date!(2025 - 01 - 10);
        assert_eq!(
            advance(Stage::Signed, d, Stage::Signed, d, TODAY),
            Err(StepError::Backwards {
                from: Stage::Signed,
                to: Stage::Signed
            })
        );
        assert!(matches!(
            advance(Stage::Signed, d, Stage::Lead, d, TODAY),
            Err(StepError::Backwards { .. })
        ));
        assert_eq!(
            advance(Stage::Production, d, Stage::Production, d, TODAY),
            Err(StepError::Final(Stage::Production))
        );
        assert_eq!(
            advance(Stage::Dropped, d, Stage::Signed, d, TODAY),
            Err(StepError::Final(Stage::Dropped))
        );
        assert_eq!(
            advance(Stage::Lead, d, Stage::Dropped, d, TODAY),
            Err(StepError::DropIsItsOwnStep)
        );
    }

    #[test]
    fn dates_run_forward_and_not_past_today() {
        let since = date!(2025 - 03 - 01);
        assert!(matches!(
            advance(
                Stage::Lead,
                since,
                Stage::Signed,
                date!(2025 - 02 - 01),
                TODAY
            ),
            Err(StepError::BeforeCurrent { .. })
        ));
        assert!(matches!(
            advance(
                Stage::Lead,
                since,
                Stage::Signed,
                date!(2025 - 07 - 01),
                TODAY
            ),
            Err(StepError::Future { .. })
        ));
        assert!(advance(Stage::Lead, since, Stage::Signed, since, TODAY).is_ok());
    }

    #[test]
    fn dropping_needs_a_reason_and_a_live_project() {
        let d = date!(2025 - 03 - 01);
        assert_eq!(
            drop_project(Stage::Negotiating, d, d, TODAY, "  "),
            Err(StepError::NoReason)
        );
        assert_eq!(
            drop_project(Stage::Production, d, d, TODAY, "closed"),
            Err(StepError::Final(Stage::Production))
        );
        assert!(drop_project(Stage::Construction, d, d, TODAY, "investor withdrew").is_ok());
    }

    #[test]
    fn stages_parse_from_keys_and_names() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.key()), Some(s));
            assert_eq!(Stage::parse(s.name_zh()), Some(s));
            assert_eq!(Stage::parse(&s.name_en().to_uppercase()), Some(s));
            assert_eq!(Stage::try_from(s.key().to_string()), Ok(s));
        }
        assert_eq!(Stage::parse("approved"), None);
        assert!(Stage::Signed.has_signed() && !Stage::Negotiating.has_signed());
        assert!(!Stage::Dropped.has_signed());
    }
}
