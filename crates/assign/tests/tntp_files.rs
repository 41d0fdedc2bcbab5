//! The TNTP research networks read as published. They are research data kept outside the
//! repository (`KAIFANG_TESTDATA`); without them these tests skip and say so.

use std::path::Path;

use kaifang_assign::Error;
use kaifang_assign::tntp;

fn read(dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

#[test]
fn sioux_falls() -> Result<(), Error> {
    // The research networks, or a SKIPPED line saying why not.
    let Some(root) = kaifang_testdata::external("tntp", "sioux_falls") else {
        return Ok(());
    };
    let net = tntp::parse_net(
        "SiouxFalls_net.tntp",
        &read(&root, "SiouxFalls/SiouxFalls_net.tntp"),
    )?;
    assert_eq!((net.zones, net.nodes, net.links.len()), (24, 24, 76));
    let first = net.links[0];
    assert_eq!((first.from, first.to), (1, 2));
    assert!((first.capacity - 25900.20064).abs() < 1e-6);
    assert_eq!(
        (first.free_flow_time, first.b, first.power),
        (6.0, 0.15, 4.0)
    );
    let pos = tntp::parse_nodes(
        "SiouxFalls_node.tntp",
        &read(&root, "SiouxFalls/SiouxFalls_node.tntp"),
        net.nodes,
    )?;
    assert!(pos.iter().all(Option::is_some));
    let (zones, cells) = tntp::parse_trips(
        "SiouxFalls_trips.tntp",
        &read(&root, "SiouxFalls/SiouxFalls_trips.tntp"),
    )?;
    assert_eq!(zones, 24);
    assert!((cells.iter().map(|c| c.2).sum::<f64>() - 360_600.0).abs() < 1e-6);
    Ok(())
}

#[test]
fn chicago_sketch_anaheim_and_the_rest() -> Result<(), Error> {
    // The research networks, or a SKIPPED line saying why not.
    let Some(root) = kaifang_testdata::external("tntp", "chicago_sketch_anaheim_and_the_rest")
    else {
        return Ok(());
    };
    for (dir, stem) in [
        ("Chicago-Sketch", "ChicagoSketch"),
        ("Anaheim", "Anaheim"),
        ("Eastern-Massachusetts", "EMA"),
        ("Braess-Example", "Braess"),
    ] {
        let file = format!("{stem}_net.tntp");
        let net = tntp::parse_net(&file, &read(&root, &format!("{dir}/{file}")))?;
        assert!(net.links.len() >= 5, "{file}: {}", net.links.len());
        assert!(net.first_thru_node >= 1);
        let trips = format!("{stem}_trips.tntp");
        let (zones, _) = tntp::parse_trips(&trips, &read(&root, &format!("{dir}/{trips}")))?;
        assert_eq!(zones, net.zones, "{stem}");
    }
    Ok(())
}
