//! The `rampart` command: `rampart serve` runs the S3 server.

mod config;
mod credentials;
mod server;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "rampart",
    version,
    about = "A self-hosted, S3-compatible object storage server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the S3 server.
    Serve(config::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            let config = match config::Config::load(args) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("rampart: {e}");
                    return ExitCode::from(2);
                }
            };
            let _log_flush = server::init_tracing(&config.log);
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("rampart")
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("rampart: cannot start the async runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(server::run(config)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("{e}");
                    eprintln!("rampart: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
