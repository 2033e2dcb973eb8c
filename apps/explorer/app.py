"""``metropoli explore STORE``: the page (Solara) and its one JSON route, run manifests.

Controls in the sidebar: two scenarios side by side, or all of them; a goal or an
indicator; a year. The page shows the paired effects against the baseline with their
intervals (a table), the fans of the metro series (levels and differences) and the maps
of the effect per comune; each query runs when a control changes, lazily, over the store
(:mod:`apps.explorer.data`). The runs of the scenarios shown link to their manifests,
served as JSON at ``/manifest/RUN_ID.json`` (:func:`manifest_route`).
"""

from __future__ import annotations

import solara

from apps.explorer.data import StoreView
from apps.explorer.figures import choices, effects_html, fan_figure, maps_figure, number
from models.territory.territory import load_territory

TWO, ALL = "two side by side", "all scenarios"
MAX_RUNS_LISTED = 40
_OPENED: list[StoreView] = []


def configure(store: StoreView) -> None:
    """Set the store every session explores (the command calls it before serving)."""
    _OPENED[:] = [store]


def opened() -> StoreView:
    """The store being explored."""
    return _OPENED[0]


def manifest_route():
    """A Starlette route serving ``/manifest/RUN_ID.json`` from the store."""
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def manifest(request):
        run_id = request.path_params["run_id"].removesuffix(".json")
        store = opened()
        if run_id not in set(store.design["run_id"]):
            return JSONResponse({"error": f"no run {run_id} in this store"}, status_code=404)
        return JSONResponse(store.manifest(run_id))

    return Route("/manifest/{run_id}", manifest)


def shown_scenarios(store: StoreView, mode: str, a: str, b: str) -> list[str]:
    """The scenarios the page compares: the two chosen (once if the same), or all."""
    if mode == ALL:
        return list(store.scenarios)
    return [a] if a == b else [a, b]


@solara.component
def Controls(store: StoreView, mode, a, b, choice, year):
    """The sidebar: scenarios, goal or indicator, year."""
    with solara.Card("Compare"):
        solara.ToggleButtonsSingle(value=mode, values=[TWO, ALL])
        if mode.value == TWO:
            solara.Select("scenario", values=store.scenarios, value=a)
            solara.Select("beside it", values=store.scenarios, value=b)
        solara.Select("goal or indicator", values=list(choices()), value=choice)
        solara.Select("year", values=store.years, value=year)
    doc = store.document
    solara.Text(
        f"{doc.get('name', store.folder.name)}: {store.design['run_id'].nunique():,} runs, "
        f"scale {doc['run'].get('scale')}, seeds {len(doc['run'].get('seeds', []))}, "
        f"against {store.baseline}"
    )


@solara.component
def Runs(store: StoreView, scenarios: list[str]):
    """The runs of the scenarios shown, each linked to its manifest."""
    runs = store.runs(scenarios)
    rows = "".join(
        f"<tr><td>{r.scenario}</td><td>{r.point}</td><td>{r.seed}</td>"
        f"<td><a href='manifest/{r.run_id}.json' target='_blank'>{r.run_id}</a></td></tr>"
        for r in runs.head(MAX_RUNS_LISTED).itertuples(index=False)
    )
    more = f" (the first {MAX_RUNS_LISTED} of {len(runs):,})" if len(runs) > MAX_RUNS_LISTED else ""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<b>Runs{more}</b><table class='metropoli-runs'>"
        f"<tr><th>scenario</th><th>point</th><th>seed</th><th>manifest</th></tr>{rows}</table>",
    )


@solara.component
def Page():
    """The explorer's page."""
    store = opened()
    mode = solara.use_reactive(TWO)
    a = solara.use_reactive(store.scenarios[0])
    b = solara.use_reactive(store.scenarios[min(1, len(store.scenarios) - 1)])
    choice = solara.use_reactive(next(iter(choices())))
    year = solara.use_reactive("2025" if "2025" in store.years else store.years[-1])
    scenarios = shown_scenarios(store, mode.value, a.value, b.value)
    names = choices()[choice.value]
    key = [tuple(scenarios), choice.value, year.value]
    table = solara.use_memo(lambda: store.effects(names, scenarios, year.value), key)
    fans = solara.use_memo(lambda: store.fans(names[0], scenarios), key[:2])
    comuni = solara.use_memo(lambda: store.comune_effects(names[0], scenarios, year.value), key)
    solara.Title(f"metropoli explore: {store.folder.name}")
    with solara.Sidebar():
        Controls(store, mode, a, b, choice, year)
    with solara.Column(classes=["metropoli-explorer"]):
        solara.HTML(tag="h3", unsafe_innerHTML=f"{choice.value}: effects in {year.value}")
        with solara.Column(classes=["metropoli-effects"]):
            solara.HTML(tag="div", unsafe_innerHTML=effects_html(table, year.value, store.baseline))
        solara.FigureMatplotlib(fan_figure(fans, names[0], store.baseline, scenarios), format="png",
                                dependencies=key[:2])  # fmt: skip
        solara.FigureMatplotlib(
            maps_figure(load_territory(), comuni, names[0], scenarios, year.value),
            format="png",
            dependencies=key,
        )
        solara.Text(f"Largest effect per comune: {number(comuni['median'].abs().max())}")
        Runs(store, scenarios)
