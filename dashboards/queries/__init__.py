"""Queries: Filters → small aggregated DataFrames, computed in DuckDB with parameters.

Every function takes a `Filters` and returns a frame of at most a few hundred rows; raw
activity rows never leave the warehouse except for the paged tables and data downloads.
Filter predicates come from `Filters.where()` (values as parameters, columns whitelisted).
"""
