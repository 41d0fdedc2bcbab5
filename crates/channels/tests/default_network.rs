//! The default network of `data/channels`: it loads, routes the cases the issue names, and
//! keeps its borders: no land route crosses a border except at a crossing.

use kaifang_channels::costing::Shipment;
use kaifang_channels::model::{Country, Mode, NodeKind, Regime};
use kaifang_channels::network::Network;
use kaifang_channels::passage::{Passage, PassageSet};
use kaifang_channels::routing::{Planner, Route};
use kaifang_channels::scenario::Scenario;
use kaifang_channels::{Error, defaults};

fn net() -> Network {
    match defaults::network() {
        Ok(n) => n,
        Err(e) => panic!("the default network must load: {e}"),
    }
}

fn place(net: &Network, name: &str) -> u32 {
    match net.resolve(name) {
        Ok(p) => p.node,
        Err(e) => panic!("{name}: {e}"),
    }
}

fn container() -> Shipment {
    Shipment::containers(1.0, 213_000.0)
}

/// Every land arc of the route joins nodes of one country, or touches a crossing of the
/// pair it joins.
fn assert_borders_respected(net: &Network, r: &Route) {
    for w in r.nodes.windows(2) {
        let (a, b) = (
            net.node(net.node_index(&w[0]).expect("node")),
            net.node(net.node_index(&w[1]).expect("node")),
        );
        let leg_mode = net
            .links()
            .iter()
            .find(|l| {
                let (f, t) = (&net.node(l.from).id, &net.node(l.to).id);
                (f == &w[0] && t == &w[1]) || (f == &w[1] && t == &w[0])
            })
            .map(|l| l.mode);
        let land = leg_mode.is_some_and(Mode::is_land);
        if land && a.kind.crossing().is_none() && b.kind.crossing().is_none() {
            assert_eq!(a.country, b.country, "{} → {} crosses a border", a.id, b.id);
        }
    }
}

#[test]
fn loads_as_one_network_with_sources() {
    let net = net();
    assert!(net.nodes().len() > 80 && net.links().len() > 150);
    assert_eq!(net.parts().len(), 1, "the default network is one piece");
    assert!(net.nodes().iter().all(|n| !n.source.is_empty()));
    assert!(net.links().iter().all(|l| !l.source.is_empty()));
    // Every estimate says so: a figure without "estimate" cites its source.
    for l in net.links() {
        for s in [&l.time_source, &l.tariff_source] {
            assert!(!s.is_empty(), "{}: time and tariff need a source", l.id);
        }
    }
    assert!(defaults::scenarios(&net).is_ok_and(|s| s.len() >= 4));
}

#[test]
fn places_resolve_in_chinese_english_and_locode() -> Result<(), Error> {
    let net = net();
    assert_eq!(net.resolve("长春")?.node, net.resolve("Changchun")?.node);
    assert_eq!(net.resolve("KRPUS")?.node, net.resolve("busan")?.node);
    assert_eq!(net.resolve("釜山港")?.node, net.resolve("Busan")?.node);
    // A position snaps to the nearest node.
    let p = net.resolve("42.86,130.37")?;
    assert_eq!(net.node(p.node).id, "hunchun");
    assert!(p.snapped_km.is_some_and(|k| k < 2.0));
    match net.resolve("Hunchun–") {
        Err(Error::AmbiguousPlace { candidates, .. }) => assert!(candidates.len() >= 2),
        other => panic!("expected ambiguity, got {other:?}"),
    }
    assert!(matches!(
        net.resolve("Atlantis"),
        Err(Error::UnknownPlace(_))
    ));
    Ok(())
}

#[test]
fn changchun_busan_never_crosses_the_dmz() -> Result<(), Error> {
    let net = net();
    let (from, to) = (place(&net, "长春"), place(&net, "Busan"));
    let s = container();
    let planner = Planner::new(&net, &s, None);
    let routes = planner.alternatives(from, to, 3)?;
    assert!(routes.len() >= 2);
    for r in &routes {
        assert_borders_respected(&net, r);
        // Korea is reached only by sea (or air): no land leg ends in KR from elsewhere.
        for leg in &r.legs {
            if leg.to == "Busan" {
                assert_eq!(leg.mode, Mode::Sea, "{leg:?}");
            }
        }
        assert!(
            r.border_crossings
                .iter()
                .all(|c| !(c.countries.contains(&"KR".to_string()))),
            "no land crossing to Korea exists"
        );
    }
    // Alternatives take different corridors.
    let mut corridors: Vec<&Vec<String>> = routes.iter().map(|r| &r.corridor).collect();
    corridors.dedup();
    assert_eq!(corridors.len(), routes.len());
    Ok(())
}

