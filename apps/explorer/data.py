"""A batch store read lazily with DuckDB: open reads ``batch.json`` and the design only.

Every question the explorer asks is one SQL query over the store's Parquet part files
(``indicators/part-*.parquet``, see docs/batches.md), joined with the design (one row per
cell: scenario, point, seed, run_id) and filtered to one indicator, so that a store of
10,000 runs opens in well under a second and memory stays bounded by DuckDB's limit
(:data:`MEMORY_LIMIT`), not by the store's size (benchmarks/explore_store.py).

Effects are paired, as in :class:`sim.experiments.Batch`: each cell's value minus the
baseline's for the same seed and design point; an effect in a year is the mean over its
months of the metro monthly values (or the comune's yearly value), and its interval the
5% and 95% quantiles over seeds (and design points).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError
from sim.experiments.store import BATCH_JSON, DESIGN, INDICATORS, read_document

MEMORY_LIMIT = "1GB"
"""DuckDB's memory limit: what a query may hold, whatever the store's size."""

FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _fail_store(folder: Path, what: str) -> InputError:
    return InputError(f"{what} (expected a batch store written by `metropoli batch`)", str(folder))


@dataclass
class StoreView:
    """A store opened for the explorer.

    Attributes:
        folder: the store.
        document: ``batch.json``.
        design: one row per design cell (``scenario, point, seed, run_id``).
        baseline: the scenario effects are taken against.
        scenarios: the others, in the batch's order, that have cells.
        years: the years the runs cover, as text.
    """

    folder: Path
    document: dict[str, Any]
    design: pd.DataFrame
    baseline: str
    scenarios: list[str]
    years: list[str]

    @classmethod
    def open(cls, folder: str | Path) -> StoreView:
        """Open a store: ``batch.json`` and ``design.parquet``, nothing of the indicators.

        Raises:
            InputError: not a folder, no batch in it, no baseline, or no finished run.
        """
        folder = Path(folder)
        if not folder.is_dir():
            raise _fail_store(folder, "no such folder" if not folder.exists() else "not a folder")
        document = read_document(folder)
        scenarios = document.get("scenarios") if isinstance(document, dict) else None
        if not isinstance(scenarios, dict) or not isinstance(document.get("run"), dict):
            raise _fail_store(folder / BATCH_JSON, "batch.json has no scenarios or run")
        baseline = document.get("baseline") or ""
        if baseline not in scenarios:
            raise _fail_store(folder / BATCH_JSON, "the batch names no baseline scenario")
        try:
            design = pd.read_parquet(
                folder / DESIGN, columns=["scenario", "point", "seed", "run_id"]
            )
        except (OSError, ValueError, KeyError) as err:
            raise _fail_store(folder / DESIGN, f"unreadable ({err.__class__.__name__})") from None
        if not any((folder / INDICATORS).glob("part-*.parquet")):
            raise _fail_store(folder, "no run has finished (no indicators/part-*.parquet)")
        first, last = int(document["run"]["start"][:4]), int(document["run"]["end"][:4])
        others = [s for s in scenarios if s != baseline and (design["scenario"] == s).any()]
        if not others:
            raise _fail_store(folder, "no scenario but the baseline")
        years = [str(y) for y in range(first, last + 1)]
        return cls(folder, document, design, baseline, others, years)

    # ---------------------------------------------------------------- queries
    def _query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        import duckdb  # imported here so that opening a store does not pay for it

        with duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "threads": 2}) as con:
            con.execute("set enable_progress_bar = false")  # nothing printed on stdout
            con.register("design", self.design)
            parts = str(self.folder / INDICATORS / "part-*.parquet")
            con.execute(f"create view indicators as select * from read_parquet('{_quote(parts)}')")
            return con.execute(sql, list(params)).df()

    def _cells(self, scenarios: Sequence[str], period: str, indicators: int = 1) -> str:
        """SQL of the cells' values of some indicators (parameters: the names, the dates).

        ``period`` is ``"month"`` (the metro area's months, dates matched by a LIKE
        pattern) or ``"year"`` (the comuni's years, one date); ``indicators`` is how many
        names the query is given.
        """
        names = ", ".join(f"'{_quote(s)}'" for s in [self.baseline, *scenarios])
        where = {
            "month": "i.comune = 'metro' and i.date like ?",
            "year": "i.comune <> 'metro' and i.date = ?",
        }[period]
        wanted = ", ".join("?" * indicators)
        return f"""select d.scenario, d.point, d.seed, i.indicator, i.comune, i.date, i.value
            from indicators i join design d using (run_id)
            where i.indicator in ({wanted}) and {where} and d.scenario in ({names})"""

    def effects(
        self, indicators: Sequence[str], scenarios: Sequence[str], year: str
    ) -> pd.DataFrame:
        """Each scenario's paired effect on each indicator (metro, mean of the year's months).

        One query, one pass over the store, whatever the number of indicators.

        Returns:
            ``indicator, scenario, median, low, high, n, baseline`` (the baseline's median
            level, for a relative effect).
        """
        sql = f"""with cells as ({self._cells(scenarios, "month", len(indicators))}),
            years as (select indicator, scenario, point, seed, avg(value) v from cells
                      group by indicator, scenario, point, seed)
            select s.indicator, s.scenario, median(s.v - b.v) as median,
                quantile_cont(s.v - b.v, 0.05) as low, quantile_cont(s.v - b.v, 0.95) as high,
                count(*) as n, median(b.v) as baseline
            from years s join years b
                on s.indicator = b.indicator and s.point = b.point and s.seed = b.seed
            where b.scenario = ? and s.scenario <> ? group by s.indicator, s.scenario"""
        params = [*indicators, f"{year}-%", self.baseline, self.baseline]
        table = self._query(sql, params)
        rank = {name: k for k, name in enumerate([*indicators, *scenarios])}
        table = table.sort_values(["indicator", "scenario"], key=lambda column: column.map(rank))
        return table.reset_index(drop=True)

    def fans(self, name: str, scenarios: Sequence[str]) -> pd.DataFrame:
        """Metro monthly quantiles over seeds (and points), levels and paired differences.

        Returns:
            ``kind`` (``level`` or ``difference``), ``scenario, date`` and one column per
            :data:`FAN_QUANTILES` (``q0.05`` ...).
        """
        quantiles = ", ".join(f'quantile_cont(x, {q}) as "q{q:g}"' for q in FAN_QUANTILES)
        sql = f"""with cells as ({self._cells(scenarios, "month")}),
            paired as (select s.scenario, s.date, s.value, s.value - b.value as diff
                       from cells s join cells b on s.point = b.point and s.seed = b.seed
                       and s.date = b.date and b.scenario = ?)
            select 'level' as kind, scenario, date, {quantiles.replace("(x", "(value")}
                from paired group by scenario, date
            union all
            select 'difference', scenario, date, {quantiles.replace("(x", "(diff")}
                from paired where scenario <> ? group by scenario, date
            order by kind, scenario, date"""
        return self._query(sql, [name, "%-%", self.baseline, self.baseline])

    def comune_effects(self, name: str, scenarios: Sequence[str], year: str) -> pd.DataFrame:
        """Median paired effect per comune in ``year`` (its yearly value), per scenario.

        Returns:
            ``scenario, comune, median``.
        """
        sql = f"""with cells as ({self._cells(scenarios, "year")})
            select s.scenario, s.comune, median(s.value - b.value) as median
            from cells s join cells b on s.point = b.point and s.seed = b.seed
                and s.comune = b.comune and b.scenario = ?
            where s.scenario <> ? group by s.scenario, s.comune"""
        return self._query(sql, [name, year, self.baseline, self.baseline])

    def runs(self, scenarios: Sequence[str]) -> pd.DataFrame:
        """The distinct runs of the scenarios (baseline included): run_id, scenario, point, seed."""
        wanted = self.design[self.design["scenario"].isin([self.baseline, *scenarios])]
        return wanted.drop_duplicates("run_id").reset_index(drop=True)

    def manifest(self, run_id: str) -> dict[str, Any]:
        """A run's manifest: the batch's provenance, its cells, its scenario's levers."""
        cells = self.design[self.design["run_id"] == run_id]
        scenario = str(cells["scenario"].iloc[0]) if len(cells) else ""
        doc = self.document
        return {
            "run_id": run_id,
            "batch": doc.get("name"),
            "batch_sha256": doc.get("sha256"),
            "model_version": doc.get("model_version"),
            "code_version": doc.get("code_version"),
            "run": doc.get("run"),
            "cells": json.loads(cells.to_json(orient="records")),
            "levers": doc["scenarios"].get(scenario, {}).get("levers", {}),
            "parameters": doc["scenarios"].get(scenario, {}).get("parameters", {}),
        }


def _quote(text: str) -> str:
    """Text inside a single-quoted SQL literal."""
    return text.replace("'", "''")
