//! Positions on the Earth and distances between them.
//!
//! Distances are great-circle (haversine) on a sphere of the IUGG mean radius: the sea-lane
//! network is a schematic of shipping lanes, and the spherical error (≤ 0.5 %) is far below
//! the error of the lanes themselves.

use serde::{Deserialize, Serialize};

/// Mean Earth radius (IUGG), in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// One international nautical mile, in kilometres.
pub const KM_PER_NM: f64 = 1.852;

/// A position in WGS 84 degrees, longitude first as in GeoJSON.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

impl LonLat {
    pub const fn new(lon: f64, lat: f64) -> Self {
        Self { lon, lat }
    }

    /// The same position with the longitude in (-180, 180].
    ///
    /// Networks drawn across the antimeridian write the same place as 190° or -170°, and
    /// as 180° or -180°; folding them makes such points one node.
    pub fn normalized(self) -> Self {
        let mut lon = self.lon % 360.0;
        if lon > 180.0 {
            lon -= 360.0;
        } else if lon <= -180.0 {
            lon += 360.0;
        }
        Self { lon, lat: self.lat }
    }

    /// Whether both coordinates are finite and the latitude is within ±90°.
    pub fn is_valid(self) -> bool {
        self.lon.is_finite() && self.lat.is_finite() && self.lat.abs() <= 90.0
    }

    /// The point on the unit sphere, used for nearest-neighbour search: the straight-line
    /// (chord) distance between unit vectors grows with the great-circle distance, and has
    /// no seam at the antimeridian or singularity at the poles.
    pub(crate) fn unit_vector(self) -> [f64; 3] {
        let (lon, lat) = (self.lon.to_radians(), self.lat.to_radians());
        [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
    }
}

/// Great-circle distance in kilometres.
pub fn haversine_km(a: LonLat, b: LonLat) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    // min() guards asin against h creeping above 1 by rounding for antipodal points.
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// Great-circle distance in kilometres corresponding to a chord between unit vectors.
pub(crate) fn chord_to_km(chord: f64) -> f64 {
    2.0 * EARTH_RADIUS_KM * (chord / 2.0).min(1.0).asin()
}

/// Length of a polyline, in kilometres.
pub fn polyline_km(points: &[LonLat]) -> f64 {
    points.windows(2).map(|w| haversine_km(w[0], w[1])).sum()
}

/// The polyline with longitudes unwrapped so that consecutive points never differ by more
/// than 180°: a route across the Pacific then draws as one line instead of a stroke across
/// the whole map. Longitudes may leave [-180, 180] as a result.
pub fn unwrap_longitudes(points: &mut [LonLat]) {
    for i in 1..points.len() {
        let prev = points[i - 1].lon;
        let mut lon = points[i].lon;
        while lon - prev > 180.0 {
            lon -= 360.0;
        }
        while prev - lon > 180.0 {
            lon += 360.0;
        }
        points[i].lon = lon;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_known_distances() {
        // One degree of latitude is 111.2 km on this sphere.
        let d = haversine_km(LonLat::new(0.0, 0.0), LonLat::new(0.0, 1.0));
        assert!((d - 111.195).abs() < 0.01, "{d}");
        // Antipodes: half the circumference.
        let d = haversine_km(LonLat::new(0.0, 0.0), LonLat::new(180.0, 0.0));
        assert!(
            (d - std::f64::consts::PI * EARTH_RADIUS_KM).abs() < 1e-6,
            "{d}"
        );
        // The antimeridian is no seam.
        let d = haversine_km(LonLat::new(179.5, 10.0), LonLat::new(-179.5, 10.0));
        assert!((d - 109.5).abs() < 0.1, "{d}");
    }

    #[test]
    fn normalizing_folds_the_antimeridian() {
        assert_eq!(
            LonLat::new(190.8498, 65.0).normalized().lon,
            190.8498 - 360.0
        );
        assert_eq!(LonLat::new(-180.0, 1.0).normalized().lon, 180.0);
        assert_eq!(LonLat::new(180.0, 1.0).normalized().lon, 180.0);
        assert_eq!(LonLat::new(-170.0, 1.0).normalized().lon, -170.0);
    }

    #[test]
    fn chord_matches_haversine() {
        let (a, b) = (LonLat::new(121.5, 31.4), LonLat::new(4.44, 51.9));
        let (u, v) = (a.unit_vector(), b.unit_vector());
        let chord = ((u[0] - v[0]).powi(2) + (u[1] - v[1]).powi(2) + (u[2] - v[2]).powi(2)).sqrt();
        assert!((chord_to_km(chord) - haversine_km(a, b)).abs() < 1e-6);
    }

    #[test]
    fn unwrapping_keeps_lines_continuous() {
        let mut p = vec![
            LonLat::new(170.0, 0.0),
            LonLat::new(-175.0, 0.0),
            LonLat::new(-160.0, 0.0),
        ];
        unwrap_longitudes(&mut p);
        assert_eq!(p[1].lon, 185.0);
        assert_eq!(p[2].lon, 200.0);
    }
}
