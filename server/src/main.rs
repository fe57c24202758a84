#![recursion_limit = "512"]

//! `watchpost`: reads the configuration, sets up logging, and runs a subcommand.

use clap::Parser;

use server::cli::{self, Cli};
use server::config::Config;

fn main() -> std::process::ExitCode {
    let cli = match Cli::parse().command {
        Some(command @ cli::Command::Insights { .. }) => {
            return std::process::ExitCode::from(u8::try_from(cli::run_insights(command)).unwrap_or(1));
        }
        command => Cli { command },
    };
    // Before any thread exists: `.env` may set variables.
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("watchpost: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    server::telemetry::init(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("watchpost: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli, config)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "watchpost stopped");
            eprintln!("watchpost: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
