//! Pipeline files, results tables, group ranks, strengths and weaknesses, on small
//! hand-checkable inputs.

use kaifang_assess::data::Data;
use kaifang_assess::framework::Framework;
use kaifang_assess::pipeline::{self, Pipeline};
use kaifang_assess::uncertainty::UncertaintySpec;

const META: &str = "iCode,iName,Level,Parent,Direction,Weight,Type,Denominator\n\
    a,Alpha,1,P,1,1,Indicator,\n\
    b,Beta,1,P,-1,1,Indicator,\n\
    c,Gamma,1,Q,1,1,Indicator,Pop\n\
    P,Pillar P,2,Index,1,1,Aggregate,\n\
    Q,Pillar Q,2,Index,1,1,Aggregate,\n\
    Index,The index,3,,1,1,Aggregate,\n\
    Region,,,,,,Group,\n\
    Pop,,,,,,Denominator,\n";

// Scores after min–max (b reversed, c per head):
//   a: 0 50 100 100 -> 0, 50, 100, 100        b: 4 3 2 1 -> 0, 33.3, 66.7, 100
//   c/Pop: 1 2 3 NA -> 0, 50, 100, missing
const DATA: &str = "uCode,uName,Region,Pop,a,b,c\n\
    W,West,N,10,0,4,10\n\
    X,Ex,N,10,50,3,20\n\
    Y,Why,S,10,100,2,30\n\
    Z,Zed,S,10,100,1,\n";

fn inputs() -> (Framework, Data) {
    let fw = Framework::from_imeta_str("meta.csv", META).unwrap();
    let data = Data::from_idata_str("data.csv", DATA, &fw).unwrap();
    (fw, data)
}

const PIPE: &str = "[[step]]\nkind = \"denominate\"\n[[step]]\nkind = \"normalise\"\nmethod = \"min_max\"\n\
    [[step]]\nkind = \"aggregate\"\nmethod = \"arithmetic\"\n";

fn run(pipe: &str) -> kaifang_assess::results::Results {
    let (fw, data) = inputs();
    let p = Pipeline::from_toml_str("pipe.toml", pipe).unwrap();
    pipeline::run(&p, &fw, &data).unwrap()
}

#[test]
fn a_hand_computed_index() {
    let r = run(PIPE);
    let close = |u: &str, n: &str, v: f64| {
        let got = r.score(u, n).unwrap();
        assert!((got - v).abs() < 1e-9, "{u} {n}: {got} vs {v}");
    };
    close("X", "b", 100.0 / 3.0);
    close("X", "P", (50.0 + 100.0 / 3.0) / 2.0);
    close("Y", "Q", 100.0);
    close("X", "Index", ((50.0 + 100.0 / 3.0) / 2.0 + 50.0) / 2.0);
    // Z lacks c, so Q is missing and the index is P alone (weights renormalised).
    assert_eq!(r.score("Z", "Q"), None);
    close("Z", "Index", 100.0);
    let ranks: Vec<Option<u32>> = ["W", "X", "Y", "Z"]
        .iter()
        .map(|u| r.rank(u, "Index"))
        .collect();
    assert_eq!(ranks, [Some(4), Some(3), Some(2), Some(1)]);
}

#[test]
fn results_as_csv_and_json() {
    let r = run(PIPE);
    let csv = r.to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "uCode,Rank,Index,P,Q");
    assert_eq!(lines[1], "Z,1,100.00,100.00,");
    assert_eq!(lines[4], "W,4,0.00,0.00,0.00");
    assert!(
        r.to_csv_with(None)
            .lines()
            .nth(3)
            .is_some_and(|l| l.starts_with("X,3,45.83333333"))
    );
    let json: serde_json::Value = serde_json::from_str(&r.to_json().unwrap()).unwrap();
    assert_eq!(json["index"], "Index");
    assert_eq!(json["units"][0]["code"], "Z");
    assert_eq!(json["units"][0]["scores"]["Q"], serde_json::Value::Null);
    assert_eq!(json["units"][3]["groups"]["Region"], "N");
    assert_eq!(json["steps"][0]["step"], "denominate");
}

#[test]
fn group_ranks_and_strengths() {
    let r = run(PIPE);
    let g = r.group_ranks("Region", "Index").unwrap();
    assert_eq!(g, [Some(2), Some(1), Some(2), Some(1)]);
    assert!(r.group_ranks("Continent", "Index").is_err());
    let sw = r.strengths_weaknesses("X", 1).unwrap();
    assert_eq!(
        (sw.strengths[0].code.as_str(), sw.strengths[0].rank),
        ("c", 2)
    );
    assert_eq!(sw.weaknesses[0].rank, 3);
    let all = r.strengths_weaknesses("Z", 5).unwrap();
    assert_eq!(
        all.strengths.len(),
        2,
        "Z has no value for c, so only two indicators rank"
    );
}

