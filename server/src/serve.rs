//! Binding, the `listening on` announcement, and graceful shutdown.

use std::future::{Future, IntoFuture};
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::app::{self, AppState};
use crate::config::Config;

/// How long open connections may take to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The listening socket could not be set up.
    #[error("cannot listen on {host}:{port}: {source}")]
    Bind {
        /// Host as configured.
        host: String,
        /// Port as configured.
        port: u16,
        /// What the system said.
        source: std::io::Error,
    },
    /// Accepting or serving failed.
    #[error("server failed: {0}")]
    Serve(std::io::Error),
    /// A `--live` stream could not start.
    #[error(transparent)]
    Live(#[from] crate::live::LiveError),
}

/// Binds the configured address.
pub async fn bind(config: &Config) -> Result<TcpListener, ServeError> {
    let bind_error = |source| ServeError::Bind {
        host: config.host.clone(),
        port: config.port,
        source,
    };
    let addr = config.resolve_addr().await.map_err(bind_error)?;
    TcpListener::bind(addr).await.map_err(bind_error)
}

/// The one line written to stdout once the socket is bound; tests read the port from it.
pub fn announcement(addr: SocketAddr) -> String {
    format!("listening on http://{addr}/")
}

/// Serves `config` until `shutdown` completes, then lets open requests finish for at most
/// [`SHUTDOWN_GRACE`]. Prints [`announcement`] to stdout once bound.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let listener = bind(&config).await?;
    let live = crate::live::start_all(&config.data_dir, &config.live)?;
    let addr = listener.local_addr().map_err(ServeError::Serve)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", announcement(addr))
        .and_then(|()| stdout.flush())
        .map_err(ServeError::Serve)?;
    drop(stdout);
    tracing::info!("serving {} static mounts on {addr}", config.mounts.len());
    for mount in &config.mounts {
        tracing::debug!("mount {}/ -> {}", mount.prefix, mount.dir.display());
    }

    let (signalled_tx, signalled_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app::router(AppState::new(config))).with_graceful_shutdown(
        async move {
            shutdown.await;
            tracing::info!("shutting down");
            let _ = signalled_tx.send(());
        },
    );
    let result = tokio::select! {
        result = server.into_future() => result.map_err(ServeError::Serve),
        () = async {
            if signalled_rx.await.is_ok() {
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } else {
                std::future::pending::<()>().await;
            }
        } => {
            tracing::warn!("connections still open {SHUTDOWN_GRACE:?} after shutdown; closing them");
            Ok(())
        }
    };
    for stream in live {
        stream.stop().await;
    }
    result
}

/// Installs SIGINT (Ctrl-C) and SIGTERM handlers now, so that a signal arriving after this
/// call (and after the `listening on` line) is never lost, and returns a future completing on
/// the first of them. Call it inside the Tokio runtime.
#[cfg(unix)]
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
    })
}

/// Returns a future completing on Ctrl-C.
#[cfg(not(unix))]
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