#[test]
fn closing_the_dprk_crossings_reroutes_hunchun_cargo() -> Result<(), Error> {
    let net = net();
    let (from, to) = (place(&net, "珲春"), place(&net, "Busan"));
    let s = container();
    // With the Rajin sailings resumed and Russia avoided, Hunchun's boxes go through the
    // DPRK.
    let mut open = Scenario::new("rajin");
    open.open_link(net.link_index("rajin-busan-sea").expect("link"));
    let kp: Country = "KP".parse().expect("code");
    let through_kp = |r: &Route| {
        r.border_crossings
            .iter()
            .any(|c| c.countries.contains(&"KP".to_string()))
    };
    let mut no_ru = s.clone();
    no_ru.avoid_countries = vec!["RU".parse().expect("code")];
    let via_kp = Planner::new(&net, &no_ru, Some(&open)).best(from, to)?;
    assert!(
        via_kp
            .border_crossings
            .iter()
            .any(|c| c.countries.contains(&"KP".to_string())),
        "{:?}",
        via_kp.corridor
    );
    // Close every crossing to the DPRK on top: the cargo goes through Russia or Dalian.
    let mut closed = open.clone();
    for (i, n) in net.nodes().iter().enumerate() {
        if n.kind
            .crossing()
            .is_some_and(|x| x.touches("KP".parse().expect("code")))
        {
            closed.close_node(i as u32);
        }
    }
    for r in Planner::new(&net, &s, Some(&closed)).alternatives(from, to, 3)? {
        assert!(!through_kp(&r), "{:?}", r.corridor);
        assert!(
            r.nodes
                .iter()
                .all(|id| { !net.node(net.node_index(id).expect("node")).in_country(kp) })
        );
    }
    let rerouted = Planner::new(&net, &no_ru, Some(&closed)).best(from, to)?;
    assert!(
        rerouted
            .corridor
            .iter()
            .any(|g| g == "dalian" || g == "yingkou")
            || rerouted
                .border_crossings
                .iter()
                .any(|c| c.countries.contains(&"RU".to_string())),
        "{:?}",
        rerouted.corridor
    );
    assert!(rerouted.total.generalized_cny > via_kp.total.generalized_cny);
    Ok(())
}

#[test]
fn changchun_hamburg_rail_and_sea_and_pareto() -> Result<(), Error> {
    let net = net();
    let (from, to) = (place(&net, "Changchun"), place(&net, "Hamburg"));
    // Goods worth 2 million CNY a box: time matters enough for the train to compete.
    let s = Shipment::containers(1.0, 2e6);
    let p = Planner::new(&net, &s, None);
    let alts = p.alternatives(from, to, 3)?;
    assert_eq!(alts.len(), 4);
    let rail = alts
        .iter()
        .find(|r| {
            r.border_crossings
                .iter()
                .any(|c| c.node == "cn-ru-manzhouli")
        })
        .expect("the Changchun–Manzhouli–Europe train is an alternative");
    // About 14 days planned; the model's estimate must be of that order.
    assert!(
        (10.0 * 24.0..25.0 * 24.0).contains(&rail.total.hours),
        "{} h",
        rail.total.hours
    );
    for r in &alts {
        assert_borders_respected(&net, r);
    }
    let front = p.pareto(from, to)?;
    assert!(front.len() >= 2);
    // The front holds the slow, cheap sea route and the fast train.
    let by_sea = |r: &Route| r.legs.iter().any(|l| l.mode == Mode::Sea);
    assert!(front.iter().any(by_sea) && front.iter().any(|r| !by_sea(r)));
    let sea = front.iter().find(|r| by_sea(r)).expect("sea");
    let train = front.iter().find(|r| !by_sea(r)).expect("train");
    assert!(sea.total.cost_cny < train.total.cost_cny && train.total.hours < sea.total.hours);
    // No route of the front is beaten on all three criteria by another.
    for a in &front {
        for b in &front {
            let beats = b.total.cost_cny <= a.total.cost_cny
                && b.total.hours <= a.total.hours
                && b.total.co2_kg <= a.total.co2_kg
                && (b.total.cost_cny, b.total.hours, b.total.co2_kg)
                    != (a.total.cost_cny, a.total.hours, a.total.co2_kg);
            assert!(!beats, "{:?} dominated", a.corridor);
        }
    }
    // The best route is on the front.
    let best = &alts[0];
    assert!(front.iter().any(|r| r.nodes == best.nodes));
    Ok(())
}

