//! The server's integration tests: each spawns the real application on 127.0.0.1 (port 0)
//! over a fresh temporary data directory and talks HTTP to it. One test binary, so the
//! server (and DataFusion under it) is linked once; `common` holds the shared helpers.

mod common;

mod assign;
mod basics;
mod browser;
mod bulletins;
mod channels;
mod cockpit;
mod cooperation;
mod first_start;
mod heavy_work;
mod instances;
mod invest;
mod login_bounds;
mod openapi_types;
mod risk;
mod roles;
mod sql_bounds;
mod tokens_sessions;
mod trade;
mod uploads;
mod work;
mod zone_data;
mod zones;
