//! The shipped editions of the negative list and the check against them.

use kaifang_invest::industry::{Classification, IndustryCode};
use kaifang_invest::negative_list::{
    Check, Edition, Editions, MatchedBy, MeasureKind, Query, Scope, Verdict, check,
};
use time::macros::date;

fn editions() -> Editions {
    Editions::builtin()
}

fn run(edition: &str, industry: Option<&str>, text: Option<&str>) -> Check {
    let set = editions();
    let e = set.get(edition).expect("built-in edition");
    check(e, &Query::parse(industry, text).expect("a valid query"))
}

fn items(c: &Check) -> Vec<u32> {
    c.matches.iter().map(|m| m.item).collect()
}

fn shipped_edition_is_complete(e: &Edition, n: u32) {
    let nos: Vec<u32> = e.items.iter().map(|i| i.no).collect();
    assert_eq!(nos, (1..=n).collect::<Vec<_>>(), "{}", e.id);
    assert!(!e.source.trim().is_empty());
    assert!(!e.decree.trim().is_empty());
    let table = Classification::gbt4754_2017();
    for i in &e.items {
        let at = format!("{} item {}", e.id, i.no);
        assert!(!i.sector_zh.is_empty() && !i.sector_en.is_empty(), "{at}");
        assert!(
            i.text_zh.ends_with('。') || i.text_zh.ends_with('）'),
            "{at}"
        );
        assert!(!i.text_en.is_empty(), "{at}");
        assert!(!i.measures.is_empty(), "{at}");
        assert!(!i.keywords.is_empty(), "{at}");
        for c in i.codes.iter().chain(&i.partly) {
            assert!(table.check(c).is_ok(), "{at}: {c}");
        }
        if i.codes.is_empty() && i.partly.is_empty() {
            assert!(i.review.is_some(), "{at}");
        }
        for m in &i.measures {
            assert_eq!(m.kind.takes_pct(), m.pct.is_some(), "{at}");
        }
    }
}

#[test]
fn national_2024_has_items_1_to_29() {
    let set = editions();
    let e = set.get("national-2024").unwrap();
    assert_eq!(e.scope, Scope::National);
    assert_eq!(e.effective, date!(2024 - 11 - 01));
    shipped_edition_is_complete(e, 29);
    // The sectors and where they start, as in the decree.
    let starts: Vec<(u32, &str)> = e
        .items
        .iter()
        .enumerate()
        .filter(|(k, i)| *k == 0 || e.items[k - 1].sector_zh != i.sector_zh)
        .map(|(_, i)| (i.no, i.sector_zh.as_str()))
        .collect();
    assert_eq!(
        starts,
        [
            (1, "农、林、牧、渔业"),
            (5, "采矿业"),
            (6, "电力、热力、燃气及水生产和供应业"),
            (7, "批发和零售业"),
            (8, "交通运输、仓储和邮政业"),
            (12, "信息传输、软件和信息技术服务业"),
            (14, "租赁和商务服务业"),
            (17, "科学研究和技术服务业"),
            (20, "教育"),
            (22, "卫生和社会工作"),
            (23, "文化、体育和娱乐业"),
        ]
    );
    assert_eq!(
        e.item(1).unwrap().text_zh,
        "小麦新品种选育和种子生产的中方股比不低于34%、玉米新品种选育和种子生产须由中方控股。"
    );
    assert_eq!(
        e.item(23).unwrap().text_zh,
        "禁止投资新闻机构（包括但不限于通讯社）。"
    );
}

#[test]
fn ftz_2021_has_items_1_to_27() {
    let set = editions();
    let e = set.get("ftz-2021").unwrap();
    assert_eq!(e.scope, Scope::Ftz);
    assert_eq!(e.effective, date!(2022 - 01 - 01));
    shipped_edition_is_complete(e, 27);
    // No manufacturing item in either edition.
    for e in set.list() {
        assert!(e.items.iter().all(|i| i.sector_zh != "制造业"), "{}", e.id);
    }
}

