//! Sea lanes and ports as GeoJSON.
//!
//! Lanes: a FeatureCollection of LineString or MultiLineString features; the optional
//! property `passage` tags the lanes of a strait or canal (searoute's tags, e.g. `suez`,
//! `panama`, `malacca`; see [`Passage`]). Ports: a FeatureCollection of Point features with
//! `port` (UN/LOCODE), `name` and `cty` (country) properties.

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::error::Error;
use crate::geo::LonLat;
use crate::passage::Passage;
use crate::sea::{Lane, PortRecord, SeaNetwork, SeaRoute};

/// Reads the lanes from a GeoJSON file.
pub fn read_lanes(path: &Path) -> Result<Vec<Lane>, Error> {
    let (file, doc) = read_json(path)?;
    parse_lanes(&file, &doc)
}

/// Reads the ports from a GeoJSON file.
pub fn read_ports(path: &Path) -> Result<Vec<PortRecord>, Error> {
    let (file, doc) = read_json(path)?;
    parse_ports(&file, &doc)
}

/// Reads lanes and ports and joins them: the network and its ports snapped to it.
pub fn load(lanes: &Path, ports: &Path) -> Result<(SeaNetwork, crate::sea::Ports), Error> {
    let net = SeaNetwork::from_lanes(&read_lanes(lanes)?)?;
    let ports = crate::sea::Ports::snap(&net, read_ports(ports)?);
    Ok((net, ports))
}

fn read_json(path: &Path) -> Result<(String, Value), Error> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        file: file.clone(),
        source,
    })?;
    let doc = serde_json::from_str(&text).map_err(|source| Error::Json {
        file: file.clone(),
        source,
    })?;
    Ok((file, doc))
}

/// Lanes from a parsed GeoJSON document; `file` names it in errors.
pub fn parse_lanes(file: &str, doc: &Value) -> Result<Vec<Lane>, Error> {
    let features = features(file, doc)?;
    let mut lanes = Vec::with_capacity(features.len());
    for (i, feature) in features.iter().enumerate() {
        let bad = |field: &str, message: String| Error::Feature {
            file: file.to_string(),
            feature: i,
            field: field.to_string(),
            message,
        };
        let props = properties(feature).map_err(|m| bad("properties", m))?;
        let passage = match props.and_then(|p| p.get("passage")) {
            None | Some(Value::Null) => None,
            Some(Value::String(tag)) => Some(
                tag.parse::<Passage>()
                    .map_err(|e| bad("properties.passage", e.to_string()))?,
            ),
            Some(other) => {
                return Err(bad(
                    "properties.passage",
                    format!("expected a string, found {other}"),
                ));
            }
        };
        let geometry = feature
            .get("geometry")
            .ok_or_else(|| bad("geometry", "missing".into()))?;
        let kind = geometry
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let coordinates = geometry
            .get("coordinates")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("geometry.coordinates", "missing or not an array".into()))?;
        let lines: Vec<(String, &Vec<Value>)> = match kind {
            "LineString" => vec![("geometry.coordinates".to_string(), coordinates)],
            "MultiLineString" => coordinates
                .iter()
                .enumerate()
                .map(|(j, line)| {
                    let field = format!("geometry.coordinates[{j}]");
                    line.as_array()
                        .map(|l| (field.clone(), l))
                        .ok_or_else(|| bad(&field, "not an array".into()))
                })
                .collect::<Result<_, _>>()?,
            other => {
                return Err(bad(
                    "geometry.type",
                    format!("expected LineString or MultiLineString, found {other:?}"),
                ));
            }
        };
        for (field, line) in lines {
            if line.len() < 2 {
                return Err(bad(
                    &field,
                    format!("a lane needs at least 2 positions, found {}", line.len()),
                ));
            }
            let points = line
                .iter()
                .enumerate()
                .map(|(k, p)| position(p).map_err(|m| bad(&format!("{field}[{k}]"), m)))
                .collect::<Result<Vec<_>, _>>()?;
            lanes.push(Lane {
                feature: i,
                passage,
                points,
            });
        }
    }
    if lanes.is_empty() {
        return Err(Error::File {
            file: file.to_string(),
            message: "no lanes in it".into(),
        });
    }
    Ok(lanes)
}

/// Ports from a parsed GeoJSON document; `file` names it in errors.
pub fn parse_ports(file: &str, doc: &Value) -> Result<Vec<PortRecord>, Error> {
    let features = features(file, doc)?;
    let mut ports = Vec::with_capacity(features.len());
    for (i, feature) in features.iter().enumerate() {
        let bad = |field: &str, message: String| Error::Feature {
            file: file.to_string(),
            feature: i,
            field: field.to_string(),
            message,
        };
        let props = properties(feature)
            .map_err(|m| bad("properties", m))?
            .ok_or_else(|| bad("properties", "missing".into()))?;
        let text = |key: &str| {
            props
                .get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| {
                    bad(
                        &format!("properties.{key}"),
                        "missing or not a non-empty string".into(),
                    )
                })
        };
        let locode = text("port")?;
        let name = text("name")?;
        let country = text("cty")?;
        let geometry = feature
            .get("geometry")
            .ok_or_else(|| bad("geometry", "missing".into()))?;
        if geometry.get("type").and_then(Value::as_str) != Some("Point") {
            return Err(bad("geometry.type", "expected Point".into()));
        }
        let p = geometry
            .get("coordinates")
            .ok_or_else(|| bad("geometry.coordinates", "missing".into()))?;
        let position = position(p).map_err(|m| bad("geometry.coordinates", m))?;
        ports.push(PortRecord {
            locode,
            name,
            country,
            position: position.normalized(),
        });
    }
    Ok(ports)
}

