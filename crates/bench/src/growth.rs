//! Growth: the delete and the Alpharun removal with 10 thousand and then 1 million
//! interviews in the database — they should stay flat.
//!
//! The background is light copies of the COMPLETED template (see [`crate::seed`]): each with
//! its own candidate (so the contact lookups search a million candidates too), job link,
//! call attempt, analysis, two transcript fragments and one event, all in the tenant's
//! company — one large customer, the case where a statement that scans the company's
//! interviews would show — spread over [`BACKGROUND_JOBS`] other openings (a thousand
//! interviews per opening at a million). Before each size's cells, full copies are seeded as
//! targets on the tenant's own opening.

use crate::client::Api;
use crate::db::Backend;
use crate::memory::Process;
use crate::pg::PgServer;
use crate::raw::{RawCtx, raw_op};
use crate::report::{Cell, GrowthCell, Results};
use crate::runner::{Budget, run_cell};
use crate::scenarios::{Scenario, Targets, http_op};
use crate::suite::Setup;
use std::sync::Arc;

/// What the growth runs measure.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Interviews in the database for each round, ascending.
    pub sizes: Vec<u64>,
    pub clients: Vec<usize>,
    pub budget: Budget,
    /// Run the server's event fan-out during the cells (see [`crate::server`]).
    pub event_fanout: bool,
}

const SCENARIOS: [Scenario; 2] = [Scenario::Delete, Scenario::AlpharunRemove];

/// The openings the background interviews are spread over.
pub const BACKGROUND_JOBS: u64 = 1_000;

/// Runs `plan` on `backend`, adding to `results`.
pub async fn run(
    backend: Backend,
    pg: Option<&PgServer>,
    plan: &Plan,
    results: &mut Results,
) -> anyhow::Result<()> {
    let mut setup = Setup::new(backend, pg, plan.event_fanout).await?;
    let ctx = Arc::new(RawCtx::new(&setup.tenant));
    let api = Api::new(&setup.server.base, &setup.tenant.key)?;
    setup.seeder.jobs(setup.tenant.job, BACKGROUND_JOBS).await?;
    let mut seeded = 2; // the templates
    for &size in &plan.sizes {
        if size > seeded {
            let what = format!("growth background up to {size}");
            setup
                .seed(results, &what, true, size - seeded, true)
                .await?;
            seeded = size;
        }
        for scenario in SCENARIOS {
            eprintln!("  {} / growth {size} / {}", backend.name(), scenario.name());
            let per_cell = plan.budget.ops_needed();
            let cells = plan.clients.len() as u64 + 1;
            let what = format!("growth {size}: {} targets", scenario.name());
            let targets = setup
                .seed(results, &what, true, per_cell * cells, false)
                .await?;
            let mut chunks = targets.chunks(per_cell as usize);
            for &clients in &plan.clients {
                let chunk = chunks.next().unwrap_or_default().to_vec();
                let op = http_op(
                    scenario,
                    api.clone(),
                    &setup.tenant,
                    Targets::new(chunk, false),
                );
                let run = run_cell(clients, &plan.budget, &op, setup.server.process()).await;
                results
                    .growth
                    .push(cell(backend, size, scenario, "http", clients, run.into()));
            }
            let chunk = chunks.next().unwrap_or_default().to_vec();
            let op = raw_op(
                scenario,
                &setup.pool,
                ctx.clone(),
                Targets::new(chunk, false),
                None,
            );
            let run = run_cell(1, &plan.budget, &op, Process::This).await;
            results
                .growth
                .push(cell(backend, size, scenario, "raw", 1, run.into()));
        }
    }
    setup.teardown().await
}

fn cell(
    backend: Backend,
    interviews: u64,
    scenario: Scenario,
    mode: &'static str,
    clients: usize,
    cell: Cell,
) -> GrowthCell {
    GrowthCell {
        backend: backend.name(),
        interviews,
        scenario: scenario.name(),
        mode,
        clients,
        cell,
    }
}
