//! Reading and writing networks in standard formats. Each reader validates as it goes and
//! names the file, the feature or row, and the field of the first problem it finds.

pub mod geojson;
pub mod gmns;
pub mod sea;
