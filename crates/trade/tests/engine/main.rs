//! The trade engine's integration tests, in one binary so DataFusion is linked once:
//! import of the customs layouts, malformed input, the analytics on a fixture, and the
//! enterprise slice files. `common` builds the fixtures they share.

mod common;

mod cluster;
mod fixture;
mod malformed;
mod platform;
mod slices;
