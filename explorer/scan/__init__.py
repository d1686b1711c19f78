"""Scan news archives too big for one machine: read them in partitions, link them on Dask, write Parquet.

``archives`` reads and partitions the archive files, ``records`` turns one record into an article the
way ``ingest`` would, ``tables`` owns the Parquet schemas and writers, ``job`` runs the Dask job.
"""
