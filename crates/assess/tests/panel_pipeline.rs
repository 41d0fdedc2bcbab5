//! Panel data through the pipeline (latest and linear imputation), per-level aggregation
//! and correlation-optimised weights named in a pipeline file, with hand-checked numbers.

use kaifang_assess::framework::Framework;
use kaifang_assess::panel::Panel;
use kaifang_assess::pipeline::{self, Pipeline, StepReport};

const META: &str =
    "iCode,Parent,Direction,Weight,Type\na,P,1,1,Indicator\nb,P,1,1,Indicator\nP,,1,1,Aggregate\n";

// X's a in 2024 lies between 0 (2023) and 20 (2025): linear gives 10. Y has nothing after
// 2024, so linear cannot reach its 2025 values and latest carries a = 30 (2024) and
// b = 0 (2023) forward. Z only reports 2025.
const DATA: &str = "uCode,Time,a,b\n\
    X,2023,0,10\nX,2024,,20\nX,2025,20,30\n\
    Y,2023,10,0\nY,2024,30,\nY,2025,,\n\
    Z,2025,0,0\n";

const PIPE: &str = "[[step]]\nkind = \"impute\"\nmethod = \"linear\"\n\
    [[step]]\nkind = \"impute\"\nmethod = \"latest\"\n\
    [[step]]\nkind = \"normalise\"\nmethod = \"min_max\"\n\
    [[step]]\nkind = \"aggregate\"\nmethod = \"arithmetic\"\n";

fn inputs() -> (Pipeline, Framework, Panel) {
    let fw = Framework::from_imeta_str("meta.csv", META).unwrap();
    let panel = Panel::from_csv_str("panel.csv", DATA, &fw).unwrap();
    let p = Pipeline::from_toml_str("pipe.toml", PIPE).unwrap();
    (p, fw, panel)
}

#[test]
fn panel_imputation_then_the_year() {
    let (p, fw, panel) = inputs();
    assert_eq!(panel.years(), &[2023, 2024, 2025]);
    assert!(p.needs_panel());
    // 2025: a = 20, 30, 0 → 66.67, 100, 0; b = 30, 0, 0 → 100, 0, 0.
    let r = pipeline::run_panel(&p, &fw, &panel, 2025).unwrap();
    let close = |x: Option<f64>, y: f64| (x.unwrap() - y).abs() < 1e-9;
    assert!(close(r.score("X", "P"), (200.0 / 3.0 + 100.0) / 2.0));
    assert!(close(r.score("Y", "P"), 50.0));
    assert!(close(r.score("Z", "P"), 0.0));
    assert_eq!(r.index_ranks(), vec![Some(1), Some(2), Some(3)]);
    match (&r.steps()[0], &r.steps()[1]) {
        (StepReport::Impute { filled: linear, .. }, StepReport::Impute { filled: latest, .. }) => {
            assert_eq!((*linear, *latest), (1, 3))
        }
        other => panic!("{other:?}"),
    }
    // 2024: X (a 10, b 20) and Y (a 30, b 0) tie at 50; Z has no data for 2024 or before.
    let r = pipeline::run_panel(&p, &fw, &panel, 2024).unwrap();
    assert_eq!(r.index_ranks(), vec![Some(1), Some(1), None]);
    assert!(close(r.score("X", "P"), 50.0));
    // Without the panel steps X has no a in 2024 and is the only unit with b, which then
    // carries no information (a constant column sits mid-scale): X scores 50 on b alone.
    let plain = Pipeline::from_toml_str(
        "plain.toml",
        "[[step]]\nkind = \"normalise\"\nmethod = \"min_max\"\n[[step]]\nkind = \"aggregate\"\nmethod = \"arithmetic\"\n",
    )
    .unwrap();
    let r = pipeline::run_panel(&plain, &fw, &panel, 2024).unwrap();
    assert!(close(r.score("X", "P"), 50.0));
    assert!(matches!(r.steps()[0], StepReport::Normalise { .. }));
}

#[test]
fn panel_steps_need_a_panel_and_come_first() {
    let (p, fw, panel) = inputs();
    let data = panel.year(2025).unwrap();
    let e = pipeline::run(&p, &fw, &data).unwrap_err().to_string();
    assert!(e.contains("need panel data"), "{e}");
    let e = Pipeline::from_toml_str(
        "pipe.toml",
        "[[step]]\nkind = \"impute\"\nmethod = \"mean\"\n[[step]]\nkind = \"impute\"\nmethod = \"latest\"\n\
         [[step]]\nkind = \"normalise\"\nmethod = \"min_max\"\n[[step]]\nkind = \"aggregate\"\nmethod = \"arithmetic\"\n",
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "pipe.toml, step 2, field method: panel imputation (latest, linear) must come before the other data steps"
    );
}

