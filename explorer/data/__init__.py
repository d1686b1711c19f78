"""The data and its one schema: reading files safely, paths, the gazetteer and the map layers."""
