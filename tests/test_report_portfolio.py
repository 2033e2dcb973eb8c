"""The report of a portfolio folder (issue 25): ``metropoli report DIR`` on a search's output.

The folder is made here, by hand, exactly to the contract ``metropoli portfolio`` writes
(docs/portfolio.md): a manifest, the Pareto set, every evaluation in long form with the
``baseline`` and ``piano-completo`` references, and the convergence. Its numbers are chosen
so that the answers are known: the five portfolios are a Pareto set in sample (each costs
more and does better than the one before on some objective), P02 is the cheapest that
matches piano-completo in at least 90% of the states (P01, cheaper, matches in 3 of 4), B5 is
in every one, and out of sample P04, cheaper, beats P05 on both objectives (P05 won the
search by luck).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metropoli.cli import main

PROJECTS = ("A1", "B2", "B5", "B15")
COSTS = {"A1": 0.5e6, "B2": 15e6, "B5": 1e6, "B15": 10e6}
OBJECTIVES = (
    {"name": "unemployment", "indicator": "unemployment_rate", "direction": "down",
     "robustness": "mean", "years": [2025, 2025]},
    {"name": "talents", "indicator": "talents", "direction": "up", "robustness": "p10",
     "years": [2021, 2025]},
)  # fmt: skip
FUNDED = {  # the Pareto set: which projects each funds
    "P01": ("B5",),
    "P02": ("A1", "B5"),
    "P03": ("B2", "B5"),
    "P04": ("B2", "B5", "B15"),
    "P05": ("A1", "B2", "B5", "B15"),
}
IN_STATES, OUT_STATES, SEEDS = ("s0", "s1", "s2", "s3"), ("o0", "o1", "o2"), (1, 2)
PLAN = (-0.010, 100.0)  # piano-completo's paired effect (unemployment, talents) in every cell
EFFECTS_IN = {  # (unemployment, talents) per portfolio, in every state but P01's exception
    "P01": (-0.011, 101.0),
    "P02": (-0.012, 105.0),
    "P03": (-0.020, 110.0),
    "P04": (-0.030, 150.0),
    "P05": (-0.031, 151.0),
}
EFFECTS_OUT = {**EFFECTS_IN, "P05": (-0.025, 140.0)}  # out of sample P04 dominates P05
P01_MISS = "s3"  # the one in-sample state where P01 falls short of piano-completo


def cost(codes) -> float:
    """A portfolio's total 2016-2025 cost (intensity 1 from 2016)."""
    return float(sum(COSTS[c] for c in codes) * 10)


def effect(pid: str, sample: str, state: str, seed: int) -> tuple[float, float]:
    """The paired effect of one evaluation (seed 2 a little above seed 1, as noise)."""
    u, t = (EFFECTS_IN if sample == "in" else EFFECTS_OUT)[pid]
    if pid == "P01" and state == P01_MISS:
        u = -0.005  # less unemployment than piano-completo removes: no match here
    return u + 1e-4 * (seed - 1.5), t + (seed - 1.5)


def evaluations() -> pd.DataFrame:
    """Every portfolio x state x seed, long form, references included."""
    rows = []
    for sample, states in (("in", IN_STATES), ("out", OUT_STATES)):
        for state in states:
            for seed in SEEDS:
                for name, pid, gen, c, (u, t) in (
                    ("baseline", "", -1, 0.0, (0.0, 0.0)),
                    ("piano-completo", "", -1, cost(PROJECTS) * 2, PLAN),
                    *[
                        (f"k{pid}", pid, 3, cost(FUNDED[pid]), effect(pid, sample, state, seed))
                        for pid in FUNDED
                    ],
                ):
                    rows.append(
                        {"portfolio": name, "pareto_id": pid, "generation": gen,
                         "sample": sample, "state": state, "seed": seed,
                         "cost_total_eur": c, "unemployment": u, "talents": t}
                    )  # fmt: skip
    rows.append({**rows[3], "portfolio": "kX", "pareto_id": "", "generation": 1})
    return pd.DataFrame(rows)


def pareto(ev: pd.DataFrame) -> pd.DataFrame:
    """The Pareto table, its robust values computed from the evaluations (mean, p10)."""
    rows = []
    for pid, codes in FUNDED.items():
        row = {"portfolio": pid}
        for code in PROJECTS:
            row[f"{code}.funded"] = int(code in codes)
            row[f"{code}.intensity"] = 1.0 if code in codes else 0.0
            row[f"{code}.start"] = 2016 if code in codes else ""
        row["cost_total_eur"] = cost(codes)
        row["cost_peak_year_eur"] = cost(codes) / 10
        for tag, sample in (("in_sample", "in"), ("out_of_sample", "out")):
            mine = ev[(ev["pareto_id"] == pid) & (ev["sample"] == sample)]
            row[f"unemployment.{tag}"] = mine["unemployment"].mean()
            row[f"talents.{tag}"] = float(np.quantile(mine["talents"], 0.10))
        rows.append(row)
    return pd.DataFrame(rows)


