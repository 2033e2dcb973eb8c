"""Calibration targets: observed 2015-2018 statistics and how a run's counterparts are computed.

A target (:class:`Target`) is one number: a level, a change or a growth of one metro
indicator between two dates, observed (from the copied series in
``calibration/targets/observed/``) with an uncertainty ``sd``. The model's counterpart is
computed from a run's monthly metro values (:func:`model_statistics`), the same way for
every backend (sensitivity, ABC, optimisation) and for the store's indicator rows
(:func:`statistics_from_rows`). A date is a year (the mean of that year's months, as a
yearly observed figure is) or a month ``"YYYY-MM"`` (that month's value, a stock on a date).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.components.indicators import INDEX
from sim.calendar import parse_month
from sim.errors import InputError
from sim.tomlfile import check_keys

TARGETS_DIR = Path(__file__).resolve().parent / "targets"
TARGETS_TOML = TARGETS_DIR / "observed-2015-2018.toml"
"""The shipped targets: observed 2015-2018 changes of the Turin area."""
OBSERVED_DIR = TARGETS_DIR / "observed"
LAST_OBSERVED_YEAR = 2018
"""Later years are withheld on purpose (a hindcast of 2019 onwards)."""

LEVEL, CHANGE, GROWTH = "level", "change", "growth"
STATISTICS = (LEVEL, CHANGE, GROWTH)
KEYS = {
    "indicator",
    "statistic",
    "from",
    "to",
    "at",
    "model_factor",
    "file",
    "series",
    "geo",
    "base",
    "observed",
    "sd",
    "source",
}


@dataclass(frozen=True)
class Target:
    """One calibration target.

    Attributes:
        name: its key in the targets file.
        indicator: the model's metro indicator.
        statistic: ``level``, ``change`` or ``growth``.
        first: the date of a level, or the first date of a change or growth: a year
            (``"2015"``) or a month (``"2015-01"``).
        last: the second date of a change or growth ("" for a level).
        observed: the observed value of the statistic.
        sd: its uncertainty (the distance divides by it).
        model_factor: multiplies the model's statistic into the observed unit.
        source: where the number comes from.
    """

    name: str
    indicator: str
    statistic: str
    first: str
    last: str
    observed: float
    sd: float
    model_factor: float = 1.0
    source: str = ""

    @property
    def dates(self) -> tuple[str, ...]:
        """The dates the statistic reads."""
        return (self.first,) if self.statistic == LEVEL else (self.first, self.last)

    def of(self, values: Mapping[str, float]) -> float:
        """The statistic of the model's values at :attr:`dates` (in the observed unit)."""
        a = values[self.first]
        if self.statistic == LEVEL:
            return self.model_factor * a
        b = values[self.last]
        if self.statistic == CHANGE:
            return self.model_factor * (b - a)
        return self.model_factor * (b / a - 1.0) if a != 0 else math.nan

    @property
    def last_month(self) -> int:
        """The last month index the target reads (a run must reach it)."""
        last = self.last or self.first
        return parse_month(last) if "-" in last else parse_month(f"{last}-12")

    def describe(self) -> str:
        """One line: ``unemployment_change: change of unemployment_rate 2015->2018 = -2.70``."""
        span = self.first if self.statistic == LEVEL else f"{self.first}->{self.last}"
        return (
            f"{self.name}: {self.statistic} of {self.indicator} {span} = "
            f"{self.observed:.4g} (sd {self.sd:.3g})"
        )


def load_targets(
    path: str | Path = TARGETS_TOML, names: Sequence[str] | None = None
) -> tuple[Target, ...]:
    """Read and check a targets file; keep ``names`` only (all when None).

    Raises:
        InputError: naming the file and key: a missing file, an unknown key or indicator,
            a date after 2018 or malformed, a missing observed series, a non-positive sd.
    """
    path = Path(path)
    source = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such file (expected a targets TOML file)", source) from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read the file ({err.__class__.__name__})", source) from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"malformed TOML ({err})", source) from None
    if not data:
        raise InputError("expected at least one [TARGET] table", source)
    targets = {}
    for name, table in data.items():
        targets[name] = _target(name, table, source, path.parent / "observed")
    if names is None:
        return tuple(targets.values())
    unknown = [n for n in names if n not in targets]
    if unknown:
        raise InputError(
            f"unknown target {unknown[0]!r} (expected one of {', '.join(targets)})",
            source,
            unknown[0],
        )
    return tuple(targets[n] for n in names)