#[test]
fn news_agency_is_prohibited_by_item_23() {
    for (industry, text) in [
        (Some("8610"), None),
        (Some("861"), None),
        (None, Some("拟在昆明设立通讯社")),
        (Some("8610"), Some("设立通讯社")),
    ] {
        let c = run("national-2024", industry, text);
        assert_eq!(c.verdict, Verdict::Prohibited, "{industry:?} {text:?}");
        assert_eq!(items(&c), [23], "{industry:?} {text:?}");
        let m = &c.matches[0];
        assert_eq!(m.text_zh, "禁止投资新闻机构（包括但不限于通讯社）。");
        assert!(!m.partial);
        assert!(c.note.contains("第23条"), "{}", c.note);
        assert_eq!(c.edition, "national-2024");
    }
    let c = run("national-2024", None, Some("a foreign NEWS AGENCY bureau"));
    assert_eq!(items(&c), [23]);
    assert_eq!(c.matches[0].matched_by, MatchedBy::Text);
    assert_eq!(c.matches[0].on, "news agency");
}

#[test]
fn a_broad_industry_gets_partial_matches() {
    let c = run("national-2024", Some("86"), None);
    assert_eq!(items(&c), [13, 23, 24]);
    assert!(c.matches.iter().all(|m| m.partial));
    assert!(
        c.matches
            .iter()
            .all(|m| m.matched_by == MatchedBy::Industry)
    );
    assert_eq!(c.matches[1].on, "861");
    assert_eq!(c.verdict, Verdict::Prohibited);
    assert!(c.note.contains("部分"), "{}", c.note);

    // A whole section: every item of culture, sports and entertainment, partly.
    let c = run("national-2024", Some("R"), None);
    assert_eq!(items(&c), [13, 23, 24, 25, 26, 27, 28, 29]);
    assert!(c.matches.iter().all(|m| m.partial));
}

#[test]
fn value_added_telecom_is_capped_at_half() {
    for (industry, text) in [
        (Some("631"), None),
        (Some("6319"), None),
        (None, Some("经营增值电信业务")),
    ] {
        let c = run("national-2024", industry, text);
        assert_eq!(c.verdict, Verdict::Restricted, "{industry:?} {text:?}");
        assert_eq!(items(&c), [12], "{industry:?} {text:?}");
        let cap = c.matches[0]
            .measures
            .iter()
            .find(|m| m.kind == MeasureKind::ForeignMaxShare)
            .unwrap();
        assert_eq!(cap.pct, Some(50));
        assert!(cap.condition.as_deref().unwrap().contains("增值电信业务"));
    }
    // Division 63 also holds broadcast transmission, which item 25 prohibits.
    let c = run("national-2024", Some("63"), None);
    assert_eq!(items(&c), [12, 25]);
    assert_eq!(c.verdict, Verdict::Prohibited);
}

#[test]
fn manufacturing_is_not_listed() {
    for id in ["national-2024", "ftz-2021"] {
        for (industry, text) in [
            (Some("36"), None),
            (None, Some("汽车制造")),
            (Some("3612"), Some("新能源汽车整车制造")),
            (Some("23"), Some("出版物印刷")),
            (Some("27"), Some("中药饮片加工")),
        ] {
            let c = run(id, industry, text);
            assert_eq!(c.verdict, Verdict::NotListed, "{id} {industry:?} {text:?}");
            assert!(c.matches.is_empty());
            assert!(c.note.contains("国民待遇"), "{}", c.note);
        }
    }
}

#[test]
fn public_air_transport_caps_one_investor_at_a_quarter() {
    let c = run("national-2024", Some("5611"), Some("设立公共航空运输公司"));
    assert_eq!(c.verdict, Verdict::Restricted);
    assert_eq!(items(&c), [9]);
    let ms = &c.matches[0].measures;
    assert!(
        ms.iter()
            .any(|m| m.kind == MeasureKind::ForeignMaxShare && m.pct == Some(25))
    );
    assert!(
        ms.iter()
            .any(|m| m.kind == MeasureKind::ChineseNationalExecutive)
    );
    assert!(ms.iter().any(|m| m.kind == MeasureKind::ChineseControl));
    // Same item in the FTZ edition, under its own number.
    let c = run("ftz-2021", Some("5611"), None);
    assert_eq!(items(&c), [8]);
}

#[test]
fn an_airport_is_restricted_though_its_tower_is_prohibited() {
    let c = run("national-2024", Some("5631"), None);
    assert_eq!(c.verdict, Verdict::Restricted);
    assert_eq!(items(&c), [10]);
    assert!(
        c.matches[0]
            .measures
            .iter()
            .any(|m| m.kind == MeasureKind::Prohibited && m.condition.is_some())
    );
}

