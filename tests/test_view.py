"""``metropoli view``: Mesa's SolaraViz on the model, driven in headless Chromium (issue 26).

The viewer is served at scale 0.005 as a user serves it; the browser runs the baseline 24
months, then resets, runs 12 months, switches project A8 (pooled public services, from
2016-01) on and runs 12 more: the goal-6 headline, its plot and the map of service cost
per comune change. The server listens on 127.0.0.1 only and stops cleanly on Ctrl-C.
"""

from __future__ import annotations

import socket

import pytest

from apps.viewer.projects import (
    describe,
    initial_projects,
    lever_settings,
    start_steps,
    with_start,
)
from metropoli.cli import main
from models.model import MetroModel
from sim.calendar import parse_month
from sim.errors import InputError
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

FIRST, LAST = MetroModel.FIRST_MONTH, parse_month("2025-12")
MAP = ".metropoli-map"
PROJECTS = ".metropoli-projects"
HEADLINES = ".metropoli-headlines"


# ---------------------------------------------------------------- the controls' state
def test_the_baseline_has_every_project_off_and_a_scenario_its_own_on():
    projects = initial_projects({}, FIRST, LAST)
    assert len(projects) == 29 and lever_settings(projects) == {}
    from models.experiments import scenario

    sc = scenario.load("scenarios/governance.toml")
    chosen = initial_projects(sc.levers, FIRST, LAST)
    assert lever_settings(chosen) == dict(sc.levers)
    assert describe(chosen) == f"{len(sc.levers)} projects: {' '.join(sc.levers)}"
    assert describe(projects) == "none (the baseline)"


def test_a_start_is_checked_like_a_scenario_file_and_marked_at_its_step():
    projects = initial_projects({}, FIRST, LAST)
    moved = with_start(projects["A8"], "2016-07", FIRST, LAST)
    assert moved.settings.start == parse_month("2016-07")
    projects["A8"] = type(moved)(moved.settings, on=True)
    assert start_steps(projects, FIRST) == [("A8", 19)]  # July 2016 is the 19th month
    # a start after the run's end is valid (the project is then inactive, as in a scenario
    # file); one after the latest month a scenario may name is not
    late = with_start(projects["A8"], "2030-01", FIRST, LAST)
    assert late.settings.start == parse_month("2030-01")
    for bad in ("2016-13", "soon", "2041-01"):
        with pytest.raises(InputError):
            with_start(projects["A8"], bad, FIRST, LAST)


# ---------------------------------------------------------------- the command's refusals
def test_a_port_in_use_is_refused_in_one_line(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["view", "--scale", "0.005", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and f"port {port}" in err and "in use" in err


def test_a_scale_below_the_minimum_is_refused(capsys):
    assert main(["view", "--scale", "0.001"]) == 2
    assert "minimum scale" in capsys.readouterr().err


# ---------------------------------------------------------------- in the browser
@pytest.fixture(scope="module")
def viewer():
    served = Served("view", "--scale", "0.005")
    yield served
    if served.proc.poll() is None:
        served.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def _images(driver) -> list[str]:
    """SHA-256 of every image of the components' grid (map first, then the plots)."""
    return driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        const imgs = Array.from(document.querySelectorAll('.vue-grid-item img'));
        const hex = b => Array.from(new Uint8Array(b), x => x.toString(16).padStart(2, '0'));
        Promise.all(imgs.map(i => fetch(i.src).then(r => r.arrayBuffer())
            .then(b => crypto.subtle.digest('SHA-256', b)).then(h => hex(h).join(''))))
            .then(done, e => done(String(e)));"""
    )


def _run(driver, months: int, until: str) -> tuple[str, list[str]]:
    for _ in range(months // 12):
        click_text(driver, "Step 12 months")
    text = wait_for_text(driver, HEADLINES, until)
    return text, _images(driver)


def test_switching_a_project_on_changes_the_plotted_indicator_and_the_map(viewer, browser):
    browser.set_script_timeout(60)
    browser.get(viewer.url)
    wait_for_text(browser, HEADLINES, "January 2015")
    assert severe(browser) == []
    assert remote_requests(browser, viewer.url.rstrip("/")) == []
    choose(
        browser, "Map: indicator per comune", "service cost per capita (EUR per resident per year)"
    )
    wait_for_text(browser, MAP, "service cost")

    baseline, base_images = _run(browser, 24, "2016-12")
    click_text(browser, "Reset")
    wait_for_text(browser, HEADLINES, "step 0")
    _run(browser, 12, "2015-12")
    choose(browser, "Project of the plan", "A8 · Finanza pubblica aggregata")
    click_text(browser, "A8 on")
    wait_for_text(browser, PROJECTS, "On: A8 ×1 from 2016-01")
    plan, plan_images = _run(browser, 12, "2016-12")

    def row(text: str, goal: str) -> str:
        return next(line for line in text.splitlines() if line.startswith(goal))

    assert row(plan, "6.") != row(baseline, "6."), (row(plan, "6."), row(baseline, "6."))
    assert len(plan_images) == len(base_images) == 9  # the map and eight plots
    assert plan_images[0] != base_images[0]  # the map
    assert plan_images[6] != base_images[6]  # goal 6's plot
    assert severe(browser) == []
    keep_screenshot(browser, "view.png")


def test_the_viewer_listens_on_127_0_0_1_only_and_stops_cleanly(viewer):
    addresses = listening_addresses(viewer.proc.pid)
    assert addresses and all(a.startswith("127.0.0.1:") for a in addresses), addresses
    status, err = viewer.stop()
    assert status == 0 and "Traceback" not in err, err


def test_projects_set_by_the_controls_before_the_first_step_give_the_scenarios_run():
    """The viewer's levers are the model's own: the same months as a scenario's run."""
    import numpy as np

    from apps.viewer.projects import Project
    from models.components.levers import build_levers

    projects = initial_projects({}, FIRST, LAST)
    projects["A8"] = Project(with_start(projects["A8"], "2015-03", FIRST, LAST).settings, True)
    levers = lever_settings(projects)
    run = MetroModel(seed=3, scale=0.005, levers=build_levers(levers))
    viewed = MetroModel(seed=3, scale=0.005)
    viewed.levers = build_levers(levers)  # what ProjectPanel does
    for _ in range(6):
        run.step()
        viewed.step()
    for (m1, a), (m2, b) in zip(run.indicators.records, viewed.indicators.records, strict=True):
        assert m1 == m2 and np.array_equal(a, b, equal_nan=True)
