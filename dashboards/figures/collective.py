"""Figures of the Collective cooperation page (pure: frame, lang → figure spec; no Dash, no SQL).

Also the Liaison Committee composition rule (ten members: four associate, six consultative, at
least one per UNESCO region), as a pure function of the member rows so that the chart, its table
and the page's composition table agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from dashboards import vocab
from dashboards.figures import common, spec
from dashboards.figures.spec import Spec
from dashboards.figures.theme import colour_for
from dashboards.i18n import N_, format_number, format_partial_date, gettext

UNSPECIFIED = "UNSPECIFIED"  # headquarters region not known

# The rule for the NGO-UNESCO Liaison Committee (Directives of 2011).
COMMITTEE_SIZE = 10
COMMITTEE_STATUSES = {"associate": 4, "consultative": 6}
# Office-holders are elected members too (roles worded by sources, issue 8).
MEMBER_ROLES = (
    "elected_member",
    "chair",
    "vice_president",
    "secretary_general",
    "treasurer",
    "rapporteur",
)

TERM = N_("Term")
MEMBER = N_("Member")
ROLE = N_("Role")
SESSION = N_("Session")
DATE = N_("Date")
STATUS_AT_EVENT = N_("Status at the time")
HQ_REGION = N_("Region of headquarters")
RULE = N_("Composition rule")


def name_of(dimension: str, code: str | None, lang: str) -> str:
    """A code's name; 'not specified' for a missing headquarters region."""
    if code is None or code == UNSPECIFIED:
        return gettext("Not specified", lang)
    return common.label(dimension, code, lang)


def _order(dimension: str, codes) -> list[str]:
    return common.ordered_codes(dimension, codes)


def _precisions(frame: pd.DataFrame) -> pd.Series:
    """The event dates' precision ('day' where the frame has no such column)."""
    if "event_date_precision" in frame.columns:
        return frame["event_date_precision"]
    return pd.Series("day", index=frame.index)


def _when(value, precision, lang: str) -> str:
    """An event's date as precise as its source ("2018", "Dec 2016", "12 Dec 2016"), or ''."""
    return format_partial_date(value, precision, lang) if pd.notna(value) else ""


def _partners(n: float, lang: str) -> str:
    return gettext("%(n)s partners", lang, n=common.number_text(n, lang))


@spec.builder
def stacked_by_session(frame: pd.DataFrame, lang: str, dimension: str, x: str = "year") -> Spec:
    """Partners per session, stacked by a dimension's codes (fixed colours).

    `x` is 'year' (one session a year: the conference) or 'event' (sessions named like
    'EB 215', drawn in the order of their dates, with the date in the hover text).
    """
    if frame.empty or frame["partners"].sum() == 0:
        return common.empty_figure.spec(lang)
    if x == "event":
        first = frame.sort_values("event_date", kind="stable").drop_duplicates("event")
        first = first.sort_values("event_date", kind="stable")
        sessions: list[str] | list[int] = [common.plain(e) for e in first["event"]]
        when: dict[str | int, str] = {
            common.plain(e): _when(d, p, lang)
            for e, d, p in zip(first["event"], first["event_date"], _precisions(first), strict=True)
        }
    else:
        sessions = sorted(int(y) for y in frame["year"].unique())
        when = {}
    traces = []
    for code, part in _parts(frame, "code", _order(dimension, frame["code"])):
        name = name_of(dimension, code, lang)
        xs = [common.plain(v) if x == "event" else int(v) for v in part[x]]
        hover = [
            f"<b>{name}</b> · {s}{' · ' + when[s] if when.get(s) else ''}<br>{_partners(v, lang)}"
            for s, v in zip(xs, part["partners"], strict=True)
        ]
        traces.append(
            {
                "type": "bar",
                "x": xs,
                "y": part["partners"].tolist(),
                "name": name,
                "marker": {"color": colour_for(dimension, code)},
                "customdata": [[code] for _ in range(len(part))],
                "hovertext": hover,
                "hoverinfo": "text",
            }
        )
    xaxis = (
        {
            "type": "category",
            "categoryorder": "array",
            "categoryarray": sessions,
            "tickangle": -45,
            "title": {"text": gettext("Executive Board session", lang)},
        }
        if x == "event"
        else {"tickvals": sessions, "tickformat": "d"}
    )
    fig = spec.new_figure(
        traces,
        {
            "barmode": "stack",
            "yaxis": {"title": {"text": gettext("Partners", lang)}},
            "xaxis": xaxis,
            "showlegend": True,  # also with one series: the colour is named
            "height": 400 if x == "event" else 380,
        },
    )
    tallest = frame.groupby(x)["partners"].sum().max()
    common.value_axis(fig, "y", "partners", tallest, lang)
    return spec.themed(fig, lang)


