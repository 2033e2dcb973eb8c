"""The behaviours of the month: one :class:`~sim.components.Component` a module.

In the month's order (``models.model.COMPONENTS``); each module holds its kernel and its
Python half, and owns the state it adds:

- :mod:`~models.components.levers`: ``LeverDelivery``, the levers' hooks and cost
  (:mod:`~models.components.lever_settings`: a lever's settings as a scenario gives them);
- :mod:`~models.components.demography`: ``Demography``, deaths, departures, births, arrivals;
- :mod:`~models.components.education`: ``Education``, school, university, retirement;
- :mod:`~models.components.firms`: ``FirmDynamics``, exit, growth, innovation, entry;
- :mod:`~models.components.labour`: ``LabourMarket``, separations and job search, with
  :mod:`~models.components.matching` (vacancies and matching) and
  :mod:`~models.components.wages` (the wage equation);
- :mod:`~models.components.commuting`: ``Commuting``, mode choice and the OD tally;
- :mod:`~models.components.housing`: ``Housing``, construction, rents, moves;
- :mod:`~models.components.comuni`: ``ComuniServices`` and the ``Comune`` Mesa agents;
- :mod:`~models.components.census`: ``Census``, stocks, incomes, poverty;
- :mod:`~models.components.indicators`: ``Indicators``, what the month records.

The package imports none of them itself, so that importing one behaviour does not import
the others (the population's build uses two of them).
"""
