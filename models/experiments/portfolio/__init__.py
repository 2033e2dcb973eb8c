"""The portfolio search: which projects to fund, how hard and from when, under a budget.

``metropoli portfolio FILE`` (docs/portfolio.md) reads a portfolio file and searches, with
pymoo, for the portfolios whose robust effects on the chosen goals no other affordable
portfolio beats. The parts, one concept a module:

* :mod:`.file`: the portfolio file, read and checked (one line naming file and key);
* :mod:`.decision`: a portfolio (funded projects, intensities, start years), its key, its
  scenario file, and its encoding as pymoo's variables;
* :mod:`.budget`: yearly costs, the budget in EUR, the repair that keeps candidates in it;
* :mod:`.states`: the states of the world (posterior draws, effect priors) and the seeds;
* :mod:`.robustness`: paired effects against the baseline, and mean, percentile or regret;
* :mod:`.search`: pymoo's NSGA-III or NSGA-II by ask and tell, the Pareto set, convergence;
* :mod:`.evaluation`: every evaluation a run of a batch store, one batch per generation;
* :mod:`.output`: the output folder (portfolio.json, pareto.csv, evaluations.csv, ...).
"""
