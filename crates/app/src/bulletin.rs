//! The monthly bulletin (月度通报): the province's cockpit in sentences, then a section per
//! module with its charts and tables, written as DOCX or typeset as PDF and archived
//! (`kaifang_store::bulletins`) with the figures it was made from.
//!
//! Every number is read from the modules' own use cases — the cockpit, the trade breakdowns,
//! the gateways' loads, the zones' ranking, the task and appeal lists, the alert board — so
//! the bulletin, the pages and the API agree. Trade and investment are of the bulletin's
//! month; tasks, appeals and alerts as they stand on the day it is issued (their history is
//! not replayed), which the bulletin says.

use kaifang_model::Role;
use kaifang_model::access::Actor;
use kaifang_report::{Block, Chart, ChartKind, Document, Series, Table};
use kaifang_store::alerts::AlertFilter;
use kaifang_store::audit::Who;
use kaifang_store::bulletins::{Bulletin, NewBulletin};
use kaifang_store::rules::format_date;
use kaifang_trade::{Dimension, Filter, Flow, Period};
use serde::{Deserialize, Serialize};
use time::Date;

use crate::cockpit::sentences::{Lang as SentenceLang, month_en, sentences};
use crate::cockpit::{Cockpit, Scope, Sources, cockpit_at};
use crate::{AppError, AppResult};

/// What to issue: `month` `YYYY-MM` (default: the latest month with trade data), `lang`
/// `zh` (default) or `en`, `format` `docx` (default) or `pdf`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct BulletinRequest {
    pub month: Option<String>,
    pub lang: Option<String>,
    pub format: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Docx,
    Pdf,
}

/// A checked request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    pub period: Period,
    pub lang: kaifang_report::Lang,
    pub format: Format,
}

impl Params {
    /// Checks the request; `latest` is the latest month with trade data.
    pub fn parse(req: &BulletinRequest, latest: Option<Period>) -> AppResult<Params> {
        let period = match req.month.as_deref().map(str::trim) {
            None | Some("") => latest.ok_or_else(|| {
                AppError::field(
                    "month",
                    "no trade data is imported yet: name the month (YYYY-MM)",
                )
            })?,
            Some(m) => parse_month(m)?,
        };
        let lang = match req.lang.as_deref().unwrap_or("zh") {
            "zh" => kaifang_report::Lang::Zh,
            "en" => kaifang_report::Lang::En,
            other => return Err(AppError::field("lang", format!("\"{other}\": zh or en"))),
        };
        let format = match req.format.as_deref().unwrap_or("docx") {
            "docx" => Format::Docx,
            "pdf" => Format::Pdf,
            other => {
                return Err(AppError::field(
                    "format",
                    format!("\"{other}\": docx or pdf"),
                ));
            }
        };
        Ok(Params {
            period,
            lang,
            format,
        })
    }

    /// The request that parses back to these parameters whatever the latest month is then:
    /// what a job keeps to issue the same bulletin again.
    pub fn request(&self) -> BulletinRequest {
        BulletinRequest {
            month: Some(self.period.to_string()),
            lang: Some(
                match self.lang {
                    kaifang_report::Lang::Zh => "zh",
                    kaifang_report::Lang::En => "en",
                }
                .to_string(),
            ),
            format: Some(self.format.as_str().to_string()),
        }
    }
}

/// A month as `YYYY-MM`; the error names the field `month`.
pub fn parse_month(m: &str) -> AppResult<Period> {
    m.trim()
        .split_once('-')
        .and_then(|(y, mo)| Period::new(y.parse().ok()?, mo.parse().ok()?))
        .ok_or_else(|| AppError::field("month", format!("\"{m}\" is not a month (YYYY-MM)")))
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Pdf => "pdf",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Pdf => "application/pdf",
        }
    }
}

/// The bulletin is the province's: read as a leader reads (everything, writing nothing).
fn reader() -> Actor {
    Actor {
        user_id: 0,
        role: Role::Leader,
        org_id: 0,
        modules: Vec::new(),
    }
}

/// Words in the bulletin's language.
struct Words {
    zh: bool,
}

impl Words {
    fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.zh { zh } else { en }
    }
}

fn yi(v: f64) -> String {
    format!("{:.1}", v / 1e8)
}

