"""Build the report folder of a portfolio folder: ``index.html``, ``figures/``, its tables.

``metropoli report DIR`` comes here when ``DIR`` holds ``portfolio.json``. As for a batch
(:mod:`models.experiments.report.build`), the folder is staged under a hidden name and
renamed into place whole, and bad input leaves nothing behind.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.experiments.report import portfolio_content as pc
from models.experiments.report import portfolio_figures as pf
from models.experiments.report import words
from models.experiments.report.build import (
    DPI,
    MARKER,
    check_out,
    default_out,
    sha256_file,
)
from models.experiments.report.content import display_scale
from models.experiments.report.page import page_made, render
from models.experiments.report.portfolio_folder import (
    MANIFEST,
    REFERENCE,
    PortfolioFolder,
    open_portfolio,
)
from sim.atomic import StagedFolder

TEMPLATE = "portfolio.html.j2"
MILLION = 1e6
COPIED = (MANIFEST, "pareto.csv", "convergence.csv")


def meur(value: float) -> str:
    """An amount of EUR in millions, for reading ("30.6")."""
    return words.number(value / MILLION)


def shown_value(value: float, indicator: str) -> str:
    """A robust value in the indicator's shown units (shares in points)."""
    return words.number(value * display_scale(indicator))


def save(fig: Any, folder: Path, name: str) -> str:
    """Save a figure as ``figures/NAME.png``; return its source for the page."""
    fig.savefig(folder / f"{name}.png", dpi=DPI)
    return f"figures/{name}.png"


def _share(value: float) -> str:
    return "–" if not np.isfinite(value) else f"{value:.0%}"


def summary(folder: PortfolioFolder) -> dict[str, Any]:
    """What ran: the search, the states, the budget, the objectives."""
    m = folder.manifest
    search, states, budget = m["search"], m["states"], m["budget"]
    return {
        "name": m.get("name") or folder.path.name,
        "description": m.get("description", ""),
        "source": m.get("source", ""),
        "scale": m.get("scale", ""),
        "search": search,
        "states": states,
        "seeds": m.get("seeds", []),
        "evaluations": m["evaluations"],
        "elapsed": words.number(float(m.get("elapsed_s", float("nan")))),
        "yearly_cap": meur(budget["yearly_cap_eur"]),
        "total_cap": meur(budget["total_eur"]),
        "projects": list(folder.projects),
        "objectives": [
            {
                "name": o.name,
                "label": words.label(o.indicator),
                "indicator": o.indicator,
                "unit": words.unit(o.indicator, difference=True),
                "wanted": o.wanted,
                "robustness": o.robustness,
                "years": "–".join(str(y) for y in o.years),
            }
            for o in folder.objectives
        ],
        "n_pareto": len(folder.pareto),
        "over_budget": over_budget(folder),
    }


def over_budget(folder: PortfolioFolder) -> list[str]:
    """The Pareto portfolios whose total or peak-year cost breaks the manifest's budget."""
    p, budget = folder.pareto, folder.manifest["budget"]
    over = (p["cost_total_eur"] > budget["total_eur"]) | (
        p["cost_peak_year_eur"] > budget["yearly_cap_eur"]
    )
    return list(p.loc[over, "portfolio"])


