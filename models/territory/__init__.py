"""The territory: the 38 comuni on their raster, the outside comuni, distances."""