fn pct(v: Option<f64>) -> String {
    v.map(|p| format!("{p:+.1}")).unwrap_or_else(|| "—".into())
}

fn table(header: &[&str], numeric: &[bool], rows: Vec<Vec<String>>) -> Table {
    Table {
        header: header.iter().map(|h| h.to_string()).collect(),
        rows,
        numeric: numeric.to_vec(),
    }
}

/// A table for the archive's figures.
#[derive(Serialize)]
struct FigureTable<'a> {
    section: &'a str,
    header: &'a [String],
    rows: &'a [Vec<String>],
}

/// The bulletin's document and whether any of it is synthetic.
pub async fn document(
    src: &Sources<'_>,
    p: &Params,
    today: Date,
) -> AppResult<(Document, Cockpit, bool)> {
    let zh = p.lang == kaifang_report::Lang::Zh;
    let w = Words { zh };
    let actor = reader();
    let c = cockpit_at(src, &actor, &Scope::Province, today, Some(p.period)).await;
    let mut blocks = Vec::new();
    let mut synthetic = false;
    let month_label = if zh {
        format!("{}年{}月", p.period.year, p.period.month)
    } else {
        format!("{} {}", month_en(p.period.month), p.period.year)
    };

    blocks.push(Block::Heading(1, w.t("一、总体情况", "1. Summary").into()));
    let lines = sentences(
        &c,
        if zh {
            SentenceLang::Zh
        } else {
            SentenceLang::En
        },
    );
    blocks.extend(lines.into_iter().map(Block::Paragraph));
    blocks.push(Block::Note(
        w.t(
            "说明：外贸、招商数据为本月数据；督办任务、企业诉求和风险预警为通报生成之日的状态。",
            "Trade and investment figures are of the bulletin's month; tasks, appeals and alerts as they stand on the day it was issued.",
        )
        .into(),
    ));

    // Trade.
    blocks.push(Block::Heading(
        1,
        w.t("二、对外贸易", "2. Foreign trade").into(),
    ));
    {
        let t = src.trade.read().await;
        synthetic |= t.synthetic();
        let trend = kaifang_trade::trend(&t, None).await?;
        let months: Vec<String> = (1..=12)
            .map(|m| {
                if zh {
                    format!("{m}月")
                } else {
                    month_en(m)[..3].to_string()
                }
            })
            .collect();
        let series_of = |year: i32| Series {
            name: year.to_string(),
            values: (1..=12)
                .map(|m| {
                    trend
                        .iter()
                        .find(|x| x.period.year == year && x.period.month == m)
                        .map(|x| x.month.value_cny / 1e8)
                })
                .collect(),
        };
        blocks.push(Block::Chart(Chart {
            title: format!(
                "{}（{}）",
                w.t("月度进出口", "Monthly goods trade"),
                w.t("亿元", "CNY 100 million")
            ),
            kind: ChartKind::Line,
            categories: months,
            series: vec![series_of(p.period.year - 1), series_of(p.period.year)],
            unit: w.t("亿元", "CNY 100m").into(),
        }));
        let mut f = Filter::new(p.period.year, p.period.month)?;
        f.top = Some(10);
        let name = |r: &kaifang_trade::Row| {
            if zh {
                r.name_zh.clone()
            } else {
                r.name_en.clone()
            }
        };
        let rows_of = |rows: &[kaifang_trade::Row]| -> Vec<Vec<String>> {
            rows.iter()
                .map(|r| {
                    vec![
                        name(r),
                        yi(r.value_cny),
                        pct(r.yoy_pct),
                        format!("{:.1}", r.share_pct),
                    ]
                })
                .collect()
        };
        let head = [
            "",
            w.t("累计（亿元）", "Year to date (CNY 100m)"),
            w.t("同比（%）", "YoY (%)"),
            w.t("占比（%）", "Share (%)"),
        ];
        for (dim, title_zh, title_en) in [
            (Dimension::Partner, "主要贸易伙伴", "Main partners"),
            (Dimension::Section, "主要商品类别", "Main product sections"),
            (Dimension::City, "各市（州）", "Cities and prefectures"),
            (Dimension::TradeMode, "贸易方式", "Trade modes"),
        ] {
            let b = kaifang_trade::breakdown(&t, dim, &f).await?;
            let mut h = head;
            h[0] = w.t(title_zh, title_en);
            blocks.push(Block::Heading(2, h[0].to_string()));
            if dim == Dimension::Partner {
                let top: Vec<_> = b.rows.iter().take(10).collect();
                blocks.push(Block::Chart(Chart {
                    title: format!("{}（{}）", h[0], w.t("亿元", "CNY 100m")),
                    kind: ChartKind::HorizontalBars,
                    categories: top.iter().map(|r| name(r)).collect(),
                    series: vec![Series {
                        name: String::new(),
                        values: top.iter().map(|r| Some(r.value_cny / 1e8)).collect(),
                    }],
                    unit: w.t("亿元", "").into(),
                }));
            }
            blocks.push(Block::Table(table(
                &h,
                &[false, true, true, true],
                rows_of(&b.rows),
            )));
        }
        let d = kaifang_trade::enterprise_dynamics(&t, &f, 0).await?;
        blocks.push(Block::Heading(
            2,
            w.t("外贸经营主体", "Trading enterprises").into(),
        ));
        let rows = d
            .by_flow
            .iter()
            .map(|x| {
                vec![
                    match (x.flow, zh) {
                        (Flow::Export, true) => "出口".into(),
                        (Flow::Import, true) => "进口".into(),
                        (Flow::Export, false) => "Exports".into(),
                        (Flow::Import, false) => "Imports".into(),
                    },
                    x.active.to_string(),
                    x.active_prev.to_string(),
                    x.entrants.to_string(),
                    x.exits.to_string(),
                ]
            })
            .collect();
        blocks.push(Block::Table(table(
            &[
                "",
                w.t("有实绩企业", "Active"),
                w.t("上年同期", "A year earlier"),
                w.t("新增", "Entered"),
                w.t("退出", "Left"),
            ],
            &[false, true, true, true, true],
            rows,
        )));
        blocks.push(Block::Note(format!(
            "{}{}",
            w.t("来源：", "Source: "),
            crate::cockpit::trade_source(&t)
        )));
    }

    // Channels.
    blocks.push(Block::Heading(
        1,
        w.t("三、开放通道", "3. Open channels").into(),
    ));
    match src.risk.loads(src.trade).await? {
        Some(loads) => {
            synthetic |= loads.synthetic;
            let top: Vec<_> = loads.gateways.iter().take(10).collect();
            blocks.push(Block::Chart(Chart {
                title: w
                    .t(
                        "各口岸、港口集装箱量（标箱/年）",
                        "Containers by gateway (TEU a year)",
                    )
                    .into(),
                kind: ChartKind::HorizontalBars,
                categories: top
                    .iter()
                    .map(|g| {
                        if zh {
                            g.name_zh.clone()
                        } else {
                            g.name.clone()
                        }
                    })
                    .collect(),
                series: vec![Series {
                    name: String::new(),
                    values: top.iter().map(|g| Some(g.teu)).collect(),
                }],
                unit: "TEU".into(),
            }));
            let rows = loads
                .gateways
                .iter()
                .map(|g| {
                    vec![
                        if zh {
                            g.name_zh.clone()
                        } else {
                            g.name.clone()
                        },
                        format!("{:.0}", g.teu),
                        format!("{:.1}", g.share_pct),
                        g.utilisation_pct
                            .map(|u| format!("{u:.0}"))
                            .unwrap_or_else(|| "—".into()),
                        format!("{:.1}", g.closed_stranded_pct),
                        format!("{:.1}", g.closed_cost_rise_pct),
                    ]
                })
                .collect();
            blocks.push(Block::Table(table(
                &[
                    w.t("口岸/港口", "Gateway"),
                    "TEU",
                    w.t("占比（%）", "Share (%)"),
                    w.t("利用率（%）", "Utilisation (%)"),
                    w.t("关闭时滞留（%）", "Stranded if closed (%)"),
                    w.t("关闭时成本上升（%）", "Cost rise if closed (%)"),
                ],
                &[false, true, true, true, true, true],
                rows,
            )));
            if let Some(link) = c.channels.as_ref().and_then(|ch| ch.critical_link.as_ref()) {
                blocks.push(Block::Paragraph(if zh {
                    format!(
                        "最近一次关键性分析（{}）中，关闭后影响最大的线路是{}：{:.0}标箱/年无法运达。",
                        link.finished_at.as_deref().and_then(|t| t.get(..10)).unwrap_or(""),
                        link.name,
                        link.unserved
                    )
                } else {
                    format!(
                        "In the latest criticality study ({}), closing {} hurts most: {:.0} TEU a year left without a route.",
                        link.finished_at.as_deref().and_then(|t| t.get(..10)).unwrap_or(""),
                        link.name,
                        link.unserved
                    )
                }));
            }
            if let Some(ch) = &c.channels {
                blocks.push(Block::Note(ch.source.clone()));
                for m in &ch.missing {
                    blocks.push(Block::Note(m.clone()));
                }
            }
        }
        None => blocks.push(Block::Paragraph(
            w.t(
                "尚无贸易数据，无法测算通道运量。",
                "No trade data yet: the channels' loads cannot be modelled.",
            )
            .into(),
        )),
    }

    // Zones.
    blocks.push(Block::Heading(
        1,
        w.t("四、开发区综合评价", "4. Development zones").into(),
    ));
    let assessment = src
        .zones
        .assess(src.store, &crate::assess::AssessRequest::default(), None)
        .await?;
    let r = &assessment.report;
    synthetic |= r.synthetic;
    let rows = r
        .units
        .iter()
        .filter(|u| u.rank.is_some())
        .map(|u| {
            vec![
                u.rank.map(|x| x.to_string()).unwrap_or_default(),
                if zh {
                    u.name.clone()
                } else {
                    u.name_en.clone()
                },
                u.rank_interval
                    .as_ref()
                    .map(|b| format!("{:.0}–{:.0}", b.p05, b.p95))
                    .unwrap_or_else(|| "—".into()),
                u.movement
                    .map(|m| format!("{m:+}"))
                    .unwrap_or_else(|| "—".into()),
            ]
        })
        .collect();
    blocks.push(Block::Table(table(
        &[
            w.t("排名", "Rank"),
            w.t("开发区", "Zone"),
            w.t("排名区间（5%–95%）", "Rank interval (5–95 %)"),
            w.t("较上年", "Since last year"),
        ],
        &[true, false, true, true],
        rows,
    )));
    blocks.push(Block::Note(format!(
        "{}{}{}",
        w.t("来源：", "Source: "),
        r.source,
        r.year.map(|y| format!(" ({y})")).unwrap_or_default()
    )));

    // Directives.
    blocks.push(Block::Heading(
        1,
        w.t("五、督办任务", "5. Supervised tasks").into(),
    ));
    let summary = src.store.task_summary(None, src.rules, today).await?;
    let rows = summary
        .by_org
        .iter()
        .map(|o| {
            vec![
                if zh {
                    o.org.name_zh.clone()
                } else {
                    o.org.name_en.clone()
                },
                o.total.to_string(),
                o.green.to_string(),
                o.yellow.to_string(),
                o.overdue.to_string(),
                o.closed.to_string(),
            ]
        })
        .collect();
    blocks.push(Block::Table(table(
        &[
            w.t("牵头单位", "Lead"),
            w.t("任务", "Tasks"),
            w.t("按期", "On track"),
            w.t("临期", "Due soon"),
            w.t("逾期", "Overdue"),
            w.t("办结", "Closed"),
        ],
        &[false, true, true, true, true, true],
        rows,
    )));
    let overdue = crate::cockpit::overdue_tasks(src, None, today).await?;
    if !overdue.is_empty() {
        blocks.push(Block::Heading(2, w.t("逾期任务", "Overdue tasks").into()));
        let rows = overdue
            .iter()
            .map(|t| {
                vec![
                    t.title.clone(),
                    if zh {
                        t.lead.name_zh.clone()
                    } else {
                        t.lead.name_en.clone()
                    },
                    t.deadline.clone(),
                    t.overdue_working_days.to_string(),
                ]
            })
            .collect();
        blocks.push(Block::Table(table(
            &[
                w.t("任务", "Task"),
                w.t("牵头单位", "Lead"),
                w.t("期限", "Deadline"),
                w.t("逾期工作日", "Working days late"),
            ],
            &[false, false, false, true],
            rows,
        )));
    }

    blocks.push(Block::Note(format!(
        "{}{}",
        w.t("来源：", "Source: "),
        w.t(
            "开放平台督查督办记录，状态截至签发当日",
            "the supervision records kept in Kaifang, as they stand on the day of issue"
        )
    )));

    // Appeals.
    blocks.push(Block::Heading(
        1,
        w.t("六、企业诉求", "6. Enterprise appeals").into(),
    ));
    let stats = src.store.appeal_stats(None, src.rules, today).await?;
    let rows = stats
        .by_department
        .iter()
        .map(|s| {
            vec![
                if zh {
                    s.name_zh.clone()
                } else {
                    s.name_en.clone()
                },
                s.total.to_string(),
                s.open.to_string(),
                s.escalated.to_string(),
                s.answered.to_string(),
                s.mean_satisfaction
                    .map(|x| format!("{x:.1}"))
                    .unwrap_or_else(|| "—".into()),
            ]
        })
        .collect();
    blocks.push(Block::Table(table(
        &[
            w.t("承办单位", "Department"),
            w.t("诉求", "Appeals"),
            w.t("办理中", "Open"),
            w.t("超时限", "Past limit"),
            w.t("已答复", "Answered"),
            w.t("满意度", "Satisfaction"),
        ],
        &[false, true, true, true, true, true],
        rows,
    )));

    blocks.push(Block::Note(format!(
        "{}{}",
        w.t("来源：", "Source: "),
        w.t(
            "开放平台受理的企业诉求，时限按工作日计算",
            "the enterprise appeals kept in Kaifang; time limits in working days"
        )
    )));

    // Risk.
    blocks.push(Block::Heading(
        1,
        w.t("七、风险预警", "7. Risk alerts").into(),
    ));
    let alerts = src
        .store
        .alerts(&AlertFilter {
            open: true,
            min_level: None,
            owner_org_id: None,
        })
        .await?;
    synthetic |= alerts.iter().any(|a| a.synthetic);
    if alerts.is_empty() {
        blocks.push(Block::Paragraph(
            w.t("当前无未关闭的预警。", "No alert is open.").into(),
        ));
    } else {
        let rows = alerts
            .iter()
            .map(|a| {
                vec![
                    level_name(a.level.as_str(), zh),
                    if zh {
                        a.subject_zh.clone()
                    } else {
                        a.subject_en.clone()
                    },
                    a.indicator.clone(),
                    a.raised_at.get(..10).unwrap_or_default().to_string(),
                ]
            })
            .collect();
        blocks.push(Block::Table(table(
            &[
                w.t("级别", "Level"),
                w.t("对象", "Subject"),
                w.t("指标", "Indicator"),
                w.t("发出", "Raised"),
            ],
            &[false, false, false, false],
            rows,
        )));
    }

    blocks.push(Block::Note(format!(
        "{}{}",
        w.t("来源：", "Source: "),
        w.t(
            "开放平台风险监测预警（指标及阈值见风险预警页）",
            "the risk watch's alerts (indicators and thresholds on the risk page)"
        )
    )));

    // Investment.
    if let Some(i) = &c.invest {
        synthetic |= i.synthetic;
        blocks.push(Block::Heading(
            1,
            w.t("八、招商引资", "8. Investment").into(),
        ));
        let rows = i
            .at_stage
            .iter()
            .map(|s| {
                vec![
                    if zh {
                        s.stage.name_zh()
                    } else {
                        s.stage.name_en()
                    }
                    .to_string(),
                    s.projects.to_string(),
                ]
            })
            .collect();
        blocks.push(Block::Table(table(
            &[w.t("阶段", "Stage"), w.t("项目", "Projects")],
            &[false, true],
            rows,
        )));
    }
    synthetic |= c.directives.as_ref().is_some_and(|d| d.synthetic)
        || c.appeals.as_ref().is_some_and(|a| a.synthetic);

    let doc = Document {
        title: w
            .t(
                "吉林省对外开放月度通报",
                "Jilin Opening-up Monthly Bulletin",
            )
            .into(),
        subtitle: format!(
            "{month_label} · {} {}",
            w.t("生成于", "issued"),
            format_date(today)
        ),
        date: (today.year(), u8::from(today.month()), today.day()),
        lang: p.lang,
        header_note: synthetic.then(|| {
            w.t(
                "本通报含合成演示数据，不是官方统计",
                "Contains synthetic demo data: not official statistics",
            )
            .into()
        }),
        blocks,
    };
    Ok((doc, c, synthetic))
}

