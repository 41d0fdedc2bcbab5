//! The canonical network files: GMNS-style `node.csv` and `link.csv` with Kaifang's extra
//! columns for freight (documented in `docs/network-format.md`).
//!
//! Reading validates every field and names the file, the row (line number, the header being
//! line 1) and the field of the first problem. Unknown columns are ignored, as GMNS allows.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::error::Error;
use crate::geo::LonLat;
use crate::model::{
    CargoSet, Country, Crossing, Hours, Link, Mode, Node, NodeKind, RegimeSet, Set, Status, Tariff,
};
use crate::network::{LinkRecord, Network, NodeRecord};
use crate::passage::{Passage, PassageSet};

pub const NODE_COLUMNS: [&str; 14] = [
    "node_id",
    "name",
    "name_zh",
    "x_coord",
    "y_coord",
    "node_type",
    "country",
    "locode",
    "crossing_countries",
    "crossing_mode",
    "regimes",
    "clearance_hours",
    "status",
    "source",
];

pub const LINK_COLUMNS: [&str; 24] = [
    "link_id",
    "name",
    "from_node_id",
    "to_node_id",
    "directed",
    "mode",
    "length",
    "free_speed",
    "travel_time",
    "tariff_teu",
    "tariff_tonne",
    "tariff_fixed",
    "departures_week",
    "capacity_week",
    "delay_sd",
    "co2_g_tkm",
    "allowed_uses",
    "regimes",
    "passages",
    "status",
    "geometry",
    "source",
    "time_source",
    "tariff_source",
];

/// Reads `node.csv` and `link.csv` text into a network; `node_file` and `link_file` name
/// them in errors.
pub fn parse(node_file: &str, nodes: &str, link_file: &str, links: &str) -> Result<Network, Error> {
    let nodes = parse_nodes(node_file, nodes)?;
    let links = parse_links(link_file, links)?;
    Network::new(nodes, links)
}

/// Reads the two files from disk.
pub fn load(node_path: &Path, link_path: &Path) -> Result<Network, Error> {
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|source| Error::Io {
            file: p.display().to_string(),
            source,
        })
    };
    parse(
        &node_path.display().to_string(),
        &read(node_path)?,
        &link_path.display().to_string(),
        &read(link_path)?,
    )
}

/// A CSV table with its header, so fields are read by name.
pub(crate) struct Table<'a> {
    file: &'a str,
    /// Rows are GeoJSON features (0-based index) rather than CSV lines.
    features: bool,
    columns: HashMap<String, usize>,
    rows: Vec<(u64, csv::StringRecord)>,
}

impl<'a> Table<'a> {
    fn read(file: &'a str, text: &str, required: &[&str]) -> Result<Self, Error> {
        let mut r = csv::ReaderBuilder::new()
            .flexible(false)
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        let header = r.headers().map_err(|e| Error::File {
            file: file.to_string(),
            message: format!("cannot read the header: {e}"),
        })?;
        let columns: HashMap<String, usize> = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim_start_matches('\u{feff}').to_string(), i))
            .collect();
        for c in required {
            if !columns.contains_key(*c) {
                return Err(Error::File {
                    file: file.to_string(),
                    message: format!("missing column {c}"),
                });
            }
        }
        let mut rows = Vec::new();
        for rec in r.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                Error::row(file, line, "-", e.to_string())
            })?;
            let line = rec.position().map_or(0, |p| p.line());
            rows.push((line, rec));
        }
        Ok(Table {
            file,
            features: false,
            columns,
            rows,
        })
    }

    /// A table from GeoJSON features' properties; row numbers are feature indices.
    pub(crate) fn from_features(
        file: &'a str,
        columns: Vec<String>,
        rows: Vec<(u64, csv::StringRecord)>,
    ) -> Self {
        Table {
            file,
            features: true,
            columns: columns
                .into_iter()
                .enumerate()
                .map(|(i, c)| (c, i))
                .collect(),
            rows,
        }
    }
}

/// One row being parsed: fields by name, errors naming file, row and field.
struct Row<'t> {
    table: &'t Table<'t>,
    line: u64,
    rec: &'t csv::StringRecord,
}

