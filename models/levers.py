"""The plan's 29 projects (A1-A8, B1-B21) as policy levers.

A lever has two halves, kept apart as in Starsim's delivery/product split and EMA
Workbench's levers-versus-uncertainties:

* **delivery** (:class:`Lever`): when it starts, how fast it ramps up, how strongly
  (intensity, 1 = as the plan intends), where (target comuni), until when;
* **effect** (:class:`LeverSpec` with its :class:`Effect` list): which hooks of
  :mod:`models.hooks` it moves, by how much at full strength, with a prior on that size.

Each month the model resets the hooks and every active lever applies
``size × strength(month)`` to its hooks in its target comuni; kernels only read hooks.
Every effect size is an assumption with a prior (see ``docs/levers.md``): the plan gives
no quantified targets, so these are the uncertain parameters that calibration and
sensitivity analysis explore.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from models.hooks import HOOKS
from models.territory import load_territory
from sim.calendar import format_month, parse_month
from sim.errors import InputError
from sim.scenario import check_month

if TYPE_CHECKING:
    from models.model import MetroModel

GOVERNANCE, ECONOMIC = "governance", "economic development"
UNIVERSITY, INTERNATIONAL, SOCIAL = "universitaria", "internazionale", "sociale"
AREA_NAMES = {
    UNIVERSITY: "Torino universitaria e dell'innovazione",
    INTERNATIONAL: "Torino internazionale",
    SOCIAL: "Torino sociale",
}
LEVER_KEYS = {"start", "ramp_months", "intensity", "end", "targets"}
MAX_RAMP_MONTHS = 120


@dataclass(frozen=True)
class Effect:
    """What a lever changes at full strength.

    Attributes:
        hook: a hook of :data:`models.hooks.HOOKS`.
        size: relative change of a multiplicative hook (``-0.15`` multiplies it by 0.85),
            or the amount added to an additive hook (neutral value 0).
        prior: ``(low, high)`` of a uniform prior on ``size`` (assumption unless noted).
        metro_wide: the hook acts on the whole area (entry 0 or every zone), whatever the
            lever's targets.
    """

    hook: str
    size: float
    prior: tuple[float, float]
    metro_wide: bool = False


@dataclass(frozen=True)
class LeverSpec:
    """A project of the plan and its modelled effect.

    Attributes:
        code: ``A1`` ... ``B21``.
        name: the plan's Italian name.
        summary: one line in English.
        strategy: governance or economic development.
        areas: the priority areas it serves (mapping documented in docs/levers.md).
        start: default start month.
        ramp_months: default months to reach full strength.
        cost_eur: yearly cost at intensity 1, EUR (assumption, see docs/levers.md).
        effects: the hooks it moves.
        moves: indicators it is expected to move, with the sign (+1 or -1).
        targets: default target comuni (ISTAT codes); empty means all 38.
        max_intensity: the largest intensity a scenario may set.
        mechanism: how the effect follows from what the plan says.
    """

    code: str
    name: str
    summary: str
    strategy: str
    areas: tuple[str, ...]
    start: str
    ramp_months: int
    cost_eur: float
    effects: tuple[Effect, ...]
    moves: Mapping[str, int]
    mechanism: str
    targets: tuple[str, ...] = ()
    max_intensity: float = 1.0

    def describe_effects(self) -> str:
        """The effects as short text: ``startup_exit -25%, innovation +5%``."""
        parts = []
        for e in self.effects:
            if HOOKS[e.hook][0] == 0.0:
                parts.append(f"{e.hook} {e.size:+g}")
            else:
                parts.append(f"{e.hook} {e.size:+.0%}")
        return ", ".join(parts)


@dataclass
class Lever:
    """A lever as delivered in a scenario.

    Attributes:
        spec: the project.
        start: first month of delivery (month index).
        ramp_months: months from start to full intensity (linear).
        intensity: strength at the end of the ramp (1 = as the plan intends).
        end: last month of delivery, or None (to the end of the run).
        targets: zone indices it acts on.
    """

    spec: LeverSpec
    start: int
    ramp_months: int
    intensity: float
    end: int | None
    targets: np.ndarray = field(repr=False)

    def strength(self, month: int) -> float:
        """Intensity times the ramp at ``month``; 0 outside delivery."""
        if month < self.start or (self.end is not None and month > self.end):
            return 0.0
        ramp = (
            1.0 if self.ramp_months <= 0 else min(1.0, (month - self.start + 1) / self.ramp_months)
        )
        return self.intensity * ramp

    def apply(self, model: MetroModel, month: int) -> None:
        """Move the hooks for ``month`` (called by the model's ``levers`` phase)."""
        s = self.strength(month)
        if s == 0.0:
            return
        for effect in self.spec.effects:
            hook = getattr(model.hooks, effect.hook)
            where = slice(None) if effect.metro_wide else self.targets
            if HOOKS[effect.hook][0] == 0.0:
                hook[where] += effect.size * s
            else:
                hook[where] *= max(1.0 + effect.size * s, 0.0)

    def yearly_cost(self, month: int) -> float:
        """Yearly cost rate at ``month``, EUR."""
        return self.spec.cost_eur * self.strength(month)


def _e(hook: str, size: float, metro_wide: bool = False, spread: float = 0.5) -> Effect:
    low, high = sorted((size * (1 - spread), size * (1 + spread)))
    return Effect(hook, size, (low, high), metro_wide)


# Fifteen peripheral places of B2 (market areas and metropolitan-rail stations): the plan
# names no list, so one place per comune along the SFM lines, an assumption.
B2_PLACES = (
    "001272",
    "001090",
    "001120",
    "001219",
    "001156",
    "001164",
    "001265",
    "001292",
    "001078",
    "001171",
    "001024",
    "001249",
    "001280",
    "001063",
    "001034",
)
GREEN_BELT = (
    "001272",
    "001164",
    "001051",
    "001171",
    "001024",
    "001292",
    "001099",
    "001243",
    "001192",
    "001018",
    "001249",
    "001183",
    "001156",
    "001194",
    "001214",
    "001038",
)

SPECS: tuple[LeverSpec, ...] = (
    LeverSpec(
        "A1",
        "Strategia Territoriale Metropolitana",
        "one spatial plan placing productive, tertiary and residential functions",
        GOVERNANCE,
        (INTERNATIONAL,),
        "2016-01",
        24,
        0.6e6,
        (_e("startups", 0.04), _e("fdi", 0.15, True), _e("amenity", 0.02)),
        {"firm_births": +1, "fdi_eur": +1},
        "sites for firms are planned for the whole area, so entry and inward "
        "investment find land faster",
    ),
    LeverSpec(
        "A2",
        "Agenzia strategica per l'economia e gli investimenti",
        "one agency promoting the area and serving investors",
        GOVERNANCE,
        (INTERNATIONAL,),
        "2016-01",
        18,
        2.5e6,
        (_e("fdi", 0.4, True), _e("growth_drift", 0.003, True)),
        {"fdi_eur": +1, "investment_eur": +1},
        "a single contact and active promotion raise the arrival rate of foreign plants",
    ),
    LeverSpec(
        "A3",
        "Agenzia per la Mobilità Metropolitana e Regionale potenziata",
        "one planner and regulator for every mode of transport",
        GOVERNANCE,
        (),
        "2016-01",
        36,
        3.0e6,
        (_e("transit_quality", 0.10), _e("transit_fare", -0.05, True)),
        {"transit_share": +1, "commute_co2_t": -1},
        "integrated planning and fares improve service and cut the cost of transit",
    ),
    LeverSpec(
        "A4",
        "Agenzia metropolitana Corona Verde",
        "one agency planning and promoting the green belt",
        GOVERNANCE,
        (),
        "2016-06",
        24,
        1.5e6,
        (_e("amenity", 0.08), _e("tourism", 0.01, True)),
        {"tourist_arrivals": +1},
        "upkeep and promotion of the Corona Verde raise the amenity of the comuni of "
        "the green belt and leisure visits",
        targets=GREEN_BELT,
    ),
    LeverSpec(
        "A5",
        "Manager per la Città Metropolitana sostenibile",
        "checks plans against environmental sustainability",
        GOVERNANCE,
        (),
        "2016-01",
        12,
        0.2e6,
        (_e("car_cost", 0.04, True), _e("transit_quality", 0.02)),
        {"commute_co2_t": -1, "transit_share": +1},
        "sustainable-transport criteria in plans (parking, priority lanes) shift "
        "commuters from the car",
    ),
    LeverSpec(
        "A6",
        "Task Force metropolitana per la semplificazione",
        "regular reports and simpler procedures for firms",
        GOVERNANCE,
        (),
        "2016-01",
        24,
        0.5e6,
        (_e("admin_burden", -0.2),),
        {"admin_burden_days": -1, "firm_births": +1},
        "fewer days on procedures lower the cost of entry (elasticity admin_burden_elasticity)",
    ),
    LeverSpec(
        "A7",
        "Welfare metropolitano",
        "gradual integration of the comuni's welfare services",
        GOVERNANCE,
        (SOCIAL,),
        "2016-06",
        36,
        4.0e6,
        (
            _e("service_cost", -0.04),
            _e("job_search_long_term", 0.15, True),
            _e("social_minimum", 1200.0, True),
        ),
        {"service_cost_per_capita_eur": -1, "poverty_rate": -1},
        "shared welfare services cost less, activate the long-term unemployed and "
        "extend income support",
    ),
    LeverSpec(
        "A8",
        "Finanza pubblica aggregata",
        "comuni share accounting and finance",
        GOVERNANCE,
        (),
        "2016-01",
        24,
        0.3e6,
        (_e("service_pooling", 2.0), _e("service_cost", -0.02)),
        {"service_cost_per_capita_eur": -1},
        "pooling administration gives small comuni the economies of scale of a larger one",
    ),
    LeverSpec(
        "B1",
        "Piano per i luoghi dell'economia metropolitana",
        "map and relaunch industrial areas, co-working and FabLabs",
        ECONOMIC,
        (),
        "2016-01",
        24,
        1.0e6,
        (_e("startups", 0.06), _e("firm_exit", -0.03), _e("fdi", 0.05, True)),
        {"firm_births": +1, "firms_active": +1},
        "matching the demand and supply of sites eases entry and keeps firms",
    ),
    LeverSpec(
        "B2",
        "Quindici progetti di qualità urbana",
        "15 pilot upgrades of peripheral places",
        ECONOMIC,
        (SOCIAL,),
        "2016-06",
        36,
        15.0e6,
        (_e("amenity", 0.15), _e("transit_quality", 0.04)),
        {"transit_share": +1},
        "better public space and station areas raise amenity and access",
        targets=B2_PLACES,
    ),
    LeverSpec(
        "B3",
        "AcceleraTO",
        "accelerator programmes for start-ups and SMEs",
        ECONOMIC,
        (UNIVERSITY,),
        "2016-01",
        12,
        2.0e6,
        (_e("startup_exit", -0.35), _e("innovation", 0.05)),
        {"firms_active": +1, "firm_deaths": -1},
        "mentoring and finance lower the liability of newness (young firms' extra exit hazard)",
    ),
    LeverSpec(
        "B4",
        "Scuola di alta formazione manageriale",
        "a management school for local firms and international students",
        ECONOMIC,
        (UNIVERSITY, INTERNATIONAL),
        "2017-01",
        24,
        3.0e6,
        (_e("talent_exit", -0.05, True), _e("enrolment", 0.03), _e("growth_drift", 0.002, True)),
        {"talents": +1, "students": +1},
        "managers trained locally stay, and the school enrols students",
    ),
    LeverSpec(
        "B5",
        "Connessione educazione-lavoro",
        "networks linking schools, universities and firms",
        ECONOMIC,
        (UNIVERSITY, SOCIAL),
        "2016-01",
        24,
        1.0e6,
        (_e("matching", 0.08, True), _e("job_search_long_term", 0.05, True)),
        {"unemployment_rate": -1},
        "orientation and placement raise matching efficiency",
    ),
    LeverSpec(
        "B6",
        "Lab Accesso aperTO",
        "shared research infrastructure for firms, universities, public bodies",
        ECONOMIC,
        (UNIVERSITY,),
        "2016-06",
        24,
        1.5e6,
        (_e("innovation", 0.3), _e("university_links", 0.5)),
        {"innovative_firms": +1, "university_links": +1},
        "access to laboratories raises firms' innovation and links with research",
    ),
    LeverSpec(
        "B7",
        "Labora.TO",
        "manufacturers adopt technical-school labs",
        ECONOMIC,
        (UNIVERSITY,),
        "2016-09",
        24,
        0.5e6,
        (_e("innovation", 0.1), _e("matching", 0.02, True)),
        {"innovative_firms": +1},
        "firms that upgrade school labs adopt technologies and meet trained students",
    ),
    LeverSpec(
        "B8",
        "Talenti a Torino",
        "retain, grow and attract talents",
        ECONOMIC,
        (UNIVERSITY, INTERNATIONAL),
        "2016-01",
        18,
        2.0e6,
        (_e("talent_exit", -0.25, True), _e("arrivals", 0.03, True)),
        {"talents": +1},
        "retention programmes lower graduates' departures; promotion brings arrivals",
    ),
    LeverSpec(
        "B9",
        "Esperienza Torino",
        "one body designing experiences for tourists, talents and students",
        ECONOMIC,
        (INTERNATIONAL,),
        "2016-01",
        24,
        2.0e6,
        (_e("tourism", 0.08, True), _e("amenity", 0.01)),
        {"tourist_arrivals": +1},
        "coordinated offer and promotion raise arrivals",
    ),
    LeverSpec(
        "B10",
        "Torino bilingue",
        "make the city bilingual (English)",
        ECONOMIC,
        (INTERNATIONAL,),
        "2016-06",
        36,
        1.0e6,
        (_e("tourism", 0.03, True), _e("fdi", 0.08, True), _e("talent_exit", -0.03, True)),
        {"tourist_arrivals": +1, "fdi_eur": +1},
        "English in services eases visits, investment and the stay of foreigners",
    ),
    LeverSpec(
        "B11",
        "Portale unico per le imprese",
        "one digital portal for every procedure between firms and administration",
        ECONOMIC,
        (),
        "2016-06",
        24,
        1.5e6,
        (_e("admin_burden", -0.15),),
        {"admin_burden_days": -1, "firm_births": +1},
        "a single digital procedure cuts the days firms spend on administration",
    ),
    LeverSpec(
        "B12",
        "Ecosistema digitale e open data",
        "open-data agenda",
        ECONOMIC,
        (UNIVERSITY,),
        "2016-01",
        24,
        1.0e6,
        (_e("innovation", 0.08), _e("startups", 0.02), _e("service_cost", -0.01)),
        {"innovative_firms": +1},
        "open data feed digital products and services",
    ),
    LeverSpec(
        "B13",
        "Social innovation",
        "procurement, incubation and finance for social-impact enterprise",
        ECONOMIC,
        (SOCIAL, UNIVERSITY),
        "2016-01",
        24,
        1.0e6,
        (_e("startups", 0.03), _e("job_search_long_term", 0.08, True)),
        {"firm_births": +1, "unemployment_rate": -1},
        "social enterprises start and employ people far from the labour market",
    ),
    LeverSpec(
        "B14",
        "Acquisti pubblici per lo sviluppo",
        "public procurement steered to local suppliers",
        ECONOMIC,
        (SOCIAL,),
        "2016-06",
        24,
        0.3e6,
        (_e("firm_exit", -0.05), _e("growth_drift", 0.002, True)),
        {"firms_active": +1},
        "steadier local demand lowers exits of local suppliers",
    ),
    LeverSpec(
        "B15",
        "Rigenerazione metropolitana",
        "regeneration linking public space, economy and inclusion",
        ECONOMIC,
        (SOCIAL,),
        "2017-01",
        36,
        10.0e6,
        (_e("amenity", 0.06), _e("startups", 0.03), _e("firm_exit", -0.02)),
        {"firm_births": +1},
        "regenerated areas attract residents and small firms",
    ),
    LeverSpec(
        "B16",
        "Nuovo housing sociale",
        "new social-housing models with lower rents",
        ECONOMIC,
        (SOCIAL,),
        "2016-06",
        36,
        8.0e6,
        (_e("rent", -0.12),),
        {"rent_eur_m2": -1},
        "patient capital and co-housing add units at lower rents",
    ),
    LeverSpec(
        "B17",
        "Cittadinanza attiva e beni comuni",
        "one metropolitan rule for citizens' care of commons",
        ECONOMIC,
        (SOCIAL,),
        "2016-01",
        12,
        0.2e6,
        (_e("amenity", 0.02), _e("service_cost", -0.015)),
        {"service_cost_per_capita_eur": -1},
        "citizens' care of commons adds amenity and saves upkeep",
    ),
    LeverSpec(
        "B18",
        "Piattaforma tecnologica per la mobilità intelligente",
        "real-time multimodal journey platform and smart ticketing",
        ECONOMIC,
        (),
        "2016-06",
        24,
        2.0e6,
        (_e("transit_quality", 0.08), _e("transit_fare", -0.05, True)),
        {"transit_share": +1, "commute_co2_t": -1},
        "real-time information and smart tickets cut waits and fares",
    ),
    LeverSpec(
        "B19",
        "Logistica per una città metropolitana intelligente",
        "urban freight hubs, controlled-access areas, ITS",
        ECONOMIC,
        (),
        "2017-01",
        24,
        1.5e6,
        (_e("firm_exit", -0.04), _e("car_cost", 0.02, True)),
        {"firms_active": +1},
        "cheaper distribution lowers firms' costs; access control prices car use",
    ),
    LeverSpec(
        "B20",
        "Coordinamento Smart City metropolitano",
        "extend Torino Smart City to the metro area",
        ECONOMIC,
        (),
        "2016-06",
        24,
        1.0e6,
        (_e("transit_quality", 0.03), _e("service_cost", -0.01), _e("innovation", 0.05)),
        {"innovative_firms": +1, "transit_share": +1},
        "shared smart-city projects spread energy, mobility and social innovation",
    ),
    LeverSpec(
        "B21",
        "Food Commission",
        "aggregate and promote the food sector",
        ECONOMIC,
        (INTERNATIONAL,),
        "2016-06",
        24,
        0.8e6,
        (_e("tourism", 0.04, True), _e("startups", 0.01)),
        {"tourist_arrivals": +1},
        "food events and promotion bring visitors",
    ),
)
SPEC_BY_CODE: dict[str, LeverSpec] = {s.code: s for s in SPECS}


def check_levers(table: Mapping[str, Any], source: str, start: int, end: int) -> dict[str, Any]:
    """Check a scenario's ``[levers]`` table; return it normalised (every key filled).

    Raises:
        InputError: an unknown code or key, or a value out of range.
    """
    codes = load_territory().codes
    out: dict[str, Any] = {}
    for code, entry in table.items():
        base = f"levers.{code}"
        if code not in SPEC_BY_CODE:
            raise InputError(
                f"unknown lever (expected one of {', '.join(SPEC_BY_CODE)})", source, base
            )
        spec = SPEC_BY_CODE[code]
        if not isinstance(entry, dict):
            raise InputError(f"expected a table [levers.{code}]", source, base)
        unknown = sorted(set(entry) - LEVER_KEYS)
        if unknown:
            raise InputError(
                f"unknown key (expected {sorted(LEVER_KEYS)})", source, f"{base}.{unknown[0]}"
            )
        lever_start = check_month(
            entry.get("start", _clip(spec.start, start, end)), source, f"{base}.start", start, end
        )
        lever_end = None
        if "end" in entry:
            lever_end = check_month(entry["end"], source, f"{base}.end", lever_start, end)
        ramp = entry.get("ramp_months", spec.ramp_months)
        if isinstance(ramp, bool) or not isinstance(ramp, int) or not 0 <= ramp <= MAX_RAMP_MONTHS:
            raise InputError(
                f"expected a whole number of months from 0 to {MAX_RAMP_MONTHS}, got {ramp!r}",
                source,
                f"{base}.ramp_months",
            )
        intensity = entry.get("intensity", 1.0)
        if (
            isinstance(intensity, bool)
            or not isinstance(intensity, int | float)
            or not (math.isfinite(intensity) and 0.0 <= intensity <= spec.max_intensity)
        ):
            raise InputError(
                f"expected a number from 0 to {spec.max_intensity:g}, got {intensity!r}",
                source,
                f"{base}.intensity",
            )
        targets = entry.get("targets", list(spec.targets))
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise InputError(
                'expected a list of ISTAT codes as text, e.g. ["001272"]', source, f"{base}.targets"
            )
        for t in targets:
            if t not in codes:
                raise InputError(
                    f"{t!r} is not one of the 38 comuni (expected an ISTAT code "
                    'such as "001272" for Torino)',
                    source,
                    f"{base}.targets",
                )
        out[code] = {
            "start": format_month(lever_start),
            "ramp_months": int(ramp),
            "intensity": float(intensity),
            "end": format_month(lever_end) if lever_end is not None else None,
            "targets": list(targets),
        }
    return out


def _clip(month: str, start: int, end: int) -> str:
    """A default start month moved inside the run."""
    return format_month(min(max(parse_month(month), start), end))


def build_levers(table: Mapping[str, Any]) -> list[Lever]:
    """Levers from a checked, normalised ``[levers]`` table, in code order."""
    codes = load_territory().codes
    index = {c: i for i, c in enumerate(codes)}
    levers = []
    for code in sorted(table, key=lambda c: [s.code for s in SPECS].index(c)):
        entry = table[code]
        targets = entry["targets"]
        zones = np.array(
            [index[t] for t in targets] if targets else range(len(codes)), dtype=np.int64
        )
        levers.append(
            Lever(
                spec=SPEC_BY_CODE[code],
                start=parse_month(entry["start"]),
                ramp_months=int(entry["ramp_months"]),
                intensity=float(entry["intensity"]),
                end=parse_month(entry["end"]) if entry.get("end") else None,
                targets=zones,
            )
        )
    return levers


def lever_markers(table: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(code, "YYYY-MM")`` of each active lever's start, for plots."""
    return [
        (code, entry["start"]) for code, entry in table.items() if entry.get("intensity", 1.0) > 0
    ]
