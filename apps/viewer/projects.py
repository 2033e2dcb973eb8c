"""The plan's projects as the viewer's controls set them: on or off, intensity, start.

Pure Python, no Solara: the controls (:mod:`apps.viewer.components`) keep a
``{code: Project}`` dict and hand :func:`lever_settings` of it to the model. Each project
starts from the scenario's settings (its ramp, targets and effect sizes, when the viewer
was opened on a scenario file) or from the plan's defaults, and the controls change only
whether it is on, its intensity and its start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from models.components.lever_settings import LeverSettings, check_lever, lever_markers, recheck
from models.components.levers import SPECS
from sim.calendar import format_month, parse_month
from sim.errors import InputError


@dataclass(frozen=True)
class Project:
    """One project in the viewer: its delivery settings and whether it is switched on."""

    settings: LeverSettings
    on: bool = False


def initial_projects(
    levers: Mapping[str, LeverSettings], start: int, end: int
) -> dict[str, Project]:
    """Every project of the plan, in plan order; those of ``levers`` switched on.

    Args:
        levers: the scenario's levers (empty for the baseline).
        start: the run's first month (a month index).
        end: its last month.
    """
    out = {}
    for spec in SPECS:
        if spec.code in levers:
            out[spec.code] = Project(levers[spec.code], on=True)
        else:
            out[spec.code] = Project(check_lever(spec.code, {}, "the plan", start, end))
    return out


def lever_settings(projects: Mapping[str, Project]) -> dict[str, LeverSettings]:
    """The settings of the projects switched on, by code (what the model delivers)."""
    return {code: p.settings for code, p in projects.items() if p.on}


def with_start(project: Project, text: str, start: int, end: int) -> Project:
    """The project starting in month ``text`` (``"YYYY-MM"``), checked like a scenario's.

    Raises:
        InputError: not a month, or one a scenario may not name (before the run's start or
            after :data:`~models.components.lever_settings.LAST_MONTH`; a start after the
            run's end is valid: the project stays inactive).
    """
    settings = replace(project.settings, start=_month(text, project.settings.code))
    return replace(project, settings=recheck(settings, "the viewer", start, end))


def with_intensity(project: Project, intensity: float, start: int, end: int) -> Project:
    """The project at ``intensity`` (checked against the project's largest)."""
    settings = replace(project.settings, intensity=float(intensity))
    return replace(project, settings=recheck(settings, "the viewer", start, end))


def _month(text: str, code: str) -> int:
    try:
        return parse_month(text.strip())
    except (ValueError, AttributeError):
        raise InputError(
            f'expected a month "YYYY-MM", got {text!r}', "the viewer", f"levers.{code}.start"
        ) from None


def start_steps(projects: Mapping[str, Project], first_month: int) -> list[tuple[str, int]]:
    """``(label, step)`` per start month of the projects on, for the plots' markers.

    Step ``k`` is the ``k``-th month from ``first_month`` (Mesa's step counter: the data
    collector's row ``k`` is recorded after the model's ``k``-th step). Projects starting
    together share one marker (:func:`~models.components.lever_settings.lever_markers`).
    """
    return [
        (label, parse_month(month) - first_month + 1)
        for label, month in lever_markers(lever_settings(projects))
    ]


def describe(projects: Mapping[str, Project], detailed: int = 3) -> str:
    """One short line: the projects on, with intensity and start when few are."""
    on = {code: p.settings for code, p in projects.items() if p.on}
    if not on:
        return "none (the baseline)"
    if len(on) > detailed:
        return f"{len(on)} projects: {' '.join(on)}"
    return "; ".join(
        f"{code} ×{s.intensity:g} from {format_month(s.start)}" for code, s in on.items()
    )
