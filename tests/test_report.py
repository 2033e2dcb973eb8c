"""The reviewers' report: a batch store to a static page (issue 13).

A small strategies-like batch and a small Latin-hypercube batch are run once per session
with ``metropoli batch`` and reported on with ``metropoli report``; the tests read the
folders, open the page in headless Chromium, and check the tables' rule that an effect
whose interval covers zero is never a win.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from metropoli.cli import main
from models.components.indicators import GOALS
from models.experiments.report import content
from sim.experiments.summary import NO_CHANGE, UNCLEAR, VERDICTS, WIN
from tests.batch_support import ROOT
from tests.report_support import LHS, STRATEGIES, batch_and_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTEFACTS = ROOT / "results" / "test-artefacts"  # git-ignored (results/*)


# ---------------------------------------------------------------- the session's stores
@pytest.fixture(scope="session")
def strategies(tmp_path_factory):
    """(store, report folder) of the small strategies-like batch."""
    store, report, seconds = batch_and_report(tmp_path_factory.mktemp("strategies"), STRATEGIES)
    print(f"report of the strategies-like batch: {seconds:.1f} s")
    return store, report


@pytest.fixture(scope="session")
def lhs(tmp_path_factory):
    """(store, report folder) of the small Latin-hypercube batch."""
    store, report, seconds = batch_and_report(tmp_path_factory.mktemp("lhs"), LHS)
    print(f"report of the Latin-hypercube batch: {seconds:.1f} s")
    return store, report


class _Page(HTMLParser):
    """The page's image sources, link targets, element ids and meta tags."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.meta: list[dict[str, str]] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "img":
            self.images.append(a["src"])
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "meta":
            self.meta.append(a)
        elif tag in ("script", "link", "iframe", "object", "embed"):
            self.scripts += 1


def parse(report: Path) -> tuple[str, _Page]:
    text = (report / "index.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    return text, page


def goal_names() -> list[str]:
    return [f"Goal {g}: {t}" if g <= 8 else t for g, t in GOALS.items()]


# ---------------------------------------------------------------- the folder
def test_report_writes_a_whole_folder_of_page_figures_and_manifests(strategies):
    store, report = strategies
    assert (report / "index.html").is_file()
    assert (report / "report.json").is_file()
    assert (report / "batch.json").read_bytes() == (store / "batch.json").read_bytes()
    figures = sorted(p.name for p in (report / "figures").glob("*.png"))
    assert [f for f in figures if f.startswith("fan_")] == sorted(
        f"fan_{g}_{t.lower().replace(' ', '-')}.png" for g, t in GOALS.items()
    )
    # maps: 4 scenarios x 3 headline indicators; cost and effect of every scenario
    assert len([f for f in figures if f.startswith("map_")]) == 4 * len(content.MAP_INDICATORS)
    assert "cost_effect.png" in figures
    runs = pd.read_parquet(store / "runs.parquet")
    manifests = sorted(p.stem for p in (report / "runs").glob("*.json"))
    assert manifests == sorted(runs["run_id"])
    one = json.loads((report / "runs" / f"{manifests[0]}.json").read_text())
    assert one["run_id"] == manifests[0] and one["record"]["status"] == "ok"
    # written whole: no temporary or lock left beside it
    assert not [p for p in report.parent.iterdir() if p.name.startswith(".")]


def test_every_image_and_link_target_of_the_page_exists_and_nothing_is_remote(strategies):
    _, report = strategies
    text, page = parse(report)
    assert page.images and page.links
    for src in page.images:
        assert not re.match(r"^[a-z]+:", src), src  # relative: no scheme, no host
        assert (report / src).is_file(), src
    for href in page.links:
        if href.startswith("#"):
            assert href[1:] in page.ids, href
        else:
            assert not re.match(r"^[a-z]+:", href), href
            assert (report / href).is_file(), href
    assert page.scripts == 0
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text)
    csp = [m for m in page.meta if m.get("http-equiv", "").lower() == "content-security-policy"]
    assert csp and "default-src 'none'" in csp[0]["content"]


