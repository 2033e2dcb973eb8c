"""Every model parameter in one place: value, unit, plausible range, valid bounds and source.

The plausible range is what calibration and sensitivity analysis explore; the bounds are
what a scenario file may set (outside them the model is meaningless). ``source`` names the
evidence, or says "assumption" with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Parameter:
    """One model parameter.

    Attributes:
        name: identifier used in scenario files (``[parameters]``) and code.
        value: default value.
        unit: unit of measure.
        low: low end of the plausible range.
        high: high end of the plausible range.
        bounds: values a scenario may set.
        submodel: the submodel that uses it.
        source: evidence, or "assumption: <reason>".
        doc: what it means.
    """

    name: str
    value: float
    unit: str
    low: float
    high: float
    bounds: tuple[float, float]
    submodel: str
    source: str
    doc: str


_P = Parameter
_PROB = (0.0, 1.0)
_POS = (0.0, 1e12)

_ALL = [
    # --- demography -------------------------------------------------------------------
    _P("mortality_a", -10.62, "log annual hazard", -10.9, -10.0, (-20.0, 0.0), "demography",
       "Gompertz fit to the Italian life table 2015 (ISTAT, both sexes): q(50)≈0.003, "
       "q(80)≈0.05, q(90)≈0.15; level set so the crude death rate of the 2015 population is "
       "12.4‰ (ISTAT, Piemonte 2015: 12.5‰)", "Gompertz level: annual death hazard exp(a + b·age)"),
    _P("mortality_b", 0.094, "1/year", 0.085, 0.102, (0.0, 0.3), "demography",
       "Gompertz slope of the Italian life table 2015 (ISTAT); approximate",
       "Gompertz slope"),
    _P("fertility_tfr", 1.35, "children per woman", 1.2, 1.5, (0.0, 5.0), "demography",
       "ISTAT: total fertility rate Piemonte 2015 = 1.35", "total fertility rate"),
    _P("fertility_mean_age", 31.8, "years", 30.5, 32.5, (20.0, 45.0), "demography",
       "ISTAT: mean age of mothers at birth, Italy 2015 = 31.7", "mean age at childbirth"),
    _P("emigration_rate", 0.0137, "1/year", 0.01, 0.02, _PROB, "demography",
       "assumption: removals from the 38 comuni to the rest of Italy and abroad, order of "
       "magnitude of ISTAT registry removals (about 2% a year in Italian metro areas)",
       "base annual probability that a resident leaves the area, before the age, origin "
       "and status multipliers (their mean over the 2015 population is 1.36, so the mean "
       "rate is 1.87%)"),
    _P("immigration_rate", 0.0205, "1/year", 0.015, 0.03, _PROB, "demography",
       "assumption: registrations from outside the area, chosen with emigration_rate so "
       "that net migration (~+1‰) and natural balance (~-3‰) give the slow decline of "
       "the conurbation in 2015 (ISTAT demographic balance, Città metropolitana di Torino)",
       "annual arrivals from outside the area per resident, before attractiveness"),
    _P("migration_young_factor", 2.5, "ratio", 1.5, 3.5, (0.0, 10.0), "demography",
       "age profile of migration, peaked at 20-34 (Rogers and Castro 1981 model schedules)",
       "emigration multiplier for residents aged 20-34"),
    _P("migration_foreign_factor", 1.8, "ratio", 1.2, 2.5, (0.0, 10.0), "demography",
       "assumption: foreign-born residents move more (ISTAT registry flows)",
       "emigration multiplier for foreign-born residents"),
    _P("talent_exit_factor", 1.4, "ratio", 1.0, 2.5, (0.0, 10.0), "talents",
       "assumption: young graduates leave Italian metro areas more than peers (AlmaLaurea "
       "surveys of graduates' mobility)", "emigration multiplier for tertiary-educated "
       "residents under 35"),
    _P("unemployed_exit_factor", 1.5, "ratio", 1.0, 3.0, (0.0, 10.0), "demography",
       "assumption: unemployment pushes migration (Pissarides and McMaster 1990)",
       "emigration multiplier for the unemployed"),
    _P("attractiveness_migration_elasticity", 1.0, "1", 0.5, 2.0, (0.0, 5.0), "demography",
       "assumption: arrivals and departures respond proportionally to attractiveness",
       "elasticity of arrivals (and inverse of departures) to the attractiveness index"),
    # --- education and talents ------------------------------------------------------------
    _P("enrolment_rate", 0.50, "share", 0.4, 0.6, _PROB, "education",
       "MIUR: about half of Piedmont's 19-year-olds enrol at university (2015)",
       "probability that a resident turning 19 enrols at university"),
    _P("graduation_hazard", 0.035, "1/month", 0.02, 0.05, _PROB, "education",
       "calibrated so that mean time to degree is about 5 years (AlmaLaurea 2015: mean "
       "duration of bachelor plus master ≈ 5.3 years)", "monthly graduation probability "
       "after the minimum three years"),
    _P("dropout_hazard", 0.0025, "1/month", 0.002, 0.008, _PROB, "education",
       "ANVUR: about 12-15% of a cohort leave university without a degree",
       "monthly dropout probability of students"),
    _P("outside_students_share", 0.45, "share", 0.3, 0.55, _PROB, "education",
       "assumption: share of the 94,000 students living outside the 38 comuni (commuters "
       "from the rest of Piedmont; out-of-town students not registered as residents)",
       "share of university students with their home outside the area"),
    _P("outside_student_intake", 9000, "students/year", 5000, 12000, _POS, "education",
       "assumption: new enrolments of students living outside the 38 comuni, set so that "
       "their stock (outside_students_share of 94,000) is steady at a mean stay of 5 years",
       "yearly new students from outside the area"),
    _P("university_links_rate", 0.01, "1/month", 0.0, 0.03, _PROB, "firms",
       "assumption: slow diffusion of university-industry links among knowledge firms",
       "monthly probability that a knowledge-sector firm starts a link with the universities"),
    # --- labour market ----------------------------------------------------------------------
    _P("matching_efficiency", 0.3, "1/month", 0.15, 0.6, _POS, "labour",
       "calibrated so that 2015 unemployment (about 11%, ISTAT Torino) is a steady state",
       "A in M = A·U^η·V^(1-η)"),
    _P("matching_elasticity", 0.6, "1", 0.5, 0.7, _PROB, "labour",
       "Petrongolo and Pissarides (2001): elasticity to unemployment 0.5-0.7",
       "η, elasticity of matches to job seekers"),
    _P("separation_rate", 0.011, "1/month", 0.007, 0.016, _PROB, "labour",
       "ISTAT/Ministry of Labour CO flows: job separations about 13% a year for permanent "
       "jobs; an average over contract types", "monthly exogenous separation probability"),
    _P("layoff_speed", 0.25, "1/month", 0.1, 0.5, _PROB, "labour",
       "assumption: firms shed a quarter of their excess staff a month (Italian "
       "employment protection slows adjustment)", "share of excess employees laid off a month"),
    _P("long_term_search_efficiency", 0.6, "ratio", 0.3, 0.9, (0.0, 2.0), "labour",
       "duration dependence of job finding (Machin and Manning 1999)",
       "relative job-finding rate after 12 months of unemployment"),
    _P("commute_cost_per_km", 0.08, "utility/km", 0.03, 0.15, (0.0, 10.0), "labour",
       "chosen so that the distance decay of flows is near the gravity exponent of Italian "
       "commuting (about 0.1/km); checked against flows in the tests", "disutility of commuting "
       "distance in job choice"),
    _P("skill_fit_weight", 1.0, "utility", 0.0, 2.0, (0.0, 10.0), "labour",
       "assumption: workers prefer jobs matching their skill", "weight of skill fit in job choice"),
    _P("job_choice_candidates", 8, "vacancies", 4, 16, (1, 64), "labour",
       "assumption: a job seeker compares a handful of vacancies a month",
       "vacancies sampled by each matched job seeker"),
    _P("unemployment_benefit_replacement", 0.6, "share", 0.5, 0.75, _PROB, "inclusion",
       "NASpI (2015): 75% of wage up to a cap, falling over time; an average",
       "benefit as share of last income"),
    _P("unemployment_benefit_cap", 14000, "EUR/year", 12000, 16000, _POS, "inclusion",
       "NASpI monthly cap about 1,300 EUR (2015)", "maximum yearly benefit"),
    _P("unemployment_benefit_months", 12, "months", 6, 24, (0, 120), "inclusion",
       "NASpI lasts half the weeks worked in 4 years, at most 24 months; a typical value",
       "months of benefit"),
    _P("social_minimum_income", 0.0, "EUR/year", 0.0, 6000, _POS, "inclusion",
       "Italy had no general minimum income in 2015 (REI 2018, RdC 2019)",
       "income of unemployed after benefit ends"),
    _P("wage_growth", 0.01, "1/year", 0.0, 0.02, (-0.1, 0.2), "labour",
       "ISTAT: nominal contractual wages +1% a year 2015-2019", "yearly wage growth"),
    _P("outside_searchers_ratio", 1.0, "ratio", 0.5, 1.5, _POS, "labour",
       "assumption: at 1, job seekers from outside the area get the share of hires that "
       "in-commuters hold of jobs in 2015, so in-commuting is steady", "outside job seekers "
       "relative to that neutral number"),
    _P("retirement_hazard", 0.012, "1/month", 0.006, 0.02, _PROB, "labour",
       "calibrated to an effective retirement age near 63 (INPS 2015)",
       "monthly retirement probability between 60 and 66"),
    _P("reentry_hazard", 0.004, "1/month", 0.001, 0.01, _PROB, "labour",
       "assumption: inactive adults re-enter the labour force slowly", "monthly re-entry"),
    _P("labour_exit_hazard", 0.0008, "1/month", 0.0003, 0.002, _PROB, "labour",
       "assumption: with reentry_hazard keeps participation near its 2015 level (ISTAT "
       "flows: about 1-2% of the employed become inactive in a year)",
       "monthly exit of workers and job seekers under 60 to inactivity"),
    _P("discouragement_hazard", 0.006, "1/month", 0.002, 0.015, _PROB, "labour",
       "assumption: long-term unemployed leave the labour force (ISTAT discouraged workers)",
       "monthly exit to inactivity after 24 months of unemployment"),
    # --- firms ------------------------------------------------------------------------------
    _P("firm_size_exponent", 1.06, "1", 0.9, 1.2, (0.3, 3.0), "firms",
       "Axtell (2001): Zipf exponent 1.06 for U.S. firm sizes; Italian sizes are close "
       "(Cirillo and Hüsler 2009)", "Pareto exponent of the initial firm-size distribution"),
    _P("growth_scale", 0.17, "log growth", 0.1, 0.3, (0.0, 2.0), "firms",
       "Bottazzi, Cefis and Dosi (2002): Laplace growth rates of Italian manufacturing, "
       "scale 0.1-0.2", "Laplace scale of yearly log growth of a firm with one employee"),
    _P("growth_size_exponent", 0.2, "1", 0.1, 0.3, (0.0, 1.0), "firms",
       "Stanley et al. (1996): growth volatility falls as size^-0.2", "size exponent of "
       "growth volatility"),
    _P("growth_drift", 0.01, "1/year", -0.02, 0.03, (-0.5, 0.5), "firms",
       "calibrated so that jobs are about steady with entry and exit, as in Turin 2015-19 "
       "(ISTAT: employment +0.5% a year; Piedmont GDP about +0.8% a year)",
       "mean yearly log growth of employment targets"),
    _P("exit_hazard", 0.0055, "1/month", 0.002, 0.006, _PROB, "firms",
       "calibrated so that about half of new firms survive five years (ISTAT demography of "
       "enterprises: 5-year survival ≈ 45-50%) and stock exits ≈ 6-7% a year",
       "base monthly exit hazard of a one-employee firm"),
    _P("exit_young_factor", 1.8, "ratio", 1.0, 3.0, (0.0, 20.0), "firms",
       "liability of newness (Stinchcombe 1965; Evans 1987): young firms die more",
       "extra hazard at age 0, fading with exit_young_years"),
    _P("exit_young_years", 3.0, "years", 1.5, 5.0, (0.1, 50.0), "firms",
       "liability of newness fades within a few years", "time scale of the extra hazard"),
    _P("exit_size_exponent", 0.3, "1", 0.1, 0.5, (0.0, 2.0), "firms",
       "larger firms exit less (Evans 1987; Dunne, Roberts and Samuelson 1989)",
       "hazard ∝ employees^-exponent"),
    _P("firm_birth_rate", 0.068, "1/year", 0.05, 0.09, _PROB, "firms",
       "Movimprese/ISTAT: registrations about 6.5-7% of the active stock in Turin (2015)",
       "yearly start-ups per initial firm"),
    _P("fdi_plants_per_year", 25, "plants/year", 10, 50, _POS, "firms",
       "assumption: new foreign plants or major expansions in the area (order of magnitude "
       "of fDi Markets counts for Piedmont)", "yearly arrivals of inward-investment plants"),
    _P("fdi_mean_size", 60, "employees", 30, 150, _POS, "firms",
       "assumption: mean size of a new foreign plant", "mean target size of an FDI plant"),
    _P("innovation_hazard", 0.0003, "1/month", 0.0001, 0.001, _PROB, "firms",
       "assumption: with innovation_lapse keeps innovative firms near their 2015 share "
       "(about 7% of firms; most firms with 10+ employees innovate, ISTAT CIS 2014)",
       "monthly probability that a firm becomes innovative (knowledge sector ×3)"),
    _P("innovation_lapse", 0.004, "1/month", 0.002, 0.008, _PROB, "firms",
       "assumption: innovation activity lapses after a few years without new projects",
       "monthly probability that an innovative firm stops innovating"),
    _P("depreciation_rate", 0.08, "1/year", 0.05, 0.12, _PROB, "firms",
       "ISTAT capital accounts: depreciation ≈ 7-9% of the net stock", "capital depreciation"),
    _P("admin_burden_elasticity", 0.5, "1", 0.2, 1.0, (0.0, 5.0), "comuni",
       "World Bank Doing Business: entry costs lower entry (Klapper, Laeven, Rajan 2006)",
       "elasticity of firm births to administrative burden"),
    # --- commuting --------------------------------------------------------------------------
    _P("asc_transit", 0.1, "utility", -1.5, 0.5, (-10.0, 10.0), "commuting",
       "calibrated to commuting mode shares in the Turin area (IMQ 2013 survey: car about "
       "60%, transit about 25%)", "alternative-specific constant of transit vs car"),
    _P("asc_active", -1.3, "utility", -1.5, 0.5, (-10.0, 10.0), "commuting",
       "calibrated to walking and cycling commutes ≈ 10-12% (IMQ 2013)",
       "alternative-specific constant of bike and walk vs car"),
    _P("time_value", 0.045, "utility/min", 0.02, 0.08, (0.0, 1.0), "commuting",
       "value of time ≈ 8-12 EUR/h for commuting (Italian VTTS studies), with cost_value",
       "disutility per minute"),
    _P("cost_value", 0.25, "utility/EUR", 0.1, 0.5, (0.0, 10.0), "commuting",
       "assumption with time_value: implies a value of time ≈ 10.8 EUR/h", "disutility per EUR"),
    _P("car_speed_kmh", 28.0, "km/h", 20.0, 40.0, (1.0, 150.0), "commuting",
       "assumption: mean door-to-door car speed at peak in a conurbation", "car speed"),
    _P("transit_speed_kmh", 18.0, "km/h", 12.0, 25.0, (1.0, 150.0), "commuting",
       "GTT and SFM: commercial speed of buses about 16 km/h, metro and rail faster",
       "transit in-vehicle speed"),
    _P("transit_wait_min", 12.0, "min", 6.0, 20.0, (0.0, 120.0), "commuting",
       "assumption: access, egress and waiting at a stop with average service",
       "transit access and wait time at service quality 1"),
    _P("active_speed_kmh", 12.0, "km/h", 8.0, 16.0, (1.0, 40.0), "commuting",
       "mix of walking (5 km/h) and cycling (15 km/h)", "speed of bike and walk"),
    _P("car_cost_per_km", 0.22, "EUR/km", 0.15, 0.35, _POS, "commuting",
       "ACI running costs of a mid-size car (fuel and wear)", "out-of-pocket car cost"),
    _P("parking_cost_torino", 3.0, "EUR/trip", 0.0, 6.0, _POS, "commuting",
       "assumption: blue zones and parking search in Torino", "car cost of a trip to Torino"),
    _P("transit_fare", 1.5, "EUR/trip", 0.8, 2.0, _POS, "commuting",
       "GTT single ticket 1.50 EUR (2015), cheaper with passes", "transit fare"),
    _P("circuity", 1.3, "ratio", 1.2, 1.45, (1.0, 3.0), "commuting",
       "route to straight-line distance ratio in European cities (Ballou et al. 2002)",
       "network distance / straight-line distance"),
    _P("mode_review_rate", 0.0833, "1/month", 0.03, 0.2, _PROB, "commuting",
       "assumption: commuters reconsider their mode about once a year (habit)",
       "monthly probability of reconsidering the mode"),
    _P("co2_car_kg_km", 0.17, "kg CO2/km", 0.12, 0.2, _POS, "commuting",
       "ISPRA 2015: mean emission factor of Italian passenger cars ≈ 0.16-0.17 kg/km",
       "emissions per car-km (one occupant)"),
    _P("co2_transit_kg_km", 0.06, "kg CO2/pkm", 0.03, 0.09, _POS, "commuting",
       "ISPRA/EEA: urban bus and rail per passenger-km", "emissions per transit passenger-km"),
    _P("working_days_per_month", 21.0, "days", 18.0, 22.0, (0.0, 31.0), "commuting",
       "calendar: working days in a month", "commuting days per month"),
    # --- housing ----------------------------------------------------------------------------
    _P("move_rate", 0.05, "1/year", 0.03, 0.08, _PROB, "housing",
       "ISTAT registry: changes of residence within the province ≈ 4-6% of residents a year",
       "yearly probability that an adult considers moving"),
    _P("rent_weight", 0.25, "utility per EUR/m²", 0.1, 0.5, (0.0, 10.0), "housing",
       "assumption: households trade rent against access and amenity", "rent disutility"),
    _P("green_weight", 1.0, "utility", 0.0, 2.0, (0.0, 10.0), "housing",
       "hedonic studies value urban green (Brander and Koetse 2011)", "amenity of green nearby"),
    _P("job_access_weight", 0.06, "utility/km", 0.02, 0.15, (0.0, 10.0), "housing",
       "assumption: workers prefer homes near their job (Alonso-Muth-Mills)",
       "disutility per km between candidate home and job"),
    _P("rent_adjustment", 0.05, "1/month", 0.01, 0.1, (0.0, 1.0), "housing",
       "assumption: rents close a twentieth of their gap to the market rent each month",
       "speed of rent adjustment"),
    _P("rent_occupancy_elasticity", 2.0, "1", 1.0, 4.0, (0.0, 20.0), "housing",
       "assumption: a cell 10 points fuller than the natural occupancy rents for about 20% "
       "more (order of magnitude of Italian rent-vacancy studies)",
       "semi-elasticity of the market rent to excess occupancy"),
    _P("vacancy_target", 0.08, "share", 0.05, 0.12, _PROB, "housing",
       "ISTAT census 2011: about 8-10% of dwellings empty in the conurbation",
       "natural vacancy of the housing stock"),
    _P("construction_rate", 0.004, "1/year", 0.0, 0.01, _PROB, "housing",
       "ISTAT building permits: new dwellings ≈ 0.3-0.5% of the stock a year (2015)",
       "yearly growth of housing capacity where demand is tight"),
    # --- comuni, services, tourism ---------------------------------------------------------
    _P("service_cost_base", 720.0, "EUR/resident/year", 600.0, 900.0, _POS, "comuni",
       "ISTAT/IFEL: current spending of Piedmont comuni ≈ 700-800 EUR per resident",
       "per-resident cost of municipal services at efficient scale"),
    _P("service_scale_population", 12000.0, "residents", 5000.0, 30000.0, _POS, "comuni",
       "IFEL: per-resident spending falls with size up to 10-20 thousand residents",
       "population below which scale diseconomies bite"),
    _P("service_scale_exponent", 0.35, "1", 0.2, 0.6, (0.0, 3.0), "comuni",
       "assumption fitted to the U-shape of spending per resident by size (IFEL 2015)",
       "exponent of the diseconomy of small scale"),
    _P("core_service_premium", 0.45, "share", 0.2, 0.7, (0.0, 5.0), "comuni",
       "Torino spends more per resident for functions used by commuters and visitors "
       "(IFEL: large cities ≈ 1,100-1,300 EUR per resident)", "extra cost in the core city"),
    _P("welfare_cost_per_poor", 800.0, "EUR/year", 400.0, 1500.0, _POS, "comuni",
       "assumption: social spending per resident in poverty", "welfare spending"),
    _P("admin_burden_days", 60.0, "days", 30.0, 120.0, _POS, "comuni",
       "World Bank Doing Business in Italy 2013: about 2 months of procedures to start and "
       "build; a composite", "administrative days a firm spends on procedures a year"),
    _P("tourist_arrivals_2015", 2.76e6, "arrivals/year", 2.0e6, 3.5e6, _POS, "tourism",
       "PLAN: 1.5 million tourists in 2005 and +84% in ten years", "yearly arrivals in 2015"),
    _P("tourism_trend", 0.02, "1/year", 0.0, 0.05, (-0.5, 0.5), "tourism",
       "assumption: slower than the +6%/year of 2005-2015 once the Olympic effect faded",
       "baseline yearly growth of arrivals"),
    _P("tourism_attractiveness_elasticity", 1.0, "1", 0.5, 1.5, (0.0, 5.0), "tourism",
       "assumption: arrivals proportional to the cultural attractiveness index",
       "elasticity of arrivals to attractiveness"),
    _P("hospitality_tourism_elasticity", 0.6, "1", 0.3, 1.0, (0.0, 5.0), "tourism",
       "assumption: employment in hotels and restaurants follows arrivals less than 1:1",
       "elasticity of hospitality employment targets to arrivals"),
]

PARAMETERS: Mapping[str, Parameter] = MappingProxyType({p.name: p for p in _ALL})


def defaults() -> dict[str, float]:
    """Default value of every parameter."""
    return {name: float(p.value) for name, p in PARAMETERS.items()}


def bounds() -> dict[str, tuple[float, float]]:
    """Valid bounds of every parameter, for scenario checking."""
    return {name: p.bounds for name, p in PARAMETERS.items()}


def resolve(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Defaults with scenario overrides applied (names already checked)."""
    values = defaults()
    values.update(overrides or {})
    return values


def markdown_table(submodel: str | None = None) -> str:
    """The parameters (of one submodel, or all) as a Markdown table for the ODD document."""
    rows = [
        "| name | value | unit | plausible range | submodel | source |",
        "|---|---|---|---|---|---|",
    ]
    for p in PARAMETERS.values():
        if submodel is None or p.submodel == submodel:
            source = p.source.replace("|", "/").replace("\n", " ")
            rows.append(
                f"| `{p.name}` | {p.value:g} | {p.unit} | {p.low:g} – {p.high:g} | "
                f"{p.submodel} | {source} |"
            )
    return "\n".join(rows)
