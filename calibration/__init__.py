"""Calibration and sensitivity analysis of the Turin model against observed 2015-2018 series.

* :mod:`calibration.targets`: the targets (observed statistics) and the model's counterparts;
* :mod:`calibration.spec`: calibration files (run, targets, priors, backend settings);
* :func:`calibrate`: one API, two backends (pyabc ABC-SMC, optuna), resumable;
* :mod:`sim.experiments.posterior`: posterior files used by scenarios and batches;
* :mod:`calibration.sensitivity`: Morris screening and Sobol indices through batch stores.
* :mod:`calibration.holdout`: the out-of-sample check (fit up to a year, forecast the rest),
  with :mod:`calibration.predictive` (percentile, bands, coverage);
* :mod:`calibration.observed_path`: the observed 2015-2018 changes drawn on a report's fans.
"""

from calibration.api import CalibrationResult, calibrate

__all__ = ["CalibrationResult", "calibrate"]