def test_the_page_gives_the_question_first_and_every_goal(strategies):
    _, report = strategies
    text, _ = parse(report)
    assert text.index("The question and the answer") < text.index("Fan charts over time")
    for name in goal_names():
        assert name in text, name
    for scenario in ("piano-completo", "torino-sociale", "B5"):
        assert scenario in text
    assert "Seeds that ran: 2 (1, 2)" in text and "scale 0.005" in text
    assert "2015-01 to 2017-06" in text
    assert "sampled no uncertain quantity" in text  # replicates: no PRIM, and says why
    assert "MODEL_VERSION" not in text  # the value, not the name
    assert "model version 1." in text


def test_effects_table_matches_the_store(strategies):
    """The effect shown is the store's paired difference, averaged over 2017's months."""
    from sim.experiments import Batch

    store, report = strategies
    effects = pd.read_csv(report / "effects.csv")
    batch = Batch.open(store)
    d = batch.differences(indicator="unemployment_rate", comune="metro", period="month",
                          dates=("2017-01", "2017-06"))  # fmt: skip
    d = d[d["scenario"] == "piano-completo"]
    per_seed = d.groupby("seed")["difference"].mean()
    row = effects.query("scenario == 'piano-completo' and indicator == 'unemployment_rate'")
    assert row["median"].item() == pytest.approx(per_seed.median())
    assert row["low"].item() == pytest.approx(per_seed.quantile(0.05))
    assert row["n"].item() == 2
    for r in effects.itertuples():
        assert (r.status == NO_CHANGE) == (-r.tolerance <= r.low and r.high <= r.tolerance)
        if r.status not in (UNCLEAR, NO_CHANGE):
            assert r.low > r.tolerance or r.high < -r.tolerance


def test_a_second_report_replaces_the_first_whole(strategies, tmp_path):
    store, _ = strategies
    out = tmp_path / "again"
    assert main(["report", str(store), "--out", str(out), "--quiet", "--baseline", "B5"]) == 0
    first = (out / "index.html").read_text()
    assert "compared with <strong>B5</strong>" in first
    assert main(["report", str(store), "--out", str(out), "--quiet"]) == 0
    assert "compared with <strong>baseline</strong>" in (out / "index.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again"]


# ---------------------------------------------------------------- PRIM
def test_a_sampled_batch_gets_intervals_over_points_and_a_prim_box(lhs):
    store, report = lhs
    text, page = parse(report)
    assert "over seeds and the sampled uncertainties" in text
    assert "Scenario discovery with PRIM" in text
    assert "do not lower unemployment_rate" in text
    effects = pd.read_csv(report / "effects.csv")
    assert set(effects["n"]) == {12}  # 6 points x 2 seeds
    if (report / "figures" / "prim_piano-completo.png").exists():
        assert "Coverage" in text and "density" in text
    else:  # every case or none lowers unemployment: said so
        assert "No box:" in text


# ---------------------------------------------------------------- wins and noise
def test_unclear_cells_are_rendered_as_unclear_not_better(strategies):
    _, report = strategies
    effects = pd.read_csv(report / "effects.csv")
    text, _ = parse(report)
    cells = re.findall(r'<td class="num ([\w-]+)">.*?<span class="tag">([^<]*)</span>', text, re.S)
    moved = effects[effects["indicator"].isin(effects.loc[effects["status"] != NO_CHANGE,
                                                          "indicator"])]  # fmt: skip
    assert len(cells) == len(moved)  # no row for an indicator no scenario moves
    assert sorted(c.replace("-", " ") for c, _ in cells) == sorted(moved["status"])
    for status, tag in cells:
        assert (status == UNCLEAR) == tag.startswith(("unclear", "one event"))
        assert status != WIN or tag == WIN


