"""The viewer's own Solara components, where Mesa's viz API has none.

Each reads Mesa's ``update_counter``, as Mesa's own components do, so that it is drawn
again after every step (a component whose arguments have not changed is otherwise not).
Mesa 3.3 draws grids and networks, not polygons, and its model parameters are the
arguments of the model's constructor: so the map of the comuni (:func:`ComuniMap`), the
project controls that move the running model's levers (:func:`ProjectPanel`) and the
table of the goals' headlines (:func:`Headlines`) are components here, each a function of
the model as Mesa's components are. The plots are Mesa's own
(``make_plot_component``), marked by :func:`plot_marks`.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import solara
from mesa.visualization.utils import force_update, update_counter

from apps.viewer.figures import (
    GOAL_OF,
    MAP_INDICATORS,
    UNITS,
    current_month,
    goal_title,
    headline_rows,
    label,
    map_figure,
)
from apps.viewer.projects import (
    Project,
    describe,
    lever_settings,
    start_steps,
    with_intensity,
    with_start,
)
from apps.viewer.state import indicator_set, map_indicator, projects, projects_set
from models.components.levers import SPEC_BY_CODE, build_levers
from sim.calendar import format_month
from sim.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from models.model import MetroModel

PROJECT_LABELS = {code: f"{code} · {spec.name}" for code, spec in SPEC_BY_CODE.items()}
MAP_LABELS = {name: label(name) for name in MAP_INDICATORS}


@solara.component
def ComuniMap(model: MetroModel):
    """The 38 comuni on their boundaries, coloured by the indicator the user picks."""
    update_counter.get()  # drawn again after every step, as Mesa's own components are
    by_label = {v: k for k, v in MAP_LABELS.items()}
    with solara.Column(classes=["metropoli-map"]):
        solara.Select(
            "Map: indicator per comune",
            values=list(MAP_LABELS.values()),
            value=MAP_LABELS[map_indicator()],
            on_value=lambda text: indicator_set.set(by_label[text]),
        )
        solara.FigureMatplotlib(
            map_figure(model, map_indicator()),
            format="png",
            dependencies=[id(model), model.steps, map_indicator()],
        )


@solara.component
def Headlines(model: MetroModel):
    """The eight goals' headline indicators in the metro area this month."""
    update_counter.get()
    month = current_month(model)
    when = format_month(month) if month is not None else "January 2015, before the first step"
    rows = "".join(
        f"<tr><td>{escape(g)}</td><td>{escape(name)}</td><td>{escape(value)}</td></tr>"
        for g, name, value in headline_rows(model)
    )
    with solara.Column(classes=["metropoli-headlines"]):
        solara.HTML(  # not Markdown: Solara's Markdown fetches KaTeX from a CDN
            tag="div",
            unsafe_innerHTML=f"<b>Metro area, {escape(when)}</b> (step {model.steps})"
            f"<table style='font-size:13px'><tr><th>goal</th><th>headline</th><th>value</th></tr>"
            f"{rows}</table>",
        )


@solara.component
def ProjectPanel(model: MetroModel):
    """On/off, intensity and start of each project; the running model delivers them.

    The model's levers follow the controls at once (from the next month it steps) and
    after a reset; :func:`~apps.viewer.projects.lever_settings` is what it delivers.
    """
    update_counter.get()
    chosen = projects()
    code, set_code = solara.use_state(next(iter(chosen)))
    error, set_error = solara.use_state("")
    first, last = model.first_month, model.end_month

    def deliver():
        model.levers = build_levers(lever_settings(chosen))

    solara.use_effect(deliver, [id(model), chosen])
    project = chosen[code]

    def update(changed: Project) -> None:
        projects_set.set({**projects(), code: changed})

    def set_start(text: str) -> None:
        try:
            update(with_start(projects()[code], text, first, last))
            set_error("")
        except InputError as err:
            set_error(str(err))

    def step_year() -> None:
        for _ in range(12):
            if model.running:
                model.step()
        force_update()

    by_label = {v: k for k, v in PROJECT_LABELS.items()}
    with solara.Column(classes=["metropoli-projects"]):
        solara.Button("Step 12 months", on_click=step_year, color="primary", outlined=True)
        solara.Select(
            "Project of the plan",
            values=list(PROJECT_LABELS.values()),
            value=PROJECT_LABELS[code],
            on_value=lambda text: set_code(by_label[text]),
        )
        solara.Text(SPEC_BY_CODE[code].summary)
        solara.Checkbox(
            label=f"{code} on",
            value=project.on,
            on_value=lambda on: update(Project(project.settings, bool(on))),
        )
        solara.SliderFloat(
            "intensity",
            value=project.settings.intensity,
            min=0.0,
            max=SPEC_BY_CODE[code].max_intensity,
            step=0.05,
            on_value=lambda v: update(with_intensity(project, v, first, last)),
        )
        solara.InputText(
            "start (YYYY-MM)",
            value=format_month(project.settings.start),
            on_value=set_start,
            continuous_update=False,
            error=error or None,
        )
        solara.Text(f"On: {describe(chosen)}")


def plot_marks(name: str, first_month: int):
    """A ``post_process`` for Mesa's ``make_plot_component``: title, unit, lever starts."""

    def post_process(ax: Axes) -> None:
        ax.figure.set_size_inches(5.6, 2.8)
        ax.set_title(goal_title(name), fontsize=10)
        ax.set_ylabel(UNITS[name], fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        for k, (text, step) in enumerate(start_steps(projects(), first_month)):
            ax.axvline(step, color="#b03a2e", ls="--", lw=0.8, alpha=0.7)
            ax.annotate(
                text,
                (step, 1.0 - 0.12 * (k % 4)),  # staggered, so that labels do not overlap
                xycoords=("data", "axes fraction"),
                fontsize=6,
                color="#b03a2e",
                va="top",
                ha="left",
            )

    post_process.__doc__ = f"Marks for the plot of {name} (goal {GOAL_OF[name]})."
    return post_process