def make_folder(folder: Path) -> Path:
    """Write a portfolio folder to the contract; return it."""
    (folder / "portfolios").mkdir(parents=True)
    (folder / "store").mkdir()
    ev = evaluations()
    manifest = {
        "source": "test.toml",
        "model_version": "test",
        "scale": 0.01,
        "objectives": list(OBJECTIVES),
        "budget": {"yearly_cap_eur": 30e6, "total_eur": 300e6},  # P05 costs 265 M
        "search": {"algorithm": "nsga3", "population": 8, "generations": 4, "seed": 7},
        "states": {"in_sample": len(IN_STATES), "out_of_sample": len(OUT_STATES)},
        "seeds": list(SEEDS),
        "evaluations": len(ev),
        "elapsed_s": 12.5,
        "projects": list(PROJECTS),
    }
    (folder / "portfolio.json").write_text(json.dumps(manifest), encoding="utf-8")
    pareto(ev).to_csv(folder / "pareto.csv", index=False)
    ev.to_csv(folder / "evaluations.csv", index=False)
    pd.DataFrame(
        {"generation": [0, 1, 2, 3], "evaluations": [64, 128, 192, 256],
         "hypervolume": [0.1, 0.3, 0.35, 0.36]}
    ).to_csv(folder / "convergence.csv", index=False)  # fmt: skip
    for pid in FUNDED:
        (folder / "portfolios" / f"{pid}.toml").write_text(f'name = "{pid}"\n')
    return folder


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, Path]:
    """(portfolio folder, its report folder), the report made by the command line."""
    base = tmp_path_factory.mktemp("portfolio")
    folder = make_folder(base / "half-budget")
    assert main(["report", str(folder), "--quiet"]) == 0
    return folder, base / "half-budget-report"


def test_the_page_and_its_figures_are_there_and_offline(report):
    _, out = report
    text = (out / "index.html").read_text(encoding="utf-8")
    sources = re.findall(r'(?:src|href)="([^"#]+)"', text)
    assert sorted(s for s in sources if s.startswith("figures/")) == sorted(
        [f"figures/{n}.png" for n in
         ("tradeoffs", "projects", "cost_effect", "verification", "convergence")] * 2
    )  # fmt: skip
    assert not [s for s in sources if "://" in s or s.startswith("//")]
    assert all((out / s).is_file() for s in sources)
    for anchor in ("answer", "tradeoffs", "pareto", "projects", "cost", "verification",
                   "convergence", "provenance"):  # fmt: skip
        assert f'id="{anchor}"' in text
    assert json.loads((out / "report.json").read_text())["source"] == "test.toml"


def test_the_cheapest_match_of_piano_completo_is_found(report):
    _, out = report
    table = pd.read_csv(out / "matches.csv").set_index("portfolio")
    assert table.loc["P01", "in_share"] == 0.75  # 3 of 4 states: below 90%
    assert table.loc["P01", "out_share"] == 1.0
    assert table.loc[["P02", "P03", "P04", "P05"], "in_share"].tolist() == [1.0] * 4
    assert table["matches"].tolist() == [False, True, True, True, True]  # by cost: P01 first
    text = (out / "index.html").read_text(encoding="utf-8")
    assert "<strong>P02</strong> is the cheapest Pareto portfolio that matches" in text
    assert "15 M EUR over 2016–2025" in text  # (0.5 + 1) M EUR a year x 10


def test_each_projects_share_of_the_pareto_set(report):
    _, out = report
    shares = pd.read_csv(out / "projects.csv")
    assert shares["code"].tolist() == ["B5", "B2", "A1", "B15"]  # by share, then code order
    assert shares["funded"].tolist() == [5, 3, 2, 2]
    assert shares["share"].tolist() == [1.0, 0.6, 0.4, 0.4]
    assert shares["start"].tolist() == [2016.0] * 4


def test_a_portfolio_that_won_by_luck_is_shown(report):
    _, out = report
    text = (out / "index.html").read_text(encoding="utf-8")
    assert "1 of the 5 Pareto portfolios (P05) is dominated by another" in text
    assert re.search(r'<tr class="worse">\s*<td><a href="portfolios/P05.toml">', text)
    assert (out / "portfolios" / "P05.toml").is_file()


