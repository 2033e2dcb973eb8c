"""Posterior parameter files: what a calibration gives the rest of the model.

A posterior file is TOML::

    name = "observed-2015-2018"
    method = "abc"                     # or "optimize"
    model_version = "1.3.0"            # the model it was fitted with
    calibration_sha256 = "..."
    [parameters]                       # the point estimate: the weighted posterior
    growth_drift = 0.0221              # median (abc) or the best trial (optimize)
    [sample]                           # abc only: an equally weighted posterior sample
    growth_drift = [0.021, 0.024, ...] # (particles resampled by weight), one column per name
    [coordinates]                      # optional: sampled names that are not model
    window_growth = 0.045              # parameters (a calibration's derived parameters
    [coordinate_sample]                # are computed from them), their point and draws
    window_growth = [0.044, ...]       # (the rows of [sample])

A scenario uses the point estimate with ``[parameters] from = "PATH"`` (its own keys
override); a batch propagates posterior uncertainty with ``[design] kind = "posterior"``,
``file = "PATH"``: each design point is one row of the sample (:func:`sample_points`).
Neither reads ``[coordinates]``: they are a record of what the calibration sampled.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.tomlfile import check_keys

KEYS = {
    "name",
    "method",
    "model_version",
    "calibration_sha256",
    "description",
    "parameters",
    "sample",
    "coordinates",
    "coordinate_sample",
}


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The weighted median: the smallest value whose cumulative weight reaches one half."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / np.sum(weights)
    return float(values[order][np.searchsorted(cumulative, 0.5)])


def resample(table: pd.DataFrame, names: list[str], size: int, seed: int) -> pd.DataFrame:
    """An equally weighted sample of ``size`` rows drawn from weighted particles."""
    rng = np.random.default_rng(seed)
    weights = table["weight"].to_numpy(float)
    index = rng.choice(len(table), size=size, replace=True, p=weights / weights.sum())
    return table.iloc[index][names].reset_index(drop=True)


def posterior_document(
    name: str,
    method: str,
    model_version: str,
    sha256: str,
    point: Mapping[str, float],
    sample: pd.DataFrame | None,
    description: str = "",
    coordinates: Mapping[str, float] | None = None,
    coordinate_sample: pd.DataFrame | None = None,
) -> str:
    """The posterior file's text (``coordinates``: sampled names that are not parameters)."""
    lines = [
        "# Written by metropoli calibrate: the calibrated parameters (sim.experiments.posterior).",
        f'name = "{name}"',
        f'method = "{method}"',
        f'model_version = "{model_version}"',
        f'calibration_sha256 = "{sha256}"',
    ]
    if description:
        lines.append(f"description = {_quoted(description)}")
    lines += ["", "[parameters]"]
    lines += [f"{k} = {float(v)!r}" for k, v in point.items()]
    for title, table in (("sample", sample), ("coordinate_sample", coordinate_sample)):
        if title == "coordinate_sample" and coordinates:
            lines += ["", "[coordinates]"]
            lines += [f"{k} = {float(v)!r}" for k, v in coordinates.items()]
        if table is not None:
            lines += ["", f"[{title}]"]
            for column in table.columns:
                values = ", ".join(repr(float(v)) for v in table[column])
                lines.append(f"{column} = [{values}]")
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def load_posterior(
    path: str | Path,
    bounds: Mapping[str, tuple[float, float]],
    source: str | None = None,
    key: str = "",
) -> dict[str, Any]:
    """Read and check a posterior file.

    Args:
        path: the posterior file.
        bounds: the model's parameters and their valid bounds (a value's name must be one).
        source: the file that refers to it (for messages), if any.
        key: the key that refers to it.

    Raises:
        InputError: a missing or malformed file, an unknown parameter, a sample whose
            columns differ in length or hold values outside a parameter's bounds.
    """
    path = Path(path)
    where = source or str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no such posterior file {str(path)!r}", where, key) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise InputError(
            f"cannot read the posterior file {str(path)!r} ({err.__class__.__name__})", where, key
        ) from None
    check_keys(data, KEYS, str(path))
    point = data.get("parameters")
    if not isinstance(point, dict) or not point:
        raise InputError("expected a [parameters] table of values", str(path), "parameters")
    for name, value in point.items():
        _check_value(name, value, bounds, str(path), f"parameters.{name}")
    sample = data.get("sample")
    if sample is not None:
        if not isinstance(sample, dict) or not sample:
            raise InputError("expected a [sample] table of lists", str(path), "sample")
        lengths = set()
        for name, column in sample.items():
            if not isinstance(column, list) or not column:
                raise InputError("expected a non-empty list", str(path), f"sample.{name}")
            for v in column:
                _check_value(name, v, bounds, str(path), f"sample.{name}")
            lengths.add(len(column))
        if len(lengths) > 1:
            raise InputError("the sample's columns differ in length", str(path), "sample")
    _check_coordinates(data, str(path))
    return data


def _check_coordinates(data: Mapping[str, Any], source: str) -> None:
    """``[coordinates]`` numbers and ``[coordinate_sample]`` lists of numbers, if present."""
    for title in ("coordinates", "coordinate_sample"):
        table = data.get(title, {})
        if not isinstance(table, dict):
            raise InputError("expected a table", source, title)
        for name, value in table.items():
            listed = title == "coordinate_sample"
            values = value if listed and isinstance(value, list) else [value]
            numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
            if not numbers or not values or (listed and not isinstance(value, list)):
                expected = "a non-empty list of numbers" if listed else "a number"
                raise InputError(f"expected {expected}", source, f"{title}.{name}")


def _check_value(
    name: str, value: Any, bounds: Mapping[str, tuple[float, float]], source: str, key: str
) -> None:
    if name not in bounds:
        raise InputError("unknown parameter (expected a model parameter)", source, key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"expected a number, got {value!r}", source, key)
    low, high = bounds[name]
    if not low <= value <= high:
        raise InputError(f"{value!r} is out of bounds (expected {low:g} to {high:g})", source, key)


def point_estimate(
    path: str | Path,
    bounds: Mapping[str, tuple[float, float]],
    source: str | None = None,
    key: str = "",
) -> dict[str, float]:
    """The posterior file's point estimate (``[parameters]``)."""
    data = load_posterior(path, bounds, source, key)
    return {k: float(v) for k, v in data["parameters"].items()}


def sample_points(
    path: str | Path,
    bounds: Mapping[str, tuple[float, float]],
    samples: int | None = None,
    source: str | None = None,
    key: str = "",
) -> pd.DataFrame:
    """The posterior sample's first ``samples`` rows (all when None), one column per name.

    Raises:
        InputError: the file has no sample (an optimisation's point estimate), or fewer
            rows than asked for.
    """
    data = load_posterior(path, bounds, source, key)
    if "sample" not in data:
        raise InputError(
            f"posterior file {str(path)!r} has no [sample] (a point estimate: use it with "
            "[parameters] from = ...)",
            source or str(path),
            key,
        )
    table = pd.DataFrame({k: [float(v) for v in col] for k, col in data["sample"].items()})
    if samples is not None:
        if samples > len(table):
            raise InputError(
                f"the posterior sample has {len(table)} rows, fewer than the {samples} asked for",
                source or str(path),
                key,
            )
        table = table.iloc[:samples]
    return table.reset_index(drop=True)
