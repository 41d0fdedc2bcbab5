//! Sea routes on searoute's lane network (data/testdata/sea), checked against published
//! figures and against the distances the public tools give.

use std::path::PathBuf;

use kaifang_channels::geo::{KM_PER_NM, LonLat};
use kaifang_channels::passage::{Passage, PassageSet};
use kaifang_channels::sea::{self, Ports, SeaNetwork, SeaQuery};
use kaifang_channels::search::SearchSpace;
use kaifang_channels::{Blockage, Error, formats};

fn data_dir() -> PathBuf {
    // Shipped in the repository (Apache-2.0, see its README), so these tests always run.
    kaifang_testdata::repo("sea")
}

fn load() -> (SeaNetwork, Ports) {
    let dir = data_dir();
    match formats::sea::load(
        &dir.join("marnet_searoute.geojson"),
        &dir.join("ports.geojson"),
    ) {
        Ok(loaded) => loaded,
        Err(e) => panic!("the sea test data must be present: {e}"),
    }
}

const SHANGHAI: LonLat = LonLat::new(121.497113, 31.400091);
const ROTTERDAM: LonLat = LonLat::new(4.442447, 51.904383);
const VLADIVOSTOK: LonLat = LonLat::new(131.883333, 43.116667);

#[test]
fn network_is_one_part_and_ports_snap() {
    let (net, ports) = load();
    assert!(net.node_count() > 9000, "{}", net.node_count());
    // Joining the antimeridian and merging float noise leaves one connected network.
    assert_eq!(net.components().count(), 1);
    assert!(ports.len() > 3900);
    let sha = ports.find("CNSHA").expect("Shanghai is listed");
    assert_eq!(sha.name, "Shanghai");
    assert!(sha.snap.distance_km < 20.0, "{:?}", sha.snap);
    assert_eq!(
        ports.find("rotterdam").map(|p| p.locode.as_str()),
        Some("NLRTM")
    );
    // The documented gap of the public network: Zarubino's nearest lane is far away.
    let zarubino = ports.find("RUZAR").expect("Zarubino is listed");
    assert!(zarubino.snap.distance_km > 50.0, "{:?}", zarubino.snap);
}

#[test]
fn shanghai_rotterdam_via_suez_and_via_the_cape() -> Result<(), Error> {
    let (net, _) = load();
    let mut space = SearchSpace::new();
    let suez = sea::route(&net, &SeaQuery::new(SHANGHAI, ROTTERDAM), &mut space)?;
    let nm = suez.total_km() / KM_PER_NM;
    assert!(
        (nm - 10_600.0).abs() <= 0.02 * 10_600.0,
        "via Suez {nm:.0} nm"
    );
    assert!(suez.passages.contains(Passage::Suez) && suez.passages.contains(Passage::Malacca));

    let closed = PassageSet::ARCTIC.with(Passage::Suez).with(Passage::Panama);
    let cape = sea::route(
        &net,
        &SeaQuery::new(SHANGHAI, ROTTERDAM).avoiding(closed),
        &mut space,
    )?;
    let nm = cape.total_km() / KM_PER_NM;
    assert!(
        (nm - 13_800.0).abs() <= 0.02 * 13_800.0,
        "via the Cape {nm:.0} nm"
    );
    assert!(
        cape.passages.contains(Passage::CapeOfGoodHope),
        "{}",
        cape.passages
    );
    assert!(!cape.passages.intersects(closed));
    // The geometry starts and ends at the ports and is continuous.
    assert_eq!(cape.geometry.first(), Some(&SHANGHAI));
    assert!(
        cape.geometry
            .windows(2)
            .all(|w| (w[1].lon - w[0].lon).abs() <= 180.0)
    );
    Ok(())
}

#[test]
fn the_arctic_is_closed_by_default_and_can_be_opened() -> Result<(), Error> {
    let (net, _) = load();
    let mut space = SearchSpace::new();
    let default = sea::route(&net, &SeaQuery::new(VLADIVOSTOK, ROTTERDAM), &mut space)?;
    assert!(default.passages.contains(Passage::Suez));
    let open = SeaQuery::new(VLADIVOSTOK, ROTTERDAM).avoiding(PassageSet::EMPTY);
    let arctic = sea::route(&net, &open, &mut space)?;
    assert!(
        arctic.passages.contains(Passage::NorthernSeaRoute),
        "{}",
        arctic.passages
    );
    assert!(arctic.passages.contains(Passage::Bering));
    // The Northern Sea Route is some 7,000 km shorter (scgraph reports 13,884 km).
    assert!(arctic.network_km < 14_500.0 && default.network_km > 20_000.0);
    Ok(())
}