#[test]
fn suez_closed_sends_liners_round_the_cape() -> Result<(), Error> {
    let net = net();
    let (from, to) = (place(&net, "Shanghai"), place(&net, "Rotterdam"));
    let mut s = container();
    s.modes = s.modes.without(Mode::Rail).without(Mode::Road);
    let r = Planner::new(&net, &s, None).best(from, to)?;
    assert!(
        (r.total.km / 1.852 - 10_600.0).abs() < 0.02 * 10_600.0,
        "{}",
        r.total.km
    );
    s.avoid_passages = s.avoid_passages.with(Passage::Suez);
    let r = Planner::new(&net, &s, None).best(from, to)?;
    assert!(
        (r.total.km / 1.852 - 13_900.0).abs() < 0.03 * 13_900.0,
        "{}",
        r.total.km
    );
    Ok(())
}

#[test]
fn unreachable_says_what_blocks() {
    let net = net();
    let (from, to) = (place(&net, "Hunchun"), place(&net, "Busan"));
    let mut s = container();
    s.avoid_countries = vec!["RU".parse().expect("code"), "KP".parse().expect("code")];
    s.avoid_nodes = ["dalian", "yingkou"]
        .iter()
        .map(|id| net.node_index(id).expect("node"))
        .collect();
    match Planner::new(&net, &s, None).best(from, to) {
        Err(Error::NoRoute(why)) => {
            let text = why.to_string();
            assert!(text.contains("avoided countries"), "{text}");
            assert!(text.contains("avoided nodes"), "{text}");
        }
        other => panic!("expected no route, got {other:?}"),
    }
}

#[test]
fn domestic_transit_goes_through_vladivostok_only_where_allowed() -> Result<(), Error> {
    let net = net();
    let (from, to) = (place(&net, "Hunchun"), place(&net, "Zhoushan"));
    let mut s = container();
    s.regime = Regime::DomesticTransit;
    s.weights.value_of_time_cny_per_hour = Some(200.0);
    let r = Planner::new(&net, &s, None).best(from, to)?;
    for c in &r.border_crossings {
        let n = net.node(net.node_index(&c.node).expect("node"));
        if let NodeKind::BorderCrossing(x) = &n.kind {
            assert!(x.regimes.contains(Regime::DomesticTransit), "{}", c.node);
        }
    }
    assert!(
        r.corridor.iter().any(|g| g == "vladivostok"),
        "{:?}",
        r.corridor
    );
    // Domestic goods never leave China: to Shanghai they go by Dalian or Yingkou.
    s.regime = Regime::Domestic;
    let r = Planner::new(&net, &s, None).best(from, place(&net, "Shanghai"))?;
    assert!(r.border_crossings.is_empty());
    assert!(
        r.nodes
            .iter()
            .all(|id| { net.node(net.node_index(id).expect("node")).country == Country::CN })
    );
    // A transit shipment must come home: Busan is no destination for it.
    s.regime = Regime::DomesticTransit;
    let err = Planner::new(&net, &s, None)
        .best(from, place(&net, "Busan"))
        .map(|_| ())
        .expect_err("transit to Korea");
    assert!(
        err.to_string().contains("starts and ends in China"),
        "{err}"
    );
    s.regime = Regime::Domestic;
    // And Zhoushan, reached from abroad only, is out of their reach.
    assert!(matches!(
        Planner::new(&net, &s, None).best(from, to),
        Err(Error::NoRoute(_))
    ));
    Ok(())
}

