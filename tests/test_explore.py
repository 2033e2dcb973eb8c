"""``metropoli explore STORE``: a batch store in the browser (issue 26).

A small batch (the baseline, the whole plan and Torino sociale, 2 seeds, scale 0.005, to
mid-2017) is run once with ``metropoli batch``; the explorer's numbers are checked against
``sim.experiments.Batch``, its refusals in one line, and its page in headless Chromium:
choosing another scenario and goal changes the table and the figures, each run links to
its manifest, and the server listens on 127.0.0.1 only and stops cleanly.
"""

from __future__ import annotations

import json
import socket
import urllib.request

import numpy as np
import pytest

from apps.explorer.data import StoreView
from metropoli.cli import main
from sim.experiments import Batch
from tests.app_support import (
    Served,
    choose,
    chromium,
    click_text,
    keep_screenshot,
    listening_addresses,
    remote_requests,
    severe,
    wait_for_text,
)
from tests.batch_support import ROOT, metropoli, write

SMALL = f"""
name = "small-explore"
baseline = "baseline"
[run]
start = "2015-01"
end = "2017-06"
scale = 0.005
seeds = 2

[[scenarios]]
file = "{ROOT / "scenarios" / "baseline.toml"}"

[[scenarios]]
file = "{ROOT / "scenarios" / "piano-completo.toml"}"

[[scenarios]]
file = "{ROOT / "scenarios" / "torino-sociale.toml"}"
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explore")
    proc = metropoli("batch", str(write(folder, SMALL)), "--out", str(folder / "store"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    return folder / "store"


# ---------------------------------------------------------------- the numbers
def test_effects_are_the_paired_differences_of_the_store(store):
    view = StoreView.open(store)
    assert view.baseline == "baseline" and view.scenarios == ["piano-completo", "torino-sociale"]
    table = view.effects(["unemployment_rate", "talents"], view.scenarios, "2016")
    d = Batch.open(store).differences(
        indicator=["unemployment_rate", "talents"], comune="metro", dates=("2016-01", "2016-12")
    )
    year = d.groupby(["scenario", "seed", "indicator"])["difference"].mean().reset_index()
    for row in table.itertuples(index=False):
        cells = year[(year.scenario == row.scenario) & (year.indicator == row.indicator)]
        values = cells["difference"].to_numpy()
        assert row.n == len(values) == 2
        # the same sums in another order: equal to the float precision of the levels
        tol = 1e-12 * abs(row.baseline)
        assert row.median == pytest.approx(np.median(values), rel=0, abs=tol)
        assert row.low == pytest.approx(np.quantile(values, 0.05), rel=0, abs=tol)
        assert row.high == pytest.approx(np.quantile(values, 0.95), rel=0, abs=tol)


def test_fans_and_maps_cover_every_month_and_comune(store):
    view = StoreView.open(store)
    fans = view.fans("unemployment_rate", view.scenarios)
    levels = fans[fans.kind == "level"]
    assert set(levels.scenario) == {"baseline", *view.scenarios}
    assert len(levels) == 3 * 30  # 30 months, 2015-01 to 2017-06
    comuni = view.comune_effects("unemployment_rate", ["piano-completo"], "2016")
    assert len(comuni) == 38 and comuni["median"].abs().max() > 0
    manifest = view.manifest(view.runs(["piano-completo"]).run_id.iloc[-1])
    assert manifest["cells"][0]["scenario"] == "piano-completo" and "B5" in manifest["levers"]


# ---------------------------------------------------------------- refusals
@pytest.mark.parametrize("case", ["missing", "empty", "no-parts", "not-json"])
def test_a_bad_store_is_refused_in_one_line(case, store, tmp_path, capsys):
    folder = tmp_path / "store"
    if case != "missing":
        folder.mkdir()
    if case == "no-parts":
        (folder / "batch.json").write_text((store / "batch.json").read_text())
        (folder / "design.parquet").write_bytes((store / "design.parquet").read_bytes())
    if case == "not-json":
        (folder / "batch.json").write_text("{not json")
    assert main(["explore", str(folder), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(folder) in err, err
    assert "Traceback" not in err


def test_a_port_in_use_is_refused_in_one_line(store, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["explore", str(store), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and f"port {port}" in err and "in use" in err


# ---------------------------------------------------------------- in the browser
@pytest.fixture(scope="module")
def explorer(store):
    served = Served("explore", str(store))
    yield served
    if served.proc.poll() is None:
        served.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def _page(driver) -> tuple[str, list[str]]:
    """The effects table's text and the SHA-256 of each figure."""
    text = driver.find_element("css selector", ".metropoli-effects").text
    digests = driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        const imgs = Array.from(document.querySelectorAll('.metropoli-explorer img'));
        const hex = b => Array.from(new Uint8Array(b), x => x.toString(16).padStart(2, '0'));
        Promise.all(imgs.map(i => fetch(i.src).then(r => r.arrayBuffer())
            .then(b => crypto.subtle.digest('SHA-256', b)).then(h => hex(h).join(''))))
            .then(done, e => done(String(e)));"""
    )
    return text, digests


def test_choosing_another_scenario_and_goal_changes_the_table_and_figures(explorer, browser):
    browser.set_script_timeout(60)
    browser.get(explorer.url)
    wait_for_text(browser, ".metropoli-effects", "torino-sociale")
    assert severe(browser) == []
    assert remote_requests(browser, explorer.url.rstrip("/")) == []
    table, figures = _page(browser)
    assert "Investment by firms" in table and len(figures) == 2  # the fans and the maps

    choose(browser, "goal or indicator", "Goal 3: Employment")
    wait_for_text(browser, ".metropoli-effects", "Unemployment rate")
    choose(browser, "scenario", "torino-sociale")  # the first scenario: now alone
    wait_for_text(browser, "h3", "Goal 3: Employment")
    import time

    deadline = time.monotonic() + 60
    while "piano-completo" in _page(browser)[0] and time.monotonic() < deadline:
        time.sleep(0.5)
    table2, figures2 = _page(browser)
    assert "Unemployment rate" in table2 and "piano-completo" not in table2, table2
    assert table2 != table and len(figures2) == 2
    assert figures2[0] != figures[0] and figures2[1] != figures[1]
    assert severe(browser) == []
    click_text(browser, "all scenarios")
    wait_for_text(browser, ".metropoli-effects", "piano-completo")
    keep_screenshot(browser, "explore.png")

    links = browser.execute_script(
        "return Array.from(document.querySelectorAll('.metropoli-runs a')).map(a => a.href)"
    )
    assert len(links) == 6  # 3 scenarios x 2 seeds
    with urllib.request.urlopen(links[0], timeout=30) as response:
        manifest = json.load(response)
    assert manifest["run_id"] in links[0] and manifest["batch"] == "small-explore"


def test_the_explorer_listens_on_127_0_0_1_only_and_stops_cleanly(explorer):
    addresses = listening_addresses(explorer.proc.pid)
    assert addresses and all(a.startswith("127.0.0.1:") for a in addresses), addresses
    status, err = explorer.stop()
    assert status == 0 and "Traceback" not in err, err
