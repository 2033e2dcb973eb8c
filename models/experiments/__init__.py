"""What runs the model, kept apart from the model (as Mesa's examples keep their app).

- :mod:`~models.experiments.scenario`: the model's scenario schema, and loading a file;
- :mod:`~models.experiments.run`: :func:`simulate` (a scenario to tables) and the run folder;
- :mod:`~models.experiments.batchfile`: reading and checking a batch file;
- :mod:`~models.experiments.expansion`: a batch into runs, run ids and its document;
- :mod:`~models.experiments.batch`: the run function and forking at the policy month;
- :mod:`~models.experiments.plots`, :mod:`~models.experiments.maps`: a run's figures;
- :mod:`~models.experiments.report`: the reviewers' report of a batch store.
"""
