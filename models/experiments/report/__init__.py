"""The reviewers' report of a batch: ``metropoli report STORE``.

One self-contained folder, ``index.html`` and its figures, that opens from the file system
with no server and no network: the question and the answer first (each scenario's paired
effect on the plan's eight goals and sustainability, with intervals), fan charts over time,
maps of the 38 comuni, cost and effect per project, PRIM's scenario discovery where the
batch sampled uncertainties, and provenance. See ``docs/report.md``.

>>> from models.experiments.report import build_report
>>> build_report("results/batch-strategies", "results/report-strategies")  # doctest: +SKIP
"""

from models.experiments.report.build import build_report

__all__ = ["build_report"]