#[test]
fn ties_share_the_best_rank() {
    let fw = Framework::from_imeta_str(
        "m.csv",
        "iCode,Parent,Direction,Weight,Type\na,P,1,1,Indicator\nP,,1,1,Aggregate\n",
    )
    .unwrap();
    let data = Data::from_idata_str("d.csv", "uCode,a\nA,5\nB,5\nC,1\nD,0\n", &fw).unwrap();
    let r = pipeline::run(&Pipeline::default(), &fw, &data).unwrap();
    assert_eq!(r.index_ranks(), [Some(1), Some(1), Some(3), Some(4)]);
}

fn pipe_error(text: &str) -> String {
    Pipeline::from_toml_str("pipe.toml", text)
        .unwrap_err()
        .to_string()
}

#[test]
fn pipeline_errors_name_the_step() {
    assert_eq!(
        pipe_error("[[step]]\nkind = \"aggregate\"\nmethod = \"arithmetic\"\n"),
        "pipe.toml, step 1, field kind: aggregate needs a normalise step before it"
    );
    assert_eq!(
        pipe_error("[[step]]\nkind = \"denominate\"\n"),
        "pipe.toml, field step: the pipeline has no normalise step"
    );
    assert_eq!(
        pipe_error(
            "[[step]]\nkind = \"normalise\"\nmethod = \"rank\"\n[[step]]\nkind = \"aggregate\"\nmethod = \"arithmetic\"\n\
             [[step]]\nkind = \"weights\"\nmethod = \"equal\"\n"
        ),
        "pipe.toml, step 2, field kind: aggregate must be the last step"
    );
    assert_eq!(
        pipe_error(
            "[[step]]\nkind = \"normalise\"\nmethod = \"rank\"\n[[step]]\nkind = \"impute\"\nmethod = \"mean\"\n"
        ),
        "pipe.toml, step 2, field kind: data preparation must come before normalise"
    );
    let e = pipe_error("[[step]]\nkind = \"normalise\"\nmethod = \"minmax\"\n");
    assert!(
        e.starts_with("pipe.toml, step 1: malformed TOML: unknown variant `minmax`"),
        "{e}"
    );
    let e = pipe_error("[[step]]\nkind = \"normalise\"\nmethod = \"min_max\"\nlo = 1\n");
    assert!(
        e.starts_with("pipe.toml, step 1: malformed TOML: unknown field `lo`"),
        "{e}"
    );
    let e = pipe_error("[[step]]\nkind = \"screen\"\nthreshold = 90\n");
    assert_eq!(
        e,
        "pipe.toml, step 1, field threshold: the threshold is a fraction in [0, 1]"
    );
}

#[test]
fn every_method_runs() {
    let (fw, data) = inputs();
    for norm in [
        "method = \"min_max\"\nlow = 1\nhigh = 100",
        "method = \"z_score\"\nmean = 100\nsd = 10",
        "method = \"rank\"",
        "method = \"percentile_rank\"",
        "method = \"borda\"",
    ] {
        for (agg, weights) in [
            ("method = \"arithmetic\"", "entropy"),
            ("method = \"geometric\"", "pca"),
            ("method = \"harmonic\"", "equal"),
            ("method = \"copeland\"", "entropy"),
            ("method = \"generalised\"\np = 0.5", "pca"),
        ] {
            let text = format!(
                "[[step]]\nkind = \"denominate\"\n[[step]]\nkind = \"impute\"\nmethod = \"median\"\ngroup = \"Region\"\n\
                 [[step]]\nkind = \"outliers\"\n[[step]]\nkind = \"normalise\"\n{norm}\n\
                 [[step]]\nkind = \"weights\"\nmethod = \"{weights}\"\n\
                 [[step]]\nkind = \"aggregate\"\n{agg}\n"
            );
            let p = Pipeline::from_toml_str("pipe.toml", &text).unwrap();
            match pipeline::run(&p, &fw, &data) {
                Ok(r) => assert_eq!(r.index_ranks().iter().flatten().count(), 4, "{norm} {agg}"),
                // Rank-based scores start at 0 (Borda, percentile): only compensatory or
                // Copeland aggregation can take them.
                Err(e) => assert!(
                    e.to_string().contains("needs positive values")
                        && ["geometric", "harmonic"].iter().any(|m| agg.contains(m)),
                    "{norm} {agg}: {e}"
                ),
            }
        }
    }
}

#[test]
fn uncertainty_section() {
    let text = format!(
        "{PIPE}[uncertainty]\nruns = 200\nseed = 9\nweight_noise = 0.2\n\
         normalisation = [{{ method = \"min_max\" }}, {{ method = \"rank\" }}]\n"
    );
    let p = Pipeline::from_toml_str("pipe.toml", &text).unwrap();
    let spec: &UncertaintySpec = p.uncertainty.as_ref().unwrap();
    assert_eq!(
        (spec.runs, spec.seed, spec.normalisation.len()),
        (200, 9, 2)
    );
    let (fw, data) = inputs();
    let u = kaifang_assess::uncertainty::uncertainty(&p, &fw, &data, spec).unwrap();
    assert_eq!(u.units[0].unit, "Z");
    assert_eq!(u.inputs.len(), 3);
}
