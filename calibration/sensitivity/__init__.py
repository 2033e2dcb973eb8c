"""``metropoli sensitivity``'s analysis: Morris screening, then Sobol indices on what matters.

A sensitivity file (``calibration/examples/sensitivity-small.toml`` documents every key)
names the behavioural parameters to screen, the Sobol stage's inputs and the outputs. Two
stages run, each a batch store inside the output folder:

1. **Morris** (``OUT/morris/``): the baseline over a Morris design of the parameters, each
   over its plausible range; elementary effects on the unit-cube sample (SALib).
2. **Sobol** (``OUT/sobol/``): a Saltelli sample of the ``top`` parameters by Morris μ*,
   those forced in, and optionally lever effect sizes ``CODE.hook`` (grouped per project by
   default), the plan paired with the baseline by seed; or, with ``method = "rbd-fast"``, a
   Latin hypercube and RBD-FAST's first-order indices (no total index).

The parts, one concern a module:

* :mod:`~calibration.sensitivity.spec`: the file, read and checked (:class:`SensitivitySpec`);
* :mod:`~calibration.sensitivity.outputs`: a stage's outputs read from its store;
* :mod:`~calibration.sensitivity.stages`: the stages as batch documents, the choice of the
  Sobol stage's inputs;
* :mod:`~calibration.sensitivity.analysis`: Morris and Sobol indices (SALib);
* :mod:`~calibration.sensitivity.fast`: the RBD-FAST design and first-order indices (SALib);
* :mod:`~calibration.sensitivity.fast_sizing`: how many rows RBD-FAST needs (a command);
* :mod:`~calibration.sensitivity.plots`: the figures;
* :mod:`~calibration.sensitivity.run`: both stages through the batch driver into the
  output folder, and its files.

The command line (``metropoli sensitivity``) is :mod:`metropoli.sensitivity`.
"""

from calibration.sensitivity.analysis import (
    CONF_LEVEL,
    MORRIS_COLUMNS,
    RESAMPLES,
    SOBOL_COLUMNS,
    fast_table,
    morris_table,
    seed_noise,
    sobol_outputs,
    sobol_table,
)
from calibration.sensitivity.outputs import output_names, run_outputs, store_outputs
from calibration.sensitivity.plots import morris_figure, png_bytes, sobol_figure
from calibration.sensitivity.run import IDENTITY, MORRIS_DIR, SOBOL_DIR, run_sensitivity
from calibration.sensitivity.spec import (
    DEFAULT_PLAN,
    SensitivitySpec,
    load_sensitivity,
    parse_sensitivity,
)
from calibration.sensitivity.stages import (
    SobolInputs,
    checked_batch,
    morris_batch,
    morris_ranking,
    sobol_batch,
    sobol_inputs,
    sobol_sample,
)

__all__ = [
    "CONF_LEVEL",
    "DEFAULT_PLAN",
    "IDENTITY",
    "MORRIS_COLUMNS",
    "MORRIS_DIR",
    "RESAMPLES",
    "SOBOL_COLUMNS",
    "SOBOL_DIR",
    "SensitivitySpec",
    "SobolInputs",
    "checked_batch",
    "fast_table",
    "load_sensitivity",
    "morris_batch",
    "morris_figure",
    "morris_ranking",
    "morris_table",
    "output_names",
    "parse_sensitivity",
    "png_bytes",
    "run_outputs",
    "run_sensitivity",
    "seed_noise",
    "sobol_batch",
    "sobol_figure",
    "sobol_inputs",
    "sobol_outputs",
    "sobol_sample",
    "sobol_table",
    "store_outputs",
]
