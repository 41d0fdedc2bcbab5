//! The TNTP research networks (shared test data) read as published.

use kaifang_channels::Error;
use kaifang_channels::formats::tntp;

fn read(name: &str) -> String {
    let path = format!(
        "{}/../../../shared/data/tntp/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => panic!("shared TNTP data must be present: {path}: {e}"),
    }
}

#[test]
fn sioux_falls() -> Result<(), Error> {
    let mut net = tntp::parse_net(
        "SiouxFalls_net.tntp",
        &read("SiouxFalls/SiouxFalls_net.tntp"),
    )?;
    assert_eq!((net.zones, net.nodes, net.links.len()), (24, 24, 76));
    let first = net.links[0];
    assert_eq!((first.from, first.to), (1, 2));
    assert!((first.capacity - 25900.20064).abs() < 1e-6);
    assert_eq!(
        (first.free_flow_time, first.b, first.power),
        (6.0, 0.15, 4.0)
    );
    tntp::add_positions(
        &mut net,
        "SiouxFalls_node.tntp",
        &read("SiouxFalls/SiouxFalls_node.tntp"),
    )?;
    assert!(net.positions.iter().all(Option::is_some));
    Ok(())
}

#[test]
fn chicago_sketch_and_anaheim() -> Result<(), Error> {
    for (dir, file) in [
        ("Chicago-Sketch", "ChicagoSketch_net.tntp"),
        ("Anaheim", "Anaheim_net.tntp"),
    ] {
        let net = tntp::parse_net(file, &read(&format!("{dir}/{file}")))?;
        assert!(net.links.len() > 900, "{file}: {}", net.links.len());
        assert!(net.first_thru_node >= 1);
    }
    Ok(())
}