/// The sea links' lengths are measured on the sea lanes, not typed: recomputing them on the
/// marnet network with Kaifang's own lanes gives the figures in the file.
#[test]
fn sea_link_lengths_are_those_of_the_sea_lanes() -> Result<(), Error> {
    use kaifang_channels::formats::sea::read_lanes;
    use kaifang_channels::passage::PassageSet;
    use kaifang_channels::sea::{self, SeaNetwork, SeaQuery};
    use kaifang_channels::search::SearchSpace;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let mut lanes = read_lanes(&kaifang_testdata::repo("sea/marnet_searoute.geojson"))?;
    lanes.extend(read_lanes(
        format!("{dir}/data/channels/sea_lanes.geojson").as_ref(),
    )?);
    let sea_net = SeaNetwork::from_lanes(&lanes)?;
    let net = net();
    let mut space = SearchSpace::new();
    let mut checked = 0;
    for l in net
        .links()
        .iter()
        .filter(|l| l.source.starts_with("sea lanes"))
    {
        // The rule of examples/sea_links.rs, restated.
        let south = PassageSet::of(&[Passage::Suez, Passage::Panama]);
        let avoid = if l.name.starts_with("via Northern Sea Route") {
            south.with(Passage::CapeOfGoodHope).with(Passage::Chile)
        } else if l.name.starts_with("via Cape") {
            PassageSet::ARCTIC.union(south)
        } else {
            PassageSet::ARCTIC
        };
        let q = SeaQuery::new(net.node(l.from).position, net.node(l.to).position).avoiding(avoid);
        let r = sea::route(&sea_net, &q, &mut space)?;
        assert!(
            (r.total_km() - l.length_km).abs() < 0.1,
            "{}: {} vs {}",
            l.id,
            r.total_km(),
            l.length_km
        );
        assert_eq!(
            r.passages
                .intersection(PassageSet::ARCTIC.union(PassageSet::of(&[
                    Passage::Suez,
                    Passage::Panama,
                    Passage::CapeOfGoodHope
                ]))),
            l.passages
                .intersection(PassageSet::ARCTIC.union(PassageSet::of(&[
                    Passage::Suez,
                    Passage::Panama,
                    Passage::CapeOfGoodHope
                ]))),
            "{}",
            l.id
        );
        checked += 1;
    }
    assert!(checked > 60, "{checked}");
    // Without Kaifang's lanes, Zarubino and Rajin are far from any lane.
    let marnet = SeaNetwork::from_lanes(&read_lanes(&kaifang_testdata::repo(
        "sea/marnet_searoute.geojson",
    ))?)?;
    for id in ["zarubino", "rajin"] {
        let p = net.node(net.node_index(id).expect("node")).position;
        let far = marnet.snap(p).expect("snap").distance_km;
        let near = sea_net.snap(p).expect("snap").distance_km;
        assert!(
            far > 50.0 && near < 1.0,
            "{id}: {far} km on marnet, {near} km with our lanes"
        );
    }
    Ok(())
}

#[test]
fn a_candidate_project_opens_a_new_corridor() -> Result<(), Error> {
    let net = net();
    let scenarios = defaults::scenarios(&net)?;
    let outlet = scenarios
        .iter()
        .find(|s| s.name == "tumen-outlet")
        .expect("the Tumen outlet scenario ships with the data");
    let (from, to) = (place(&net, "珲春"), place(&net, "Busan"));
    let s = container();
    let base = Planner::new(&net, &s, None).best(from, to)?;
    assert!(!base.nodes.iter().any(|n| n == "fangchuan"));
    let with = Planner::new(&net, &s, Some(outlet)).best(from, to)?;
    assert!(
        with.nodes.iter().any(|n| n == "fangchuan"),
        "{:?}",
        with.nodes
    );
    // The outlet is on Chinese soil: no border is crossed on the way to it.
    assert!(
        with.border_crossings.is_empty(),
        "{:?}",
        with.border_crossings
    );
    assert!(with.total.generalized_cny < base.total.generalized_cny);
    Ok(())
}

/// Every crossing joins its two countries: it has a link on each side, so a route through it
/// really changes country.
#[test]
fn every_crossing_has_both_sides() {
    let net = net();
    for (i, n) in net.nodes().iter().enumerate() {
        let Some(x) = n.kind.crossing() else { continue };
        let sides: Vec<Country> = net
            .out_arcs(i as u32)
            .iter()
            .map(|a| net.node(a.head))
            .filter(|m| m.kind.crossing().is_none())
            .map(|m| m.country)
            .collect();
        assert!(
            sides.contains(&x.countries.0) && sides.contains(&x.countries.1),
            "{}: neighbours in {sides:?}",
            n.id
        );
    }
}

/// What an API handler does: a request body as JSON, one call.
#[test]
fn a_request_body_is_one_call() -> Result<(), Error> {
    let channels = defaults::Channels::load()?;
    let req: kaifang_channels::query::RouteRequest = serde_json::from_str(
        r#"{"from": "长春", "to": "KRPUS", "value": "30000USD", "alternatives": 2,
            "avoid": ["KP"], "scenario": "zarubino-weekly"}"#,
    )
    .expect("request JSON");
    let answer = channels.plan(&req)?;
    assert_eq!(answer.scenario.as_deref(), Some("zarubino-weekly"));
    assert_eq!(answer.routes.len(), 3);
    let bad: Result<kaifang_channels::query::RouteRequest, _> =
        serde_json::from_str(r#"{"from": "a", "to": "b", "colour": "red"}"#);
    assert!(bad.is_err(), "unknown fields are refused");
    let c = channels.compare(&req, "base")?;
    assert!(c.route_a.is_some() && c.route_b.is_some());
    Ok(())
}

