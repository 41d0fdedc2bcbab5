//! The demo's supervision work and appeals: the meeting's directives (facts, quoted from the
//! meeting report) turned into tasks with synthetic progress, and synthetic appeals and a
//! roundtable. Dates are placed relative to the day the demo is loaded, so the board always
//! shows work on track, due soon, overdue and closed.

use serde::Deserialize;
use std::collections::HashMap;
use time::{Date, Duration};

use crate::appeals::{AppealAction, NewAppeal, NewRoundtable};
use crate::audit::Who;
use crate::rules::Rules;
use crate::tasks::{NewDirective, NewMeeting, NewTask, TaskAction};
use crate::{Result, Store, StoreError};

const MEETINGS_FILE: &str = "data/directives/open-development-meeting.toml";
const MEETINGS: &str = include_str!("../../../data/directives/open-development-meeting.toml");
const APPEALS_FILE: &str = "data/directives/demo-appeals.toml";
const APPEALS: &str = include_str!("../../../data/directives/demo-appeals.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MeetingsFile {
    meeting: Vec<MeetingDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MeetingDef {
    title: String,
    held_on: String,
    chair: String,
    source: String,
    directive: Vec<DirectiveDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectiveDef {
    code: String,
    title: String,
    quote: String,
    #[serde(default)]
    task: Vec<TaskDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskDef {
    title: String,
    lead: String,
    #[serde(default)]
    co: Vec<String>,
    #[serde(default)]
    lead_note: Option<String>,
    issued_days_ago: i64,
    deadline_working_days: u32,
    #[serde(default)]
    steps: Vec<String>,
    #[serde(default)]
    milestones: Vec<(String, u32)>,
    /// Close after the deadline (the demo needs a late closure to show).
    #[serde(default)]
    late: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppealsFile {
    appeal: Vec<AppealDef>,
    roundtable: Vec<RoundtableDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppealDef {
    enterprise: String,
    category: String,
    title: String,
    description: String,
    filed_days_ago: u32,
    #[serde(default)]
    assign: Option<String>,
    steps: Vec<String>,
    #[serde(default)]
    answer: Option<String>,
    #[serde(default)]
    score: Option<u8>,
    #[serde(default)]
    reject_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoundtableDef {
    title: String,
    held_days_ago: i64,
    minutes: String,
    items: Vec<(String, String)>,
}

fn bad(file: &str, field: &str, message: String) -> StoreError {
    StoreError::Data {
        file: file.to_string(),
        row: 0,
        field: field.to_string(),
        message,
    }
}

/// `n` working days before `d`.
fn working_days_before(rules: &Rules, d: Date, n: u32) -> Date {
    let mut day = d;
    let mut left = n;
    while left > 0 {
        day -= Duration::days(1);
        if rules.calendar.is_working_day(day) {
            left -= 1;
        }
    }
    day
}

fn task_action(step: &str, t: &TaskDef, deadline: Date, rules: &Rules) -> Option<TaskAction> {
    Some(match step {
        "sign_for" => TaskAction::SignFor,
        "progress" => TaskAction::Progress {
            body: format!("（演示）{}：已完成前期调研，正在形成初步方案。", t.title),
        },
        "submit" => TaskAction::Submit {
            body: "（演示）任务已完成，报请办结，附工作总结。".into(),
        },
        "close" => TaskAction::Close {
            body: "（演示）经审核，同意办结。".into(),
        },
        "return" => TaskAction::Return {
            reason: "（演示）方案缺少分年度目标和责任分工，请补充后重新报送。".into(),
        },
        "request_extension" => TaskAction::RequestExtension {
            until: rules.calendar.add_working_days(deadline, 20).date,
            reason: "（演示）需等待相关省区反馈合作意向，申请延期 20 个工作日。".into(),
        },
        _ => return None,
    })
}

impl Store {
    /// Loads the demo's meetings, tasks, appeals and roundtable as of `today`.
    pub async fn seed_work_demo(&self, rules: &Rules, today: Date) -> Result<()> {
        let meetings: MeetingsFile = toml::from_str(MEETINGS)
            .map_err(|e| bad(MEETINGS_FILE, "toml", e.message().to_string()))?;
        let appeals: AppealsFile = toml::from_str(APPEALS)
            .map_err(|e| bad(APPEALS_FILE, "toml", e.message().to_string()))?;
        let orgs: HashMap<String, i64> = self
            .orgs(None)
            .await?
            .into_iter()
            .map(|o| (o.code, o.id))
            .collect();
        let org = |file: &str, code: &str| {
            orgs.get(code)
                .copied()
                .ok_or_else(|| bad(file, "org", format!("unknown organisation {code:?}")))
        };
        let supervisor = Who {
            user_id: None,
            actor: "demo:jl-gov".into(),
            request_id: None,
        };
        for m in &meetings.meeting {
            let held_on = crate::rules::parse_date("held_on", &m.held_on)?;
            let directives: Vec<NewDirective> = m
                .directive
                .iter()
                .map(|d| NewDirective {
                    code: d.code.clone(),
                    title: d.title.clone(),
                    quote: d.quote.clone(),
                })
                .collect();
            let new = NewMeeting {
                title: m.title.clone(),
                held_on,
                chair: m.chair.clone(),
                source: m.source.clone(),
            };
            let meeting = self.create_meeting(&supervisor, &new, &directives).await?;
            for (d, stored) in m.directive.iter().zip(&meeting.directives) {
                for t in &d.task {
                    self.seed_task(rules, today, stored.id, t, &supervisor, &org)
                        .await?;
                }
            }
        }
        let mut appeal_ids: HashMap<String, i64> = HashMap::new();
        for a in &appeals.appeal {
            let id = self.seed_appeal(rules, today, a, &org).await?;
            appeal_ids.insert(a.title.clone(), id);
        }
        let intake = Who {
            user_id: None,
            actor: "demo:jl-doc".into(),
            request_id: None,
        };
        for r in &appeals.roundtable {
            let items = r
                .items
                .iter()
                .map(|(title, appeal)| {
                    let link = if appeal.is_empty() {
                        None
                    } else {
                        Some(appeal_ids.get(appeal).copied().ok_or_else(|| {
                            bad(APPEALS_FILE, "items", format!("no demo appeal {appeal:?}"))
                        })?)
                    };
                    Ok((title.clone(), link))
                })
                .collect::<Result<Vec<_>>>()?;
            let new = NewRoundtable {
                title: r.title.clone(),
                held_on: today - Duration::days(r.held_days_ago),
                minutes: r.minutes.clone(),
                items,
            };
            self.create_roundtable(&intake, &new).await?;
        }
        Ok(())
    }

    async fn seed_task(
        &self,
        rules: &Rules,
        today: Date,
        directive_id: i64,
        t: &TaskDef,
        supervisor: &Who,
        org: &impl Fn(&str, &str) -> Result<i64>,
    ) -> Result<()> {
        // Counted back from the last working day, so that a task the demo shows overdue is
        // overdue by working days even when the demo is loaded on a weekend or holiday.
        let anchor = if rules.calendar.is_working_day(today) {
            today
        } else {
            working_days_before(rules, today, 1)
        };
        let issued_on = anchor - Duration::days(t.issued_days_ago);
        let deadline = rules
            .calendar
            .add_working_days(issued_on, t.deadline_working_days)
            .date;
        let mut description = "（演示任务）".to_string();
        if let Some(note) = &t.lead_note {
            description.push_str(note);
        }
        let milestones = t
            .milestones
            .iter()
            .map(|(title, wd)| {
                (
                    title.clone(),
                    rules
                        .calendar
                        .add_working_days(issued_on, *wd)
                        .date
                        .min(deadline),
                )
            })
            .collect();
        let new = NewTask {
            directive_id,
            title: t.title.clone(),
            description,
            lead_org_id: org(MEETINGS_FILE, &t.lead)?,
            co_org_ids: t
                .co
                .iter()
                .map(|c| org(MEETINGS_FILE, c))
                .collect::<Result<_>>()?,
            issued_on,
            deadline,
            milestones,
        };
        let mut task = self.create_task(supervisor, &new, rules).await?;
        let lead = Who {
            user_id: None,
            actor: format!("demo:{}", t.lead),
            request_id: None,
        };
        // Steps are spread over the time elapsed, ending before the deadline unless the demo
        // wants a late closure.
        let to_deadline = (deadline - issued_on).whole_days();
        let span = if t.late {
            t.issued_days_ago
        } else {
            t.issued_days_ago.min(to_deadline - 1).max(1)
        };
        let n = t.steps.len() as i64;
        for (i, step) in t.steps.iter().enumerate() {
            let action = task_action(step, t, deadline, rules)
                .ok_or_else(|| bad(MEETINGS_FILE, "steps", format!("unknown step {step:?}")))?;
            let on = issued_on + Duration::days(span * (i as i64 + 1) / (n + 1));
            let who = match action.party() {
                Some(kaifang_work::task::Party::Supervisor) => supervisor,
                _ => &lead,
            };
            task = self
                .act_on_task(
                    who,
                    task.item.id,
                    task.item.version,
                    &action,
                    &[],
                    rules,
                    on,
                )
                .await?;
        }
        Ok(())
    }

    async fn seed_appeal(
        &self,
        rules: &Rules,
        today: Date,
        a: &AppealDef,
        org: &impl Fn(&str, &str) -> Result<i64>,
    ) -> Result<i64> {
        let filed_on = working_days_before(rules, today, a.filed_days_ago);
        let enterprise = Who {
            user_id: None,
            actor: format!("demo:{}", a.enterprise),
            request_id: None,
        };
        let new = NewAppeal {
            enterprise_org_id: org(APPEALS_FILE, &a.enterprise)?,
            category: a.category.clone(),
            title: a.title.clone(),
            description: format!("（演示）{}", a.description),
            filed_on,
        };
        let mut appeal = self.file_appeal(&enterprise, &new, &[], rules).await?;
        let n = a.steps.len() as u32;
        for (i, step) in a.steps.iter().enumerate() {
            let on = rules
                .calendar
                .add_working_days(filed_on, a.filed_days_ago * (i as u32 + 1) / (n + 1))
                .date;
            let (who, action) = match step.as_str() {
                "accept" => (
                    "demo:jl-doc".to_string(),
                    AppealAction::Accept {
                        assign_to: a
                            .assign
                            .as_deref()
                            .map(|c| org(APPEALS_FILE, c))
                            .transpose()?,
                        body: "（演示）已受理。".into(),
                    },
                ),
                "reject" => (
                    "demo:jl-doc".to_string(),
                    AppealAction::Reject {
                        reason: a.reject_reason.clone().unwrap_or_default(),
                    },
                ),
                "answer" => (
                    format!("demo:{}", a.assign.as_deref().unwrap_or("jl-doc")),
                    AppealAction::Answer {
                        body: format!("（演示）{}", a.answer.clone().unwrap_or_default()),
                    },
                ),
                "rate" => (
                    format!("demo:{}", a.enterprise),
                    AppealAction::Rate {
                        score: a.score.unwrap_or(3),
                        body: String::new(),
                    },
                ),
                other => {
                    return Err(bad(
                        APPEALS_FILE,
                        "steps",
                        format!("unknown step {other:?}"),
                    ));
                }
            };
            let who = Who {
                user_id: None,
                actor: who,
                request_id: None,
            };
            appeal = self
                .act_on_appeal(
                    &who,
                    appeal.item.id,
                    appeal.item.version,
                    &action,
                    &[],
                    rules,
                    on,
                )
                .await?;
        }
        Ok(appeal.item.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The meeting report's English translation as shipped beside the meetings file, without
    /// its header lines (`#`), whitespace normalised.
    const MEETING_TEXT: &str =
        include_str!("../../../data/directives/open-development-meeting.txt");

    fn normalised(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn meetings() -> MeetingsFile {
        toml::from_str(MEETINGS).unwrap_or_else(|e| panic!("{MEETINGS_FILE}: {}", e.message()))
    }

    #[test]
    fn every_directive_quote_is_in_the_meeting_report() {
        let body: String = MEETING_TEXT
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        let text = normalised(&body);
        assert!(text.len() > 5000, "the report's text is shipped whole");
        let mut checked = 0;
        for m in &meetings().meeting {
            for d in &m.directive {
                assert!(
                    text.contains(&normalised(&d.quote)),
                    "{MEETINGS_FILE}: meeting {:?}, directive {}: quote not found in the report: {:?}",
                    m.title,
                    d.code,
                    d.quote
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 10);
    }

    /// The report gives the day without the year; the chairs' terms of office fix it. A
    /// meeting dated before its chair held the office named (as the year 2020 once was) fails.
    #[test]
    fn each_meeting_falls_within_its_chairs_term() {
        // Start of each office as the chair is titled in the file: Huang Qiang, Party
        // Secretary of Jilin from 28 June 2024; Hu Yuting, (acting) Governor from 2 April 2023.
        let terms = [
            ("黄强（省委书记）", time::macros::date!(2024 - 06 - 28)),
            ("胡玉亭（省长）", time::macros::date!(2023 - 04 - 02)),
        ];
        for m in &meetings().meeting {
            let held_on = crate::rules::parse_date("held_on", &m.held_on)
                .unwrap_or_else(|e| panic!("{MEETINGS_FILE}: {e}"));
            let (_, from) = terms
                .iter()
                .find(|(chair, _)| *chair == m.chair)
                .unwrap_or_else(|| panic!("{MEETINGS_FILE}: no term known for {:?}", m.chair));
            assert!(held_on >= *from, "{}: {held_on} before {from}", m.title);
            // A plan the meeting prepares for starts after the meeting: 十五五 is 2026–2030.
            for t in m.directive.iter().flat_map(|d| &d.task) {
                for (plan, first_year) in [("十三五", 2016), ("十四五", 2021), ("十五五", 2026)]
                {
                    if t.title.contains(plan) {
                        assert!(
                            first_year > held_on.year(),
                            "{}: {plan} began in {first_year}, before a meeting of {held_on}",
                            t.title
                        );
                    }
                }
            }
        }
    }
}
