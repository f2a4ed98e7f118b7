//! The `rampart` command: `rampart serve` runs the S3 server; `rampart admin` and
//! `rampart policy explain` talk to a running one; `rampart dev-cert` makes a self-signed
//! certificate to try TLS with.

mod admin_cli;
mod config;
mod credentials;
mod dev_cert;
mod listener;
mod master_key;
mod recording;
mod server;
mod tls;

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
    Serve(Box<config::ServeArgs>),
    /// Administer a running server (accounts), as its first account's root user.
    Admin(admin_cli::AdminArgs),
    /// Test policies against a running server's identities and buckets.
    Policy(admin_cli::PolicyArgs),
    /// Write a self-signed certificate and key for localhost (for trying TLS, not production).
    DevCert(dev_cert::DevCertArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Admin(args) => match admin_cli::run_admin(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("rampart: {e}");
                ExitCode::FAILURE
            }
        },
        Command::DevCert(args) => match dev_cert::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("rampart: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Policy(args) => match admin_cli::run_policy(args) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => {
                eprintln!("rampart: {e}");
                ExitCode::from(2)
            }
        },
        Command::Serve(args) => {
            let config = match config::Config::load(*args) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("rampart: {e}");
                    return ExitCode::from(2);
                }
            };
            let _log_flush = server::init_tracing(&config.log, config.log_format);
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