def test_no_verdict_on_an_effect_below_the_tolerance(strategies):
    """Issue 26: at scale 0.005, rounding on an indicator a scenario does not touch is no change."""
    _, report = strategies
    effects = pd.read_csv(report / "effects.csv")
    within = effects[(effects["low"].abs() <= effects["tolerance"])
                     & (effects["high"].abs() <= effects["tolerance"])]  # fmt: skip
    assert len(within) and set(within["status"]) == {NO_CHANGE}
    verdicts = effects[effects["status"].isin(VERDICTS)]
    assert len(verdicts)
    assert ((verdicts["low"] > verdicts["tolerance"])
            | (verdicts["high"] < -verdicts["tolerance"])).all()  # fmt: skip
    burden = effects.set_index(["scenario", "indicator"]).loc[
        [("torino-sociale", "admin_burden_days"), ("torino-universitaria", "admin_burden_days")]
    ]
    assert set(burden["status"]) == {NO_CHANGE}
    text, _ = parse(report)
    assert "× 10⁻¹" not in text  # no rounding shown as a number: 10^-10 and below
    assert "0.0000000" not in text


def test_the_page_leads_with_sentences_readable_labels_and_a_warning(strategies):
    _, report = strategies
    text, _ = parse(report)
    assert text.index("In a sentence per goal") < text.index("The question and the answer")
    assert re.search(r"piano-completo (lowers|raises) unemployment by [\d.]+ points \[", text) or (
        "piano-completo has no clear effect on unemployment" in text
    )
    assert "torino-sociale does not change tourist arrivals in 2017." in text
    # readable labels with units in the tables, the store's names only as a footnote
    assert '<strong>Unemployment rate</strong><br><span class="note">percentage points' in text
    # what ran, and a warning citing the docs' recommendations
    assert "2 seeds (1, 2) at scale 0.005" in text
    assert text.count('class="warning"') == 2
    assert "docs/replicates.md" in text and "docs/report.md" in text


def test_cost_and_effect_for_every_scenario_with_a_cost(strategies):
    _, report = strategies
    text, _ = parse(report)
    assert "<strong>piano-completo</strong> 61.3 M EUR" in text
    assert "<strong>torino-sociale</strong> 35 M EUR" in text
    assert "<strong>B5</strong> 1 M EUR" in text


def test_indicators_no_scenario_moves_are_listed_once(strategies):
    _, report = strategies
    text, _ = parse(report)
    effects = pd.read_csv(report / "effects.csv")
    quiet = effects.groupby("indicator")["status"].agg(lambda s: set(s) == {NO_CHANGE})
    assert quiet["green_share"]
    assert "Not moved by any scenario here" in text and "Green share of the land" in text
    assert "<code>green_share</code>" not in text  # no row of it


# ---------------------------------------------------------------- bad input
def _refused(argv, capsys, out: Path) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    return err


def test_a_missing_store_is_refused_in_one_line(tmp_path, capsys):
    out = tmp_path / "report"
    err = _refused(["report", str(tmp_path / "nope"), "--out", str(out)], capsys, out)
    assert "nope: no such folder (expected a batch store" in err


def test_a_folder_that_is_not_a_store_is_refused(tmp_path, capsys):
    folder = tmp_path / "results-of-something"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello")
    out = tmp_path / "report"
    err = _refused(["report", str(folder), "--out", str(out)], capsys, out)
    assert "results-of-something: holds no batch (no batch.json)" in err
    (folder / "batch.json").write_text("{not json")
    err = _refused(["report", str(folder), "--out", str(out)], capsys, out)
    assert "batch.json is unreadable" in err
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    err = _refused(["report", str(a_file), "--out", str(out)], capsys, out)
    assert "is not a folder" in err


def test_an_unknown_baseline_or_year_is_refused(strategies, tmp_path, capsys):
    store, _ = strategies
    out = tmp_path / "report"
    err = _refused(["report", str(store), "--baseline", "nobody", "--out", str(out)], capsys, out)
    assert "key '--baseline': 'nobody' is not a scenario of this batch (expected one of" in err
    assert "piano-completo" in err
    err = _refused(["report", str(store), "--year", "2030", "--out", str(out)], capsys, out)
    assert "key '--year': expected a year from 2015 to 2017" in err