impl Row<'_> {
    fn err(&self, field: &str, message: String) -> Error {
        if self.table.features {
            Error::Feature {
                file: self.table.file.to_string(),
                feature: self.line as usize,
                field: format!("properties.{field}"),
                message,
            }
        } else {
            Error::row(self.table.file, self.line, field, message)
        }
    }

    fn text(&self, field: &str) -> &str {
        self.table
            .columns
            .get(field)
            .and_then(|&i| self.rec.get(i))
            .unwrap_or("")
    }

    fn required(&self, field: &str) -> Result<String, Error> {
        let t = self.text(field);
        if t.is_empty() {
            return Err(self.err(field, "missing".into()));
        }
        Ok(t.to_string())
    }

    fn number(&self, field: &str) -> Result<Option<f64>, Error> {
        let t = self.text(field);
        if t.is_empty() {
            return Ok(None);
        }
        let v: f64 = t
            .parse()
            .map_err(|_| self.err(field, format!("{t:?} is not a number")))?;
        if !v.is_finite() {
            return Err(self.err(field, format!("{t} is not a finite number")));
        }
        if v < 0.0 {
            return Err(self.err(field, format!("{v} is negative")));
        }
        Ok(Some(v))
    }

    fn parsed<T: std::str::FromStr<Err = String>>(&self, field: &str) -> Result<T, Error> {
        self.text(field).parse().map_err(|m| self.err(field, m))
    }
}

const NODE_REQUIRED: [&str; 7] = [
    "node_id",
    "name",
    "x_coord",
    "y_coord",
    "node_type",
    "country",
    "source",
];
const LINK_REQUIRED: [&str; 6] = [
    "link_id",
    "from_node_id",
    "to_node_id",
    "mode",
    "length",
    "source",
];

fn parse_nodes(file: &str, text: &str) -> Result<Vec<NodeRecord>, Error> {
    nodes_from(&Table::read(file, text, &NODE_REQUIRED)?)
}

fn parse_links(file: &str, text: &str) -> Result<Vec<LinkRecord>, Error> {
    links_from(&Table::read(file, text, &LINK_REQUIRED)?)
}

pub(crate) fn nodes_from(table: &Table) -> Result<Vec<NodeRecord>, Error> {
    let file = table.file;
    let mut out = Vec::with_capacity(table.rows.len());
    for (line, rec) in &table.rows {
        let row = Row {
            table,
            line: *line,
            rec,
        };
        let id = row.required("node_id")?;
        let coord = |f: &str| -> Result<f64, Error> {
            let t = row.text(f);
            t.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| row.err(f, format!("{t:?} is not a coordinate")))
        };
        let position = LonLat::new(coord("x_coord")?, coord("y_coord")?);
        if !(position.is_valid() && position.lon.abs() <= 180.0) {
            return Err(row.err(
                "y_coord",
                "the position is outside [-180, 180] × [-90, 90]".into(),
            ));
        }
        let country: Country = row.parsed("country")?;
        let kind_tag = row.required("node_type")?;
        let kind = match kind_tag.as_str() {
            "city" => NodeKind::City,
            "seaport" => NodeKind::Seaport,
            "rail_terminal" => NodeKind::RailTerminal,
            "dry_port" => NodeKind::DryPort,
            "airport" => NodeKind::Airport,
            "transfer_hub" => NodeKind::TransferHub,
            "border_crossing" => {
                let pair = row.required("crossing_countries")?;
                let (a, b) = pair
                    .split_once('-')
                    .ok_or_else(|| row.err("crossing_countries", format!("{pair:?} is not A-B")))?;
                let countries: (Country, Country) = (
                    a.parse().map_err(|m| row.err("crossing_countries", m))?,
                    b.parse().map_err(|m| row.err("crossing_countries", m))?,
                );
                if countries.0 == countries.1 {
                    return Err(row.err(
                        "crossing_countries",
                        "a crossing joins two different countries".into(),
                    ));
                }
                if countries.0 != country {
                    return Err(row.err(
                        "country",
                        format!("a crossing's country is the first of its pair {pair}"),
                    ));
                }
                let way: Mode = row.parsed("crossing_mode")?;
                if !matches!(way, Mode::Road | Mode::Rail) {
                    return Err(row.err("crossing_mode", "road or rail".into()));
                }
                let regimes: RegimeSet = row.parsed("regimes")?;
                if regimes.is_empty() {
                    return Err(row.err("regimes", "a crossing handles at least one regime".into()));
                }
                let clearance_hours = row
                    .number("clearance_hours")?
                    .ok_or_else(|| row.err("clearance_hours", "missing".into()))?;
                NodeKind::BorderCrossing(Crossing {
                    countries,
                    way,
                    regimes,
                    clearance_hours,
                })
            }
            other => {
                return Err(row.err(
                    "node_type",
                    format!(
                        "unknown node type {other:?} (known: {})",
                        NodeKind::TAGS.join(", ")
                    ),
                ));
            }
        };
        let locode = Some(row.text("locode").to_string()).filter(|s| !s.is_empty());
        out.push(NodeRecord {
            file: file.to_string(),
            row: *line,
            node: Node {
                name: row.required("name")?,
                name_zh: row.text("name_zh").to_string(),
                id,
                position,
                kind,
                country,
                locode,
                status: row.parsed("status")?,
                source: row.required("source")?,
            },
        });
    }
    Ok(out)
}

