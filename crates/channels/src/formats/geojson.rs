//! The multimodal network and routes as GeoJSON (opens in QGIS).
//!
//! A network is one FeatureCollection: a Point per node and a LineString per link, whose
//! properties are the columns of the CSV files (see [`super::gmns`]); coordinates come from
//! the geometry instead of `x_coord`/`y_coord`/`geometry`. Reading validates exactly as the
//! CSV reader does, naming the feature and the property.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::gmns::{self, LINK_COLUMNS, NODE_COLUMNS, Table};
use crate::error::Error;
use crate::network::Network;
use crate::routing::Route;

/// The network as a GeoJSON FeatureCollection.
pub fn write(net: &Network) -> Result<Value, Error> {
    let (nodes_csv, links_csv) = gmns::write(net)?;
    let mut features = Vec::new();
    let rows = |text: &str| -> Result<Vec<Map<String, Value>>, Error> {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = r
            .headers()
            .map_err(|e| Error::File {
                file: "csv".into(),
                message: e.to_string(),
            })?
            .iter()
            .map(str::to_string)
            .collect();
        r.records()
            .map(|rec| {
                let rec = rec.map_err(|e| Error::File {
                    file: "csv".into(),
                    message: e.to_string(),
                })?;
                Ok(header
                    .iter()
                    .zip(rec.iter())
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| (k.clone(), Value::String(v.to_string())))
                    .collect())
            })
            .collect()
    };
    for (n, mut props) in net.nodes().iter().zip(rows(&nodes_csv)?) {
        props.remove("x_coord");
        props.remove("y_coord");
        props.insert("feature".into(), json!("node"));
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [n.position.lon, n.position.lat]},
            "properties": props,
        }));
    }
    for (l, mut props) in net.links().iter().zip(rows(&links_csv)?) {
        props.remove("geometry");
        props.insert("feature".into(), json!("link"));
        let line: Vec<[f64; 2]> = if l.geometry.is_empty() {
            let (a, b) = (net.node(l.from).position, net.node(l.to).position);
            vec![[a.lon, a.lat], [b.lon, b.lat]]
        } else {
            l.geometry.iter().map(|p| [p.lon, p.lat]).collect()
        };
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": line},
            "properties": props,
        }));
    }
    Ok(json!({"type": "FeatureCollection", "features": features}))
}

/// Reads a network written by [`write`] (or by hand in the same shape): Point features are
/// nodes, LineString features links.
pub fn parse(file: &str, doc: &Value) -> Result<Network, Error> {
    let features = doc
        .get("features")
        .and_then(Value::as_array)
        .filter(|_| doc.get("type").and_then(Value::as_str) == Some("FeatureCollection"))
        .ok_or_else(|| Error::File {
            file: file.to_string(),
            message: "expected a GeoJSON FeatureCollection".into(),
        })?;
    let mut node_rows = Vec::new();
    let mut link_rows = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let bad = |field: &str, message: String| Error::Feature {
            file: file.to_string(),
            feature: i,
            field: field.to_string(),
            message,
        };
        let mut props: Map<String, Value> = match f.get("properties") {
            Some(Value::Object(m)) => m.clone(),
            _ => return Err(bad("properties", "missing or not an object".into())),
        };
        let geometry = f
            .get("geometry")
            .ok_or_else(|| bad("geometry", "missing".into()))?;
        let coords = geometry
            .get("coordinates")
            .ok_or_else(|| bad("geometry.coordinates", "missing".into()))?;
        let pair =
            |v: &Value| -> Option<(f64, f64)> { Some((v.get(0)?.as_f64()?, v.get(1)?.as_f64()?)) };
        match geometry.get("type").and_then(Value::as_str) {
            Some("Point") => {
                let (x, y) = pair(coords)
                    .ok_or_else(|| bad("geometry.coordinates", "expected [lon, lat]".into()))?;
                props.insert("x_coord".into(), json!(x.to_string()));
                props.insert("y_coord".into(), json!(y.to_string()));
                node_rows.push((i, props));
            }
            Some("LineString") => {
                let pts = coords
                    .as_array()
                    .map(|a| a.iter().map(pair).collect::<Option<Vec<_>>>())
                    .unwrap_or(None)
                    .ok_or_else(|| {
                        bad("geometry.coordinates", "expected [[lon, lat], ...]".into())
                    })?;
                let text: Vec<String> = pts.iter().map(|(x, y)| format!("{x} {y}")).collect();
                props.insert(
                    "geometry".into(),
                    json!(format!("LINESTRING ({})", text.join(", "))),
                );
                link_rows.push((i, props));
            }
            other => {
                return Err(bad(
                    "geometry.type",
                    format!("expected Point or LineString, found {other:?}"),
                ));
            }
        }
    }
    let table = |columns: &[&str], rows: Vec<(usize, Map<String, Value>)>| {
        let mut cols: BTreeSet<String> = columns.iter().map(|c| c.to_string()).collect();
        for (_, p) in &rows {
            cols.extend(p.keys().cloned());
        }
        let cols: Vec<String> = cols.into_iter().collect();
        let recs = rows
            .into_iter()
            .map(|(i, p)| {
                let rec: csv::StringRecord = cols
                    .iter()
                    .map(|c| match p.get(c) {
                        None | Some(Value::Null) => String::new(),
                        Some(Value::String(s)) => s.trim().to_string(),
                        Some(other) => other.to_string(),
                    })
                    .collect();
                (i as u64, rec)
            })
            .collect();
        (cols, recs)
    };
    let (nc, nr) = table(&NODE_COLUMNS, node_rows);
    let (lc, lr) = table(&LINK_COLUMNS, link_rows);
    let nodes = gmns::nodes_from(&Table::from_features(file, nc, nr))?;
    let links = gmns::links_from(&Table::from_features(file, lc, lr))?;
    Network::new(nodes, links)
}

/// Routes as a FeatureCollection: one LineString per route with its totals and crossings.
pub fn routes(routes: &[Route]) -> Value {
    let features: Vec<Value> = routes
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let coords: Vec<[f64; 2]> = r.geometry.iter().map(|p| [p.lon, p.lat]).collect();
            json!({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {
                    "rank": i + 1,
                    "km": r.total.km,
                    "hours": r.total.hours,
                    "cost_cny": r.total.cost_cny,
                    "co2_kg": r.total.co2_kg,
                    "generalized_cny": r.total.generalized_cny,
                    "corridor": r.corridor,
                    "border_crossings": r.border_crossings.iter().map(|c| c.node.clone()).collect::<Vec<_>>(),
                    "modes": r.legs.iter().map(|l| l.mode.tag()).collect::<Vec<_>>(),
                }
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}
