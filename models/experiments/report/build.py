"""Build the report folder of a batch store: ``index.html``, ``figures/``, ``runs/``.

The folder is written under a hidden temporary name beside its target and renamed into
place whole (:class:`sim.atomic.StagedFolder`), so a reader sees a whole report or none,
and bad input leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.codes import METRO_LABEL
from models.components.levers import SPECS
from models.experiments.report import content as c
from models.experiments.report import figures as f
from models.experiments.report import tables as t
from models.experiments.report import words
from models.experiments.report.page import page_made, render
from sim.atomic import StagedFolder
from sim.errors import InputError, shown
from sim.experiments import Batch
from sim.experiments.summary import FAN_QUANTILES, HIGH_Q, LOW_Q, NO_CHANGE, RELATIVE_TOLERANCE

TEMPLATE = "template.html.j2"
MARKER = "report.json"
"""The file that makes a folder a report (one a new report may replace)."""
DPI = 90
ORDER = [spec.code for spec in SPECS]


def default_out(store: Path) -> Path:
    """The report folder when ``--out`` is not given: ``STORE-report`` beside the store."""
    return store.parent / f"{store.name}-report"


def open_store(folder: Path, baseline: str | None, year: int | None) -> c.Store:
    """Open and check a store, its baseline and the year effects are measured in.

    Raises:
        InputError: the folder is missing or holds no batch, the baseline is not one of
            its scenarios, no run has finished, or the year is outside the batch's months.
    """
    if not folder.exists():
        raise InputError(
            "no such folder (expected a batch store written by `metropoli batch`)", str(folder)
        )
    if not folder.is_dir():
        raise InputError(
            "is not a folder (expected a batch store written by `metropoli batch`)", str(folder)
        )
    batch = Batch.open(folder)
    document = batch.document
    if not isinstance(document, dict) or not isinstance(document.get("scenarios"), dict):
        raise InputError(
            "batch.json has no scenarios (expected a store written by `metropoli batch`)",
            str(folder / "batch.json"),
        )
    names = list(document["scenarios"])
    base = baseline or document.get("baseline") or ""
    if not base:
        raise InputError(
            f"the batch names no baseline (expected --baseline NAME, one of {', '.join(names)})",
            key="--baseline",
        )
    if base not in names:
        raise InputError(
            f"{shown(base)} is not a scenario of this batch (expected one of {', '.join(names)})",
            key="--baseline",
        )
    try:
        runs = batch.runs()
    except (OSError, ValueError, KeyError) as err:
        raise InputError(
            f"the store's tables are unreadable ({err.__class__.__name__})", str(folder)
        ) from None
    done = runs[runs["status"] == "ok"]
    if (done["scenario"] == base).sum() == 0:
        raise InputError(
            f"no finished run of the baseline {base!r} (run `metropoli batch` to finish the batch)",
            str(folder),
        )
    scenarios = [s for s in names if s != base and (done["scenario"] == s).any()]
    if not scenarios:
        raise InputError("no finished run of any scenario but the baseline", str(folder))
    start, end = document["run"]["start"], document["run"]["end"]
    first, last = int(start[:4]), int(end[:4])
    if year is None:
        year = 2025 if first <= 2025 <= last else last
    elif not first <= year <= last:
        raise InputError(
            f"expected a year from {first} to {last} (the batch's months), got {year}", key="--year"
        )
    months = (max(start, f"{year}-01"), min(end, f"{year}-12"))
    over = ("seed", "point") if document.get("uncertainties") else ("seed",)
    return c.Store(batch, base, scenarios, str(year), months, over, runs, document)


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _save(fig: Any, folder: Path, name: str) -> str:
    fig.savefig(folder / f"{name}.png", dpi=DPI)
    return f"figures/{name}.png"


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")


def yearly_sums(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Monthly rows summed per whole year (dated ``YYYY-07``, mid-year); partial years dropped."""
    frame = frame.assign(date=frame["date"].str.slice(0, 4))
    keys = [c for c in frame.columns if c not in (*columns, "run_id")]
    grouped = frame.groupby(keys, sort=False)
    sums = grouped[columns].sum()
    sums = sums[grouped.size() == 12].reset_index()
    return sums.assign(date=sums["date"] + "-07")


