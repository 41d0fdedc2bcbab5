//! The cockpit's figures in sentences, as a monthly report (月度通报) states them:
//! "1–11月，全省货物贸易进出口总值1730.0亿元，同比增长2.1%……". Generated from the numbers,
//! never typed by hand, so the words and the cards cannot disagree.

use super::{Cockpit, Figure};

/// The language of the sentences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

/// 亿元 (hundred million yuan) with one decimal.
fn yi(yuan: f64) -> String {
    format!("{:.1}", yuan / 1e8)
}

/// Growth as Chinese statistics phrase it: 增长 / 下降 with one decimal.
fn change_zh(pct: Option<f64>) -> String {
    match pct {
        Some(p) if p >= 0.0 => format!("同比增长{p:.1}%"),
        Some(p) => format!("同比下降{:.1}%", -p),
        None => "上年同期无可比数据".into(),
    }
}

fn change_en(pct: Option<f64>) -> String {
    match pct {
        Some(p) if p >= 0.0 => format!("up {p:.1}% year on year"),
        Some(p) => format!("down {:.1}% year on year", -p),
        None => "with no comparable figure a year earlier".into(),
    }
}

/// "1–11月" / "January–November"; a single month alone.
fn months_zh(month: u32) -> String {
    if month == 1 {
        "1月".into()
    } else {
        format!("1–{month}月")
    }
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The month's English name.
pub(crate) fn month_en(month: u32) -> &'static str {
    MONTHS_EN[(month.clamp(1, 12) - 1) as usize]
}

fn months_en(month: u32) -> String {
    if month == 1 {
        "In January".into()
    } else {
        format!("From January to {}", month_en(month))
    }
}

fn list_zh(names: &[String]) -> String {
    names.join("、")
}