def test_an_output_folder_that_is_not_a_report_is_not_replaced(strategies, tmp_path, capsys):
    store, _ = strategies
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    assert main(["report", str(store), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "is not a report folder (no report.json); not replaced" in err
    assert sorted(p.name for p in out.iterdir()) == ["thesis.tex"]
    assert main(["report", str(store), "--out", str(store / "inside")]) == 2
    assert "inside it" in capsys.readouterr().err


# ---------------------------------------------------------------- in a real browser
def browser_decision(available: bool, ci: str | None) -> str:
    """``run`` with a browser; without one ``fail`` in CI (``CI=true``), else ``skip``."""
    if available:
        return "run"
    return "fail" if (ci or "").lower() in ("true", "1", "yes") else "skip"


def test_the_browser_test_is_skipped_only_outside_ci():
    assert browser_decision(True, "true") == "run"
    assert browser_decision(True, None) == "run"
    assert browser_decision(False, "true") == "fail"
    assert browser_decision(False, "1") == "fail"
    assert browser_decision(False, None) == "skip"
    assert browser_decision(False, "") == "skip"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium over the system's chromedriver (no driver download, no network)."""
    decision = browser_decision(CHROMIUM.exists() and CHROMEDRIVER.exists(), os.environ.get("CI"))
    if decision == "fail":
        pytest.fail(f"{CHROMIUM} and {CHROMEDRIVER} are needed in CI (.ci/run installs them)")
    if decision == "skip":
        pytest.skip("chromium and chromium-driver are not installed (apt-get install them)")
    from selenium import webdriver  # the test extra's; never downloads a driver here
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--window-size=1400,1600",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def assert_tables_fit(driver, where: str) -> None:
    """Every table's width is within the page's (the body's content box): none is cut."""
    page, widths = driver.execute_script(
        "const b = document.body, s = getComputedStyle(b);"
        "const inner = b.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);"
        "return [Math.min(inner, document.documentElement.clientWidth),"
        " Array.from(document.querySelectorAll('table')).map(t => [t.id || t.rows[0].innerText"
        ".slice(0, 40), t.getBoundingClientRect().width, t.scrollWidth,"
        " t.getBoundingClientRect().right])]"
    )
    assert widths, where
    right = driver.execute_script("return document.documentElement.clientWidth")
    for name, width, scroll, edge in widths:
        assert width <= page + 0.5 and scroll <= page + 0.5, (where, name, width, page)
        assert edge <= right + 0.5, (where, name, edge, right)


def _check_in_browser(driver, report: Path, shot: Path) -> None:
    index = report / "index.html"
    driver.get(index.as_uri())
    assert driver.execute_script("return document.readyState") == "complete"
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == [], errors
    images = driver.execute_script(
        "return Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, "
        "i.naturalWidth])"
    )
    assert images
    for src, complete, width in images:
        assert complete and width > 0, src
        assert (report / src).is_file(), src
    links = driver.execute_script(
        "return Array.from(document.links).map(a => a.href)"
    )  # resolved URLs
    for href in links:
        assert href.startswith("file://"), href
        path, _, anchor = href[len("file://") :].partition("#")
        target = Path(path)
        assert target.exists(), href
        if anchor and target == index:
            assert driver.execute_script("return !!document.getElementById(arguments[0])",
                                         anchor), href  # fmt: skip
    # every request the page made was for a file on this machine
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".concat(performance.getEntriesByType('navigation').map(e => e.name))"
    )
    assert resources and all(url.startswith("file://") for url in resources), resources
    text = driver.find_element("tag name", "body").text
    for name in goal_names():
        assert name in text, name
    assert_tables_fit(driver, "screen at 1,400 px")
    # in print: Chromium's page on A4 with its default margins is about 718 CSS px wide
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    metrics = {"width": 718, "height": 1000, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        assert_tables_fit(driver, "print")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    # it prints: Chromium's own print to PDF gives a document of several pages
    pdf = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
    data = base64.b64decode(pdf["data"])
    assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) > 3
    driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, ARTEFACTS / shot.name)
    if os.environ.get("REPORT_ARTEFACTS"):
        folder = Path(os.environ["REPORT_ARTEFACTS"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, folder / shot.name)


def test_the_page_loads_in_chromium_with_no_error_and_no_remote_request(
    browser, strategies, tmp_path
):
    _, report = strategies
    _check_in_browser(browser, report, tmp_path / "report-strategies.png")


def test_the_sampled_batch_page_loads_in_chromium(browser, lhs, tmp_path):
    _, report = lhs
    _check_in_browser(browser, report, tmp_path / "report-lhs.png")
