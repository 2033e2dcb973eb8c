"""Every evaluation a run of a batch store: one batch per generation, as ``metropoli batch`` runs.

A generation's new portfolios are the scenarios of one batch (each a scenario named by its
portfolio's key, its levers the funded projects), its design the states of the world (a
points design over the calibrated parameters and the effect sizes of the levers in it),
its seeds the sample's; the batch goes through :func:`sim.experiments.driver.drive` into
``DIR/store/LABEL`` (``reference``, ``gen-000``, ..., ``out-of-sample``): the executors
(this process, local Dask, a scheduler), the forking at the first lever start, the store
written as runs finish and resumed on a rerun. A run's value of an objective is the mean
of its monthly metro values over the objective's years.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path

import pandas as pd

from models.codes import METRO_LABEL
from models.experiments import scenario as scenarios
from models.experiments.batchfile import BatchSpec, points_design
from models.experiments.portfolio.decision import Portfolio
from models.experiments.portfolio.file import PortfolioSpec
from models.experiments.portfolio.states import seeds, states_table
from sim.calendar import format_month
from sim.experiments.batchfile import BatchRun
from sim.experiments.designs import POINTS, Design
from sim.experiments.executors import ExecutorSession
from sim.scenario import Scenario, scenario_from_data
from sim.tomlfile import parse_toml


class RunsFailed(RuntimeError):
    """Some runs of a generation failed: the search cannot go on (a rerun retries them)."""


def portfolio_scenario(
    portfolio: Portfolio, name: str, spec: PortfolioSpec, seed: int
) -> tuple[str, Scenario]:
    """A portfolio's scenario file text and the checked scenario it reads as."""
    run = {
        "start": format_month(spec.run.start),
        "end": format_month(spec.run.end),
        "seed": seed,
        "scale": spec.run.scale,
    }
    text = portfolio.scenario_text(
        name, f"portfolio {name} of {spec.name} (metropoli portfolio)", run
    )
    sc = scenario_from_data(
        parse_toml(text, name), text, scenarios.schema(), source=name, name=name
    )
    return text, sc


class StoreEvaluator:
    """Measures portfolios by running them into batch stores under ``folder``."""

    def __init__(
        self, spec: PortfolioSpec, folder: Path, executors: ExecutorSession, progress: bool = True
    ) -> None:
        self.spec = spec
        self.folder = folder
        self.executors = executors
        self.progress = progress
        self.states = {sample: states_table(spec, sample) for sample in ("in", "out")}

    def batch(self, label: str, portfolios: Mapping[str, Portfolio], sample: str) -> BatchSpec:
        """The batch of one generation (or of the references, or of the verification)."""
        spec = self.spec
        run = BatchRun(spec.run.start, spec.run.end, spec.run.scale, seeds(spec, sample))
        checked = {
            k: portfolio_scenario(p, k, spec, run.seeds[0])[1] for k, p in portfolios.items()
        }
        active = {code for sc in checked.values() for code in sc.levers}
        table = self.states[sample]
        keep = [c for c in table.columns if "." not in c or c.split(".")[0] in active]
        design, varied = points_design(Design(POINTS), table[keep], run, spec.source, "states")
        return BatchSpec(
            name=f"{spec.name}-{label}",
            source=spec.source,
            text=spec.text,
            description=f"metropoli portfolio {spec.name}: {label}",
            run=run,
            scenarios=checked,
            baseline="",
            design=design,
            uncertainties=tuple(varied),
            levers=(),
        )

    def measure(self, label: str, portfolios: Mapping[str, Portfolio], sample: str) -> pd.DataFrame:
        """Run (or find stored) every portfolio x state x seed; each run's objective values."""
        from models.experiments.batch import fork_groups, submit_runs
        from models.experiments.expansion import batch_document, expand
        from sim.experiments.driver import drive

        batch = self.batch(label, portfolios, sample)
        expanded = expand(batch)
        folder = self.folder / label
        driven = drive(
            expanded,
            batch_document(batch, expanded),
            folder,
            partial(submit_runs),
            self.executors,
            label=f"portfolio {self.spec.name} {label}",
            progress=self.progress,
            groups=fork_groups,
        )
        if not driven.complete:
            raise RunsFailed(f"{driven.text}; run the same command again to retry them")
        return self._values(folder, expanded.cells)

    def _values(self, folder: Path, cells: pd.DataFrame) -> pd.DataFrame:
        from sim.experiments.analysis import Batch

        objectives = self.spec.objectives
        first = min(o.years[0] for o in objectives)
        last = max(o.years[1] for o in objectives)
        rows = Batch.open(folder).indicators(
            indicator=sorted({o.indicator for o in objectives}),
            comune=METRO_LABEL,
            period="month",
            dates=(f"{first}-01", f"{last}-12"),
        )
        year = rows["date"].str.slice(0, 4).astype(int)
        out = cells[["scenario", "point", "seed", "run_id"]].rename(
            columns={"scenario": "portfolio", "point": "state"}
        )
        for o in objectives:
            chosen = rows[(rows["indicator"] == o.indicator) & year.between(*o.years)]
            means = chosen.groupby("run_id")["value"].mean()
            out[o.name] = out["run_id"].map(means).astype(float)
        return out.reset_index(drop=True)
