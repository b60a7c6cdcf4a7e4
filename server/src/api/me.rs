//! `DELETE /api/me/data`: erases every row of the signed-in user (right to erasure).

use axum::Json;
use axum::extract::State;

use super::{ApiError, blocking};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::store::Erased;

/// Erases the user's resume positions and viewing sessions; answers how many rows went.
pub async fn erase(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Erased>, ApiError> {
    let erased = blocking(&state.store, move |s| s.delete_user(&user)).await?;
    tracing::info!(
        "erased user data: {} positions, {} sessions",
        erased.resume_positions,
        erased.sessions
    );
    Ok(Json(erased))
}