fn level_name(level: &str, zh: bool) -> String {
    let name = match (level, zh) {
        ("red", true) => "红色",
        ("orange", true) => "橙色",
        ("yellow", true) => "黄色",
        ("blue", true) => "蓝色",
        (other, _) => other,
    };
    name.to_string()
}

/// Makes the bulletin, writes it in its format off the async workers, and archives it with
/// the figures it was made from. `progress` hears the share done, 0 to 100.
pub async fn issue(
    src: &Sources<'_>,
    who: &Who,
    p: &Params,
    today: Date,
    progress: &(dyn Fn(u8) + Send + Sync),
) -> AppResult<Bulletin> {
    issue_as(src, who, p, today, progress, false).await
}

/// Issues the bulletins the schedule owes on `today`: on or after the configured `day` of
/// the month, last month's in Chinese as DOCX and PDF, each once (the archive says whether it
/// was), when the trade records reach that month; the leaders are told. Returns what it
/// issued.
pub async fn scheduled(src: &Sources<'_>, day: u8, today: Date) -> AppResult<Vec<Bulletin>> {
    if day == 0 || today.day() < day {
        return Ok(Vec::new());
    }
    let (y, m) = (today.year(), u32::from(u8::from(today.month())));
    let month = if m == 1 {
        Period::new(y - 1, 12)
    } else {
        Period::new(y, m - 1)
    };
    let Some(month) = month else {
        return Ok(Vec::new());
    };
    let latest = src.trade.read().await.latest_period();
    if latest.is_none_or(|l| l < month) {
        return Ok(Vec::new());
    }
    let who = Who::cli("monthly bulletin schedule");
    let mut issued = Vec::new();
    for format in [Format::Docx, Format::Pdf] {
        if src
            .store
            .has_bulletin(&month.to_string(), "zh", format.as_str())
            .await?
        {
            continue;
        }
        let p = Params {
            period: month,
            lang: kaifang_report::Lang::Zh,
            format,
        };
        issued.push(issue_as(src, &who, &p, today, &|_| {}, true).await?);
    }
    Ok(issued)
}

