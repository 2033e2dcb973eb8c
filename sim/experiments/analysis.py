"""Reading a batch store: runs, indicators, paired differences and their bands.

>>> from sim.experiments import Batch
>>> batch = Batch.open("results/batch-levers-one-at-a-time")   # doctest: +SKIP
>>> d = batch.differences(indicator="talents", comune="metro")  # doctest: +SKIP
>>> batch.bands(d, over=("seed",))                               # doctest: +SKIP

Differences are paired: each scenario's value minus the baseline's value for the same
seed and the same design point (common random numbers), so the seed-to-seed noise that
both share cancels. Where the baseline's run does not depend on the design point (a lever
effect size varied only where that lever acts), every point is paired with the same
baseline run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.compute as pc
import pyarrow.dataset as ds

from sim.errors import InputError
from sim.experiments.store import DESIGN, part_files, read_document, read_status, runs_table

KEYS = ("scenario", "point", "seed")


class Batch:
    """A batch store opened for reading (it may still be being written).

    Attributes:
        folder: the store's folder.
        document: ``batch.json``.
    """

    def __init__(self, folder: Path, document: dict[str, Any]) -> None:
        self.folder = folder
        self.document = document

    @classmethod
    def open(cls, folder: str | Path) -> Batch:
        """Open a store folder written by ``metropoli batch``.

        Raises:
            InputError: the folder holds no batch.
        """
        folder = Path(folder)
        return cls(folder, read_document(folder))

    @property
    def baseline(self) -> str:
        """The batch's baseline scenario ("" if it has none)."""
        return self.document.get("baseline", "")

    def design(self) -> pd.DataFrame:
        """One row per design cell: ``scenario, point, seed, run_id`` and the varied values."""
        return pd.read_parquet(self.folder / DESIGN)

    def runs(self) -> pd.DataFrame:
        """One row per distinct run with its status, rebuilt from what is on disk now."""
        return runs_table(self.design(), read_status(self.folder))

    def indicators(
        self,
        indicator: str | Sequence[str] | None = None,
        comune: str | Sequence[str] | None = None,
        period: str | None = None,
        dates: tuple[str, str] | None = None,
    ) -> pd.DataFrame:
        """Indicator rows ``run_id, date, comune, indicator, value``, filtered.

        Args:
            indicator: one name or several.
            comune: ``"metro"``, an ISTAT code, or several.
            period: ``"month"`` (dates ``YYYY-MM``) or ``"year"`` (dates ``YYYY``).
            dates: an inclusive ``(first, last)`` range of dates, compared as text.
        """
        if not part_files(self.folder):  # nothing finished yet
            return pd.DataFrame(columns=["run_id", "date", "comune", "indicator", "value"])
        dataset = ds.dataset(part_files(self.folder), format="parquet")
        filters = []
        for column, wanted in (("indicator", indicator), ("comune", comune)):
            if wanted is not None:
                values = [wanted] if isinstance(wanted, str) else list(wanted)
                filters.append(pc.field(column).isin(values))
        if period is not None:
            if period not in ("month", "year"):
                raise InputError(f"expected 'month' or 'year', got {period!r}", key="period")
            filters.append(pc.utf8_length(pc.field("date")) == (7 if period == "month" else 4))
        if dates is not None:
            filters.append(pc.field("date") >= dates[0])
            filters.append(pc.field("date") <= dates[1])
        expression = None
        for f in filters:
            expression = f if expression is None else expression & f
        return dataset.to_table(filter=expression).to_pandas()

    def cells(self, **filters: Any) -> pd.DataFrame:
        """Indicator rows for every design cell (``scenario, point, seed`` joined on run_id)."""
        design = self.design()[["scenario", "point", "seed", "run_id"]]
        return design.merge(self.indicators(**filters), on="run_id", how="inner")

    def differences(self, baseline: str | None = None, **filters: Any) -> pd.DataFrame:
        """Each scenario minus the baseline, pair by pair (same seed, same design point).

        Returns:
            ``scenario, point, seed, date, comune, indicator, value, baseline_value,
            difference`` for every scenario but the baseline.
        """
        base = baseline or self.baseline
        if not base:
            raise InputError("the batch has no baseline scenario; name one", key="baseline")
        cells = self.cells(**filters)
        if base not in set(self.design()["scenario"]):
            raise InputError(f"{base!r} is not a scenario of this batch", key="baseline")
        on = ["point", "seed", "date", "comune", "indicator"]
        reference = cells[cells["scenario"] == base][[*on, "value"]].rename(
            columns={"value": "baseline_value"}
        )
        others = cells[cells["scenario"] != base].drop(columns="run_id")
        paired = others.merge(reference, on=on, how="inner")
        paired["difference"] = paired["value"] - paired["baseline_value"]
        return paired.sort_values([*KEYS, "comune", "indicator", "date"]).reset_index(drop=True)

    @staticmethod
    def bands(
        frame: pd.DataFrame,
        value: str = "difference",
        over: Sequence[str] = ("seed",),
        quantiles: Sequence[float] = (0.05, 0.5, 0.95),
    ) -> pd.DataFrame:
        """Mean, quantiles and count of ``value`` over ``over`` (seeds; seeds and points).

        Args:
            frame: rows from :meth:`cells` or :meth:`differences`.
            value: the column to summarise.
            over: the columns the band spreads over; the others left of ``value`` group.
            quantiles: the quantiles reported, as columns ``q0.05`` etc.
        """
        keys = [
            c
            for c in ("scenario", "point", "seed", "date", "comune", "indicator")
            if c in frame.columns and c not in over
        ]
        grouped = frame.groupby(keys, sort=True)[value]
        out = grouped.agg(["mean", "count"]).rename(columns={"count": "n"})
        for q in quantiles:
            out[f"q{q:g}"] = grouped.quantile(q)
        out["excludes_zero"] = (out[f"q{min(quantiles):g}"] > 0) | (out[f"q{max(quantiles):g}"] < 0)
        return out.reset_index()
