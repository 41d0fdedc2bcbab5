//! The list of bad input, each through the public loaders: a framework with a
//! cycle, an unknown parent, weights that are all zero; a unit with no data; a value of the
//! wrong unit or sign. Every error names the file, the row (or TOML entry) and the field.

use kaifang_assess::framework::Framework;
use kaifang_assess::panel::Panel;
use kaifang_assess::{AssessError, Location};

fn toml_error(body: &str) -> AssessError {
    Framework::from_toml_str("framework.toml", body).unwrap_err()
}

fn node(code: &str, parent: &str, extra: &str) -> String {
    let parent = if parent.is_empty() {
        String::new()
    } else {
        format!("parent = \"{parent}\"\n")
    };
    format!("[[node]]\ncode = \"{code}\"\n{parent}{extra}")
}

#[test]
fn framework_with_a_cycle() {
    let e = toml_error(&format!(
        "{}{}{}",
        node("a", "P", "direction = 1\n"),
        node("P", "Q", ""),
        node("Q", "P", "")
    ));
    assert!(matches!(e, AssessError::Cycle { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("framework.toml, node 2, field parent: \"P\" is its own ancestor"),
        "{e}"
    );
}

#[test]
fn framework_with_an_unknown_parent() {
    let e = toml_error(&format!(
        "{}{}",
        node("a", "Pillar", "direction = 1\n"),
        node("P", "", "")
    ));
    assert_eq!(
        e.to_string(),
        "framework.toml, node 1, field parent: unknown parent \"Pillar\""
    );
    assert_eq!(
        e.location(),
        Some(&Location::entry("framework.toml", "node", 1).field("parent"))
    );
}

#[test]
fn framework_with_all_weights_zero() {
    let e = toml_error(&format!(
        "{}{}{}",
        node("a", "P", "direction = 1\nweight = 0\n"),
        node("b", "P", "direction = 1\nweight = 0\n"),
        node("P", "", "")
    ));
    assert_eq!(
        e.to_string(),
        "framework.toml, node 1, field weight: the weights of all children of \"P\" are zero"
    );
    let e = toml_error(&format!(
        "{}{}",
        node("a", "P", "direction = 1\nmin = 5\nmax = 1\n"),
        node("P", "", "")
    ));
    assert_eq!(
        e.to_string(),
        "framework.toml, node 1, field min: the minimum 5 is above the maximum 1"
    );
}

fn framework() -> Framework {
    Framework::from_toml_str(
        "framework.toml",
        &format!(
            "{}{}{}",
            node("fdi", "P", "direction = 1\nunit = \"万美元\"\nmin = 0\n"),
            node(
                "rd",
                "P",
                "direction = 1\nunit = \"%\"\nmin = 0\nmax = 100\n"
            ),
            node("P", "", "")
        ),
    )
    .unwrap()
}

fn data_error(text: &str) -> String {
    Panel::from_csv_str("zones-2025.csv", text, &framework())
        .unwrap_err()
        .to_string()
}

#[test]
fn a_unit_with_no_data() {
    assert_eq!(
        data_error("uCode,Time,fdi,rd\nA,2024,10,2\nB,2024,,\nB,2025,NA,\n"),
        "zones-2025.csv, row 3, field uCode: unit \"B\" has no indicator data at all"
    );
}

#[test]
fn a_value_in_the_wrong_unit() {
    assert_eq!(
        data_error("uCode,Time,iCode,Value,Unit\nA,2025,fdi,1.2,亿美元\n"),
        "zones-2025.csv, row 2, field Unit: indicator fdi is in \"万美元\", not \"亿美元\""
    );
}

#[test]
fn a_value_of_the_wrong_sign_or_out_of_range() {
    assert_eq!(
        data_error("uCode,Time,fdi,rd\nA,2025,10,2\nB,2025,-10,2\n"),
        "zones-2025.csv, row 3, field fdi: value -10 is below the minimum 0 of fdi (万美元)"
    );
    assert_eq!(
        data_error("uCode,Time,iCode,Value,Unit\nA,2025,rd,250,%\n"),
        "zones-2025.csv, row 2, field Value: value 250 is above the maximum 100 of rd (%)"
    );
}

#[test]
fn years_outside_the_plausible_range_are_refused() {
    assert_eq!(
        data_error("uCode,Time,fdi,rd\nA,2024,10,2\nB,9999,10,2\n"),
        "zones-2025.csv, row 3, field Time: 9999 is outside the years accepted (2000 to 2100)"
    );
}

#[test]
fn a_panel_too_large_is_refused_before_it_is_allocated() {
    // 5,001 units, each in a year of its own: refused by count before any matrix is made.
    let mut text = String::from("uCode,Time,fdi,rd\n");
    for i in 0..=kaifang_assess::panel::MAX_UNITS {
        text.push_str(&format!("U{i},{},1,1\n", 2000 + i % 101));
    }
    let e = data_error(&text);
    assert!(e.contains("5001 units; at most 5000"), "{e}");
    // 4,000 units over 101 years would be 404,000 unit-years; within the bound on values
    // for two indicators, so this one is read.
    let mut text = String::from("uCode,Time,fdi,rd\n");
    for i in 0..4_000 {
        text.push_str(&format!("U{i},{},1,1\n", 2000 + i % 101));
    }
    assert!(Panel::from_csv_str("zones.csv", &text, &framework()).is_ok());
}
