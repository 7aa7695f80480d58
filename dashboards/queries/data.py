"""The Data page: the latest load, its files, rejected rows and warnings.

A load may keep datasets from earlier runs (`etl_datasets`): their files, rejected rows and
warnings are part of the warehouse too, under the run that read them.
"""

from __future__ import annotations

import pandas as pd

from dashboards import db


def latest_run() -> dict | None:
    """The latest successful load (etl_runs row as a dict), or None when there is none."""
    frame = db.query("SELECT * FROM v_latest_run")
    if frame.empty:
        return None
    row = frame.iloc[0].to_dict()
    return {k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in row.items()}


def files(run_id: str) -> pd.DataFrame:
    """The input files of a load: file, kind, sha256, encoding, rows in/loaded/rejected/warnings."""
    return db.query(
        """
        SELECT file, kind, sha256, encoding, rows_in, loaded, rejected, warnings
        FROM etl_files WHERE run_id = ? OR run_id IN (SELECT source_run_id FROM etl_datasets WHERE run_id = ?)
        ORDER BY CASE kind WHEN 'partners' THEN 1 WHEN 'activities' THEN 2
                 WHEN 'participation' THEN 3 ELSE 4 END, file
        """,
        [run_id, run_id],
    )


def rejected_rows(run_id: str) -> pd.DataFrame:
    """The rows a load rejected: file, line, column, value, reason, raw (the row as read)."""
    return db.query(
        """
        SELECT file, line, column_name, value, reason, raw
        FROM rejected_rows
        WHERE run_id = ? OR run_id IN (SELECT source_run_id FROM etl_datasets WHERE run_id = ?) ORDER BY file, line, column_name
        """,
        [run_id, run_id],
    )


def load_warnings(run_id: str) -> pd.DataFrame:
    """The warnings of a load (rows loaded, with something to check): file, line, column, value, reason."""
    return db.query(
        """
        SELECT file, line, column_name, value, reason
        FROM load_warnings
        WHERE run_id = ? OR run_id IN (SELECT source_run_id FROM etl_datasets WHERE run_id = ?) ORDER BY file, line, column_name
        """,
        [run_id, run_id],
    )


def datasets(run_id: str) -> pd.DataFrame:
    """Where each dataset of the warehouse came from: dataset, action, source_run_id, rows, rejected."""
    return db.query(
        """
        SELECT dataset, action, source_run_id, rows, rejected, warnings
        FROM etl_datasets WHERE run_id = ?
        ORDER BY CASE dataset WHEN 'partners' THEN 1 WHEN 'activities' THEN 2
                 WHEN 'participation' THEN 3 ELSE 4 END
        """,
        [run_id],
    )


def reference_changes(run_id: str) -> pd.DataFrame:
    """Countries the load's reference puts in another region than the shipped one, with names."""
    return db.query(
        """
        SELECT r.file, r.key, r.field, r.old, r.new, c.name_en, c.name_fr,
               o.name_en AS old_en, o.name_fr AS old_fr, n.name_en AS new_en, n.name_fr AS new_fr
        FROM reference_changes r
        LEFT JOIN countries c ON r.file = 'countries.csv' AND c.iso3 = r.key
        LEFT JOIN regions o ON o.code = r.old
        LEFT JOIN regions n ON n.code = r.new
        WHERE r.run_id = ? ORDER BY r.file, r.key
        """,
        [run_id],
    )
