use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = interviewd::cli::Cli::parse();
    match interviewd::cli::execute(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
