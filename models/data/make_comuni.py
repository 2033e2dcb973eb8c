"""Build ``models/data/comuni.csv`` from the 2011 ISTAT source table.

Run from the project root, in an environment where the package is installed (counts are
rounded by :func:`sim.apportion.round_quotas`, the model's largest-remainder rule)::

    python models/data/make_comuni.py

The script reads ``sources/comuni_2011_istat.csv`` (a verbatim copy of the project's
reference table, which carries its own per-row sources), restores the 2015 (pre-Mappano)
boundaries of Borgaro Torinese, Caselle Torinese and Settimo Torinese, scales the
populations to the plan's 2015 totals and derives land-use shares by a documented rule.
Every number that is not in the source table is a named constant below; ``README.md``
explains each of them. The output is deterministic (no randomness, fixed rounding).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from pathlib import Path

from sim.apportion import round_quotas

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "sources" / "comuni_2011_istat.csv"
OUTPUT = HERE / "comuni.csv"

COLUMNS = (
    "istat_code",
    "name",
    "population_2015",
    "area_km2",
    "lat",
    "lon",
    "built_share",
    "agricultural_share",
    "green_share_other",
)

TORINO = "001272"
BORGARO = "001028"
CASELLE = "001063"
LEINI = "001130"
SETTIMO = "001265"

# --- Population targets (PLAN.md, "Territory and actors") -------------------------------
TOTAL_POPULATION_2015 = 1_586_000
TORINO_SHARE_2015 = 0.56

# --- Mappano (created 2013, effective 2017 from Borgaro, Caselle, Leinì, Settimo) ---------
# About 7,000 residents lived in the Mappano territory at the 2011 census (brief; Mappano
# had 7,466 residents in 2019). Assumption: exactly 7,000.
MAPPANO_POPULATION_2011 = 7_000
# Leinì's share is known: 2011 census at 2011 boundaries (15,523, the source row) minus
# ISTAT's recalculation to post-2017 boundaries (15,320, quoted in the source notes).
# The Leinì row is already at 2011 boundaries, so this share is only subtracted here.
LEINI_POPULATION_POST_MAPPANO = 15_320
# Register (anagrafe) populations on 31-12-2010 at the old, pre-Mappano boundaries, as
# shown by it.wikipedia revisions of the time (ISTAT demo data). Used only to split the
# remaining Mappano residents among the three rows given at post-2017 boundaries.
REGISTER_2010_PRE_MAPPANO = {BORGARO: 13_502, CASELLE: 18_635, SETTIMO: 47_790}

# --- Areas at 2015 (pre-Mappano) boundaries, km² ------------------------------------------
# Source notes give the pre-Mappano values for Caselle (28.71) and Settimo (32.37);
# Borgaro's is "~14.4" there; sapere.it gives 14.36, used here. Leinì's row is already
# pre-Mappano (32.45). All other rows are unaffected by Mappano.
AREA_PRE_MAPPANO_KM2 = {BORGARO: 14.36, CASELLE: 28.71, SETTIMO: 32.37}

# --- Land-use targets (area-weighted metro totals, PLAN.md) -------------------------------
BUILT_TOTAL = 0.30
AGRICULTURAL_TOTAL = 0.53
GREEN_OTHER_TOTAL = 1.0 - BUILT_TOTAL - AGRICULTURAL_TOTAL  # 0.17; green = 0.53 + 0.17 = 0.70

# Built-up share: logistic in log population density, between BUILT_MIN and BUILT_MAX.
BUILT_MIN = 0.06
BUILT_MAX = 0.80
BUILT_LOG_DENSITY_SCALE = 0.8  # logistic scale, in units of ln(residents/km²)

# Other green (woods, parks, river banks, protected land) as a fraction of unbuilt land:
#   q = clip(q0 + PARK_WEIGHT_COEF * park_weight + URBAN_GREEN_COEF * built_share)
# with q0 solved so the metro total is GREEN_OTHER_TOTAL. Unbuilt land in dense comuni is
# mostly urban parks, not farmland (URBAN_GREEN_COEF); comuni hosting protected areas get
# more (PARK_WEIGHT_COEF times the summed weight of the areas they host).
PARK_WEIGHT_COEF = 0.25
URBAN_GREEN_COEF = 0.60
GREEN_Q_MIN = 0.02
GREEN_Q_MAX = 0.90

# The six protected areas of PLAN.md: (weight, host comuni among the 38). Parks weigh 1,
# river strips 0.5. Hosts are an assumption from general geography, not a GIS overlay.
PROTECTED_AREAS: dict[str, tuple[float, tuple[str, ...]]] = {
    "Stupinigi": (1.0, ("001164", "001051", "001171", "001024")),
    # Nichelino, Candiolo, Orbassano, Beinasco
    "La Mandria": (1.0, ("001292", "001099", "001243")),
    # Venaria Reale, Druento, San Gillio
    "Superga hill park": (1.0, (TORINO, "001192", "001018", "001249", "001183")),
    # Torino, Pino T., Baldissero T., San Mauro T., Pecetto T.
    "Po strip": (
        0.5,
        ("001156", "001127", TORINO, "001249", SETTIMO, "001068", "001112", "001252", "001034"),
    ),
    # Moncalieri, La Loggia, Torino, San Mauro, Settimo, Castiglione, Gassino,
    # San Raffaele Cimena, Brandizzo
    "Sangone strip": (
        0.5,
        ("001038", "001214", "001171", "001024", "001164", TORINO, "001156"),
    ),
    # Bruino, Rivalta di Torino, Orbassano, Beinasco, Nichelino, Torino, Moncalieri
    "Monte San Giorgio": (1.0, ("001194",)),
    # Piossasco
}

SHARE_DECIMALS = 6


def bisect(f: Callable[[float], float], lo: float, hi: float, iters: int = 200) -> float:
    """Root of a monotone increasing function on ``[lo, hi]`` by bisection."""
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if f(mid) < 0.0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def read_source(path: Path = SOURCE) -> list[dict[str, str]]:
    """Read the source table, keeping every field as text (codes keep leading zeros)."""
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def mappano_shares() -> dict[str, int]:
    """Split the 2011 Mappano residents among Borgaro, Caselle and Settimo.

    Leinì's part is known (source notes). For the other three, the rows hold 2011 census
    populations recalculated to post-2017 boundaries (``census_post``) and we know the
    register populations at pre-Mappano boundaries on 31-12-2010 (``register``).
    Assumption: the census/register ratio ``r`` is the same for the three comuni; the
    Mappano part of comune i is then ``r * register_i - census_post_i``, and ``r`` is
    fixed by requiring the parts to add up to the residents not in Leinì.

    Returns:
        Residents to add back to each of the three rows (ISTAT code -> residents).
    """
    rows = {r["istat_code"]: r for r in read_source()}
    leini_part = int(rows[LEINI]["population"]) - LEINI_POPULATION_POST_MAPPANO
    remaining = MAPPANO_POPULATION_2011 - leini_part
    codes = list(REGISTER_2010_PRE_MAPPANO)
    census_post = [int(rows[c]["population"]) for c in codes]
    register = [REGISTER_2010_PRE_MAPPANO[c] for c in codes]
    ratio = (remaining + sum(census_post)) / sum(register)
    parts = [ratio * reg - cen for reg, cen in zip(register, census_post, strict=True)]
    return dict(zip(codes, round_quotas(parts, remaining).tolist(), strict=True))


def populations_2015(rows: list[dict[str, str]]) -> list[int]:
    """2015 residents: pre-Mappano 2011 figures scaled to the plan's totals.

    Torino is set to ``TORINO_SHARE_2015`` of the total; the other 37 comuni share the rest
    in proportion to their 2011 (2015-boundary) populations, rounded by largest remainder.
    """
    restore = mappano_shares()
    pop_2011 = [int(r["population"]) + restore.get(r["istat_code"], 0) for r in rows]
    torino = round(TOTAL_POPULATION_2015 * TORINO_SHARE_2015)
    others_total = TOTAL_POPULATION_2015 - torino
    other_idx = [i for i, r in enumerate(rows) if r["istat_code"] != TORINO]
    others_2011 = sum(pop_2011[i] for i in other_idx)
    scaled = [pop_2011[i] * others_total / others_2011 for i in other_idx]
    out = [0] * len(rows)
    for i, v in zip(other_idx, round_quotas(scaled, others_total).tolist(), strict=True):
        out[i] = v
    out[next(i for i, r in enumerate(rows) if r["istat_code"] == TORINO)] = torino
    return out


def areas_2015(rows: list[dict[str, str]]) -> list[float]:
    """Areas in km² at 2015 boundaries (pre-Mappano values for the affected rows)."""
    return [AREA_PRE_MAPPANO_KM2.get(r["istat_code"], float(r["area_km2"])) for r in rows]


def park_weights(rows: list[dict[str, str]]) -> list[float]:
    """Return the summed weight of the protected areas each comune hosts."""
    weight = {r["istat_code"]: 0.0 for r in rows}
    for w, hosts in PROTECTED_AREAS.values():
        for code in hosts:
            weight[code] += w
    return [weight[r["istat_code"]] for r in rows]


def _built(log_density: list[float], centre: float) -> list[float]:
    """Built-up share of each comune for a logistic centred at ``centre`` (ln density)."""
    span = BUILT_MAX - BUILT_MIN
    return [
        BUILT_MIN + span / (1.0 + math.exp(-(ld - centre) / BUILT_LOG_DENSITY_SCALE))
        for ld in log_density
    ]


def _green_fraction(built: list[float], parks: list[float], q0: float) -> list[float]:
    """Other-green fraction of each comune's unbuilt land for intercept ``q0``."""
    return [
        min(GREEN_Q_MAX, max(GREEN_Q_MIN, q0 + PARK_WEIGHT_COEF * pw + URBAN_GREEN_COEF * b))
        for pw, b in zip(parks, built, strict=True)
    ]