fn features<'a>(file: &str, doc: &'a Value) -> Result<&'a Vec<Value>, Error> {
    let bad = |message: &str| Error::File {
        file: file.to_string(),
        message: message.to_string(),
    };
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(bad("expected a GeoJSON FeatureCollection"));
    }
    doc.get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("field features: missing or not an array"))
}

fn properties(feature: &Value) -> Result<Option<&Map<String, Value>>, String> {
    match feature.get("properties") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(other) => Err(format!("expected an object, found {other}")),
    }
}

/// A GeoJSON position `[lon, lat]` (a third value, the altitude, is allowed and ignored).
fn position(p: &Value) -> Result<LonLat, String> {
    let arr = p
        .as_array()
        .ok_or_else(|| format!("expected [lon, lat], found {p}"))?;
    let (Some(lon), Some(lat)) = (
        arr.first().and_then(Value::as_f64),
        arr.get(1).and_then(Value::as_f64),
    ) else {
        return Err(format!("expected [lon, lat] numbers, found {p}"));
    };
    // The source draws the Bering Sea east of 180°; anything beyond one extra turn is an error.
    if !(-360.0..=360.0).contains(&lon) {
        return Err(format!("longitude {lon} is outside [-360, 360]"));
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(format!("latitude {lat} is outside [-90, 90]"));
    }
    Ok(LonLat::new(lon, lat))
}

/// The route as a GeoJSON Feature (LineString), with distances and passages as properties.
pub fn route_feature(route: &SeaRoute) -> Value {
    let coords: Vec<[f64; 2]> = route.geometry.iter().map(|p| [p.lon, p.lat]).collect();
    json!({
        "type": "Feature",
        "geometry": { "type": "LineString", "coordinates": coords },
        "properties": {
            "mode": "sea",
            "network_km": route.network_km,
            "origin_leg_km": route.origin.distance_km,
            "destination_leg_km": route.destination.distance_km,
            "total_km": route.total_km(),
            "total_nm": route.total_km() / crate::geo::KM_PER_NM,
            "passages": route.passages,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lanes(doc: Value) -> Result<Vec<Lane>, Error> {
        parse_lanes("lanes.geojson", &doc)
    }

    #[test]
    fn reads_lines_and_multilines() -> Result<(), Error> {
        let got = lanes(json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"passage": "suez"},
             "geometry": {"type": "LineString", "coordinates": [[32.3, 31.1], [32.5, 30.2]]}},
            {"type": "Feature", "properties": {},
             "geometry": {"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]], [[2, 2], [3, 3, 0]]]}}
        ]}))?;
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].passage, Some(Passage::Suez));
        assert_eq!(
            (got[2].feature, got[2].points[1]),
            (1, LonLat::new(3.0, 3.0))
        );
        Ok(())
    }

    #[test]
    fn errors_name_file_feature_and_field() {
        let line = |coords: Value, props: Value| {
            json!({"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
                {"type": "Feature", "properties": props, "geometry": {"type": "LineString", "coordinates": coords}}
            ]})
        };
        let cases = [
            (
                line(json!([[0, 0], [1, "x"]]), json!({})),
                "lanes.geojson, feature 1, field geometry.coordinates[1]: expected [lon, lat] numbers",
            ),
            (
                line(json!([[0, 0], [1, 95]]), json!({})),
                "feature 1, field geometry.coordinates[1]: latitude 95 is outside",
            ),
            (
                line(json!([[0, 0]]), json!({})),
                "feature 1, field geometry.coordinates: a lane needs at least 2 positions",
            ),
            (
                line(json!([[0, 0], [1, 1]]), json!({"passage": "kiel"})),
                "feature 1, field properties.passage: unknown passage \"kiel\"",
            ),
            (
                line(json!([[0, 0], [1, 1]]), json!({"passage": 3})),
                "feature 1, field properties.passage: expected a string",
            ),
        ];
        for (doc, want) in cases {
            let err = lanes(doc).map(|_| ()).unwrap_err().to_string();
            assert!(err.contains(want), "{err}\n  wanted: {want}");
        }
        let err = lanes(json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}}]}))
        .map(|_| ())
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("feature 0, field geometry.type: expected LineString or MultiLineString"),
            "{err}"
        );
        let err = lanes(json!({"type": "Feature"}))
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert_eq!(err, "lanes.geojson: expected a GeoJSON FeatureCollection");
    }

    #[test]
    fn ports_need_code_name_country_and_point() {
        let doc = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"port": "CNSHA", "name": "Shanghai", "cty": "China"},
             "geometry": {"type": "Point", "coordinates": [121.497113, 31.400091]}},
            {"type": "Feature", "properties": {"port": "", "name": "Nowhere", "cty": "X"},
             "geometry": {"type": "Point", "coordinates": [0, 0]}}
        ]});
        let err = parse_ports("ports.geojson", &doc)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("ports.geojson, feature 1, field properties.port:"),
            "{err}"
        );
    }
}
