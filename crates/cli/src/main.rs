//! The `kaifang` binary: command-line glue over the library crates.

mod args;
mod assess;
mod assign;
mod bulletin;
mod channels;
mod commands;
mod invest;
mod progress;
mod risk;
mod trade;
mod work;

use clap::Parser;

fn main() -> std::process::ExitCode {
    // Before any thread starts: trade imports keep their memory bound in resident memory.
    kaifang_trade::bound_resident_memory();
    let args = args::Cli::parse();
    commands::init_logging(&args);
    match commands::run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}
