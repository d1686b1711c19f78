"""Kuril explorer: curated geodata, a trilingual gazetteer and a news corpus, linked passage by passage."""

__version__ = "0.1.0"
