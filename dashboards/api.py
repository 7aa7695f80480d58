"""The open-data API: the partner directory and each chart's aggregated table, as CSV and JSON.

Stable URLs under `/api/v1/` (docs/api.md), filtered by the same query string as the pages
(`?years=2018-2024&field=ED`), paged (`page`, `per_page`), cacheable (the ETag is the
warehouse version and the request; `If-None-Match` answers 304). The column policy is the
public one in every mode: no internal column (money, file names, load history) is ever served
here, and internal charts do not exist. Values are written as the warehouse holds them (codes
beside their names), text cells neutralised against spreadsheet formulas in CSV.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from dashboards import db
from dashboards.charts import all_charts
from dashboards.exports.data import neutralise_frame
from dashboards.filters import Filters, parse_lang
from dashboards.policy import is_internal_column
from dashboards.queries import partners as partner_queries

PREFIX = "api/v1/"
PER_PAGE = 100
MAX_PER_PAGE = 1000
MAX_AGE = 300  # seconds a client or proxy may reuse an answer without asking again
_PAGING = ("page", "per_page", "lang")


def public_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without any internal column (the API's policy in every mode)."""
    return frame.drop(columns=[c for c in frame.columns if is_internal_column(c)])


def charts() -> dict[str, Any]:
    """The charts the API serves, by key (internal charts never)."""
    return {c.key: c for c in all_charts() if not c.internal}


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return None if value is pd.NA or value is pd.NaT else value


def install(app: Any) -> None:
    """Register the API routes on the app's Flask server."""
    from flask import Response, abort, request

    server = app.server
    base = app.config.routes_pathname_prefix + PREFIX

    def paging() -> tuple[int, int]:
        try:
            page = int(request.args.get("page", "1"))
            per_page = int(request.args.get("per_page", str(PER_PAGE)))
        except ValueError:
            abort(400, "page and per_page are whole numbers")
        if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            abort(400, f"page >= 1 and 1 <= per_page <= {MAX_PER_PAGE}")
        return page, per_page

    def filters() -> tuple[Filters, list[str]]:
        query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k not in _PAGING])
        found, notices = Filters.from_query("?" + query)
        return found, [str(getattr(n, "message", n)) for n in notices]

    def answer(frame: pd.DataFrame, fmt: str, name: str):
        page, per_page = paging()
        etag = hashlib.sha256(f"{db.version()}|{request.full_path}".encode()).hexdigest()[:32]
        if request.if_none_match.contains(etag):
            response = Response(status=304)
        else:
            frame = public_frame(frame)
            total = len(frame)
            rows = frame.iloc[(page - 1) * per_page : page * per_page]
            pages = max(1, math.ceil(total / per_page))
            if fmt == "json":
                body = json.dumps(
                    {
                        "data": [
                            {k: _jsonable(v) for k, v in r.items()}
                            for r in rows.to_dict(orient="records")
                        ],
                        "columns": list(frame.columns),
                        "page": page,
                        "per_page": per_page,
                        "pages": pages,
                        "total": total,
                    },
                    ensure_ascii=False,
                    default=str,
                )
                response = Response(body, mimetype="application/json")
            else:
                out = io.StringIO()
                neutralise_frame(rows).to_csv(out, index=False)
                response = Response(out.getvalue(), mimetype="text/csv")
                response.headers["Content-Disposition"] = f'inline; filename="{name}.csv"'
            response.headers["X-Total-Count"] = str(total)
            links = []
            if page < pages:
                links.append(f'<{_page_url(page + 1)}>; rel="next"')
            if page > 1:
                links.append(f'<{_page_url(page - 1)}>; rel="prev"')
            if links:
                response.headers["Link"] = ", ".join(links)
        response.set_etag(etag)
        response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
        response.headers["Access-Control-Allow-Origin"] = "*"  # open data, read-only
        return response

    def _page_url(page: int) -> str:
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
        return f"{request.path}?{urlencode([*args, ('page', str(page))])}"

    def fmt_of(ext: str) -> str:
        if ext not in ("csv", "json"):
            abort(404)
        return ext

    def partners_view(ext: str):
        fmt = fmt_of(ext)
        found, _ = filters()
        frame = partner_queries.directory(found, parse_lang("?" + request.query_string.decode()))
        return answer(frame, fmt, "partners")

    def chart_view(key: str, ext: str):
        fmt = fmt_of(ext)
        chart = charts().get(key)
        if chart is None:
            abort(404)
        found, _ = filters()
        return answer(chart.frame(found), fmt, key)

    def index_view():
        listing = {
            "partners": {f: f"{base}partners.{f}" for f in ("csv", "json")},
            "charts": {
                key: {
                    "title": c.title,
                    "measure": c.measure,
                    **{f: f"{base}charts/{key}.{f}" for f in ("csv", "json")},
                }
                for key, c in charts().items()
            },
            "docs": "docs/api.md",
        }
        return Response(json.dumps(listing), mimetype="application/json")

    server.add_url_rule(base.rstrip("/"), "api_index", index_view)
    server.add_url_rule(base + "partners.<ext>", "api_partners", partners_view)
    server.add_url_rule(base + "charts/<key>.<ext>", "api_chart", chart_view)
