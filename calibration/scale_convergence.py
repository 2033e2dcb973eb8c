"""Scale convergence: the bias of the headline indicators and effects at small scales.

Usage::

    python3 -m calibration.scale_convergence [--scales 0.005 0.01 0.02 0.05 0.1 1]
        [--seeds 0.005=80 0.01=60 ... | --seeds N] [--start 2015-01] [--end 2025-12]
        [--workers 1] [--out DIR] [--quiet]

At each scale, the baseline and piano-completo run with the same seeds (common random
numbers, paired by seed) as one batch store ``OUT/scale-S/``, through the batch driver
``metropoli batch`` uses (resumable: running the command again skips stored runs). Each
run's value of a goal's headline indicator
(:data:`models.components.indicators.HEADLINE_INDICATORS`) is its metro mean over the months
of the last year (the year of ``--end``), as the sensitivity's goal outputs; the **effect**
is piano-completo minus the baseline, seed by seed. :mod:`calibration.convergence_table`
gives, for each of the three quantities (``baseline``, ``piano-completo``, ``effect``), each
indicator and scale, the mean, the seed sd and the bias against the largest scale (1:1 by
default) with its 95% Welch interval and a verdict, and each use's smallest recommended
scale (:data:`USES`).

Files in ``OUT``: ``values.csv`` (one row per run or pair), ``convergence.csv`` (the table),
``convergence.md`` (the table as the page shows it) and ``convergence.json`` (settings,
wall and CPU seconds per scale of this invocation, with the runs it ran: a resumed study
counts only its new runs; the machine's load; the recommended scales), each
written whole. Exit status 0 when done, 1 when some runs failed (run again to retry them),
2 for bad input (one line, nothing written), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from calibration.convergence_table import (
    BEYOND,
    NO_BIAS,
    WITHIN,
    Use,
    convergence_table,
    recommended_scales,
)
from sim.atomic import atomic_write_bytes
from sim.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BASELINE, PLAN, EFFECT = "baseline", "piano-completo", "effect"
DEFAULT_SCALES = (0.005, 0.01, 0.02, 0.05, 0.1, 1.0)
DEFAULT_SEEDS = {0.005: 80, 0.01: 60, 0.02: 40, 0.05: 30, 0.1: 24, 1.0: 10}
"""More seeds where the noise is larger (the seed sd grows about as 1/sqrt(scale))."""

USES = (
    Use("run", (BASELINE, PLAN), 1),
    Use("batch", (BASELINE, PLAN, EFFECT), 8),
    Use("sensitivity", (BASELINE, PLAN, EFFECT), 1),
    Use("portfolio", (EFFECT,), 1),
)
"""What each use answers with and how many seeds one answer averages: a single run (one
seed, a level); a batch (the shipped batches' 8 seeds, levels and paired effects); a
sensitivity row (one seed per design point, calibration/examples/sensitivity-goals.toml);
a portfolio evaluation (one seed, the plan's effects, scenarios/portfolios/)."""


@dataclass(frozen=True)
class Study:
    """What a scale-convergence study runs.

    Attributes:
        scales: the scales, ascending; the last is the reference.
        seeds: seeds per scale (seeds 1..N).
        start: first month, ``YYYY-MM``.
        end: last month, ``YYYY-MM``; the indicators are the means of its year.
    """

    scales: tuple[float, ...]
    seeds: Mapping[float, int]
    start: str = "2015-01"
    end: str = "2025-12"

    @property
    def reference(self) -> float:
        """The scale the others are compared with (the largest)."""
        return self.scales[-1]


def batch_document(study: Study, scale: float) -> dict[str, Any]:
    """The batch of one scale: the baseline and piano-completo over its seeds."""
    return {
        "name": f"scale-convergence-{scale:g}",
        "description": f"baseline and piano-completo at scale {scale:g} "
        "(python3 -m calibration.scale_convergence)",
        "run": {
            "start": study.start,
            "end": study.end,
            "scale": scale,
            "seeds": study.seeds[scale],
        },
        "scenarios": [{"file": f"{BASELINE}.toml"}, {"file": f"{PLAN}.toml"}],
    }


def checked_batches(study: Study) -> dict[float, tuple[Any, Any, dict[str, Any]]]:
    """Each scale's batch, checked and expanded: ``(BatchSpec, Expanded, batch.json)``.

    Raises:
        InputError: a scale, month or seed count the batch machinery refuses.
    """
    from models.experiments.batchfile import parse_batch
    from models.experiments.expansion import batch_document as store_document
    from models.experiments.expansion import expand

    out = {}
    for scale in study.scales:
        document = batch_document(study, scale)
        text = json.dumps(document, sort_keys=True, indent=1) + "\n"
        source = f"scale-convergence (scale {scale:g})"
        batch = parse_batch(text, document, source, document["name"], SCENARIOS)
        expanded = expand(batch)
        out[scale] = (batch, expanded, store_document(batch, expanded))
    return out


def store_folder(out: Path, scale: float) -> Path:
    """The batch store of one scale inside the output folder."""
    return out / f"scale-{scale:g}"


def run_values(folder: Path, year: str) -> pd.DataFrame:
    """One store's values: ``quantity, indicator, seed, value`` (levels, then effects)."""
    from models.components.indicators import HEADLINE_INDICATORS
    from sim.experiments.analysis import Batch

    names = list(HEADLINE_INDICATORS.values())
    cells = Batch.open(folder).cells(
        indicator=names, comune="metro", period="month", dates=(f"{year}-01", f"{year}-12")
    )
    means = cells.groupby(["scenario", "seed", "indicator"], sort=True)["value"].mean()
    wide = means.unstack("scenario")
    levels = [wide[q].rename("value").reset_index().assign(quantity=q) for q in (BASELINE, PLAN)]
    effect = (wide[PLAN] - wide[BASELINE]).rename("value").reset_index().assign(quantity=EFFECT)
    frame = pd.concat([*levels, effect], ignore_index=True)
    order = {n: k for k, n in enumerate(names)}
    frame["_q"] = frame["quantity"].map({BASELINE: 0, PLAN: 1, EFFECT: 2})
    frame["_i"] = frame["indicator"].map(order)
    frame = frame.sort_values(["_q", "_i", "seed"], kind="stable")
    return frame[["quantity", "indicator", "seed", "value"]].reset_index(drop=True)


def run_study(
    study: Study, out: Path, workers: int = 1, progress: bool = True
) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    """Run (or resume) every scale's batch into ``out``; write and return the table.

    Returns:
        the table and the document, or None when some runs failed (nothing but the stores
        written; run again to retry them).

    Raises:
        InputError: bad input or an output folder holding other batches (nothing written).
    """
    from models.experiments.batch import fork_groups, submit_runs
    from sim.experiments.driver import drive
    from sim.experiments.executors import ExecutorOptions, ExecutorSession

    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder (expected an output folder)", str(out))
    checked = checked_batches(study)
    year = study.end[:4]
    load = {"start": list(os.getloadavg())}
    seconds: dict[str, dict[str, float]] = {}
    frames = []
    with ExecutorSession(ExecutorOptions(workers)) as executors:
        for scale, (_, expanded, document) in checked.items():
            wall, cpu = time.perf_counter(), time.process_time()
            folder = store_folder(out, scale)
            driven = drive(
                expanded,
                document,
                folder,
                submit_runs,
                executors,
                label=f"scale {scale:g}",
                progress=progress,
                groups=fork_groups,
            )
            if not driven.complete:
                return None
            seconds[f"{scale:g}"] = {
                "wall": round(time.perf_counter() - wall, 1),
                "cpu_this_process": round(time.process_time() - cpu, 1),
                "runs_done_now": 0 if driven.summary is None else len(expanded.runs),
            }
            frames.append(run_values(folder, year).assign(scale=scale))
    load["end"] = list(os.getloadavg())
    values = pd.concat(frames, ignore_index=True)
    values = values[["quantity", "indicator", "scale", "seed", "value"]]
    table = convergence_table(values, study.reference)
    document = {
        "command": "python3 -m calibration.scale_convergence",
        "scales": list(study.scales),
        "seeds": {f"{s:g}": study.seeds[s] for s in study.scales},
        "start": study.start,
        "end": study.end,
        "year": year,
        "reference": study.reference,
        "workers": workers,
        "seconds": seconds,
        "load_average": load,
        "finished_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "uses": {u.name: {"quantities": list(u.quantities), "seeds": u.seeds} for u in USES},
        "recommended_scale": recommended_scales(table, USES),
    }
    write_outputs(out, values, table, document)
    return table, document


MARKS = {NO_BIAS: "", WITHIN: " (w)", BEYOND: " (B)"}


def overview(table: pd.DataFrame) -> str:
    """Markdown: one row per quantity and indicator, one column per scale, bias / seed sd.

    ``(w)``: a bias within the seed spread; ``(B)``: beyond it; no mark: none detected.
    """
    scales = sorted(table["scale"].unique())
    lines = [
        "| quantity | indicator | " + " | ".join(f"{s:g}" for s in scales) + " |",
        "|---|---|" + "---|" * len(scales),
    ]
    for (quantity, indicator), rows in table.groupby(["quantity", "indicator"], sort=False):
        by_scale = rows.set_index("scale")
        cells = []
        for s in scales:
            r = by_scale.loc[s]
            if r["verdict"] == "reference":
                cells.append("ref.")
            else:
                cells.append(f"{r['bias_over_sd']:+.2f}{MARKS.get(r['verdict'], ' (?)')}")
        lines.append(f"| {quantity} | `{indicator}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def markdown(table: pd.DataFrame) -> str:
    """The table as Markdown: one row per quantity, indicator and scale."""
    lines = [
        "| quantity | indicator | scale | seeds | mean | seed sd | bias vs reference "
        "[95% interval] | bias / sd | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table.to_dict("records"):
        interval = (
            "0"
            if r["verdict"] == "reference"
            else f"{r['bias']:.4g} [{r['bias_low']:.4g}, {r['bias_high']:.4g}]"
        )
        lines.append(
            f"| {r['quantity']} | `{r['indicator']}` | {r['scale']:g} | {r['seeds']} | "
            f"{r['mean']:.4g} | {r['sd']:.3g} | {interval} | {r['bias_over_sd']:.2f} | "
            f"{r['verdict']} |"
        )
    return "\n".join(lines) + "\n"


def write_outputs(
    out: Path, values: pd.DataFrame, table: pd.DataFrame, document: Mapping[str, Any]
) -> None:
    """Write the study's four files, each whole."""
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in (("values.csv", values), ("convergence.csv", table)):
        text = frame.to_csv(index=False, float_format="%.10g")
        atomic_write_bytes(out / name, text.encode("utf-8"))
    text = overview(table) + "\n" + markdown(table)
    atomic_write_bytes(out / "convergence.md", text.encode("utf-8"))
    text = json.dumps(document, indent=2, default=float) + "\n"
    atomic_write_bytes(out / "convergence.json", text.encode("utf-8"))


def seeds_per_scale(items: Sequence[str] | None, scales: Sequence[float]) -> dict[float, int]:
    """``--seeds``: one number for every scale, or ``SCALE=N`` items (the others default).

    Raises:
        InputError: an item that is neither, a scale not studied, or fewer than 2 seeds.
    """
    seeds = {s: DEFAULT_SEEDS.get(s, 8) for s in scales}
    for item in items or ():
        scale_text, _, count_text = item.rpartition("=")
        try:
            count = int(count_text)
            chosen = [float(scale_text)] if scale_text else list(scales)
        except ValueError:
            raise InputError(
                f"expected N or SCALE=N (a whole number of seeds), got {item!r}", "--seeds"
            ) from None
        for s in chosen:
            if s not in seeds:
                raise InputError(f"scale {s:g} is not in --scales (got {item!r})", "--seeds")
            if count < 2:
                raise InputError(
                    f"expected at least 2 seeds (a seed sd needs two), got {item!r}", "--seeds"
                )
            seeds[s] = count
    return seeds


def parser() -> argparse.ArgumentParser:
    """The command line."""
    from sim.cli import ArgumentParser

    p = ArgumentParser(
        prog="python3 -m calibration.scale_convergence", description=__doc__.splitlines()[0]
    )
    p.add_argument(
        "--scales",
        type=float,
        nargs="+",
        default=list(DEFAULT_SCALES),
        metavar="S",
        help="scales studied; the largest is the reference (default 0.005 ... 1)",
    )
    p.add_argument(
        "--seeds",
        nargs="+",
        metavar="N|S=N",
        help="seeds per scale: one number for all, or SCALE=N (default "
        + ", ".join(f"{s:g}={n}" for s, n in DEFAULT_SEEDS.items())
        + ")",
    )
    p.add_argument("--start", default="2015-01", metavar="YYYY-MM", help="first month")
    p.add_argument(
        "--end", default="2025-12", metavar="YYYY-MM", help="last month; its year is measured"
    )
    p.add_argument("--workers", type=int, default=1, metavar="N", help="1 runs in this process")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("results") / "scale-convergence",
        metavar="DIR",
        help="output folder (default results/scale-convergence); reuse it to resume",
    )
    p.add_argument("--quiet", action="store_true", help="no progress; print the verdicts only")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the study and print the recommended scales (exit status 0, 1, 2 or 130)."""
    p = parser()
    try:
        args = p.parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error (2, already printed)
        return int(exit_.code or 0)
    try:
        scales = tuple(sorted(set(args.scales)))
        if len(scales) < 2:
            raise InputError("expected at least two distinct scales", "--scales")
        study = Study(scales, seeds_per_scale(args.seeds, scales), args.start, args.end)
        result = run_study(study, args.out, args.workers, progress=not args.quiet)
    except InputError as err:
        print(f"{p.prog}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{p.prog}: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    if result is None:
        print(f"{p.prog}: some runs failed; run the same command again to retry them")
        return 1
    table, document = result
    counts = table[table["verdict"] != "reference"]["verdict"].value_counts()
    print(f"{args.out}: {len(table)} rows; " + ", ".join(f"{v}: {n}" for v, n in counts.items()))
    for use, scale in document["recommended_scale"].items():
        print(f"smallest scale agreeing with {study.reference:g} for a {use}: {scale:g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