async fn issue_as(
    src: &Sources<'_>,
    who: &Who,
    p: &Params,
    today: Date,
    progress: &(dyn Fn(u8) + Send + Sync),
    notify_leaders: bool,
) -> AppResult<Bulletin> {
    progress(5);
    let (doc, cockpit, synthetic) = document(src, p, today).await?;
    progress(50);
    let tables: Vec<FigureTable> = doc
        .blocks
        .iter()
        .scan("", |section, b| {
            Some(match b {
                Block::Heading(1, h) => {
                    *section = h.as_str();
                    None
                }
                Block::Table(t) => Some(FigureTable {
                    section,
                    header: &t.header,
                    rows: &t.rows,
                }),
                _ => None,
            })
        })
        .flatten()
        .collect();
    let figures = serde_json::json!({ "cockpit": cockpit, "tables": tables });
    let format = p.format;
    let (bytes, pages) = tokio::task::spawn_blocking(move || match format {
        Format::Docx => kaifang_report::docx::docx(&doc).map(|b| (b, None)),
        Format::Pdf => kaifang_report::pdf::pdf(&doc).map(|p| (p.bytes, Some(p.pages as i64))),
    })
    .await?
    .map_err(|e| AppError::Internal(e.to_string()))?;
    progress(90);
    let month = p.period.to_string();
    let b = src
        .store
        .archive_bulletin(
            who,
            &NewBulletin {
                month: &month,
                lang: match p.lang {
                    kaifang_report::Lang::Zh => "zh",
                    kaifang_report::Lang::En => "en",
                },
                format: format.as_str(),
                bytes: &bytes,
                pages,
                synthetic,
                figures,
                notify_leaders,
            },
        )
        .await?;
    progress(100);
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_kept_by_a_job_parses_back_to_its_parameters_whatever_the_latest_month() {
        for (lang, format) in [("zh", "docx"), ("en", "pdf")] {
            let asked = BulletinRequest {
                month: None,
                lang: Some(lang.into()),
                format: Some(format.into()),
            };
            let p = Params::parse(&asked, Period::new(2025, 11)).unwrap();
            let again = Params::parse(&p.request(), Period::new(2026, 3)).unwrap();
            assert_eq!(p, again);
        }
    }
}
