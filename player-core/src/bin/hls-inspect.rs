//! `hls-inspect <file or URL> [--base URL]`: prints a parsed HLS playlist as JSON.
//!
//! A file's base URL defaults to its `file://` URL; `--base` sets the URL the playlist is
//! treated as fetched from (what its relative URIs resolve against).

use std::process::ExitCode;

use player_core::hls::parse_playlist;

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("hls-inspect: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<String, String> {
    let usage = "usage: hls-inspect <file or URL> [--base URL]";
    let mut source = None;
    let mut base = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--base" => base = Some(args.next().ok_or(usage)?),
            "-h" | "--help" => return Err(usage.into()),
            _ if source.is_none() => source = Some(arg),
            _ => return Err(usage.into()),
        }
    }
    let source = source.ok_or(usage)?;
    let (text, default_base) = if source.starts_with("http://") || source.starts_with("https://") {
        let body = ureq::get(&source)
            .call()
            .map_err(|e| format!("{source}: {e}"))?
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("{source}: {e}"))?;
        (body, source.clone())
    } else {
        let text = std::fs::read_to_string(&source).map_err(|e| format!("{source}: {e}"))?;
        let path = std::fs::canonicalize(&source).map_err(|e| format!("{source}: {e}"))?;
        let url = url::Url::from_file_path(&path)
            .map_err(|()| format!("{source}: no file URL for this path"))?;
        (text, url.to_string())
    };
    let base = base.unwrap_or(default_base);
    let playlist = parse_playlist(&text, &base).map_err(|e| format!("{source}: {e}"))?;
    serde_json::to_string_pretty(&playlist).map_err(|e| e.to_string())
}