def calibrate_land_rule(
    population: list[int], area: list[float], parks: list[float]
) -> tuple[float, float]:
    """Solve the two free parameters of the land-use rule.

    Returns:
        ``(centre, q0)``: the ln-density at the middle of the built-up logistic, chosen so
        the area-weighted built-up share is ``BUILT_TOTAL``, and the intercept of the
        other-green fraction, chosen so the area-weighted other green is
        ``GREEN_OTHER_TOTAL`` (agricultural land is the rest, hence ``AGRICULTURAL_TOTAL``).
    """
    total_area = sum(area)
    log_density = [math.log(p / a) for p, a in zip(population, area, strict=True)]

    def built_gap(centre: float) -> float:
        # the built share falls as the centre rises; negate so bisect() sees an increase
        built = _built(log_density, centre)
        return BUILT_TOTAL - sum(b * a for b, a in zip(built, area, strict=True)) / total_area

    centre = bisect(built_gap, 0.0, 15.0)
    built = _built(log_density, centre)

    def green_gap(q0: float) -> float:
        q = _green_fraction(built, parks, q0)
        green = sum((1 - b) * qi * a for b, qi, a in zip(built, q, area, strict=True))
        return green / total_area - GREEN_OTHER_TOTAL

    return centre, bisect(green_gap, -1.0, 1.0)