/// A request resolves once, and what cannot be a question names its field.
#[test]
fn resolving_a_request_names_the_bad_field() -> Result<(), Error> {
    use kaifang_channels::query::RouteRequest;
    let net = net();
    let field_of = |req: &RouteRequest| match req.resolve(&net) {
        Err(Error::Field { field, .. }) => field,
        other => panic!("expected a field error, got {other:?}"),
    };
    let ok = RouteRequest::new("长春", "Busan");
    let resolved = ok.resolve(&net)?;
    assert_eq!(net.node(resolved.from).id, "changchun");
    let mut r = ok.clone();
    r.teu = Some(-1.0);
    assert_eq!(field_of(&r), "teu");
    let mut r = ok.clone();
    r.to = "Hunchun–".into();
    assert_eq!(field_of(&r), "to");
    let mut r = ok.clone();
    r.cargo = "gas".into();
    assert_eq!(field_of(&r), "cargo");
    let mut r = ok.clone();
    r.alternatives = 50;
    assert_eq!(field_of(&r), "alternatives");
    let mut r = ok.clone();
    r.avoid = vec!["Atlantis".into()];
    assert_eq!(field_of(&r), "avoid");
    let mut r = ok;
    r.value = Some("lots".into());
    assert_eq!(field_of(&r), "value");
    Ok(())
}

/// The Northern Sea Route service runs in summer only, and only for a query that opens the
/// Arctic passages.
#[test]
fn the_northern_sea_route_is_seasonal_and_opt_in() -> Result<(), Error> {
    let net = net();
    let (from, to) = (place(&net, "Dalian"), place(&net, "Rotterdam"));
    let mut s = container();
    s.modes = s.modes.without(Mode::Rail).without(Mode::Road);
    let uses_nsr = |r: &Route| {
        r.legs
            .iter()
            .any(|l| l.links.iter().any(|id| id.ends_with("-nsr")))
    };
    // Closed by default, whatever the month.
    s.month = Some(8);
    assert!(!uses_nsr(&Planner::new(&net, &s, None).best(from, to)?));
    // Opened: taken in August, not in January.
    s.avoid_passages = PassageSet::EMPTY;
    let august = Planner::new(&net, &s, None).best(from, to)?;
    assert!(uses_nsr(&august), "{:?}", august.legs);
    assert!(august.total.km < 16_000.0);
    s.month = Some(1);
    assert!(!uses_nsr(&Planner::new(&net, &s, None).best(from, to)?));
    Ok(())
}

/// Great-circle distance on the IUGG mean sphere, written out here so the bound below does
/// not rest on the library it checks.
fn great_circle_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (l1, p1) = (a.0.to_radians(), a.1.to_radians());
    let (l2, p2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((p2 - p1) / 2.0).sin().powi(2) + p1.cos() * p2.cos() * ((l2 - l1) / 2.0).sin().powi(2);
    2.0 * 6371.0088 * h.sqrt().asin()
}

/// Straits and headlands a sea route must pass when land lies across the great circle
/// between its ports (lon, lat, approximate positions in open water).
mod gate {
    pub const SINGAPORE_STRAIT: (f64, f64) = (104.0, 1.2);
    pub const BAB_EL_MANDEB: (f64, f64) = (43.4, 12.6);
    pub const SUEZ: (f64, f64) = (32.55, 29.9);
    pub const PORT_SAID: (f64, f64) = (32.3, 31.4);
    pub const GIBRALTAR: (f64, f64) = (-5.6, 35.95);
    pub const USHANT: (f64, f64) = (-5.5, 48.6);
    pub const DOVER: (f64, f64) = (1.4, 51.0);
    pub const SUNDA_STRAIT: (f64, f64) = (105.8, -6.0);
    pub const GOOD_HOPE: (f64, f64) = (18.4, -34.8);
    pub const CAPE_VERDE: (f64, f64) = (-17.6, 14.7);
    pub const TSUGARU: (f64, f64) = (140.5, 41.5);
    pub const BERING_STRAIT: (f64, f64) = (-169.0, 65.8);
    pub const CHELYUSKIN: (f64, f64) = (104.3, 77.8);
    pub const NORTH_CAPE: (f64, f64) = (25.8, 71.2);
    pub const PANAMA: (f64, f64) = (-79.6, 9.2);
    pub const WINDWARD_PASSAGE: (f64, f64) = (-74.0, 20.0);
    pub const LAOTIESHAN_CHANNEL: (f64, f64) = (121.1, 38.6);
    pub const CHENGSHAN_CAPE: (f64, f64) = (122.8, 37.4);
    pub const KOREA_SOUTHWEST: (f64, f64) = (125.5, 34.0);
    pub const KANMON: (f64, f64) = (130.95, 33.95);
    pub const KII_CHANNEL: (f64, f64) = (135.0, 33.9);
    pub const CA_MAU: (f64, f64) = (104.8, 8.3);
    pub const QIONGZHOU_STRAIT: (f64, f64) = (110.3, 20.2);
    pub const ELBE_MOUTH: (f64, f64) = (8.5, 54.0);
    pub const SKAGEN: (f64, f64) = (10.8, 57.9);
    pub const ORESUND: (f64, f64) = (12.7, 56.0);
    pub const YANGTZE_MOUTH: (f64, f64) = (122.3, 31.0);
}

