"""``metropoli view``: Mesa's SolaraViz on :class:`~models.model.MetroModel`.

Each browser session gets its own model, built as a run builds it (the seed and scale
the controls set, the months 2015-01 to the scenario's end), and its own project
controls (:mod:`apps.viewer.state`). The page is Mesa's: the Reset / play / Step
controls, the model parameters (seed and scale, which take effect on Reset), and a grid
of components: the map of the comuni, the project controls, the headlines, and the eight
goals' headline indicators plotted by Mesa's ``make_plot_component`` from the model's
data collector, with the projects' starts marked.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz, make_plot_component

from apps.viewer.components import ComuniMap, Headlines, ProjectPanel, plot_marks
from apps.viewer.figures import HEADLINES
from apps.viewer.state import ViewConfig, config
from models.model import MetroModel
from models.population import PopulationCache
from models.territory.territory import Territory, load_territory

SCALES = (0.005, 0.01, 0.02, 0.05)
"""The scales the control offers (a month at 0.05 still takes a fraction of a second)."""

_SHARED: dict[str, object] = {}


def shared() -> tuple[Territory, PopulationCache]:
    """The territory and the populations, built once for every session and reset."""
    if not _SHARED:
        _SHARED["territory"] = load_territory()
        _SHARED["populations"] = PopulationCache(max_entries=4)
    return _SHARED["territory"], _SHARED["populations"]  # type: ignore[return-value]


def model_params(cfg: ViewConfig) -> dict[str, object]:
    """Mesa's model parameters: seed and scale as controls, the rest fixed."""
    territory, populations = shared()
    scales = sorted({*SCALES, cfg.scale})
    return {
        "seed": {
            "type": "SliderInt",
            "value": cfg.seed,
            "label": "seed",
            "min": 0,
            "max": 99,
            "step": 1,
        },  # fmt: skip
        "scale": {
            "type": "Select",
            "value": cfg.scale,
            "values": scales,
            "label": "scale (agents per real person)",
        },  # fmt: skip
        "end": cfg.end,
        "territory": territory,
        "populations": populations,
    }


def new_model(cfg: ViewConfig) -> MetroModel:
    """The session's first model (its levers are the project controls', set on mount)."""
    territory, populations = shared()
    return MetroModel(
        seed=cfg.seed, scale=cfg.scale, end=cfg.end, territory=territory, populations=populations
    )


def components() -> list[tuple[object, int]]:
    """The page's grid: map, projects, headlines, then Mesa's plot of each goal's headline.

    The first three are Solara components of one argument, the model, passed as they are
    (Mesa wraps plain functions anew at every render, which would reset their state).
    """
    first = MetroModel.FIRST_MONTH
    plots = [make_plot_component(name, post_process=plot_marks(name, first)) for name in HEADLINES]
    return [(ComuniMap, 0), (ProjectPanel, 0), (Headlines, 0), *plots]


@solara.component
def Page():
    """The viewer's page: one model and one set of project controls per session."""
    cfg = config()
    model = solara.use_memo(lambda: new_model(cfg), [])
    solara.Title(cfg.title)
    SolaraViz(
        model,
        components=components(),
        model_params=model_params(cfg),
        name=cfg.title,
        play_interval=50,
    )
