"""The territory: the 38 comuni on their raster, the province's other comuni, distances.

- :mod:`~models.territory.territory`: :class:`Territory` and :func:`load_territory`;
- :mod:`~models.territory.comuni`: the comuni table (``models/data/comuni.csv``);
- :mod:`~models.territory.grid`: the committed grid document and the projected places;
- :mod:`~models.territory.land_use`: land-use codes, protected areas and their layout;
- :mod:`~models.territory.geography`: ISTAT's boundaries, projection, rasterisation;
- :mod:`~models.territory.outside`: where people from outside the 38 comuni live;
- :mod:`~models.territory.space`: distances between places.
"""
