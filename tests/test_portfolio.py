"""``metropoli portfolio``: bad files, an impossible budget, and the search on the real model.

The real-model tests run ``scenarios/portfolios/small.toml`` (six projects on or off, two
states, one seed, scale 0.005, 2015-01 to 2016-06, a population of 4 for 2 generations):
uninterrupted in this process; on two Dask workers killed with SIGKILL mid-search and
resumed; the Pareto set and every evaluation the same.
"""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from metropoli.cli import main
from tests.batch_support import ROOT, metropoli, start_metropoli

SMALL = ROOT / "scenarios" / "portfolios" / "small.toml"
GOOD = SMALL.read_text(encoding="utf-8")


def _bad(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["portfolio", str(path), "--out", str(out)]) == 2
    assert not out.exists()  # nothing written
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('name = "small"', 'name = "small"\nbudjet = 1', "budjet"),
        ('robustness = "p10"', 'robustness = "p90"', "objectives[1].robustness"),
        ('algorithm = "nsga3"', 'algorithm = "moead"', "search.algorithm"),
        ("on_off = true", 'on_off = true\nfixed_in = ["B99"]', "decision.fixed_in"),
        ("total_eur = 45000000.0", 'total_eur = "most of piano-completo"', "budget.total_eur"),
        ('indicator = "jobs"', 'indicator = "jobz"', "objectives[1].indicator"),
        (
            "years = [2016, 2016]\nrobustness",
            "years = [2030, 2030]\nrobustness",
            "objectives[1].years",
        ),
        ("population = 4", "population = 2", "search.population"),
        ("in_sample = 2", "in_sample = 2\nposterior = 'nowhere.toml'", "states.posterior"),
        ("[states]", "[statez]", "statez"),
        ('indicator = "jobs"', "indicator = []", "objectives[1].indicator"),
        ("total_eur = 45000000.0", "total_eur = inf", "budget.total_eur"),
        ("total_eur = 45000000.0", 'total_eur = "0 of piano-completo"', "budget.total_eur"),
        ("on_off = true", "on_off = 1", "decision.on_off"),
        ("seeds = 1", "seeds = 0", "run.seeds"),
    ],
)
def test_bad_file_is_one_line_naming_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, key: str
) -> None:
    assert old in GOOD
    err = _bad(tmp_path, GOOD.replace(old, new, 1), capsys)
    assert f"'{key}'" in err


def test_impossible_budget_is_said_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD.replace("on_off = true", 'on_off = true\nfixed_in = ["B3", "B8", "B9"]')
    err = _bad(tmp_path, text, capsys)  # B3, B8 and B9 alone cost 60 M EUR over 2016-2025
    assert "'budget.total_eur'" in err and "no portfolio can meet" in err


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small search, uninterrupted, in this process."""
    out = tmp_path_factory.mktemp("portfolio") / "serial"
    assert main(["portfolio", str(SMALL), "--out", str(out), "--quiet"]) == 0
    return out


def test_outputs_follow_the_contract(serial: Path) -> None:
    manifest = json.loads((serial / "portfolio.json").read_text())
    assert manifest["projects"] == ["B3", "B5", "B8", "B9", "B12", "B13"]
    assert [o["name"] for o in manifest["objectives"]] == ["unemployment_rate", "jobs"]
    assert [o["direction"] for o in manifest["objectives"]] == ["down", "up"]
    pareto = pd.read_csv(serial / "pareto.csv")
    assert list(pareto["portfolio"]) == [f"P{i + 1:02d}" for i in range(len(pareto))]
    for column in (
        "B3.funded",
        "B3.intensity",
        "B3.start",
        "cost_total_eur",
        "cost_peak_year_eur",
        "unemployment_rate.in_sample",
        "unemployment_rate.out_of_sample",
        "jobs.in_sample",
        "jobs.out_of_sample",
    ):
        assert column in pareto.columns
    assert (pareto["cost_total_eur"] <= manifest["budget"]["total_eur"]).all()
    evaluations = pd.read_csv(serial / "evaluations.csv")
    assert set(evaluations["sample"]) == {"in", "out"}
    assert {"baseline", "piano-completo"} <= set(evaluations["portfolio"])
    assert (
        (evaluations.loc[evaluations.portfolio == "baseline", ["unemployment_rate", "jobs"]] == 0)
        .all()
        .all()
    )
    assert len(evaluations) == manifest["evaluations"]
    out = evaluations[evaluations["sample"] == "out"]
    assert set(out["pareto_id"].dropna()) == set(pareto["portfolio"])
    runs = pd.read_parquet(serial / "store" / "gen-000" / "runs.parquet")
    assert (runs["forked_at"] == "2016-01").all()  # the shared 2015 simulated once per state
    assert list(pd.read_csv(serial / "convergence.csv").columns) == [
        "generation",
        "evaluations",
        "hypervolume",
    ]


def test_a_pareto_portfolio_runs_as_a_scenario(serial: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                str(serial / "portfolios" / "P01.toml"),
                "--out",
                str(out),
                "--no-plots",
                "--quiet",
            ]
        )
        == 0
    )
    assert any(out.iterdir())


def _run_ids(folder: Path) -> list[str]:
    ids = []
    for part in sorted((folder / "store").glob("*/indicators/part-*.parquet")):
        records = json.loads(pq.read_schema(part).metadata[b"metropoli.runs"])
        ids += [r["run_id"] for r in records]
    return ids


def test_killed_on_two_workers_resumes_to_the_same_pareto_set(serial: Path, tmp_path: Path) -> None:
    out = tmp_path / "killed"
    process = start_metropoli(
        "portfolio", str(SMALL), "--out", str(out), "--workers", "2", "--quiet"
    )
    while process.poll() is None and not list(out.glob("store/gen-000/indicators/part-*.parquet")):
        time.sleep(0.2)
    assert process.poll() is None, process.stderr.read()  # killed mid-search, not after it
    import os

    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (out / "pareto.csv").exists()
    done = metropoli("portfolio", str(SMALL), "--out", str(out), "--workers", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    for name in ("pareto.csv", "evaluations.csv", "convergence.csv", "portfolios/P01.toml"):
        assert (out / name).read_bytes() == (serial / name).read_bytes(), name
    ids = _run_ids(out)  # never the same (portfolio, state, seed) twice
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(_run_ids(serial))


def test_nsga3_needs_a_portfolio_per_objective(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    half = (ROOT / "scenarios" / "portfolios" / "half-budget.toml").read_text(encoding="utf-8")
    assert re.search(r"^population = \d+", half, flags=re.M)  # the line the test rewrites
    text = re.sub(r"^population = \d+", "population = 8", half, flags=re.M).replace(
        '"../../calibration', f'"{ROOT}/calibration'
    )
    err = _bad(tmp_path, text, capsys)  # nine objectives
    assert "'search.population'" in err