/// The gates a sea link must pass, by the rule its name and ends imply: the Northern Sea
/// Route, the Cape, Suez for Asia–Europe, and a few short hops that go round a peninsula.
fn gates_of(id: &str, name: &str, from: &str, to: &str) -> Vec<(f64, f64)> {
    use gate::*;
    let europe = ["rotterdam", "hamburg", "antwerp", "felixstowe", "gdansk"];
    let into_port = |mut g: Vec<(f64, f64)>| {
        match to {
            "hamburg" => g.push(ELBE_MOUTH),
            "gdansk" => g.extend([SKAGEN, ORESUND]),
            _ => {}
        }
        g
    };
    if name.starts_with("via Northern Sea Route") {
        return vec![TSUGARU, BERING_STRAIT, CHELYUSKIN, NORTH_CAPE];
    }
    if name.starts_with("via Cape") {
        return into_port(vec![SUNDA_STRAIT, GOOD_HOPE, CAPE_VERDE, USHANT, DOVER]);
    }
    if europe.contains(&to) && !europe.contains(&from) {
        return into_port(vec![
            SINGAPORE_STRAIT,
            BAB_EL_MANDEB,
            SUEZ,
            PORT_SAID,
            GIBRALTAR,
            USHANT,
            DOVER,
        ]);
    }
    match id {
        // Out of the Bohai Sea, round Shandong, and round Korea's south-west corner.
        "yingkou-busan-sea" => vec![LAOTIESHAN_CHANNEL, CHENGSHAN_CAPE, KOREA_SOUTHWEST],
        "yingkou-shanghai-sea" => vec![LAOTIESHAN_CHANNEL, CHENGSHAN_CAPE],
        "dalian-busan-sea" | "dalian-shanghai-sea" | "dalian-qingdao-sea" => vec![CHENGSHAN_CAPE],
        "dalian-tokyo-sea" | "dalian-niigata-sea" => vec![CHENGSHAN_CAPE, KOREA_SOUTHWEST],
        // Through the Kanmon strait and the Inland Sea, out by the Kii channel.
        "busan-nagoya-sea" | "busan-tokyo-sea" => vec![KANMON, KII_CHANNEL],
        // Round the Ca Mau peninsula into the Gulf of Thailand; through the Qiongzhou strait.
        "shanghai-laem-chabang-sea" => vec![CA_MAU],
        "shanghai-haiphong-sea" => vec![QIONGZHOU_STRAIT],
        // Down the Yangtze estuary, then through the Zhoushan archipelago.
        "shanghai-ningbo-sea" => vec![YANGTZE_MOUTH],
        "rotterdam-hamburg-sea" => vec![ELBE_MOUTH],
        "hamburg-gdansk-sea" => vec![ELBE_MOUTH, SKAGEN, ORESUND],
        "shanghai-new-york-sea" => vec![PANAMA, WINDWARD_PASSAGE],
        _ => Vec::new(),
    }
}

