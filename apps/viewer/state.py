"""What the viewer is opened on, and the state each browser session keeps.

:func:`configure` is called once by the command, before the server starts. The project
controls and the map's indicator are Solara reactive variables at module level: Solara's
server keeps one value per session (kernel), each starting from the configuration. Being
module-level, they are read by Mesa's components (``Component(model)``, one argument) and
by the plots' ``post_process``; no closure has to carry them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import solara

from apps.viewer.projects import Project, initial_projects
from sim.calendar import parse_month

FIRST_MONTH = "2015-01"


@dataclass(frozen=True)
class ViewConfig:
    """What the command opens the viewer on.

    Attributes:
        seed, scale: the first model's (the controls change them on Reset).
        end: the last month, ``"YYYY-MM"``.
        projects: the projects' settings; those of the scenario file switched on.
        title: the page's title.
        map_indicator: the indicator the map shows first.
    """

    seed: int = 1
    scale: float = 0.01
    end: str = "2025-12"
    projects: dict[str, Project] = field(default_factory=dict)
    title: str = "Torino Metropoli: MetroModel"
    map_indicator: str = "unemployment_rate"


_CONFIG: list[ViewConfig] = []


def configure(config: ViewConfig) -> None:
    """Set what every session opens on (the command calls it before serving)."""
    _CONFIG[:] = [config]


def config() -> ViewConfig:
    """The viewer's configuration (the baseline at the defaults if none was set)."""
    if not _CONFIG:
        projects = initial_projects({}, parse_month(FIRST_MONTH), parse_month("2025-12"))
        configure(ViewConfig(projects=projects))
    return _CONFIG[0]


projects_set: solara.Reactive[dict[str, Project] | None] = solara.reactive(None)
"""The session's projects as the controls set them (None: as configured)."""

indicator_set: solara.Reactive[str | None] = solara.reactive(None)
"""The indicator the session's map shows (None: as configured)."""


def projects() -> dict[str, Project]:
    """The session's projects (a read subscribes the component that reads it)."""
    chosen = projects_set.value
    return config().projects if chosen is None else chosen


def map_indicator() -> str:
    """The session's map indicator."""
    chosen = indicator_set.value
    return config().map_indicator if chosen is None else chosen
