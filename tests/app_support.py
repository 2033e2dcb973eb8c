"""Serving an app (``metropoli view`` / ``explore``) and driving it in headless Chromium.

The server is started as a user starts it, in its own process on port 0 (the system picks
a free port; the command prints the address), and stopped with SIGINT as Ctrl-C would.
The browser is the system's Chromium over the system's chromedriver (``.ci/run``), as in
the report's test.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.batch_support import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTEFACTS = ROOT / "results" / "test-artefacts"  # git-ignored (results/*)


class Served:
    """A ``metropoli`` app serving in its own process, and the address it printed."""

    def __init__(self, *args: str) -> None:
        self.errors = tempfile.TemporaryFile(mode="w+")  # a file: a pipe left unread could fill
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "metropoli.cli", *args, "--port", "0"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
            start_new_session=True,
        )
        line = self.proc.stdout.readline()  # "... on http://127.0.0.1:PORT/  (Ctrl-C ...)"
        if "http://" not in line:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"no address printed: {line!r} {self._stderr()}")
        self.url = line.split(" on ", 1)[1].split()[0]

    def _stderr(self) -> str:
        self.errors.seek(0)
        return self.errors.read()

    def stop(self, timeout: float = 60) -> tuple[int, str]:
        """Ctrl-C; the exit status and what it wrote on stderr."""
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.communicate()
            raise AssertionError(f"the server did not stop on SIGINT: {self._stderr()}") from None
        return self.proc.returncode, self._stderr()


def listening_addresses(pid: int) -> list[str]:
    """The local addresses the process listens on, from /proc (IPv4 and IPv6)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    out = []
    for table, width in (("tcp", 8), ("tcp6", 32)):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                address, port = fields[1].split(":")
                out.append(f"{_address(address, width)}:{int(port, 16)}")
    return out


def _address(hex_address: str, width: int) -> str:
    if width == 8:
        return ".".join(str(int(hex_address[i : i + 2], 16)) for i in (6, 4, 2, 0))
    return hex_address  # IPv6: shown raw; any is a failure for an app on 127.0.0.1


def chromium(profile: Path):
    """Headless Chromium over the system's chromedriver; skipped outside CI without it."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(f"{CHROMIUM} and {CHROMEDRIVER} are needed in CI (.ci/run installs them)")
        pytest.skip("chromium and chromium-driver are not installed (apt-get install them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--window-size=1400,1700",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    return driver


def severe(driver) -> list[dict]:
    """The browser console's SEVERE entries since the last call."""
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def remote_requests(driver, url: str) -> list[str]:
    """Every resource the page loaded from anywhere but its own server."""
    names = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    return [n for n in names if not n.startswith(url) and not n.startswith("data:")]


def wait_for_text(driver, css: str, text: str, timeout: float = 60) -> str:
    """Wait until the element ``css`` shows ``text``; return its text."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def shown(d):
        found = d.find_elements(By.CSS_SELECTOR, css)
        return found[0].text if found and text in found[0].text else False

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(shown)


def click_text(driver, text: str, within: str = "body", timeout: float = 30) -> None:
    """Click the visible button, checkbox label or menu item whose text is ``text``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    xpath = (
        f"//{'*' if within == 'body' else within}//*[self::button or self::label or "
        f"contains(@class,'v-list-item__title')][normalize-space()='{text}']"
    )

    def found(d):
        for e in d.find_elements(By.XPATH, xpath):
            if e.is_displayed():
                return e
        return False

    WebDriverWait(driver, timeout, poll_frequency=0.2).until(found).click()


def choose(driver, select_label: str, item: str, timeout: float = 30) -> None:
    """Open the Vuetify select labelled ``select_label`` and pick its item ``item``."""
    from selenium.webdriver.common.by import By

    xpath = (
        "//div[contains(@class,'v-select')][.//label[normalize-space()="
        f"'{select_label}']]//div[contains(@class,'v-select__slot')]"
    )
    driver.find_element(By.XPATH, xpath).click()
    click_text(driver, item, timeout=timeout)


def keep_screenshot(driver, name: str) -> Path:
    """Save a screenshot into results/test-artefacts (and $APP_SCREENSHOTS if set)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / name
    driver.save_screenshot(str(shot))
    if os.environ.get("APP_SCREENSHOTS"):
        folder = Path(os.environ["APP_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, folder / name)
    return shot
