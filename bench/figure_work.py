"""The figure work of a page alone (branch fast-figures): frames cached, figures built cold.

For each page, every chart's screen figure (`Chart._screen_json`: figure builder, flag note,
template) for a few never-seen filter combinations in both languages, serialised with plotly's
encoder as Dash does; median process CPU ms per page update. The frames are computed first
(cached), so no query is timed. Prints one JSON line. Run it against two checkouts, alternating,
to compare them (the script imports `dashboards` from ROOT):

    for i in 1 2; do for r in /work/main .; do
        .venv/bin/python bench/figure_work.py $r /work/benchdata/warehouse-1000000.duckdb 6
    done; done
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time


def main(root: str, warehouse: str, samples: int) -> dict[str, float]:
    """{page: median CPU ms of its figures} with `dashboards` imported from `root`."""
    sys.path[0:1] = [root]  # not this folder: bench/requests.py would shadow the library
    os.environ["WAREHOUSE_PATH"] = warehouse
    import plotly.io.json as pjson

    from bench.replay import FilterSource, vocabularies
    from dashboards.charts import charts_for
    from dashboards.queries import activities

    source = FilterSource(vocabularies(), activities.year_range(), seed=5)
    filters = [source.new() for _ in range(samples)]
    out: dict[str, float] = {}
    for page in ("overview", "fields", "functional_areas", "regions", "collective"):
        charts = charts_for(page)
        for f in filters:
            for chart in charts:
                chart.frame(f)
        times = []
        for f in filters:
            for lang in ("en", "fr"):
                started = time.process_time()
                pjson.to_json_plotly([c._screen_json(f, lang, None) for c in charts])
                times.append((time.process_time() - started) * 1000)
        out[page] = round(statistics.median(times), 2)
    return out


if __name__ == "__main__":
    root, db = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 6
    print(json.dumps({"root": os.path.abspath(root), **main(os.path.abspath(root), db, n)}))