#[test]
fn social_survey_is_prohibited_nationally_and_restricted_in_ftzs() {
    let c = run("national-2024", None, Some("开展社会调查业务"));
    assert_eq!(c.verdict, Verdict::Prohibited);
    assert_eq!(items(&c), [16]);

    let c = run("ftz-2021", None, Some("开展社会调查业务"));
    assert_eq!(c.verdict, Verdict::Restricted);
    assert_eq!(items(&c), [14]);
    let ms = &c.matches[0].measures;
    assert!(
        ms.iter()
            .any(|m| m.kind == MeasureKind::ChineseMinShare && m.pct == Some(67))
    );
    assert!(
        ms.iter()
            .any(|m| m.kind == MeasureKind::ChineseNationalExecutive)
    );
    assert!(c.matches[0].review.is_some(), "the merged item is flagged");

    // Market research: a joint venture nationally, open in the FTZs.
    assert_eq!(
        run("national-2024", Some("7242"), Some("市场调查")).verdict,
        Verdict::Restricted
    );
    assert_eq!(
        run("ftz-2021", None, Some("市场调查")).verdict,
        Verdict::NotListed
    );
}

#[test]
fn the_ftz_edition_differs_where_it_should() {
    // Fishing in Chinese waters: prohibited nationally, not on the FTZ list.
    assert_eq!(
        run("national-2024", Some("0422"), None).verdict,
        Verdict::Prohibited
    );
    assert_eq!(
        run("ftz-2021", Some("0422"), None).verdict,
        Verdict::NotListed
    );
    // Performing arts troupes: prohibited nationally, under Chinese control in the FTZs.
    let c = run("national-2024", None, Some("组建文艺表演团体"));
    assert_eq!((c.verdict, items(&c)), (Verdict::Prohibited, vec![29]));
    let c = run("ftz-2021", None, Some("组建文艺表演团体"));
    assert_eq!((c.verdict, items(&c)), (Verdict::Restricted, vec![27]));
}

#[test]
fn one_match_per_item_sorted() {
    let c = run(
        "national-2024",
        Some("8610"),
        Some("通讯社、出版社、电视台、news agency"),
    );
    assert_eq!(items(&c), [23, 24, 25]);
    assert_eq!(c.matches[0].matched_by, MatchedBy::Industry);
    assert_eq!(c.matches[1].matched_by, MatchedBy::Text);
}

#[test]
fn current_edition_by_scope_and_date() {
    let set = editions();
    let at = |s, d| set.current(s, d).map(|e| e.id.as_str());
    assert_eq!(
        at(Scope::National, date!(2025 - 03 - 01)),
        Some("national-2024")
    );
    assert_eq!(at(Scope::National, date!(2024 - 10 - 31)), None);
    assert_eq!(at(Scope::Ftz, date!(2025 - 03 - 01)), Some("ftz-2021"));
    assert_eq!(at(Scope::Ftz, date!(2021 - 12 - 31)), None);
    assert_eq!(set.list().len(), 2);
}

const MINIMAL: &str = r#"
id = "test-2030"
scope = "national"
title_zh = "测试版"
title_en = "Test edition"
decree = "测试令"
issued = 2030-01-01
effective = 2030-02-01
source = "nowhere"

[[item]]
no = 1
sector_zh = "文化"
sector_en = "Culture"
text_zh = "禁止投资新闻机构。"
text_en = "No news organisations."
measures = [{ kind = "prohibited" }]
codes = ["861"]
keywords = ["通讯社"]
"#;

fn second_item(extra: &str) -> String {
    format!(
        "{MINIMAL}\n[[item]]\nsector_zh = \"文化\"\nsector_en = \"Culture\"\ntext_zh = \"x。\"\ntext_en = \"x\"\nmeasures = [{{ kind = \"chinese_control\" }}]\nkeywords = [\"剧团\"]\n{extra}\n"
    )
}

fn refused(text: &str) -> String {
    Edition::from_toml_str(text, "extra/test-2030.toml")
        .unwrap_err()
        .to_string()
}