pub(crate) fn links_from(table: &Table) -> Result<Vec<LinkRecord>, Error> {
    let file = table.file;
    let mut out = Vec::with_capacity(table.rows.len());
    for (line, rec) in &table.rows {
        let row = Row {
            table,
            line: *line,
            rec,
        };
        let mode: Mode = row.parsed("mode")?;
        let length_km = row
            .number("length")?
            .ok_or_else(|| row.err("length", "missing".into()))?;
        let speed = row.number("free_speed")?;
        let hours = match (row.number("travel_time")?, speed) {
            (Some(h), _) => h,
            (None, Some(s)) if s > 0.0 => length_km / s,
            (None, Some(_)) => return Err(row.err("free_speed", "zero speed".into())),
            (None, None) => {
                return Err(row.err("travel_time", "give travel_time or free_speed".into()));
            }
        };
        let hours = Hours::new(hours).ok_or_else(|| row.err("travel_time", "invalid".into()))?;
        let departures = row.number("departures_week")?;
        if departures == Some(0.0) {
            return Err(row.err(
                "departures_week",
                "zero departures: leave empty for a continuous service, or close the link".into(),
            ));
        }
        let directed = match row.text("directed").to_ascii_lowercase().as_str() {
            "" | "false" | "0" | "no" => false,
            "true" | "1" | "yes" => true,
            t => return Err(row.err("directed", format!("{t:?} is not true or false"))),
        };
        let cargo: CargoSet = match row.text("allowed_uses") {
            "" => default_cargo(mode),
            _ => row.parsed("allowed_uses")?,
        };
        let regimes: RegimeSet = match row.text("regimes") {
            "" => Set::all(),
            _ => row.parsed("regimes")?,
        };
        let passages = row
            .text("passages")
            .split('|')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                t.parse::<Passage>()
                    .map_err(|e| row.err("passages", e.to_string()))
            })
            .try_fold(PassageSet::EMPTY, |s, p| p.map(|p| s.with(p)))?;
        let geometry = match row.text("geometry") {
            "" => Vec::new(),
            t => parse_wkt_linestring(t).map_err(|m| row.err("geometry", m))?,
        };
        let link = Link {
            id: row.required("link_id")?,
            name: row.text("name").to_string(),
            from: 0,
            to: 0,
            directed,
            mode,
            length_km,
            hours,
            tariff: Tariff {
                per_teu: row.number("tariff_teu")?.unwrap_or(0.0),
                per_tonne: row.number("tariff_tonne")?.unwrap_or(0.0),
                fixed: row.number("tariff_fixed")?.unwrap_or(0.0),
            },
            departures_per_week: departures,
            capacity_per_week: row.number("capacity_week")?,
            delay_sd_hours: row.number("delay_sd")?.unwrap_or(0.0),
            co2_g_per_tkm: row
                .number("co2_g_tkm")?
                .unwrap_or(mode.default_co2_g_per_tkm()),
            cargo,
            regimes,
            passages,
            status: row.parsed::<Status>("status")?,
            geometry,
            source: row.required("source")?,
            time_source: row.text("time_source").to_string(),
            tariff_source: row.text("tariff_source").to_string(),
        };
        out.push(LinkRecord {
            file: file.to_string(),
            row: *line,
            from_id: row.required("from_node_id")?,
            to_id: row.required("to_node_id")?,
            link,
        });
    }
    Ok(out)
}