fn list_en(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The sentences of `c`, one per card present, in the order of the cockpit.
pub fn sentences(c: &Cockpit, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    let zh = lang == Lang::Zh;
    if let Some(t) = &c.trade {
        let month: u32 = t.period.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
        let year = t.period.get(0..4).unwrap_or_default();
        let (f, x, m, now): (Figure, Figure, Figure, Figure) =
            (t.ytd, t.exports_ytd, t.imports_ytd, t.month);
        let own = t.enterprise.is_some();
        let area_zh = match &t.city {
            None if own => c.scope.name_zh.clone(),
            None => "全省".to_string(),
            Some(code) if c.scope.code.as_deref() == Some(code) => c.scope.name_zh.clone(),
            Some(code) => format!("所在州（市，{code}）"),
        };
        let area_en = match &t.city {
            None if own => c.scope.name_en.clone(),
            None => "the province".to_string(),
            Some(code) if c.scope.code.as_deref() == Some(code) => c.scope.name_en.clone(),
            Some(code) => format!("the prefecture ({code})"),
        };
        if zh {
            out.push(format!(
                "{year}年{}，{area_zh}货物贸易进出口总值{}亿元，{}。其中，出口{}亿元，{}；进口{}亿元，{}。{month}月当月进出口{}亿元，{}。",
                months_zh(month),
                yi(f.value),
                change_zh(f.yoy_pct),
                yi(x.value),
                change_zh(x.yoy_pct).trim_start_matches("同比"),
                yi(m.value),
                change_zh(m.yoy_pct).trim_start_matches("同比"),
                yi(now.value),
                change_zh(now.yoy_pct),
            ));
        } else {
            out.push(format!(
                "{} {year}, the goods trade of {area_en} totalled CNY {} hundred million, {}: exports CNY {} hundred million, {}; imports CNY {} hundred million, {}. In {} alone it was CNY {} hundred million, {}.",
                months_en(month),
                yi(f.value),
                change_en(f.yoy_pct),
                yi(x.value),
                change_en(x.yoy_pct),
                yi(m.value),
                change_en(m.yoy_pct),
                month_en(month),
                yi(now.value),
                change_en(now.yoy_pct),
            ));
        }
        let top: Vec<_> = t.partners.iter().take(3).collect();
        if !top.is_empty() {
            let values: Vec<String> = top.iter().map(|p| yi(p.ytd)).collect();
            if zh {
                let names: Vec<String> = top.iter().map(|p| p.name_zh.clone()).collect();
                out.push(format!(
                    "前{}大贸易伙伴为{}，分别进出口{}亿元。",
                    top.len(),
                    list_zh(&names),
                    values.join("、")
                ));
            } else {
                let names: Vec<String> = top.iter().map(|p| p.name_en.clone()).collect();
                out.push(format!(
                    "The largest partners were {}, with CNY {} hundred million respectively.",
                    list_en(&names),
                    list_en(&values)
                ));
            }
        }
    }
    if let Some(i) = &c.invest {
        // 万元 to 亿元.
        let yi_wan = |wan: f64| format!("{:.1}", wan / 1e4);
        if zh {
            out.push(format!(
                "{}年{}，招商引资签约项目{}个，签约额{}亿元，{}；到位资金{}亿元，{}。",
                i.year,
                months_zh(u32::from(i.month)),
                i.signed_projects,
                yi_wan(i.signed),
                change_zh(i.signed_yoy),
                yi_wan(i.arrived),
                change_zh(i.arrived_yoy),
            ));
        } else {
            out.push(format!(
                "{} {}, {} investment projects were signed for CNY {} hundred million, {}; funds of CNY {} hundred million arrived, {}.",
                months_en(u32::from(i.month)),
                i.year,
                i.signed_projects,
                yi_wan(i.signed),
                change_en(i.signed_yoy),
                yi_wan(i.arrived),
                change_en(i.arrived_yoy),
            ));
        }
    }
    if let Some(z) = &c.zones {
        let names: Vec<String> = z
            .top
            .iter()
            .map(|u| {
                if zh {
                    u.name_zh.clone()
                } else {
                    u.name_en.clone()
                }
            })
            .collect();
        let year = z.year.map(|y| y.to_string()).unwrap_or_default();
        let riser = z.movers.iter().find(|m| m.movement.is_some_and(|d| d > 0));
        if zh {
            let mut s = format!(
                "{year}年度开发区综合评价，排名前{}位的是{}",
                names.len(),
                list_zh(&names)
            );
            if let Some(r) = riser {
                s += &format!(
                    "；较上年上升最多的是{}（上升{}位）",
                    r.name_zh,
                    r.movement.unwrap_or(0)
                );
            }
            s += "。";
            out.push(s);
        } else {
            let mut s = format!(
                "In the {year} assessment of development zones, the top {} were {}",
                names.len(),
                list_en(&names)
            );
            if let Some(r) = riser {
                s += &format!(
                    "; {} rose most ({} places)",
                    r.name_en,
                    r.movement.unwrap_or(0)
                );
            }
            s += ".";
            out.push(s);
        }
    }
    if let Some(d) = &c.directives {
        let t = &d.total;
        out.push(if zh {
            format!(
                "督办任务共{}项，按期推进{}项，临近期限{}项，逾期{}项，已办结{}项（其中逾期办结{}项）。",
                t.total, t.green, t.yellow, t.overdue, t.closed, t.closed_late
            )
        } else {
            format!(
                "Of {} supervised tasks, {} are on track, {} due soon, {} overdue and {} closed ({} of them late).",
                t.total, t.green, t.yellow, t.overdue, t.closed, t.closed_late
            )
        });
    }
    if let Some(a) = &c.appeals {
        let score = a.mean_satisfaction.map(|s| format!("{s:.1}"));
        out.push(if zh {
            let mut s = format!(
                "企业诉求共{}件，办理中{}件，其中超过时限{}件；已答复{}件",
                a.total, a.open, a.past_limit, a.answered
            );
            if let Some(score) = &score {
                s += &format!("，平均满意度{score}分（{}件评价）", a.rated);
            }
            s + "。"
        } else {
            let mut s = format!(
                "Enterprises filed {} appeals: {} open, {} of them past the time limit; {} answered",
                a.total, a.open, a.past_limit, a.answered
            );
            if let Some(score) = &score {
                let ratings = if a.rated == 1 { "rating" } else { "ratings" };
                s += &format!(", rated {score} of 5 on average ({} {ratings})", a.rated);
            }
            s + "."
        });
    }
    if let Some(r) = &c.risk {
        out.push(if zh {
            format!(
                "当前未关闭的风险预警：红色{}项、橙色{}项、黄色{}项。",
                r.red, r.orange, r.yellow
            )
        } else {
            format!(
                "Open risk alerts: {} red, {} orange, {} yellow.",
                r.red, r.orange, r.yellow
            )
        });
    }
    if let Some(ch) = &c.channels {
        let wan = |teu: f64| format!("{:.1}", teu / 1e4);
        let busiest = ch.busiest.as_ref().and_then(|b| {
            b.utilisation_pct
                .map(|u| (if zh { &b.name_zh } else { &b.name_en }, u))
        });
        out.push(if zh {
            let mut s = format!(
                "按{}年贸易记录测算，集装箱运输需求{}万标箱，经海港{}万标箱、经陆路口岸{}万标箱（经陆路口岸出境后转港口海运的货物两项均计）",
                ch.year,
                wan(ch.total_teu),
                wan(ch.sea_teu),
                wan(ch.border_teu)
            );
            if let Some((name, u)) = busiest {
                s += &format!("；利用率最高的是{name}（{u:.0}%）");
            }
            s + "。"
        } else {
            let mut s = format!(
                "Modelled from the {} trade records, container demand was {} ten-thousand TEU: {} through seaports and {} through land crossings (freight crossing a land border to a port abroad counts in both)",
                ch.year,
                wan(ch.total_teu),
                wan(ch.sea_teu),
                wan(ch.border_teu)
            );
            if let Some((name, u)) = busiest {
                s += &format!("; {name} was the most used ({u:.0}% of capacity)");
            }
            s + "."
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cockpit::*;

    fn fig(value: f64, yoy: f64) -> Figure {
        Figure {
            value,
            yoy_pct: Some(yoy),
        }
    }

    fn cockpit() -> Cockpit {
        Cockpit {
            scope: ScopeName {
                kind: "province".into(),
                name_zh: "吉林省".into(),
                name_en: "Jilin Province".into(),
                code: Some("220000".into()),
            },
            today: "2026-01-20".into(),
            trade: Some(TradeCard {
                period: "2025-12".into(),
                city: None,
                enterprise: None,
                month: fig(1.5e10, -3.24),
                ytd: fig(1.73e11, 2.1),
                exports_month: fig(5e9, 1.0),
                exports_ytd: fig(6.0e10, 4.0),
                imports_month: fig(1e10, -5.0),
                imports_ytd: fig(1.13e11, -0.5),
                trend: Vec::new(),
                partners: vec![PartnerFigure {
                    code: "304".into(),
                    name_zh: "德国".into(),
                    name_en: "Germany".into(),
                    ytd: 4.2e10,
                    yoy_pct: Some(1.0),
                    share_pct: 24.3,
                    contribution_pp: Some(0.2),
                }],
                source: String::new(),
                synthetic: true,
            }),
            channels: None,
            zones: None,
            directives: None,
            appeals: None,
            risk: None,
            invest: None,
            changes: Vec::new(),
            unavailable: Vec::new(),
            summary_zh: Vec::new(),
            summary_en: Vec::new(),
        }
    }

    #[test]
    fn trade_reads_as_the_monthly_report_states_it() {
        let s = sentences(&cockpit(), Lang::Zh);
        assert_eq!(
            s[0],
            "2025年1–12月，全省货物贸易进出口总值1730.0亿元，同比增长2.1%。其中，出口600.0亿元，增长4.0%；进口1130.0亿元，下降0.5%。12月当月进出口150.0亿元，同比下降3.2%。"
        );
        assert_eq!(s[1], "前1大贸易伙伴为德国，分别进出口420.0亿元。");
        let en = sentences(&cockpit(), Lang::En);
        assert!(
            en[0].starts_with("From January to December 2025, the goods trade of the province totalled CNY 1730.0 hundred million, up 2.1% year on year"),
            "{}",
            en[0]
        );
    }

    #[test]
    fn a_card_left_out_says_nothing() {
        let mut c = cockpit();
        c.trade = None;
        assert!(sentences(&c, Lang::Zh).is_empty());
    }
}