/// Every port-to-port sea link of the default network is no shorter than the great circle
/// between its ports and not much longer than the shortest line through the gates it must
/// pass: 1.35 × the great circle for a hop across open water, 1.4 × the line through the
/// gates where land lies between (a route still bends at each gate and follows the coast
/// between them). The lanes from Rajin, Zarubino and Posyet once ran north-east before
/// turning south-west; this is the test that would have caught it.
#[test]
fn sea_links_lie_between_the_great_circle_and_a_bound_through_their_gates() {
    let net = net();
    let mut checked = Vec::new();
    for l in net.links().iter().filter(|l| l.mode == Mode::Sea) {
        let (a, b) = (net.node(l.from), net.node(l.to));
        assert!(
            matches!(a.kind, NodeKind::Seaport) && matches!(b.kind, NodeKind::Seaport),
            "{}: a sea link joins two seaports",
            l.id
        );
        let (pa, pb) = (
            (a.position.lon, a.position.lat),
            (b.position.lon, b.position.lat),
        );
        let direct = great_circle_km(pa, pb);
        let gates = gates_of(&l.id, &l.name, &a.id, &b.id);
        let mut points = vec![pa];
        points.extend(&gates);
        points.push(pb);
        let through: f64 = points.windows(2).map(|w| great_circle_km(w[0], w[1])).sum();
        let factor = if gates.is_empty() { 1.35 } else { 1.4 };
        assert!(
            l.length_km >= direct,
            "{}: {:.0} km is shorter than the great circle, {direct:.0} km",
            l.id,
            l.length_km
        );
        assert!(
            l.length_km <= factor * through,
            "{}: {:.0} km is more than {factor} × {through:.0} km (the line through {} gates)",
            l.id,
            l.length_km,
            gates.len()
        );
        checked.push(l.id.as_str());
    }
    assert!(checked.len() > 70, "{}", checked.len());
    for id in [
        "rajin-busan-sea",
        "zarubino-busan-sea",
        "posyet-busan-sea",
        "zarubino-niigata-sea",
    ] {
        assert!(checked.contains(&id), "{id} is checked");
    }
    // Rajin lies nearer Busan than Zarubino does (great circle about 801 km against 855),
    // and the sea says so too; down the Korean coast Rajin–Busan is about 845 km.
    let km = |id: &str| net.links()[net.link_index(id).expect("link") as usize].length_km;
    assert!(km("rajin-busan-sea") < km("zarubino-busan-sea"));
    assert!(
        (km("rajin-busan-sea") - 845.0).abs() < 0.05 * 845.0,
        "{}",
        km("rajin-busan-sea")
    );
}

/// The Hunchun–Europe train (长珲欧, reported in service in January 2024) leaves China at
/// Hunchun, crosses to Makhalino and follows the Trans-Siberian west. With every other exit
/// from China avoided, a rail-only box from Hunchun reaches Hamburg that way; without the
/// Trans-Siberian east of Ussuriysk it cannot.
#[test]
fn hunchun_hamburg_by_rail_through_makhalino() -> Result<(), Error> {
    let net = net();
    let (from, to) = (place(&net, "珲春"), place(&net, "Hamburg"));
    let mut s = Shipment::containers(1.0, 2e6);
    s.modes = s
        .modes
        .without(Mode::Sea)
        .without(Mode::Road)
        .without(Mode::Air);
    // Any rail route exists; the cheapest leaves China at Manzhouli, as the Changchun trains do.
    let best = Planner::new(&net, &s, None).best(from, to)?;
    assert!(
        best.legs.iter().all(|l| l.mode == Mode::Rail),
        "{:?}",
        best.legs
    );
    assert!(
        best.border_crossings
            .iter()
            .any(|c| c.node == "cn-ru-manzhouli"),
        "{:?}",
        best.corridor
    );
    s.avoid_nodes = [
        "cn-ru-manzhouli",
        "cn-ru-suifenhe",
        "cn-mn-erenhot",
        "cn-kz-alashankou",
        "cn-kz-khorgos",
    ]
    .iter()
    .map(|id| net.node_index(id).expect("node"))
    .collect();
    let r = Planner::new(&net, &s, None).best(from, to)?;
    assert_borders_respected(&net, &r);
    assert!(r.legs.iter().all(|l| l.mode == Mode::Rail), "{:?}", r.legs);
    let path: Vec<&str> = r.nodes.iter().map(String::as_str).collect();
    let at = |id: &str| {
        path.iter()
            .position(|n| *n == id)
            .unwrap_or_else(|| panic!("{id} not on {path:?}"))
    };
    // In order along the line: the border, Makhalino, then the Trans-Siberian west.
    let order = [
        "hunchun",
        "cn-ru-hunchun-rail",
        "makhalino",
        "ussuriysk",
        "khabarovsk",
        "tarskaya",
        "chita",
        "ulan-ude",
        "moscow",
        "hamburg",
    ];
    for w in order.windows(2) {
        assert!(at(w[0]) < at(w[1]), "{} before {}: {path:?}", w[0], w[1]);
    }
    // Trans-Siberian km posts: Ussuriysk about km 9,177 from Moscow; Ussuriysk–Hunchun some
    // 230 km; Moscow–Hamburg by Minsk and Brest about 2,000 km.
    assert!(
        (11_000.0..12_000.0).contains(&r.total.km),
        "{} km",
        r.total.km
    );
    // Two weeks and more, as the China–Europe trains run, not months.
    assert!(
        (12.0 * 24.0..30.0 * 24.0).contains(&r.total.hours),
        "{} h",
        r.total.hours
    );
    // Without the Trans-Siberian east of Ussuriysk, Hunchun's trains have no way west.
    let mut cut = Scenario::new("no-transsib-east");
    cut.close_link(net.link_index("ussuriysk-khabarovsk-rail").expect("link"));
    assert!(matches!(
        Planner::new(&net, &s, Some(&cut)).best(from, to),
        Err(Error::NoRoute(_))
    ));
    Ok(())
}