def retimed_target(path: str | Path, name: str, year: int) -> Target:
    """The file's target ``name`` with its last date moved to ``year`` (same month, if any).

    The observed value is computed again from the copied series, so an out-of-sample check
    can fit a change or growth over fewer years (``jobs_growth`` 2015->2017 from the file's
    2015->2018). The result is named ``NAME_YEAR``.

    Raises:
        InputError: the target is a level, states its observed value (it cannot be
            recomputed), its series has no value in ``year``, or the date is not after its
            first date or past the withheld years.
    """
    path = Path(path)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    table = dict(data[name])
    if table.get("statistic") == LEVEL or "observed" in table:
        raise InputError(
            "cannot be moved to another year (a level or a stated value)", str(path), name
        )
    last = str(table["to"])
    table["to"] = f"{year}{last[4:]}" if "-" in last else int(year)
    return _target(f"{name}_{year}", table, str(path), path.parent / "observed")


def yearly_variants(
    targets: Sequence[Target], path: str | Path = TARGETS_TOML
) -> tuple[list[Target], list[str]]:
    """The targets and, for every change or growth, its variant ending in each earlier year.

    ``jobs_growth`` 2015->2018 also gives ``jobs_growth_2016`` and ``jobs_growth_2017``
    (:func:`retimed_target`); a variant equal to a target already there (same indicator,
    statistic and dates) is not repeated. Returns the targets and the ``NAME_YEAR`` of the
    variants whose observed value cannot be computed (a stated value, a missing year).
    """
    variants: dict[tuple[Any, ...], Target] = {}
    dropped = []

    def add(t: Target) -> None:
        variants.setdefault((t.indicator, t.statistic, t.first, t.last, t.model_factor), t)

    for t in targets:
        add(t)
    for t in targets:
        if t.statistic == LEVEL:
            continue
        for year in range(int(t.first[:4]) + 1, int(t.last[:4])):
            try:
                add(retimed_target(path, t.name, year))
            except InputError:
                dropped.append(f"{t.name}_{year}")
    return list(variants.values()), dropped


def _target(name: str, table: Any, source: str, observed_dir: Path) -> Target:
    if not isinstance(table, dict):
        raise InputError("expected a table", source, name)
    check_keys(table, KEYS, source, name)
    indicator = table.get("indicator")
    if indicator not in INDEX:
        raise InputError(
            f"unknown indicator {indicator!r} (expected a model indicator)",
            source,
            f"{name}.indicator",
        )
    statistic = table.get("statistic")
    if statistic not in STATISTICS:
        raise InputError(
            f"expected one of {', '.join(STATISTICS)}, got {statistic!r}",
            source,
            f"{name}.statistic",
        )
    if statistic == LEVEL:
        first, last = _date(table.get("at"), source, f"{name}.at"), ""
    else:
        first = _date(table.get("from"), source, f"{name}.from")
        last = _date(table.get("to"), source, f"{name}.to")
        if _month_of(last) <= _month_of(first):
            raise InputError(f"to ({last}) is not after from ({first})", source, f"{name}.to")
    sd = _positive(table.get("sd"), source, f"{name}.sd")
    factor = table.get("model_factor", 1.0)
    if isinstance(factor, bool) or not isinstance(factor, int | float) or factor == 0:
        raise InputError("expected a non-zero number", source, f"{name}.model_factor")
    if "observed" in table:
        observed = table["observed"]
        if isinstance(observed, bool) or not isinstance(observed, int | float):
            raise InputError("expected a number", source, f"{name}.observed")
        observed = float(observed)
    else:
        observed = _observed(name, table, statistic, first, last, source, observed_dir)
    return Target(
        name=name,
        indicator=indicator,
        statistic=statistic,
        first=first,
        last=last,
        observed=observed,
        sd=sd,
        model_factor=float(factor),
        source=str(table.get("source", "")),
    )