/// Cargo a mode carries when a link does not say: air freight flies, the rest goes by
/// surface.
pub fn default_cargo(mode: Mode) -> CargoSet {
    use crate::model::CargoClass::*;
    match mode {
        Mode::Air => CargoSet::of(&[AirFreight]),
        // Trucks and border gates also carry air freight to and from airports.
        Mode::Road | Mode::BorderCrossing | Mode::Transfer => {
            CargoSet::of(&[Container, Bulk, AirFreight])
        }
        Mode::Rail | Mode::Sea | Mode::InlandWaterway => CargoSet::of(&[Container, Bulk]),
    }
}

/// `LINESTRING (lon lat, lon lat, ...)`.
pub fn parse_wkt_linestring(t: &str) -> Result<Vec<LonLat>, String> {
    let body = t
        .trim()
        .strip_prefix("LINESTRING")
        .map(str::trim)
        .and_then(|b| b.strip_prefix('('))
        .and_then(|b| b.strip_suffix(')'))
        .ok_or_else(|| "expected WKT LINESTRING (lon lat, ...)".to_string())?;
    let pts = body
        .split(',')
        .map(|p| {
            let mut it = p.split_whitespace().map(str::parse::<f64>);
            match (it.next(), it.next()) {
                (Some(Ok(x)), Some(Ok(y))) if LonLat::new(x, y).is_valid() => Ok(LonLat::new(x, y)),
                _ => Err(format!("{p:?} is not a position")),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    if pts.len() < 2 {
        return Err("a line needs two positions".into());
    }
    Ok(pts)
}

fn wkt(points: &[LonLat]) -> String {
    let mut s = String::from("LINESTRING (");
    for (i, p) in points.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{:.4} {:.4}", p.lon, p.lat);
    }
    s.push(')');
    s
}

fn num(v: f64) -> String {
    // Shortest text that reads back to the same value.
    format!("{v}")
}

/// Writes the network back as the two CSV texts (nodes, links).
pub fn write(net: &Network) -> Result<(String, String), Error> {
    let to_err = |e: csv::Error| Error::File {
        file: "csv".into(),
        message: e.to_string(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(NODE_COLUMNS).map_err(to_err)?;
    for n in net.nodes() {
        let x = n.kind.crossing();
        w.write_record([
            n.id.clone(),
            n.name.clone(),
            n.name_zh.clone(),
            num(n.position.lon),
            num(n.position.lat),
            n.kind.tag().to_string(),
            n.country.to_string(),
            n.locode.clone().unwrap_or_default(),
            x.map(|x| format!("{}-{}", x.countries.0, x.countries.1))
                .unwrap_or_default(),
            x.map(|x| x.way.to_string()).unwrap_or_default(),
            x.map(|x| x.regimes.to_string()).unwrap_or_default(),
            x.map(|x| num(x.clearance_hours)).unwrap_or_default(),
            n.status.to_string(),
            n.source.clone(),
        ])
        .map_err(to_err)?;
    }
    let nodes = String::from_utf8(w.into_inner().map_err(|e| Error::File {
        file: "csv".into(),
        message: e.to_string(),
    })?)
    .unwrap_or_default();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(LINK_COLUMNS).map_err(to_err)?;
    for l in net.links() {
        let opt = |v: Option<f64>| v.map(num).unwrap_or_default();
        let passages: Vec<&str> = l.passages.iter().map(|p| p.tag()).collect();
        w.write_record([
            l.id.clone(),
            l.name.clone(),
            net.node(l.from).id.clone(),
            net.node(l.to).id.clone(),
            l.directed.to_string(),
            l.mode.to_string(),
            num(l.length_km),
            String::new(),
            num(l.hours.get()),
            num(l.tariff.per_teu),
            num(l.tariff.per_tonne),
            num(l.tariff.fixed),
            opt(l.departures_per_week),
            opt(l.capacity_per_week),
            num(l.delay_sd_hours),
            num(l.co2_g_per_tkm),
            l.cargo.to_string(),
            l.regimes.to_string(),
            passages.join("|"),
            l.status.to_string(),
            if l.geometry.is_empty() {
                String::new()
            } else {
                wkt(&l.geometry)
            },
            l.source.clone(),
            l.time_source.clone(),
            l.tariff_source.clone(),
        ])
        .map_err(to_err)?;
    }
    let links = String::from_utf8(w.into_inner().map_err(|e| Error::File {
        file: "csv".into(),
        message: e.to_string(),
    })?)
    .unwrap_or_default();
    Ok((nodes, links))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODES: &str = "node_id,name,x_coord,y_coord,node_type,country,crossing_countries,crossing_mode,regimes,clearance_hours,source
a,A,125.3,43.9,city,CN,,,,,test
b,B,130.4,42.9,city,CN,,,,,test
x,X,130.6,42.8,border_crossing,CN,CN-RU,road,export|import,4,test
r,R,130.8,42.7,city,RU,,,,,test
";

    fn links(rows: &str) -> Result<Network, Error> {
        let text = format!(
            "link_id,from_node_id,to_node_id,mode,length,free_speed,travel_time,source\n{rows}"
        );
        parse("node.csv", NODES, "link.csv", &text)
    }

    #[test]
    fn reads_a_small_network() -> Result<(), Error> {
        let net =
            links("l1,a,b,road,400,60,,test\nl2,b,x,road,16,60,,test\nl3,x,r,road,18,,0.5,test\n")?;
        assert_eq!(net.nodes().len(), 4);
        assert_eq!(net.links().len(), 3);
        let l1 = net.link(0);
        assert!((l1.hours.get() - 400.0 / 60.0).abs() < 1e-9);
        assert_eq!(l1.co2_g_per_tkm, Mode::Road.default_co2_g_per_tkm());
        assert_eq!(net.parts().len(), 1);
        // Written and read back, the network is the same.
        let (n, l) = write(&net)?;
        let again = parse("node.csv", &n, "link.csv", &l)?;
        assert_eq!(again.nodes(), net.nodes());
        assert_eq!(again.links(), net.links());
        Ok(())
    }

    #[test]
    fn errors_name_file_row_and_field() {
        let cases = [
            (
                "l1,a,nowhere,road,400,60,,test\n",
                "link.csv, row 2, field to_node_id: unknown node \"nowhere\"",
            ),
            (
                "l1,a,b,road,-4,60,,test\n",
                "link.csv, row 2, field length: -4 is negative",
            ),
            (
                "l1,a,b,road,NaN,60,,test\n",
                "link.csv, row 2, field length: NaN is not a finite number",
            ),
            (
                "l1,a,b,road,400,0,,test\n",
                "link.csv, row 2, field free_speed: zero speed",
            ),
            (
                "l1,a,b,road,400,60,,test\nl1,b,a,road,400,60,,test\n",
                "link.csv, row 3, field link_id: duplicate link id \"l1\"",
            ),
            (
                "l1,a,r,road,400,60,,test\n",
                "link.csv, row 2, field mode: a road link from a (CN) to r (RU) crosses a border outside a border crossing",
            ),
            (
                "l1,b,x,rail,16,40,,test\n",
                "link.csv, row 2, field mode: a rail link joins a road crossing",
            ),
            (
                "l1,a,b,train,400,60,,test\n",
                "link.csv, row 2, field mode: unknown Mode \"train\"",
            ),
            (
                "l1,a,b,road,400,60,,\n",
                "link.csv, row 2, field source: missing",
            ),
        ];
        for (rows, want) in cases {
            let err = links(rows).map(|_| ()).expect_err(want).to_string();
            assert!(err.contains(want), "{err}\n  wanted: {want}");
        }
        let dup = format!("{NODES}a,A again,1,1,city,CN,,,,,test\n");
        let err = parse(
            "node.csv",
            &dup,
            "link.csv",
            "link_id,from_node_id,to_node_id,mode,length,source\n",
        )
        .map(|_| ())
        .expect_err("duplicate")
        .to_string();
        assert_eq!(
            err,
            "node.csv, row 6, field node_id: duplicate node id \"a\""
        );
        let bad_crossing = "node_id,name,x_coord,y_coord,node_type,country,source\nx,X,1,1,border_crossing,CN,test\n";
        let err = parse(
            "node.csv",
            bad_crossing,
            "link.csv",
            "link_id,from_node_id,to_node_id,mode,length,source\n",
        )
        .map(|_| ())
        .expect_err("crossing without pair")
        .to_string();
        assert!(
            err.contains("row 2, field crossing_countries: missing"),
            "{err}"
        );
        let err = parse("node.csv", "node_id,name\n", "link.csv", "")
            .map(|_| ())
            .expect_err("missing columns")
            .to_string();
        assert_eq!(err, "node.csv: missing column x_coord");
    }

    #[test]
    fn reports_disconnected_parts() -> Result<(), Error> {
        let net = links("l1,a,b,road,400,60,,test\n")?;
        let parts = net.parts();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].len(), 2);
        Ok(())
    }
}
