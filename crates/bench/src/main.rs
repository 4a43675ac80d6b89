//! Benchmarks of interviewd. Not tests: they measure and print numbers.
//!
//! `cargo run --release -p interviewd-bench -- engine [--companies 100] [--per-company 100]
//! [--limit 5]`: that many interviews due at once, calls of zero length; reports attempts
//! started per second, the time to drain the queue, the highest in-use count seen per company
//! against its limit, and the peak memory of the process.

mod engine;

use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: interviewd-bench engine [--companies N] [--per-company N] [--limit N] [--timeout-secs N]"
    );
    ExitCode::FAILURE
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        return usage();
    };
    if command != "engine" {
        return usage();
    }
    let mut params = engine::Params::default();
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let Some(value) = it.next().and_then(|v| v.parse::<u64>().ok()) else {
            return usage();
        };
        match flag.as_str() {
            "--companies" => params.companies = value,
            "--per-company" => params.per_company = value,
            "--limit" => params.limit = value,
            "--timeout-secs" => params.timeout_secs = value,
            _ => return usage(),
        }
    }
    match engine::run(&params).await {
        Ok(report) => {
            println!("{report}");
            if report.violations == 0 && report.drained {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