/// Jilin's ports of entry with the DPRK, each in the network: Hunchun (Quanhe, Shatuozi),
/// Tumen (road and rail), Longjing (Sanhe, Kaishantun), Helong (Nanping, Guchengli),
/// Changbai, Linjiang, Ji'an (road and rail).
const DPRK_CROSSINGS: [&str; 12] = [
    "cn-kp-quanhe",
    "cn-kp-shatuozi",
    "cn-kp-tumen",
    "cn-kp-tumen-road",
    "cn-kp-sanhe",
    "cn-kp-kaishantun",
    "cn-kp-nanping",
    "cn-kp-guchengli",
    "cn-kp-changbai",
    "cn-kp-linjiang",
    "cn-kp-jian",
    "cn-kp-jian-rail",
];

/// Under `dprk-closed` every crossing to the DPRK is closed, and no route from the
/// province's places to Busan or Rajin uses a link that touches one; Rajin, reached only
/// through the DPRK's borders (its sailings closed), has no route at all.
#[test]
fn under_dprk_closed_no_route_crosses_the_dprk_border() -> Result<(), Error> {
    let net = net();
    let kp: Country = "KP".parse().expect("code");
    let touching_kp: Vec<u32> = net
        .nodes()
        .iter()
        .enumerate()
        .filter(|(_, n)| n.kind.crossing().is_some_and(|x| x.touches(kp)))
        .map(|(i, _)| i as u32)
        .collect();
    for id in DPRK_CROSSINGS {
        let i = net
            .node_index(id)
            .unwrap_or_else(|| panic!("{id} is missing"));
        assert!(touching_kp.contains(&i), "{id} is a crossing to the DPRK");
    }
    // Jilin's twelve and Russia's Khasan–Tumangang.
    assert_eq!(touching_kp.len(), DPRK_CROSSINGS.len() + 1);
    let scenarios = defaults::scenarios(&net)?;
    let closed = scenarios
        .iter()
        .find(|s| s.name == "dprk-closed")
        .expect("the dprk-closed scenario ships with the data");
    for &i in &touching_kp {
        assert_eq!(
            closed.node_status(i),
            Some(&kaifang_channels::model::Status::Closed),
            "{} stays open under dprk-closed",
            net.node(i).id
        );
    }
    let touches_kp_crossing = |r: &Route| -> Option<String> {
        r.legs
            .iter()
            .flat_map(|l| &l.links)
            .find(|id| {
                let l = &net.links()[net.link_index(id).expect("link") as usize];
                touching_kp.contains(&l.from) || touching_kp.contains(&l.to)
            })
            .cloned()
    };
    let mut s = container();
    s.weights.value_of_time_cny_per_hour = Some(50.0);
    let places = [
        "长春", "吉林", "延吉", "珲春", "图们", "白山", "长白", "集安", "通化",
    ];
    // The base network does take some of these places through the DPRK (Rajin is reached
    // only so), which is what makes the scenario worth checking.
    let rajin = place(&net, "Rajin");
    let base = Planner::new(&net, &s, None).best(place(&net, "珲春"), rajin)?;
    assert!(touches_kp_crossing(&base).is_some(), "{:?}", base.nodes);
    for from in places {
        let from = place(&net, from);
        for r in Planner::new(&net, &s, Some(closed)).alternatives(from, place(&net, "Busan"), 3)? {
            assert!(
                touches_kp_crossing(&r).is_none(),
                "{} → Busan uses {:?}",
                net.node(from).id,
                touches_kp_crossing(&r)
            );
            assert!(
                r.nodes
                    .iter()
                    .all(|id| { !net.node(net.node_index(id).expect("node")).in_country(kp) })
            );
        }
        assert!(
            matches!(
                Planner::new(&net, &s, Some(closed)).best(from, rajin),
                Err(Error::NoRoute(_))
            ),
            "{} reaches Rajin with the DPRK closed",
            net.node(from).id
        );
    }
    Ok(())
}