#[test]
fn unreachable_says_what_blocks_it() {
    let (net, _) = load();
    let mut space = SearchSpace::new();
    let closed = PassageSet::ARCTIC.union(PassageSet::of(&[
        Passage::Suez,
        Passage::Panama,
        Passage::CapeOfGoodHope,
        Passage::Chile,
    ]));
    let q = SeaQuery::new(SHANGHAI, ROTTERDAM).avoiding(closed);
    match sea::route(&net, &q, &mut space) {
        Err(Error::Unreachable(u)) => {
            let Blockage::Passages {
                blocking,
                open_route_km,
            } = u.cause
            else {
                panic!("expected blocking passages, got {:?}", u.cause)
            };
            assert!(!blocking.is_empty() && closed.contains_all(blocking));
            assert!(open_route_km > 10_000.0);
            let msg = u.to_string();
            assert!(msg.contains("every route passes"), "{msg}");
        }
        other => panic!("expected unreachable, got {other:?}"),
    }
}

/// One row of `peer_sea_distances.csv` (only the columns compared here).
#[derive(Debug, serde::Deserialize)]
struct PeerRow {
    from: String,
    to: String,
    from_lat: f64,
    from_lon: f64,
    to_lat: f64,
    to_lon: f64,
    /// searoute's length over the lanes between its snapped nodes.
    searoute_km: f64,
    searoute_snap_origin_km: f64,
    searoute_snap_dest_km: f64,
    searoute_passages: String,
}

#[test]
fn agrees_with_searoute_where_both_cover_the_ports() -> Result<(), Error> {
    let (net, _) = load();
    let file = data_dir().join("peer_sea_distances.csv");
    let mut reader = match csv::Reader::from_path(&file) {
        Ok(r) => r,
        Err(e) => panic!("{}: {e}", file.display()),
    };
    let mut space = SearchSpace::new();
    // A port counts as covered when the network passes within this distance.
    const COVERED_KM: f64 = 50.0;
    let (mut compared, mut worst) = (0usize, (0.0f64, String::new()));
    for (i, row) in reader.deserialize::<PeerRow>().enumerate() {
        let row = row.unwrap_or_else(|e| panic!("{}, row {}: {e}", file.display(), i + 2));
        let q = SeaQuery::new(
            LonLat::new(row.from_lon, row.from_lat),
            LonLat::new(row.to_lon, row.to_lat),
        );
        let ours = sea::route(&net, &q, &mut space)?;
        let covered = ours.origin.distance_km <= COVERED_KM
            && ours.destination.distance_km <= COVERED_KM
            && row.searoute_snap_origin_km <= COVERED_KM
            && row.searoute_snap_dest_km <= COVERED_KM;
        if !covered {
            continue;
        }
        let rel = (ours.network_km - row.searoute_km).abs() / row.searoute_km;
        if rel > worst.0 {
            worst = (
                rel,
                format!(
                    "{}→{}: {:.1} vs {:.1} km",
                    row.from, row.to, ours.network_km, row.searoute_km
                ),
            );
        }
        assert!(
            rel <= 0.03,
            "{}→{}: ours {:.1} km, searoute {:.1} km",
            row.from,
            row.to,
            ours.network_km,
            row.searoute_km
        );
        // The same passages, where searoute names them.
        for tag in row.searoute_passages.split('|').filter(|t| !t.is_empty()) {
            let p: Passage = tag.parse().unwrap_or_else(|e| panic!("row {}: {e}", i + 2));
            assert!(
                ours.passages.contains(p),
                "{}→{}: {tag} not in {}",
                row.from,
                row.to,
                ours.passages
            );
        }
        compared += 1;
    }
    // 11 of the 13 ports are covered (not Zarubino, not Rajin): 110 ordered pairs.
    assert_eq!(compared, 110, "worst: {worst:?}");
    println!(
        "compared {compared} pairs; worst {:.2} % ({})",
        worst.0 * 100.0,
        worst.1
    );
    Ok(())
}