def _date(value: Any, source: str, key: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InputError('expected a year (2016) or a month ("2016-01")', source, key)
    try:
        month = _month_of(value)
    except ValueError:
        raise InputError(
            f'expected a year (2016) or a month ("2016-01"), got {value!r}', source, key
        ) from None
    if month < parse_month("2015-01") or month > parse_month(f"{LAST_OBSERVED_YEAR}-12"):
        raise InputError(
            f"{value} is out of range (expected 2015 to {LAST_OBSERVED_YEAR}: later years "
            "are withheld for the hindcast)",
            source,
            key,
        )
    return value


def _month_of(date: str) -> int:
    return parse_month(date) if "-" in date else parse_month(f"{int(date):04d}-01")


def _positive(value: Any, source: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InputError(f"expected a positive number, got {value!r}", source, key)
    return float(value)


def _observed(
    name: str,
    table: Mapping[str, Any],
    statistic: str,
    first: str,
    last: str,
    source: str,
    observed_dir: Path,
) -> float:
    """The observed statistic from the copied series (rows summed by year)."""
    file = table.get("file")
    if not isinstance(file, str):
        raise InputError(
            "expected a file of observed/ (or an observed value)", source, f"{name}.file"
        )
    path = observed_dir / file
    if not path.is_file():
        raise InputError(f"no such observed file {str(path)!r}", source, f"{name}.file")
    rows = pd.read_csv(path, dtype={"geo_code": str})
    series = table.get("series")
    if not isinstance(series, list) or not series:
        raise InputError("expected a list of series names", source, f"{name}.series")
    rows = rows[rows["series"].isin(series)]
    geo = table.get("geo", "all")
    if geo != "all":
        if not isinstance(geo, list) or not geo:
            raise InputError('expected a list of geo codes, or "all"', source, f"{name}.geo")
        rows = rows[rows["geo_code"].isin([str(g) for g in geo])]
    by_year = rows.groupby("year")["value"].sum()

    def at(date: str, key: str) -> float:
        year = int(date[:4])
        if year not in by_year.index:
            raise InputError(
                f"no observed value of {series} in {year} in {file}", source, f"{name}.{key}"
            )
        return float(by_year.loc[year])

    if statistic == LEVEL:
        return at(first, "at")
    a = float(table["base"]) if "base" in table else at(first, "from")
    b = at(last, "to")
    return b - a if statistic == CHANGE else b / a - 1.0


# ---------------------------------------------------------------------- the model's side
def model_statistics(
    targets: Sequence[Target], months: np.ndarray, metro: Mapping[str, np.ndarray]
) -> dict[str, float]:
    """Each target's statistic from a run's monthly metro values.

    Args:
        targets: the targets.
        months: the month index of each value (ascending).
        metro: per indicator, its monthly metro values (aligned with ``months``).
    """
    out = {}
    for t in targets:
        values = {d: _value_at(d, months, metro[t.indicator]) for d in t.dates}
        out[t.name] = t.of(values)
    return out


def _value_at(date: str, months: np.ndarray, values: np.ndarray) -> float:
    if "-" in date:
        hit = months == parse_month(date)
    else:
        hit = months // 12 == parse_month(f"{date}-01") // 12
    if not hit.any():
        return math.nan
    return float(np.mean(values[hit]))


def statistics_from_records(
    targets: Sequence[Target], records: Sequence[tuple[int, np.ndarray]]
) -> dict[str, float]:
    """Each target's statistic from a model's indicator records (``model.indicators.records``)."""
    months = np.array([m for m, _ in records], dtype=np.int64)
    values = np.stack([v for _, v in records])[:, :, -1]  # the metro column
    metro = {t.indicator: values[:, INDEX[t.indicator]] for t in targets}
    return model_statistics(targets, months, metro)


def statistics_from_rows(targets: Sequence[Target], rows: pd.DataFrame) -> pd.DataFrame:
    """Each run's target statistics from a batch store's indicator rows.

    Args:
        targets: the targets.
        rows: ``run_id, date, comune, indicator, value`` (metro rows with monthly dates are used).

    Returns:
        one row per run_id, one column per target.
    """
    metro = rows[(rows["comune"] == "metro") & (rows["date"].str.len() == 7)]
    out = {}
    for rid, run in metro.groupby("run_id", sort=True):
        wide = run.pivot(index="date", columns="indicator", values="value").sort_index()
        months = np.array([parse_month(d) for d in wide.index], dtype=np.int64)
        series = {t.indicator: wide[t.indicator].to_numpy(float) for t in targets}
        out[rid] = model_statistics(targets, months, series)
    return pd.DataFrame.from_dict(out, orient="index")


def distance(
    targets: Sequence[Target],
    simulated: Mapping[str, float],
    observed: Mapping[str, float] | None = None,
) -> float:
    """The standardised Euclidean distance ``sqrt(sum(((sim - obs) / sd)^2))``.

    ``observed`` defaults to the targets' observed values (a recovery test passes synthetic
    ones). A statistic the run could not compute (NaN) makes the distance infinite.
    """
    total = 0.0
    for t in targets:
        obs = t.observed if observed is None else observed[t.name]
        z = (simulated[t.name] - obs) / t.sd
        if not math.isfinite(z):
            return math.inf
        total += z * z
    return math.sqrt(total)


def last_month(targets: Sequence[Target]) -> int:
    """The last month any target reads."""
    return max(t.last_month for t in targets)
