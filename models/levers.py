"""The plan's 29 projects (A1-A8, B1-B21) as policy levers.

A lever has two halves, kept apart as in Starsim's delivery/product split and EMA
Workbench's levers-versus-uncertainties:

* **delivery** (:class:`Lever`): when it starts, how fast it ramps up, how strongly
  (intensity, 1 = as the plan intends), where (target comuni), until when;
* **effect** (:class:`LeverSpec` with its :class:`Effect` list): which hooks of
  :mod:`models.hooks` it moves, by how much at full strength, with a prior on that size.

Each month the model resets the hooks and every active lever applies
``size × strength(month)`` to its hooks in its target comuni (or, for the hooks the model
reads metro-wide, to the whole area); kernels only read hooks. Every effect size is an
assumption with a prior (see ``docs/levers.md``): the plan gives no quantified targets,
so these are the uncertain parameters that calibration and sensitivity analysis explore.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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
LEVER_KEYS = {"start", "ramp_months", "intensity", "end", "targets", "effects"}
MAX_RAMP_MONTHS = 120

# Hooks the model reads at its metro-wide entry (models.hooks.METRO) only: an effect on
# one of them acts on the whole area whatever the lever's targets (tests/test_levers.py
# checks this set against models/model.py and models/comuni.py).
METRO_HOOKS = frozenset(
    {
        "fdi",
        "transit_fare",
        "car_cost",
        "talent_exit",
        "arrivals",
        "tourism",
        "social_minimum",
        "matching",
        "job_search_long_term",
        "growth_drift",
    }
)


@dataclass(frozen=True)
class Effect:
    """What a lever changes at full strength.

    Attributes:
        hook: a hook of :data:`models.hooks.HOOKS`.
        size: relative change of a multiplicative hook (``-0.15`` multiplies it by 0.85),
            or the amount added to an additive hook (neutral value 0).
        prior: ``(low, high)`` of a uniform prior on ``size``.
        metro_wide: the hook acts on the whole area (every zone, including the metro-wide
            entry), whatever the lever's targets; true exactly for :data:`METRO_HOOKS`.
        source: where the size and prior come from ("assumption" unless a study is named).
    """

    hook: str
    size: float
    prior: tuple[float, float]
    metro_wide: bool = False
    source: str = "assumption"


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
        moves: metro-area indicators it moves, with the sign (+1 or -1): the documented
            targets that ``tests/test_levers.py`` checks against the baseline.
        mechanism: how the effect follows from what the plan says.
        targets: default target comuni (ISTAT codes); empty means all 38.
        max_intensity: the largest intensity a scenario may set.
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

    def describe_moves(self) -> str:
        """The target indicators with their direction: ``firms_active +, firm_deaths -``."""
        return ", ".join(f"{k} {'+' if v > 0 else '-'}" for k, v in self.moves.items())


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


def _e(
    hook: str,
    size: float,
    prior: tuple[float, float] | None = None,
    source: str = "assumption",
) -> Effect:
    """An effect; the prior defaults to ±50% of ``size``; metro-wide as the hook is read."""
    if prior is None:
        prior = (size * 0.5, size * 1.5)
    low, high = sorted(prior)
    return Effect(hook, size, (low, high), hook in METRO_HOOKS, source)


# B2's fifteen peripheral places (market areas, metropolitan-rail stations). The plan names
# no list; assumption: one place in each of the 15 most populous comuni other than Torino
# (ISTAT 2015), the first-belt towns where the plan seeks "nuove centralità". Torino is left
# out because a hook acts on a whole comune, and one pilot place cannot move a city of
# 890,000; its peripheries are better modelled with B15 or by listing Torino as a target.
B2_PLACES = (
    "001156",  # Moncalieri
    "001090",  # Collegno
    "001219",  # Rivoli
    "001164",  # Nichelino
    "001265",  # Settimo Torinese
    "001120",  # Grugliasco
    "001078",  # Chieri
    "001292",  # Venaria Reale
    "001171",  # Orbassano
    "001214",  # Rivalta di Torino
    "001249",  # San Mauro Torinese
    "001063",  # Caselle Torinese
    "001194",  # Piossasco
    "001024",  # Beinasco
    "001008",  # Alpignano
)
# A4's green belt: the comuni hosting or bordering the six protected areas the plan names
# (Stupinigi, La Mandria, the Superga hill park, the Po and Sangone strips, Monte San
# Giorgio). Assumption: the Corona Verde itself spans all 38 comuni and beyond; the agency's
# upkeep and promotion are assumed to matter most where the parks are.
GREEN_BELT = (
    "001272",  # Torino (Po strip, Superga hill)
    "001164",  # Nichelino (Stupinigi, Sangone)
    "001051",  # Candiolo (Stupinigi)
    "001171",  # Orbassano (Stupinigi, Sangone)
    "001024",  # Beinasco (Sangone)
    "001292",  # Venaria Reale (La Mandria)
    "001099",  # Druento (La Mandria)
    "001243",  # San Gillio (La Mandria)
    "001192",  # Pino Torinese (Superga hill)
    "001018",  # Baldissero Torinese (Superga hill)
    "001249",  # San Mauro Torinese (Superga hill, Po)
    "001183",  # Pecetto Torinese (the hill)
    "001156",  # Moncalieri (Po, Sangone)
    "001194",  # Piossasco (Monte San Giorgio)
    "001214",  # Rivalta di Torino (Sangone)
    "001038",  # Bruino (Sangone)
)

WATKINS_2011 = (
    "Watkins et al. 2011 (Transp. Res. A 45:839): real-time information cuts riders' "
    "perceived wait by about 13-30%"
)
CARD_KLUVE_WEBER_2018 = (
    "Card, Kluve and Weber 2018 (JEEA 16:894): activation helps most those entering from "
    "long-term unemployment, after 2-3 years"
)
HARDING_JAVORCIK_2011 = (
    "Harding and Javorcik 2011 (Econ. J. 121:1445): investment promotion raises FDI in "
    "targeted sectors, strongly in developing and hardly in industrial countries"
)
KLAPPER_2006 = (
    "with admin_burden_elasticity from Klapper, Laeven and Rajan 2006 (JFE 82:591): entry "
    "falls where entry regulation is heavier"
)

SPECS: tuple[LeverSpec, ...] = (
    # ---------------------------------------------------------------- A: governance
    LeverSpec(
        "A1",
        "Strategia Territoriale Metropolitana",
        "a metropolitan spatial plan locating strategic productive, tertiary, residential "
        "and infrastructure functions",
        GOVERNANCE,
        (),
        "2016-01",
        24,
        0.5e6,
        (_e("startups", 0.04, (0.01, 0.08)), _e("fdi", 0.10, (0.0, 0.2))),
        {"firm_births": +1, "firms_active": +1},
        "sites for productive functions are chosen once for the whole area, so start-ups "
        "and inward investment find a place sooner",
    ),
    LeverSpec(
        "A2",
        "Agenzia strategica per l'economia e gli investimenti",
        "one agency that monitors, promotes and attracts investment, the single reference "
        "point for investors",
        GOVERNANCE,
        (INTERNATIONAL,),
        "2016-01",
        18,
        2.5e6,
        (
            _e("fdi", 0.25, (0.0, 0.5), HARDING_JAVORCIK_2011),
            _e("growth_drift", 0.002, (0.0005, 0.004)),
        ),
        {"jobs": +1},
        "promotion and a single contact raise the arrival of foreign plants; support to "
        "local firms' investment projects raises their growth",
    ),
    LeverSpec(
        "A3",
        "Agenzia per la Mobilità Metropolitana e Regionale potenziata",
        "the transit agency extended to every mode, private and alternative: one planner "
        "and regulator of mobility",
        GOVERNANCE,
        (),
        "2016-01",
        36,
        1.5e6,
        (_e("transit_quality", 0.08, (0.04, 0.12)), _e("car_cost", 0.02, (0.0, 0.04))),
        {"transit_share": +1, "commute_co2_t": -1},
        "one plan for every mode coordinates services (shorter waits, better connections) "
        "and regulates private mobility (parking, access)",
    ),
    LeverSpec(
        "A4",
        "Agenzia metropolitana Corona Verde",
        "one agency planning, managing and promoting the Corona Verde green belt",
        GOVERNANCE,
        (),
        "2016-06",
        24,
        1.5e6,
        (_e("amenity", 0.02, (0.005, 0.04)), _e("tourism", 0.01, (0.0, 0.02))),
        {"tourist_arrivals": +1},
        "upkeep and promotion of the parks raise the amenity of the comuni of the green "
        "belt and bring leisure visitors",
        targets=GREEN_BELT,
    ),
    LeverSpec(
        "A5",
        "Manager per la Città Metropolitana sostenibile",
        "a metropolitan manager checking that plans and works meet environmental sustainability",
        GOVERNANCE,
        (),
        "2016-01",
        12,
        0.3e6,
        (_e("car_cost", 0.02, (0.0, 0.04)), _e("transit_quality", 0.01, (0.0, 0.02))),
        {"commute_co2_t": -1, "transit_share": +1},
        "sustainable-transport criteria in plans (parking, priority lanes) make driving "
        "dearer and transit a little better",
    ),
    LeverSpec(
        "A6",
        "Task Force metropolitana per la semplificazione",
        "a task force reporting regularly on the administration's efficiency towards firms "
        "and proposing simpler procedures",
        GOVERNANCE,
        (),
        "2016-01",
        24,
        0.4e6,
        (_e("admin_burden", -0.10, (-0.03, -0.20), KLAPPER_2006),),
        {"admin_burden_days": -1, "firm_births": +1},
        "simpler procedures and shared interpretations of rules cut the days firms spend "
        "on administration, which lowers the cost of entry",
    ),
    LeverSpec(
        "A7",
        "Welfare metropolitano",
        "gradual integration of the comuni's welfare services, from social protection to "
        "social promotion",
        GOVERNANCE,
        (SOCIAL,),
        "2016-06",
        36,
        1.5e6,
        (
            _e("service_cost", -0.03, (-0.01, -0.05)),
            _e("job_search_long_term", 0.15, (0.05, 0.25), CARD_KLUVE_WEBER_2018),
        ),
        {"service_cost_per_capita_eur": -1, "long_term_unemployment_rate": -1},
        "shared welfare services cost less per resident, and 'promotion' activates the "
        "long-term unemployed",
    ),
    LeverSpec(
        "A8",
        "Finanza pubblica aggregata",
        "comuni share accounting and finance to reach economies of scale",
        GOVERNANCE,
        (),
        "2016-01",
        24,
        0.3e6,
        (_e("service_pooling", 2.0, (1.0, 3.0)), _e("service_cost", -0.02, (-0.01, -0.03))),
        {"service_cost_per_capita_eur": -1},
        "pooled administration gives small comuni the economies of scale of a larger one",
    ),
    # ---------------------------------------------------------------- B: economic system
    LeverSpec(
        "B1",
        "Piano per i luoghi dell'economia metropolitana",
        "map and relaunch industrial areas and spaces for start-ups, co-working and "
        "FabLabs, matching demand and supply of sites",
        ECONOMIC,
        (),
        "2016-01",
        24,
        1.0e6,
        (
            _e("startups", 0.05, (0.02, 0.08)),
            _e("firm_exit", -0.02, (0.0, -0.04)),
            _e("fdi", 0.05, (0.0, 0.1)),
        ),
        {"firm_births": +1, "firms_active": +1},
        "matching the demand and supply of sites eases entry and keeps firms that would "
        "leave for lack of space",
    ),
    LeverSpec(
        "B2",
        "Quindici progetti di qualità urbana",
        "15 pilot upgrades of peripheral places (market areas, metropolitan-rail "
        "stations): services, pedestrians, cyclists, green",
        ECONOMIC,
        (SOCIAL,),
        "2016-06",
        36,
        15.0e6,
        (_e("amenity", 0.05, (0.02, 0.10)), _e("transit_quality", 0.04, (0.02, 0.06))),
        {"transit_share": +1},
        "better public space around stations and markets raises the towns' amenity and "
        "makes walking and cycling to transit easier",
        targets=B2_PLACES,
    ),
    LeverSpec(
        "B3",
        "AcceleraTO",
        "accelerator programmes helping start-ups and SMEs grow fast, especially abroad",
        ECONOMIC,
        (UNIVERSITY, INTERNATIONAL),
        "2016-01",
        12,
        2.0e6,
        (_e("startup_exit", -0.25, (-0.05, -0.40)), _e("innovation", 0.05, (0.0, 0.1))),
        {"firms_active": +1, "firm_deaths": -1},
        "mentoring, networks and finance lower the liability of newness (young firms' "
        "extra exit hazard)",
    ),
    LeverSpec(
        "B4",
        "Scuola di alta formazione manageriale",
        "a management school for local firms' managers and for international students",
        ECONOMIC,
        (UNIVERSITY, INTERNATIONAL),
        "2017-01",
        24,
        1.5e6,
        (
            _e("growth_drift", 0.001, (0.0003, 0.002)),
            _e("talent_exit", -0.05, (-0.02, -0.08)),
        ),
        {"jobs": +1, "investment_eur": +1},
        "better-managed firms grow faster (and invest for that growth); managers trained "
        "locally are a little less likely to leave",
    ),
    LeverSpec(
        "B5",
        "Connessione educazione-lavoro",
        "networks linking schools, training, universities, research and firms, with orientation",
        ECONOMIC,
        (UNIVERSITY, SOCIAL),
        "2016-01",
        24,
        1.0e6,
        (_e("matching", 0.05, (0.02, 0.08)),),
        {"unemployment_rate": -1, "employed": +1},
        "orientation and training designed with firms raise the efficiency with which job "
        "seekers and vacancies meet",
    ),
    LeverSpec(
        "B6",
        "Lab Accesso aperTO",
        "shared use and co-investment of research infrastructure by firms, universities "
        "and public bodies",
        ECONOMIC,
        (UNIVERSITY,),
        "2016-06",
        24,
        1.5e6,
        (_e("innovation", 0.15, (0.05, 0.30)), _e("university_links", 0.30, (0.10, 0.50))),
        {"innovative_firms": +1, "university_links": +1},
        "access to laboratories raises firms' innovation and their links with research",
    ),
    LeverSpec(
        "B7",
        "Labora.TO",
        "manufacturers adopt and upgrade technical schools' labs (3D printing, rapid prototyping)",
        ECONOMIC,
        (UNIVERSITY,),
        "2016-09",
        24,
        0.5e6,
        (_e("innovation", 0.08, (0.03, 0.12)), _e("matching", 0.02, (0.0, 0.04))),
        {"innovative_firms": +1},
        "firms that run school labs adopt new technologies and meet the students they train",
    ),
    LeverSpec(
        "B8",
        "Talenti a Torino",
        "retain and grow local talents, attract new ones, promote Turin's reputation",
        ECONOMIC,
        (UNIVERSITY, INTERNATIONAL),
        "2016-01",
        18,
        2.0e6,
        (_e("talent_exit", -0.20, (-0.10, -0.30)), _e("arrivals", 0.02, (0.0, 0.04))),
        {"talents": +1},
        "retention programmes lower young graduates' departures; promotion brings arrivals",
    ),
    LeverSpec(
        "B9",
        "Esperienza Torino",
        "one body designing and promoting experiences for tourists, talents, students and managers",
        ECONOMIC,
        (INTERNATIONAL,),
        "2016-01",
        24,
        2.0e6,
        (_e("tourism", 0.06, (0.02, 0.10)), _e("amenity", 0.01, (0.0, 0.02))),
        {"tourist_arrivals": +1},
        "a coordinated, promoted offer raises arrivals and the city's appeal",
    ),
    LeverSpec(
        "B10",
        "Torino bilingue",
        "spread good written and spoken English so that the city becomes bilingual",
        ECONOMIC,
        (INTERNATIONAL,),
        "2016-06",
        36,
        1.0e6,
        (
            _e("tourism", 0.02, (0.0, 0.04)),
            _e("fdi", 0.05, (0.0, 0.10)),
            _e("talent_exit", -0.03, (0.0, -0.06)),
        ),
        {"tourist_arrivals": +1},
        "English in services and signage eases visits, investment and the stay of foreign talents",
    ),
    LeverSpec(
        "B11",
        "Portale unico per le imprese",
        "one digital portal, the only channel for procedures between firms and the administration",
        ECONOMIC,
        (),
        "2016-06",
        24,
        1.5e6,
        (_e("admin_burden", -0.15, (-0.05, -0.25), KLAPPER_2006),),
        {"admin_burden_days": -1, "firm_births": +1},
        "a single entry for every procedure ('inserimento unico') cuts the days firms "
        "spend on administration",
    ),
    LeverSpec(
        "B12",
        "Ecosistema digitale e open data",
        "an open-data agenda and four strategic open-data projects (health, territory, "
        "sustainability, training and work)",
        ECONOMIC,
        (UNIVERSITY,),
        "2016-01",
        24,
        1.0e6,
        (
            _e("innovation", 0.10, (0.03, 0.15)),
            _e("startups", 0.02, (0.0, 0.04)),
            _e("service_cost", -0.01, (0.0, -0.02)),
        ),
        {"innovative_firms": +1, "service_cost_per_capita_eur": -1},
        "open public data feed firms' digital products and make the administration's own "
        "services cheaper to run",
    ),
    LeverSpec(
        "B13",
        "Social innovation",
        "public procurement, incubation and finance for social-impact enterprise",
        ECONOMIC,
        (SOCIAL, UNIVERSITY),
        "2016-01",
        24,
        1.0e6,
        (_e("startups", 0.03, (0.01, 0.05)), _e("job_search_long_term", 0.10, (0.03, 0.15))),
        {"firms_active": +1, "long_term_unemployment_rate": -1},
        "social enterprises start up and employ people far from the labour market",
    ),
    LeverSpec(
        "B14",
        "Acquisti pubblici per lo sviluppo",
        "public purchases steered towards local supply with positive social, environmental "
        "and economic impact",
        ECONOMIC,
        (SOCIAL,),
        "2016-06",
        24,
        0.3e6,
        (_e("firm_exit", -0.02, (0.0, -0.04)), _e("growth_drift", 0.001, (0.0, 0.002))),
        {"firms_active": +1, "jobs": +1},
        "steadier local public demand lowers the exits, and raises the growth, of local suppliers",
    ),
    LeverSpec(
        "B15",
        "Rigenerazione metropolitana",
        "regeneration programmes linking public space, economic development and inclusion",
        ECONOMIC,
        (SOCIAL,),
        "2017-01",
        36,
        10.0e6,
        (
            _e("amenity", 0.03, (0.01, 0.06)),
            _e("startups", 0.03, (0.01, 0.05)),
            _e("firm_exit", -0.02, (0.0, -0.04)),
        ),
        {"firms_active": +1, "population": +1},
        "regenerated areas keep and attract residents and host new urban production",
    ),
    LeverSpec(
        "B16",
        "Nuovo housing sociale",
        "new social-housing models (patient capital, co-housing, self-build) with lower rents",
        ECONOMIC,
        (SOCIAL,),
        "2016-06",
        36,
        6.0e6,
        (_e("rent", -0.02, (-0.005, -0.04)),),
        {"rent_eur_m2": -1},
        "units at below-market rents lower the average rent residents pay",
    ),
    LeverSpec(
        "B17",
        "Cittadinanza attiva e beni comuni",
        "one metropolitan rule for citizens' care and regeneration of the commons",
        ECONOMIC,
        (SOCIAL,),
        "2016-01",
        12,
        0.2e6,
        (_e("amenity", 0.01, (0.0, 0.02)), _e("service_cost", -0.01, (0.0, -0.02))),
        {"service_cost_per_capita_eur": -1},
        "citizens' care of commons adds amenity and saves upkeep",
    ),
    LeverSpec(
        "B18",
        "Piattaforma tecnologica per la mobilità intelligente",
        "one real-time multimodal journey platform (bike and car sharing, parking) and "
        "smart ticketing",
        ECONOMIC,
        (),
        "2016-06",
        24,
        2.0e6,
        (
            _e("transit_quality", 0.08, (0.04, 0.12), WATKINS_2011),
            _e("transit_fare", -0.05, (0.0, -0.10)),
        ),
        {"transit_share": +1, "commute_co2_t": -1},
        "real-time information cuts (perceived) waits; smart ticketing lowers the hassle "
        "of paying, as a lower fare would",
    ),
    LeverSpec(
        "B19",
        "Logistica per una città metropolitana intelligente",
        "urban freight hubs, controlled-access areas and ITS for the supply chain",
        ECONOMIC,
        (),
        "2017-01",
        24,
        1.5e6,
        (_e("firm_exit", -0.03, (-0.01, -0.05)),),
        {"firms_active": +1},
        "cheaper, more reliable distribution lowers firms' costs and so their exits",
    ),
    LeverSpec(
        "B20",
        "Coordinamento Smart City metropolitano",
        "extend Torino Smart City (mobility, social innovation, energy) to the metro area",
        ECONOMIC,
        (),
        "2016-06",
        24,
        1.0e6,
        (
            _e("transit_quality", 0.03, (0.01, 0.05)),
            _e("service_cost", -0.01, (0.0, -0.02)),
            _e("innovation", 0.05, (0.0, 0.10)),
        ),
        {"transit_share": +1, "service_cost_per_capita_eur": -1},
        "smart-city projects shared by the comuni spread better mobility, cheaper "
        "(energy-efficient) services and innovation",
    ),
    LeverSpec(
        "B21",
        "Food Commission",
        "aggregate and promote Turin's food sector, locally and worldwide",
        ECONOMIC,
        (INTERNATIONAL,),
        "2016-06",
        24,
        0.8e6,
        (_e("tourism", 0.03, (0.01, 0.06)), _e("startups", 0.01, (0.0, 0.02))),
        {"tourist_arrivals": +1},
        "food events and worldwide promotion bring visitors and new food businesses",
    ),
)
SPEC_BY_CODE: dict[str, LeverSpec] = {s.code: s for s in SPECS}


def codes_in_area(area: str) -> list[str]:
    """Codes of the levers serving a priority area, in plan order."""
    return [s.code for s in SPECS if area in s.areas]


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
        if len(set(targets)) != len(targets):
            twice = next(t for t in targets if targets.count(t) > 1)
            raise InputError(
                f"{twice!r} is listed twice (expected each comune once)",
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
        if "effects" in entry:
            out[code]["effects"] = check_effects(spec, entry["effects"], source, f"{base}.effects")
    return out


def check_effects(spec: LeverSpec, table: Any, source: str, key: str) -> dict[str, float]:
    """Check a lever's ``effects`` table (hook = size at full strength); return it as floats.

    Raises:
        InputError: not a table, a hook the lever does not move, a size that is not a
            finite number, or a multiplicative size under -1 (the hook would turn negative).
    """
    hooks = [e.hook for e in spec.effects]
    if not isinstance(table, dict):
        raise InputError(
            f"expected a table of hook = size (hooks: {', '.join(hooks)})", source, key
        )
    out: dict[str, float] = {}
    for hook, size in table.items():
        if hook not in hooks:
            raise InputError(
                f"{spec.code} does not move this hook (expected one of {', '.join(hooks)})",
                source,
                f"{key}.{hook}",
            )
        if isinstance(size, bool) or not isinstance(size, int | float) or not math.isfinite(size):
            raise InputError(f"expected a finite number, got {size!r}", source, f"{key}.{hook}")
        if HOOKS[hook][0] != 0.0 and size < -1.0:
            raise InputError(
                f"{size!r} would make the multiplicative hook negative (expected a size >= -1)",
                source,
                f"{key}.{hook}",
            )
        out[hook] = float(size)
    return out


def with_effect_sizes(spec: LeverSpec, sizes: Mapping[str, float] | None) -> LeverSpec:
    """The spec with some effect sizes replaced (the same object when there are none)."""
    if not sizes:
        return spec
    effects = tuple(
        replace(e, size=float(sizes[e.hook])) if e.hook in sizes else e for e in spec.effects
    )
    return replace(spec, effects=effects)


def _clip(month: str, start: int, end: int) -> str:
    """A default start month moved inside the run."""
    return format_month(min(max(parse_month(month), start), end))


def build_levers(table: Mapping[str, Any]) -> list[Lever]:
    """Levers from a checked, normalised ``[levers]`` table, in code order."""
    codes = load_territory().codes
    index = {c: i for i, c in enumerate(codes)}
    order = [s.code for s in SPECS]
    levers = []
    for code in sorted(table, key=order.index):
        entry = table[code]
        targets = entry["targets"]
        zones = np.array(
            [index[t] for t in targets] if targets else range(len(codes)), dtype=np.int64
        )
        levers.append(
            Lever(
                spec=with_effect_sizes(SPEC_BY_CODE[code], entry.get("effects")),
                start=parse_month(entry["start"]),
                ramp_months=int(entry["ramp_months"]),
                intensity=float(entry["intensity"]),
                end=parse_month(entry["end"]) if entry.get("end") else None,
                targets=zones,
            )
        )
    return levers


def lever_markers(table: Mapping[str, Any], max_codes: int = 4) -> list[tuple[str, str]]:
    """``(label, "YYYY-MM")`` per start month of the active levers, for plots.

    Levers starting in the same month share one marker labelled with their codes (the
    first ``max_codes`` of them and how many more), so that a plan of 29 projects does
    not draw 29 overlapping lines.
    """
    order = [s.code for s in SPECS]
    by_month: dict[str, list[str]] = {}
    for code in sorted(table, key=order.index):
        entry = table[code]
        if entry.get("intensity", 1.0) > 0:
            by_month.setdefault(entry["start"], []).append(code)
    markers = []
    for month in sorted(by_month):
        codes = by_month[month]
        label = " ".join(codes[:max_codes])
        if len(codes) > max_codes:
            label += f" +{len(codes) - max_codes}"
        markers.append((label, month))
    return markers