def test_a_portfolio_over_the_budget_is_flagged(tmp_path):
    folder = make_folder(tmp_path / "search")
    _edit_manifest(folder, lambda m: m["budget"].update(total_eur=200e6))  # P04, P05 above
    assert main(["report", str(folder), "--quiet"]) == 0
    text = (tmp_path / "search-report" / "index.html").read_text(encoding="utf-8")
    assert "<strong>Over budget:</strong> P04, P05 cost more than the budget allows" in text
    assert "no Pareto portfolio breaks it" not in text


def test_the_numbers_are_the_reports_words(report):
    _, out = report
    text = (out / "index.html").read_text(encoding="utf-8")
    assert "−3.1" in text  # P05's unemployment, in percentage points, U+2212 minus
    assert "no Pareto portfolio breaks it" in text
    assert "Unemployment rate (mean, down)" in text


# ---------------------------------------------------------------- bad folders
def _refused(argv, capsys, out: Path) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    return err


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda f: (f / "pareto.csv").unlink(), "pareto.csv: missing (expected a table"),
        (lambda f: (f / "portfolio.json").write_text("{no"), "portfolio.json: unreadable JSON"),
        (lambda f: _edit_manifest(f, lambda m: m.pop("budget")),
         "portfolio.json: key 'budget': missing"),
        (lambda f: _edit_manifest(f, lambda m: m["states"].pop("out_of_sample")),
         "portfolio.json: key 'states.out_of_sample': missing"),
        (lambda f: _edit_manifest(f, lambda m: m["objectives"][1].update(direction="sideways")),
         "key 'objectives[1].direction': expected 'up' or 'down', got 'sideways'"),
        (lambda f: _edit_csv(f / "evaluations.csv", lambda t: t.drop(columns="talents")),
         "evaluations.csv: key 'talents': missing column"),
        (lambda f: _edit_csv(f / "evaluations.csv",
                             lambda t: t[t["portfolio"] != "piano-completo"]),
         "evaluations.csv: key 'portfolio': no row of 'piano-completo'"),
        (lambda f: _edit_csv(f / "pareto.csv", lambda t: t.assign(**{"B2.funded": "yes"})),
         "pareto.csv: key 'B2.funded': expected a number in every row"),
        (lambda f: _edit_csv(f / "convergence.csv", lambda t: t.drop(columns="hypervolume")),
         "convergence.csv: key 'hypervolume': missing column"),
    ],
)  # fmt: skip
def test_a_bad_folder_is_one_line_and_exit_2(tmp_path, capsys, breakage, expected):
    folder = make_folder(tmp_path / "search")
    breakage(folder)
    out = tmp_path / "report"
    err = _refused(["report", str(folder), "--out", str(out)], capsys, out)
    assert expected in err


def test_batch_options_are_refused_on_a_portfolio_folder(tmp_path, capsys):
    folder = make_folder(tmp_path / "search")
    out = tmp_path / "report"
    err = _refused(["report", str(folder), "--year", "2020", "--out", str(out)], capsys, out)
    assert "key '--year': a portfolio report takes no such option" in err


def _edit_manifest(folder: Path, change) -> None:
    manifest = json.loads((folder / "portfolio.json").read_text())
    change(manifest)
    (folder / "portfolio.json").write_text(json.dumps(manifest))


def _edit_csv(path: Path, change) -> None:
    change(pd.read_csv(path, keep_default_na=False)).to_csv(path, index=False)


def test_the_references_robust_values_follow_the_measures():
    """piano-completo's robust value as the search defines it: mean, pNN worst side, regret."""
    from models.experiments.portfolio.robustness import robust_values
    from models.experiments.report.portfolio_content import search_objective
    from models.experiments.report.portfolio_folder import Objective

    rows = pd.DataFrame({"portfolio": "piano-completo", "state": ["a", "a", "b", "b"],
                         "seed": [1, 2, 1, 2], "x": [1.0, 2.0, 3.0, 10.0]})  # fmt: skip

    def robust(direction: int, measure: str, best: pd.DataFrame | None = None) -> float:
        objective = search_objective(Objective("x", "talents", direction, measure, ()))
        return float(robust_values(rows, [objective], best).loc["piano-completo", "x"])

    assert robust(1, "mean") == 4.0
    assert robust(1, "p10") == pytest.approx(1.3)
    assert robust(-1, "p10") == pytest.approx(7.9)  # the 90th: the worst side
    best = pd.DataFrame({"x": [2.0, 2.0, 5.0, 10.0]},
                        index=pd.MultiIndex.from_frame(rows[["state", "seed"]]))  # fmt: skip
    assert robust(1, "regret", best) == -2.0  # the largest shortfall, state b seed 1