def land_shares(
    population: list[int], area: list[float], parks: list[float]
) -> list[tuple[float, float, float]]:
    """Built-up, agricultural and other-green shares per comune (rule in README.md).

    Returns:
        One ``(built, agricultural, green_other)`` triple per comune, rounded to
        ``SHARE_DECIMALS``; each sums to 1 and the area-weighted totals are
        ``BUILT_TOTAL``, ``AGRICULTURAL_TOTAL`` and ``GREEN_OTHER_TOTAL`` up to rounding.
    """
    centre, q0 = calibrate_land_rule(population, area, parks)
    log_density = [math.log(p / a) for p, a in zip(population, area, strict=True)]
    built = _built(log_density, centre)
    q = _green_fraction(built, parks, q0)
    out = []
    for b, qi in zip(built, q, strict=True):
        b_r = round(b, SHARE_DECIMALS)
        g_r = round((1 - b) * qi, SHARE_DECIMALS)
        a_r = round(1.0 - b_r - g_r, SHARE_DECIMALS)
        out.append((b_r, a_r, g_r))
    return out


def build_rows() -> list[dict[str, str]]:
    """All output rows, as text, in source order."""
    rows = read_source()
    population = populations_2015(rows)
    area = areas_2015(rows)
    shares = land_shares(population, area, park_weights(rows))
    out = []
    for r, p, a, (b, ag, g) in zip(rows, population, area, shares, strict=True):
        out.append(
            {
                "istat_code": r["istat_code"],
                "name": r["name"],
                "population_2015": str(p),
                "area_km2": f"{a:.2f}",
                "lat": r["lat"],
                "lon": r["lon"],
                "built_share": f"{b:.{SHARE_DECIMALS}f}",
                "agricultural_share": f"{ag:.{SHARE_DECIMALS}f}",
                "green_share_other": f"{g:.{SHARE_DECIMALS}f}",
            }
        )
    return out


def main() -> None:
    """Write ``comuni.csv`` next to this script and print the metro totals."""
    rows = build_rows()
    with OUTPUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    area = [float(r["area_km2"]) for r in rows]
    total_area = sum(area)
    pop = sum(int(r["population_2015"]) for r in rows)
    print(f"wrote {OUTPUT} ({len(rows)} comuni, {pop} residents, {total_area:.2f} km²)")
    for col in COLUMNS[6:]:
        share = sum(float(r[col]) * a for r, a in zip(rows, area, strict=True)) / total_area
        print(f"  {col}: {share:.6f}")
    source = read_source()
    centre, q0 = calibrate_land_rule(
        [int(r["population_2015"]) for r in rows], area, park_weights(source)
    )
    print(f"  Mappano residents restored (2011): {mappano_shares()}")
    print(f"  built-up logistic centre: {math.exp(centre):.1f} residents/km²; q0 = {q0:.4f}")


if __name__ == "__main__":
    main()