def pareto_rows(folder: PortfolioFolder, checks: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per Pareto portfolio: funded projects, cost, each objective in and out."""
    lucky = dict(zip(checks["portfolio"], checks["lucky"], strict=True))
    rows = []
    for r in folder.pareto.sort_values("cost_total_eur").to_dict("records"):
        funded = [c for c in folder.projects if r[f"{c}.funded"] > 0]
        rows.append(
            {
                "id": r["portfolio"],
                "projects": ", ".join(funded),
                "n_projects": len(funded),
                "cost": meur(r["cost_total_eur"]),
                "peak": meur(r["cost_peak_year_eur"]),
                "lucky": bool(lucky.get(r["portfolio"], False)),
                "objectives": [
                    {
                        "in": shown_value(r[f"{o.name}.in_sample"], o.indicator),
                        "out": shown_value(r[f"{o.name}.out_of_sample"], o.indicator),
                        "worse": o.direction
                        * (r[f"{o.name}.out_of_sample"] - r[f"{o.name}.in_sample"])
                        < 0,
                    }
                    for o in folder.objectives
                ],
                "href": f"portfolios/{r['portfolio']}.toml",
            }
        )
    return rows


def match_section(folder: PortfolioFolder) -> dict[str, Any]:
    """The cheapest Pareto portfolio that matches ``piano-completo``, and every share."""
    table = pc.matches(folder)
    best = pc.cheapest_match(table)
    reference = folder.evaluations[folder.evaluations["portfolio"] == REFERENCE]
    closest = table.sort_values(["in_share", "cost_total_eur"], ascending=[False, True])
    return {
        "threshold": f"{pc.MATCH_SHARE:.0%}",
        "reference_cost": meur(float(reference["cost_total_eur"].iloc[0])),
        "best": None
        if best is None
        else {
            "id": best["portfolio"],
            "cost": meur(best["cost_total_eur"]),
            "in": _share(best["in_share"]),
            "out": _share(best["out_share"]),
        },
        "closest": {"id": closest.iloc[0]["portfolio"], "in": _share(closest.iloc[0]["in_share"])},
        "rows": [
            {
                "id": r["portfolio"],
                "cost": meur(r["cost_total_eur"]),
                "in": _share(r["in_share"]),
                "out": _share(r["out_share"]),
                "matches": bool(r["matches"]),
            }
            for r in table.to_dict("records")
        ],
        "table": table,
    }


def figures(folder: PortfolioFolder, out: Path, checks: pd.DataFrame) -> dict[str, str]:
    """Draw every figure into ``out``; return their sources by name."""
    reference = pc.reference_robust(folder, "in")
    ref_rows = folder.evaluations[folder.evaluations["portfolio"] == REFERENCE]
    ref_cost = float(ref_rows["cost_total_eur"].iloc[0])
    shares = pc.project_shares(folder)
    return {
        "tradeoffs": save(
            pf.parallel_coordinates(folder.pareto, folder.objectives, reference), out, "tradeoffs"
        ),
        "projects": save(pf.project_shares_figure(shares, len(folder.pareto)), out, "projects"),
        "cost": save(
            pf.cost_effect_figure(
                folder.pareto,
                folder.objectives,
                reference,
                ref_cost,
                float(folder.manifest["budget"]["total_eur"]),
            ),
            out,
            "cost_effect",
        ),
        "verification": save(
            pf.verification_figure(folder.pareto, folder.objectives, list(checks["lucky"])),
            out,
            "verification",
        ),
        "convergence": save(pf.convergence_figure(folder.convergence), out, "convergence"),
    }


def provenance(folder: PortfolioFolder, seconds: float) -> dict[str, Any]:
    """Where the numbers come from and what made the page."""
    m = folder.manifest
    return {
        "folder": str(folder.path.resolve()),
        "source": m.get("source", ""),
        "manifest_sha256": sha256_file(folder.path / MANIFEST),
        "evaluations_sha256": sha256_file(folder.path / "evaluations.csv"),
        "portfolio_model_version": m.get("model_version", ""),
        **page_made(seconds),
    }


def build_portfolio_report(source: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of a portfolio folder; return the report's folder.

    Args:
        source: the folder ``metropoli portfolio --out`` wrote.
        out: the report folder; default ``DIR-report`` beside it. A previous report there
            is replaced; any other folder is refused.

    Raises:
        InputError: bad input (:func:`open_portfolio`, :func:`check_out`); nothing written.
    """
    started = time.perf_counter()
    source = Path(source)
    folder = open_portfolio(source)
    target = Path(out) if out is not None else default_out(source)
    check_out(target, source)
    staged = StagedFolder(target)
    with staged as tmp:
        (tmp / "figures").mkdir()
        checks = pc.out_of_sample(folder)
        match = match_section(folder)
        shares = pc.project_shares(folder)
        context = {
            "q": summary(folder),
            "pareto": pareto_rows(folder, checks),
            "match": match,
            "shares": [
                {"code": r["code"], "share": _share(r["share"]), "funded": r["funded"]}
                for r in shares.to_dict("records")
            ],
            "lucky": [
                p for p, flag in zip(checks["portfolio"], checks["lucky"], strict=True) if flag
            ],
            "fig": figures(folder, tmp / "figures", checks),
        }
        for name in COPIED:
            shutil.copyfile(source / name, tmp / name)
        if (source / "portfolios").is_dir():  # each portfolio's scenario file, linked
            shutil.copytree(source / "portfolios", tmp / "portfolios")
        match["table"].to_csv(tmp / "matches.csv", index=False)
        shares.to_csv(tmp / "projects.csv", index=False)
        context["match"] = {k: v for k, v in match.items() if k != "table"}
        context["provenance"] = provenance(folder, time.perf_counter() - started)
        (tmp / "index.html").write_text(render(context, TEMPLATE), encoding="utf-8")
        (tmp / MARKER).write_text(
            json.dumps(context["provenance"], indent=2) + "\n", encoding="utf-8"
        )
        staged.commit(replace=True)
    return target
