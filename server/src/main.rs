//! `flodrama-server`: serves the front-ends, the SDK package and test media, and prepares the
//! test media with ffmpeg. Logs go to stderr (`RUST_LOG` filters, default `info`); stdout
//! carries only the `listening on http://HOST:PORT/` line.

use std::error::Error;
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use flodrama_server::config::{Cli, Command, Config};
use flodrama_server::{media, serve};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let config = Config::from_options(&cli.options);
    let result = match cli.command() {
        Command::PrepareMedia => media::prepare_all(&config.media_dir())
            .map(drop)
            .map_err(Box::from),
        Command::Serve => run_server(config),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", chain(error.as_ref()));
            ExitCode::FAILURE
        }
    }
}

fn run_server(config: Config) -> Result<(), Box<dyn Error>> {
    if config.prepare_media {
        if let Err(e) = media::prepare_all(&config.media_dir()) {
            tracing::error!("test media not prepared, /media/ serves what is there: {e}");
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let shutdown = serve::shutdown_signal()?;
        serve::run(config, shutdown).await?;
        Ok(())
    })
}

/// The error and its sources, joined with `: `.
fn chain(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
