//! The `anmalan` binary: a thin shell over the library.
#[tokio::main]
async fn main() -> std::process::ExitCode {
    anmalan::cli::run().await
}