#[test]
fn a_good_extra_edition_loads_next_to_the_builtin_ones() {
    let e = Edition::from_toml_str(MINIMAL, "extra/test-2030.toml").unwrap();
    let set = Editions::with(vec![e.clone()]).unwrap();
    assert_eq!(set.list().len(), 3);
    assert_eq!(
        set.current(Scope::National, date!(2030 - 06 - 01))
            .map(|e| e.id.as_str()),
        Some("test-2030")
    );
    assert!(Editions::with(vec![e.clone(), e]).is_err());
    let mut clash = Edition::from_toml_str(MINIMAL, "x.toml").unwrap();
    clash.id = "national-2024".into();
    assert!(
        Editions::with(vec![clash])
            .unwrap_err()
            .to_string()
            .contains("national-2024")
    );
}

#[test]
fn bad_edition_files_are_refused_by_item_and_field() {
    let gap = refused(&second_item("no = 3\ncodes = [\"881\"]"));
    assert!(gap.contains("extra/test-2030.toml"), "{gap}");
    assert!(gap.contains("item 3, field no"), "{gap}");

    let unknown = refused(&second_item("no = 2\ncodes = [\"9901\"]"));
    assert!(unknown.contains("item 2, field codes"), "{unknown}");
    assert!(unknown.contains("9901"), "{unknown}");

    let malformed = refused(&second_item("no = 2\npartly = [\"88a\"]"));
    assert!(malformed.contains("item 2, field partly"), "{malformed}");

    let codeless = refused(&second_item("no = 2"));
    assert!(codeless.contains("item 2, field review"), "{codeless}");
    // The same item with a review note is accepted.
    assert!(Edition::from_toml_str(&second_item("no = 2\nreview = \"no class\""), "x").is_ok());

    let no_measure =
        refused(&MINIMAL.replace("measures = [{ kind = \"prohibited\" }]", "measures = []"));
    assert!(
        no_measure.contains("item 1, field measures"),
        "{no_measure}"
    );

    let no_pct = refused(&MINIMAL.replace("\"prohibited\" }", "\"chinese_min_share\" }"));
    assert!(no_pct.contains("item 1, field measures"), "{no_pct}");

    let no_keyword = refused(&MINIMAL.replace("keywords = [\"通讯社\"]", "keywords = []"));
    assert!(
        no_keyword.contains("item 1, field keywords"),
        "{no_keyword}"
    );

    let bad_date =
        refused(&MINIMAL.replace("effective = 2030-02-01", "effective = \"1 Feb 2030\""));
    assert!(bad_date.contains("field effective"), "{bad_date}");

    let syntax = refused(&MINIMAL.replace("scope = \"national\"", "scope = \"province\""));
    assert!(syntax.contains("extra/test-2030.toml"), "{syntax}");
}

#[test]
fn queries_out_of_bounds_name_their_field() {
    let e = Query::parse(None, None).unwrap_err();
    assert_eq!(e.field, "industry");
    let e = Query::parse(Some("  "), Some("   ")).unwrap_err();
    assert_eq!(e.field, "text");
    let e = Query::parse(Some("8x"), None).unwrap_err();
    assert_eq!(e.field, "industry");
    assert!(e.to_string().contains("8x"), "{e}");
    let e = Query::parse(Some("99"), None).unwrap_err();
    assert_eq!(e.field, "industry");
    let long = "新".repeat(2001);
    let e = Query::parse(None, Some(&long)).unwrap_err();
    assert_eq!(e.field, "text");
    assert!(Query::parse(None, Some(&"新".repeat(2000))).is_ok());
    let code: IndustryCode = "R".parse().unwrap();
    assert!(Query::new(Some(code), None).is_ok());
}

#[test]
fn check_serialises_for_the_api() {
    let c = run("national-2024", Some("86"), None);
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["verdict"], "prohibited");
    assert_eq!(v["matches"][0]["matched_by"], "industry");
    assert_eq!(v["matches"][0]["partial"], true);
    let nl = serde_json::to_value(run("national-2024", Some("36"), None)).unwrap();
    assert_eq!(nl["verdict"], "not_listed");
    let e = serde_json::to_value(editions().get("national-2024").unwrap()).unwrap();
    assert_eq!(e["issued"], "2024-09-06");
    assert_eq!(e["items"][8]["measures"][1]["kind"], "foreign_max_share");
    assert_eq!(e["items"][8]["measures"][1]["pct"], 25);
}