def _parts(frame: pd.DataFrame, column: str, order: list[str]) -> list[tuple[str, pd.DataFrame]]:
    """The frame's rows per value of a column, in the given order (one groupby, not a mask per
    value)."""
    groups = dict(tuple(frame.groupby(column, sort=False)))
    return [(code, groups.get(code, frame.iloc[0:0])) for code in order]


@spec.builder
def conference_by_region(frame: pd.DataFrame, lang: str) -> Spec:
    """Partners at each International Conference of NGOs, by region of headquarters."""
    return stacked_by_session.spec(frame, lang, "region")


@spec.builder
def conference_by_status(frame: pd.DataFrame, lang: str) -> Spec:
    """Partners at each International Conference of NGOs, by status at the session."""
    return stacked_by_session.spec(frame, lang, "partner_status")


@spec.builder
def committee_ngp(frame: pd.DataFrame, lang: str) -> Spec:
    """Partners at the Committee on Non-Governmental Partners per Executive Board session."""
    return stacked_by_session.spec(frame, lang, "partner_status", x="event")


# -- Liaison Committee ----------------------------------------------------------------------------


@dataclass
class _Term:
    """What `liaison_rule` counts of one term's members."""

    rows: int = 0
    partners: set = field(default_factory=set)
    regions: set = field(default_factory=set)
    statuses: dict = field(default_factory=dict)
    years: list = field(default_factory=list)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def liaison_rule(members: pd.DataFrame) -> pd.DataFrame:
    """Per term: members, associate, consultative, regions covered, missing regions, ok.

    `members` has one row per member and term (term, year, status, region, role). A term meets
    the rule when it has exactly ten members, four associate and six consultative, and at least
    one member from each UNESCO region.
    """
    columns = ["term", "year", "members", "associate", "consultative", "regions", "missing", "ok"]
    if members.empty:
        return pd.DataFrame(columns=columns)
    regions = vocab.codes("region")
    # One pass over the rows in plain Python: a committee has ten members a term, so the frame
    # holds a few hundred rows, where a groupby with masks per term and status cost ~10 ms.
    cols = {c: members[c].tolist() for c in ("role", "partner_id", "year") if c in members}
    terms: dict[object, _Term] = {}
    for i, (term, region, status) in enumerate(
        zip(members["term"], members["region"], members["status"], strict=True)
    ):
        if _missing(term):
            continue  # as groupby does: rows without a term are left out
        acc = terms.setdefault(term, _Term())
        if "role" in cols and cols["role"][i] not in MEMBER_ROLES:
            continue
        acc.rows += 1
        if not _missing(region):
            acc.regions.add(region)
        if "partner_id" in cols and not _missing(cols["partner_id"][i]):
            acc.partners.add(cols["partner_id"][i])
        acc.statuses[status] = acc.statuses.get(status, 0) + 1
        if "year" in cols and not _missing(cols["year"][i]):
            acc.years.append(cols["year"][i])
    rows = []
    for term, acc in terms.items():
        missing = [r for r in regions if r not in acc.regions]
        n = len(acc.partners) if "partner_id" in cols else acc.rows
        counts = {st: acc.statuses.get(st, 0) for st in COMMITTEE_STATUSES}
        ok = (
            n == COMMITTEE_SIZE
            and all(counts[st] == k for st, k in COMMITTEE_STATUSES.items())
            and not missing
        )
        rows.append(
            {
                "term": str(term),
                "year": int(min(acc.years)) if acc.years else None,
                "members": n,
                **counts,
                "regions": len([r for r in regions if r in acc.regions]),
                "missing": missing,
                "ok": bool(ok),
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["year", "term"], kind="stable").reset_index(drop=True)


def rule_text(check: dict, lang: str) -> str:
    """One line saying whether a term meets the rule, and what is off when it does not."""
    if check["ok"]:
        return gettext("Meets the rule", lang)
    problems = []
    if check["members"] != COMMITTEE_SIZE:
        problems.append(
            gettext("%(n)s members instead of ten", lang, n=format_number(check["members"], lang))
        )
    if (
        check["associate"] != COMMITTEE_STATUSES["associate"]
        or check["consultative"] != COMMITTEE_STATUSES["consultative"]
    ):
        problems.append(
            gettext(
                "%(a)s associate and %(c)s consultative instead of four and six",
                lang,
                a=format_number(check["associate"], lang),
                c=format_number(check["consultative"], lang),
            )
        )
    if check["missing"]:
        names = ", ".join(name_of("region", r, lang) for r in check["missing"])
        problems.append(gettext("no member from %(regions)s", lang, regions=names))
    return gettext("Does not meet the rule: %(problems)s", lang, problems="; ".join(problems))


@spec.builder
def liaison_committee(frame: pd.DataFrame, lang: str) -> Spec:
    """Members per term, stacked by status at the election, with the rule check above each bar."""
    if frame.empty:
        return common.empty_figure.spec(lang)
    checks = liaison_rule(frame)
    terms = list(checks["term"])
    shown = [common.plain(t) for t in terms]
    # Distinct members per (status, term), counted in Python: a few hundred rows, where a
    # two-key groupby cost more than the rest of the figure.
    partners: dict[object, dict[str, set]] = {}
    for term, status, partner, role in zip(
        frame["term"], frame["status"], frame["partner_id"], frame["role"], strict=True
    ):
        if role in MEMBER_ROLES and not _missing(term) and not _missing(status):
            if not _missing(partner):
                partners.setdefault(status, {}).setdefault(str(term), set()).add(partner)
            else:
                partners.setdefault(status, {}).setdefault(str(term), set())
    traces = []
    for code in _order("partner_status", list(partners)):
        counts = partners[code]
        ys = [float(len(counts.get(t, ()))) for t in terms]
        name = name_of("partner_status", code, lang)
        traces.append(
            {
                "type": "bar",
                "x": shown,
                "y": ys,
                "name": name,
                "marker": {"color": colour_for("partner_status", code)},
                "customdata": [[code] for _ in terms],
                "hovertext": [
                    f"<b>{name}</b> · {t}<br>{_partners(v, lang)}"
                    for t, v in zip(shown, ys, strict=True)
                ],
                "hoverinfo": "text",
            }
        )
    annotations = [
        {
            "x": common.plain(check["term"]),  # the bars' own (escaped) category
            "y": check["members"],
            "text": ("✓ " if check["ok"] else "✗ ") + gettext("rule", lang),
            "showarrow": False,
            "yshift": 12,
            "font": {"color": "#1E7B3A" if check["ok"] else "#B42318", "size": 12},
            "hovertext": rule_text(check, lang),
        }
        for check in checks.to_dict("records")
    ]
    top = max(COMMITTEE_SIZE, int(checks["members"].max()))
    fig = spec.new_figure(
        traces,
        {
            "annotations": annotations,
            "barmode": "stack",
            "xaxis": {"title": {"text": gettext("Term", lang)}, "type": "category"},
            "yaxis": {
                "title": {"text": gettext("Members", lang)},
                "range": [0, top + 2],
                "dtick": 2,
            },
            "height": 380,
        },
    )
    return spec.themed(fig, lang)


def liaison_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The composition as a table: term, member, status at the election, region, role, rule."""
    checks = {r["term"]: r for r in liaison_rule(frame).to_dict("records")}
    _ = lambda s: gettext(s, lang)  # noqa: E731
    return pd.DataFrame(
        {
            _(TERM): frame["term"].astype(str),
            _(MEMBER): frame["name"].astype(str),
            _(STATUS_AT_EVENT): [name_of("partner_status", s, lang) for s in frame["status"]],
            _(HQ_REGION): [name_of("region", r, lang) for r in frame["region"]],
            _(ROLE): [name_of("role", r, lang) for r in frame["role"]],
            _(RULE): [rule_text(checks[str(t)], lang) for t in frame["term"]],
        }
    )


def session_table(frame: pd.DataFrame, lang: str, dimension: str) -> pd.DataFrame:
    """'Show as table' for the conference charts: year, name, partners."""
    _ = lambda s: gettext(s, lang)  # noqa: E731
    return pd.DataFrame(
        {
            _("Year"): frame["year"].astype(int).astype(str),
            _("Name"): [name_of(dimension, c, lang) for c in frame["code"]],
            _("Partners"): frame["partners"].astype(int),
        }
    )


def ngp_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """'Show as table' for the Committee chart: session, date, status, partners."""
    _ = lambda s: gettext(s, lang)  # noqa: E731
    return pd.DataFrame(
        {
            _(SESSION): frame["event"].astype(str),
            _(DATE): [
                _when(d, p, lang)
                for d, p in zip(frame["event_date"], _precisions(frame), strict=True)
            ],
            _(STATUS_AT_EVENT): [name_of("partner_status", c, lang) for c in frame["code"]],
            _("Partners"): frame["partners"].astype(int),
        }
    )