def lumpy_as_years(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The frame with its lumpy indicators' months replaced by yearly sums."""
    lumpy = frame["indicator"].isin(c.LUMPY)
    if not lumpy.any():
        return frame
    years = yearly_sums(frame[lumpy].drop(columns=["run_id"], errors="ignore"), columns)
    return pd.concat([frame[~lumpy], years], ignore_index=True)


def fan_section(
    store: c.Store,
    folder: Path,
    colours: dict[str, str],
    observed: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Draw every goal's fan chart (``observed`` on the baseline's); entries and starts' key."""
    names = [n for goal, ns in c.GOAL_INDICATORS.items() if goal >= 1 for n in ns]
    wanted = [store.baseline, *store.scenarios]
    cells = store.batch.cells(indicator=names, comune=METRO_LABEL, period="month")
    cells = lumpy_as_years(cells[cells["scenario"].isin(wanted)], ["value"])
    levels = Batch.bands(cells, value="value", over=store.over, quantiles=FAN_QUANTILES)
    diffs = store.batch.differences(
        store.baseline, indicator=names, comune=METRO_LABEL, period="month"
    )
    diffs = lumpy_as_years(diffs, ["value", "baseline_value", "difference"])
    differences = Batch.bands(diffs, over=store.over, quantiles=FAN_QUANTILES)
    starts = c.start_markers(store)
    markers = [(str(i), month) for i, (_, month) in enumerate(starts, start=1)]
    out = []
    for goal, title in c.GOALS.items():
        present = [n for n in c.GOAL_INDICATORS[goal] if n in set(levels["indicator"])]
        if goal < 1 or not present:
            continue
        label = f"Goal {goal}: {title}" if goal <= 8 else title
        fig = f.goal_fans(
            levels, differences, present, label, colours, store.baseline, markers, observed
        )
        out.append(
            {
                "label": label,
                "src": _save(fig, folder, f"fan_{goal}_{_slug(title)}"),
                "indicators": [words.label(n) for n in present],
            }
        )
    key = [
        {"number": i, "month": month, "codes": codes}
        for i, (codes, month) in enumerate(starts, start=1)
    ]
    return {"figures": out, "starts": key}


def map_section(store: c.Store, folder: Path) -> list[dict[str, Any]]:
    """Draw the maps of the headline effects per comune; return their entries."""
    from models.territory.territory import load_territory

    territory = load_territory()
    effects = c.comune_effects(store, c.MAP_INDICATORS, territory.codes)
    out = []
    for scenario in store.scenarios:
        for name in c.MAP_INDICATORS:
            values = effects[(scenario, name)]
            if not any(np.isfinite(v).any() for v in values.values()):
                continue
            if name in c.PER_CAPITA:  # per resident, so that Torino's size is not the map
                per = c.PER_CAPITA[name] / np.asarray(territory.population, dtype=float)
                values = {q: v * per for q, v in values.items()}
            fig = f.effect_maps(
                territory,
                values,
                name,
                scenario,
                store.baseline,
                store.year,
                direction=c.DIRECTIONS.get(name, 0),
                per_capita=c.PER_CAPITA.get(name),
            )
            src = _save(fig, folder, f"map_{_slug(scenario)}_{name}")
            out.append({"scenario": scenario, "indicator": name, "src": src})
    return out


def cost_section(store: c.Store, effects: pd.DataFrame, folder: Path) -> dict[str, Any]:
    """The cost-and-effect table and figure of every scenario with a cost (may be empty)."""
    table = c.cost_effects(store, effects)
    if table.empty:
        return {"rows": [], "src": None, "costs": []}
    src = _save(f.cost_effect_figure(table, store.year), folder, "cost_effect")
    rows = []
    for r in table.to_dict("records"):
        scale = r["scale"]
        shown = r["status"] != NO_CHANGE
        rows.append(
            {
                **{k: r[k] for k in ("scenario", "label", "code", "name", "indicator", "status")},
                "indicator_label": words.label(r["indicator"]),
                "cost": c.number(r["cost_meur"]),
                "wanted": {1: "more", -1: "less"}.get(r["wanted"], "either"),
                "effect": c.number(r["median"] * scale) if shown else "no change",
                "low": c.number(r["low"] * scale),
                "high": c.number(r["high"] * scale),
                "shown": shown,
                "per_meur": c.number(r["per_meur"] * scale) if shown else "0",
                "unit": t.row_unit(r["indicator"]),
            }
        )
    costs = table.drop_duplicates("scenario")[["scenario", "label", "cost_meur"]]
    return {
        "rows": rows,
        "src": src,
        "costs": [
            {"scenario": s, "label": lab, "cost": c.number(m)}
            for s, lab, m in costs.itertuples(index=False)
        ],
    }


def prim_section(store: c.Store, folder: Path) -> list[dict[str, Any]]:
    """PRIM's boxes (sampled batches only), with their figures."""
    out = []
    for result in c.prim_results(store):
        box = result["box"]
        entry = {k: result[k] for k in ("scenario", "indicator", "cases", "of_interest", "inputs")}
        entry["reason"] = _no_box_reason(result)
        if box is not None and len(box.limits):
            entry["src"] = _save(
                f.prim_figure(box, result["scenario"], result["indicator"]),
                folder,
                f"prim_{_slug(result['scenario'])}",
            )
            entry["coverage"] = f"{box.coverage:.0%}"
            entry["density"] = f"{box.density:.0%}"
            entry["mass"] = f"{box.mass:.0%}"
            entry["limits"] = [
                {
                    "input": r["input"],
                    "low": f"{r['low']:.4g}",
                    "high": f"{r['high']:.4g}",
                    "range": f"{r['full_low']:.4g} to {r['full_high']:.4g}",
                }
                for r in box.limits.to_dict("records")
            ]
        out.append(entry)
    return out


def _no_box_reason(result: dict[str, Any]) -> str:
    """Why PRIM shows no box, said in words ("" when it found one)."""
    box, n, k = result["box"], result["cases"], result["of_interest"]
    what = f"{result['scenario']} lowers {result['indicator']}"
    if not result["inputs"]:
        return "no sampled input varies for this scenario"
    if k == 0:
        return f"in every case {what}"
    if k == n:
        return f"in no case {what.replace('lowers', 'does it lower', 1)}"
    if box is None or not len(box.limits):
        return (
            f"PRIM restricts no input: {k} case{'s' if k != 1 else ''} of interest "
            f"({k / n:.0%} of all), not concentrated in any range of the sampled inputs"
        )
    return ""


def write_run_manifests(store: c.Store, folder: Path) -> list[dict[str, Any]]:
    """One JSON manifest per run (the store keeps none): its record, cells and levers."""
    runs_dir = folder / "runs"
    runs_dir.mkdir()
    design = store.batch.design()
    out = []
    for rec in store.runs.to_dict("records"):
        rid = rec["run_id"]
        cells = design[design["run_id"] == rid]
        manifest = {
            "run_id": rid,
            "batch": store.document.get("name"),
            "batch_sha256": store.document.get("sha256"),
            "model_version": store.document.get("model_version"),
            "code_version": store.document.get("code_version"),
            "run": store.document.get("run"),
            "record": {k: _plain(v) for k, v in rec.items()},
            "cells": [{k: _plain(v) for k, v in row.items()} for row in cells.to_dict("records")],
            "levers": store.levers(rec["scenario"])
            if rec["scenario"] in store.document["scenarios"]
            else {},
            "parameters": store.document["scenarios"].get(rec["scenario"], {}).get("parameters"),
        }
        (runs_dir / f"{rid}.json").write_text(
            json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
        )
        out.append(
            {
                "run_id": rid,
                "scenario": rec["scenario"],
                "point": int(rec["point"]),
                "seed": int(rec["seed"]),
                "status": rec["status"],
                "href": f"runs/{rid}.json",
            }
        )
    return out


def _plain(value: Any) -> Any:
    """A value JSON can hold: NaN as null, numpy scalars as Python ones."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def provenance(store: c.Store, source: Path, seconds: float) -> dict[str, Any]:
    """Where the numbers come from and what made the page."""
    doc = store.document
    counts = store.runs["status"].value_counts().to_dict()
    return {
        "store": str(source.resolve()),
        "batch_name": doc.get("name", ""),
        "batch_file": doc.get("source", ""),
        "batch_sha256": doc.get("sha256", ""),
        "design_sha256": doc.get("design_sha256", ""),
        "batch_json_sha256": sha256_file(source / "batch.json"),
        "batch_model_version": doc.get("model_version", ""),
        "batch_code_version": doc.get("code_version", ""),
        "batch_created": doc.get("created_utc", ""),
        "batch_packages": doc.get("packages", {}),
        **page_made(seconds),
        "runs_ok": int(counts.get("ok", 0)),
        "runs_failed": int(counts.get("failed", 0)),
        "runs_pending": int(counts.get("pending", 0)),
    }


def summary(store: c.Store) -> dict[str, Any]:
    """The question: which scenarios, seeds, scale, months, design and interval."""
    doc = store.document
    seeds = doc["run"]["seeds"]
    design = doc.get("design", {})
    points = len(doc.get("points", [])) or 1
    return {
        "name": doc.get("name", ""),
        "description": doc.get("description", ""),
        "baseline": store.baseline,
        "scenarios": store.scenarios,
        "seeds": seeds,
        "n_seeds": len(seeds),
        "scale": f"{doc['run']['scale']:g}",
        "start": doc["run"]["start"],
        "end": doc["run"]["end"],
        "year": store.year,
        "year_months": f"{store.months[0]} to {store.months[1]}",
        "partial_year": store.months != (f"{store.year}-01", f"{store.year}-12"),
        "design": design.get("kind", "replicates"),
        "points": points,
        "uncertainties": [u["name"] for u in doc.get("uncertainties", [])],
        "over": "seeds and the sampled uncertainties" if store.sampled else "seeds",
        "interval": f"{LOW_Q:.0%} to {HIGH_Q:.0%}",
        "levers": {s: [k for k in ORDER if k in store.levers(s)] for s in store.scenarios},
    }


def check_out(out: Path, store: Path) -> None:
    """Refuse an output folder that is not a previous report (or that is the store).

    Raises:
        InputError: ``out`` exists and is a file, or a folder without ``report.json``.
    """
    if out.resolve() == store.resolve() or store.resolve() in out.resolve().parents:
        raise InputError(
            "is the store or inside it (expected a folder outside the store)", str(out)
        )
    if not out.exists() and not out.is_symlink():
        if not out.parent.is_dir():
            raise InputError("its parent folder does not exist", str(out))
        return
    if not out.is_dir() or out.is_symlink():
        raise InputError("exists and is not a folder (expected a report folder)", str(out))
    if not (out / MARKER).is_file() and any(out.iterdir()):
        raise InputError(
            "exists and is not a report folder (no report.json); not replaced", str(out)
        )


def build_report(
    source: str | Path,
    out: str | Path | None = None,
    baseline: str | None = None,
    year: int | None = None,
    observed: pd.DataFrame | None = None,
) -> Path:
    """Write the report of a batch store; return its folder.

    Args:
        source: the store folder (``metropoli batch --out``).
        out: the report folder; default ``STORE-report`` beside the store. A previous
            report there is replaced; any other folder is refused.
        baseline: the scenario effects are taken against (default the batch's baseline).
        year: the year effects are measured in (default 2025, or the batch's last year).
        observed: observed changes since 2015, for a posterior batch's baseline fans.

    Raises:
        InputError: bad input (see :func:`open_store` and :func:`check_out`); nothing is
            written.
    """
    started = time.perf_counter()
    source = Path(source)
    store = open_store(source, baseline, year)
    target = Path(out) if out is not None else default_out(source)
    check_out(target, source)
    colours = f.scenario_colours(store.scenarios)
    staged = StagedFolder(target)
    with staged as tmp:
        figures_dir = tmp / "figures"
        figures_dir.mkdir()
        effects = c.goal_effects(store)
        context = {
            "q": summary(store),
            "ran": t.what_ran(store, effects),
            "headlines": t.headlines(effects, store.scenarios, store.year, store.n_months),
            "answer": t.answer(effects, store.scenarios),
            "goals": t.goal_tables(effects, store.scenarios, store.n_months),
            "not_moved": [words.label(n) for n in t.not_moved(effects)],
            "tolerance": f"{RELATIVE_TOLERANCE:g}",
            "lumpy": [words.label(n) for n in c.LUMPY],
            "fans": fan_section(store, figures_dir, colours, c.observed_on_fans(store, observed)),
            "maps": map_section(store, figures_dir),
            "cost": cost_section(store, effects, figures_dir),
            "prim": prim_section(store, figures_dir),
            "runs": write_run_manifests(store, tmp),
            "colours": colours,
            "prim_indicator": c.PRIM_INDICATOR,
            "prim_scenario": c.PRIM_SCENARIO,
            "sampled": store.sampled,
        }
        shutil.copyfile(source / "batch.json", tmp / "batch.json")
        effects.to_csv(tmp / "effects.csv", index=False)
        context["provenance"] = provenance(store, source, time.perf_counter() - started)
        (tmp / "index.html").write_text(render(context, TEMPLATE), encoding="utf-8")
        (tmp / MARKER).write_text(
            json.dumps(context["provenance"], indent=2) + "\n", encoding="utf-8"
        )
        staged.commit(replace=True)
    return target