#[test]
fn aggregation_per_level_from_the_pipeline_file() {
    let fw = Framework::from_imeta_str(
        "meta.csv",
        "iCode,Parent,Direction,Weight,Type\na,P,1,1,Indicator\nb,P,1,1,Indicator\nc,Q,1,1,Indicator\n\
         P,I,1,1,Aggregate\nQ,I,1,1,Aggregate\nI,,1,1,Aggregate\n",
    )
    .unwrap();
    // Normalised to [1, 100]: a = 1, 100; b = 100, 1; c = 1, 100.
    let panel = Panel::from_csv_str("d.csv", "uCode,a,b,c\nX,0,9,0\nY,9,0,9\n", &fw).unwrap();
    let p = Pipeline::from_toml_str(
        "pipe.toml",
        "[[step]]\nkind = \"normalise\"\nmethod = \"min_max\"\nlow = 1\nhigh = 100\n\
         [[step]]\nkind = \"aggregate\"\nmethod = \"arithmetic\"\nlevels = { 2 = { method = \"geometric\" } }\n",
    )
    .unwrap();
    let r = pipeline::run_panel(&p, &fw, &panel, panel.latest_year()).unwrap();
    // P = √(1·100) = 10 for both; Q = 1 and 100; I = arithmetic (10 + Q) / 2.
    let close = |x: Option<f64>, y: f64| (x.unwrap() - y).abs() < 1e-9;
    assert!(close(r.score("X", "P"), 10.0));
    assert!(close(r.score("X", "I"), 5.5));
    assert!(close(r.score("Y", "I"), 55.0));
    assert!(matches!(
        r.steps().last(),
        Some(StepReport::Aggregate { method }) if method == "arithmetic; level 2: geometric"
    ));
    let e = Pipeline::from_toml_str(
        "pipe.toml",
        "[[step]]\nkind = \"normalise\"\nmethod = \"min_max\"\n\
         [[step]]\nkind = \"aggregate\"\nmethod = \"arithmetic\"\nlevels = { 1 = { method = \"geometric\" } }\n",
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "pipe.toml, step 2, field levels: \"1\" is not an aggregate level (a whole number ≥ 2)"
    );
    let deep = Pipeline::from_toml_str(
        "pipe.toml",
        "[[step]]\nkind = \"normalise\"\nmethod = \"min_max\"\n\
         [[step]]\nkind = \"aggregate\"\nmethod = \"arithmetic\"\nlevels = { 5 = { method = \"geometric\" } }\n",
    )
    .unwrap();
    let e = pipeline::run_panel(&deep, &fw, &panel, panel.latest_year())
        .unwrap_err()
        .to_string();
    assert!(e.contains("level 5 is not an aggregate level"), "{e}");
}

#[test]
fn optimised_weights_from_the_pipeline_file() {
    // a spreads twice as wide as b and they are uncorrelated: equal correlations with the
    // index need weights 1/3 and 2/3 (see weights::optimise).
    let fw = Framework::from_imeta_str("meta.csv", META).unwrap();
    let panel =
        Panel::from_csv_str("d.csv", "uCode,a,b\nW,2,1\nX,2,-1\nY,-2,1\nZ,-2,-1\n", &fw).unwrap();
    let p = Pipeline::from_toml_str(
        "pipe.toml",
        "[[step]]\nkind = \"normalise\"\nmethod = \"z_score\"\n\
         [[step]]\nkind = \"weights\"\nmethod = \"optimised\"\ntolerance = 1e-9\n\
         [[step]]\nkind = \"aggregate\"\nmethod = \"arithmetic\"\n",
    )
    .unwrap();
    let r = pipeline::run_panel(&p, &fw, &panel, panel.latest_year()).unwrap();
    // z-scores make both spreads equal, so here the answer is equal weights.
    let w = |code: &str| r.nodes().iter().find(|n| n.code == code).unwrap().weight;
    assert!((w("a") - 0.5).abs() < 1e-6 && (w("b") - 0.5).abs() < 1e-6);
}
