//! The custom handler executable: parses arguments, binds, serves until
//! SIGTERM or SIGINT, letting in-flight requests finish.

use anyhow::{Context, Result};
use clap::{Parser, ValueEnum};
use function_app::{AppState, Limits, ServedModel, VERSION, app};
use std::net::{IpAddr, SocketAddr};
use tracing_subscriber::EnvFilter;

/// Azure Functions custom handler serving the baked random forest.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Port to listen on (the Functions host sets FUNCTIONS_CUSTOMHANDLER_PORT); 0 picks a free one.
    #[arg(long, env = "FUNCTIONS_CUSTOMHANDLER_PORT", default_value_t = 7071)]
    port: u16,
    /// Address to bind.
    #[arg(long, env = "FOREST_BIND", default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Most rows one prediction request may carry (more is a 413).
    #[arg(long, env = "FOREST_MAX_ROWS", default_value_t = Limits::default().max_rows)]
    max_rows: usize,
    /// Largest request body in bytes (more is a 413).
    #[arg(long, env = "FOREST_MAX_BODY_BYTES", default_value_t = Limits::default().max_body_bytes)]
    max_body_bytes: usize,
    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, env = "FOREST_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Print the baked model's name, fingerprint and the crate version as JSON, and exit.
    #[arg(long)]
    model_info: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let model = ServedModel::baked();
    if args.model_info {
        println!(
            "{}",
            serde_json::json!({
                "name": model.name,
                "fingerprint": model.fingerprint,
                "version": VERSION,
            })
        );
        return Ok(());
    }
    init_logging(args.log_format);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?
        .block_on(serve(args, model))
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

async fn serve(args: Args, model: ServedModel) -> Result<()> {
    let limits = Limits {
        max_rows: args.max_rows,
        max_body_bytes: args.max_body_bytes,
    };
    let addr = SocketAddr::new(args.bind, args.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let local = listener.local_addr().context("reading the bound address")?;
    tracing::info!(
        addr = %local,
        model = model.name,
        fingerprint = model.fingerprint,
        version = VERSION,
        max_rows = limits.max_rows,
        max_body_bytes = limits.max_body_bytes,
        "listening"
    );
    axum::serve(listener, app(AppState::new(model, limits)))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving")?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGTERM (what the host and `kill` send) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = interrupt => tracing::info!(signal = "SIGINT", "shutting down; finishing in-flight requests"),
        () = terminate => tracing::info!(signal = "SIGTERM", "shutting down; finishing in-flight requests"),
    }
}
