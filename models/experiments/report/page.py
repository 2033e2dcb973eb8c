"""A report's page: its template rendered, and the record of what made it.

Shared by the batch report (:mod:`.build`) and the portfolio report (:mod:`.portfolio_build`).
"""

from __future__ import annotations

import platform
import socket
from typing import Any

from models.version import MODEL_VERSION
from sim.experiments.store import utc_now
from sim.results import PACKAGES, code_version, package_versions

REPORT_PACKAGES = (*PACKAGES, "jinja2", "ema_workbench", "shapely", "pyproj")
"""The packages a report records: a run's (:data:`sim.results.PACKAGES`) and the report's."""


def page_made(seconds: float) -> dict[str, Any]:
    """What made a report's page: model and code versions, packages, machine, date, time."""
    return {
        "model_version": MODEL_VERSION,
        "code_version": code_version(),
        "packages": package_versions(REPORT_PACKAGES),
        "machine": f"{socket.gethostname()} ({platform.platform()}, {platform.machine()}, "
        f"Python {platform.python_version()})",
        "date": utc_now(),
        "seconds": f"{seconds:.1f}",
    }


def render(context: dict[str, Any], template: str) -> str:
    """A page: one of the package's Jinja2 templates filled with ``context``."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("models.experiments.report", "."),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template(template).render(**context)
