//! The API's answers to errors of the trade engine; the trade store itself is held by
//! `kaifang_app::trade::TradeData`.

use kaifang_trade::TradeError;

use crate::error::ApiError;

/// The API's answer to an engine error: the caller's mistakes are 422, the rest internal.
pub fn api_error(e: TradeError) -> ApiError {
    match e {
        TradeError::Argument(m) => ApiError::invalid(m),
        TradeError::Refused(m) => ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "refused",
            format!("query refused: {m}"),
        ),
        e @ (TradeError::Input { .. } | TradeError::File { .. }) => {
            ApiError::invalid(e.to_string())
        }
        TradeError::Cancelled => ApiError::conflict("cancelled"),
        // The cluster is down or unreachable: the service, not the question, is at fault.
        TradeError::Cluster(m) => ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "cluster_unavailable",
            m,
        ),
        other => ApiError::internal(other),
    }
}
