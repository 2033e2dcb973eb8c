"""What the report of a portfolio folder computes: projects, matches, out-of-sample checks.

Every number comes from the folder's tables (:mod:`.portfolio_folder`): the Pareto set's
robust objectives in and out of sample (``pareto.csv``) and every evaluation's paired
effect against the baseline per state and seed (``evaluations.csv``). A value is
*oriented* when multiplied by the objective's direction (+1 when the plan wants it up, -1
down), so that more is better for every objective.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.experiments.portfolio.file import Objective as SearchObjective
from models.experiments.portfolio.robustness import best_by_cell, robust_values
from models.experiments.report.portfolio_folder import REFERENCE, Objective, PortfolioFolder

MATCH_SHARE = 0.9
"""A portfolio matches ``piano-completo`` when it does at least as well on every objective in
at least this share of the states of the world."""


def search_objective(objective: Objective) -> SearchObjective:
    """The search's own objective for a manifest's, so robust values have one definition."""
    years = objective.years or (0,)
    return SearchObjective(
        name=objective.name,
        indicator=objective.indicator,
        years=(years[0], years[-1]),
        robustness=objective.robustness,
        direction=objective.wanted,
    )


def reference_robust(folder: PortfolioFolder, sample: str) -> dict[str, float]:
    """``piano-completo``'s robust value of each objective in a sample ("in" or "out").

    As the search measures its portfolios (:mod:`models.experiments.portfolio.robustness`):
    a regret is against the best portfolio the search proposed in each state and seed (in
    sample) or the Pareto set's best (out of sample). NaN where the folder has no
    evaluation of the reference in that sample.
    """
    ev = folder.evaluations[folder.evaluations["sample"] == sample]
    rows = ev[ev["portfolio"] == REFERENCE]
    if rows.empty:
        return {o.name: float("nan") for o in folder.objectives}
    objectives = [search_objective(o) for o in folder.objectives]
    searched = ev[ev["generation"] >= 0] if sample == "in" else ev[ev["pareto_id"] != ""]
    best = best_by_cell(searched, objectives)
    return robust_values(rows, objectives, best).loc[REFERENCE].to_dict()


def project_shares(folder: PortfolioFolder) -> pd.DataFrame:
    """How often each project is funded in the Pareto set, and how.

    Returns:
        ``code, share, funded, intensity, start``: the share and number of Pareto
        portfolios that fund it, the mean intensity and the median start year among them
        (NaN when none does), sorted by share (most often funded first), then code order.
    """
    p = folder.pareto
    rows = []
    for order, code in enumerate(folder.projects):
        on = p[f"{code}.funded"] > 0
        starts = p.loc[on, f"{code}.start"] if f"{code}.start" in p else pd.Series(dtype=float)
        rows.append(
            {
                "code": code,
                "share": float(on.mean()),
                "funded": int(on.sum()),
                "intensity": float(p.loc[on, f"{code}.intensity"].mean()) if on.any() else np.nan,
                "start": float(pd.to_numeric(starts, errors="coerce").median())
                if on.any()
                else np.nan,
                "order": order,
            }
        )
    table = pd.DataFrame(rows).sort_values(["share", "order"], ascending=[False, True])
    return table.drop(columns="order").reset_index(drop=True)


def state_means(folder: PortfolioFolder, sample: str) -> pd.DataFrame:
    """Each portfolio's paired effect per state, averaged over seeds (one sample)."""
    ev = folder.evaluations[folder.evaluations["sample"] == sample]
    return ev.groupby(["portfolio", "pareto_id", "state"], sort=False)[folder.names].mean()


def match_shares(folder: PortfolioFolder, sample: str) -> pd.Series:
    """Per Pareto portfolio, the share of states where it matches ``piano-completo``.

    In a state it matches when, for every objective, its effect (mean over seeds) is at
    least the reference's in the direction the plan wants. NaN when the sample has no
    evaluation of the reference or of the portfolio.
    """
    means = state_means(folder, sample).reset_index()
    reference = means[means["portfolio"] == REFERENCE].set_index("state")[folder.names]
    out = {}
    for pid in folder.pareto["portfolio"]:
        mine = means[means["pareto_id"] == pid].set_index("state")[folder.names]
        common = mine.index.intersection(reference.index)
        if reference.empty or common.empty:
            out[pid] = float("nan")
            continue
        ok = np.ones(len(common), dtype=bool)
        for o in folder.objectives:
            diff = o.direction * (mine.loc[common, o.name] - reference.loc[common, o.name])
            ok &= diff.to_numpy() >= 0
        out[pid] = float(ok.mean())
    return pd.Series(out, dtype=float)


def matches(folder: PortfolioFolder) -> pd.DataFrame:
    """Per Pareto portfolio: its cost and its share of matching states in and out of sample.

    Returns:
        ``portfolio, cost_total_eur, in_share, out_share, matches`` sorted by cost, where
        ``matches`` is ``in_share >= MATCH_SHARE``.
    """
    table = folder.pareto[["portfolio", "cost_total_eur"]].copy()
    table["in_share"] = table["portfolio"].map(match_shares(folder, "in"))
    table["out_share"] = table["portfolio"].map(match_shares(folder, "out"))
    table["matches"] = table["in_share"] >= MATCH_SHARE
    return table.sort_values(["cost_total_eur", "portfolio"]).reset_index(drop=True)


def cheapest_match(table: pd.DataFrame) -> pd.Series | None:
    """The cheapest row of :func:`matches` that matches (None when none does)."""
    hits = table[table["matches"]]
    return hits.iloc[0] if len(hits) else None


def dominated(values: np.ndarray) -> np.ndarray:
    """Which rows of ``values`` (oriented: more is better) another row dominates."""
    out = np.zeros(len(values), dtype=bool)
    for i, row in enumerate(values):
        better_eq = (values >= row).all(axis=1)
        strictly = (values > row).any(axis=1)
        out[i] = bool((better_eq & strictly).any())
    return out


def _criteria(folder: PortfolioFolder, tag: str) -> np.ndarray:
    """Oriented robust values (``tag``: in_sample or out_of_sample) and minus the cost."""
    p = folder.pareto
    columns = [o.direction * p[f"{o.name}.{tag}"].to_numpy(float) for o in folder.objectives]
    return np.column_stack([*columns, -p["cost_total_eur"].to_numpy(float)])


def out_of_sample(folder: PortfolioFolder) -> pd.DataFrame:
    """Per Pareto portfolio, whether it stays on the front when judged out of sample.

    Returns:
        ``portfolio, lucky, worse`` where ``lucky`` is True when, on the out-of-sample
        robust values, another Pareto portfolio costs no more and does at least as well on
        every objective (better on one), though none did in sample: it won by luck.
        ``worse`` counts the objectives whose out-of-sample value is worse than in sample.
    """
    p = folder.pareto
    lucky = dominated(_criteria(folder, "out_of_sample")) & ~dominated(
        _criteria(folder, "in_sample")
    )
    worse = sum(
        (o.direction * (p[f"{o.name}.out_of_sample"] - p[f"{o.name}.in_sample"]) < 0).astype(int)
        for o in folder.objectives
    )
    return pd.DataFrame({"portfolio": p["portfolio"], "lucky": lucky, "worse": worse})
