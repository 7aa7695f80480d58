"""Figures of the Collective cooperation page (pure: frame, lang → go.Figure; no Dash, no SQL).

Also the Liaison Committee composition rule (ten members: four associate, six consultative, at
least one per UNESCO region), as a pure function of the member rows so that the chart, its table
and the page's composition table agree.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards import vocab
from dashboards.figures import common
from dashboards.figures.theme import apply_theme, colour_for
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
    return gettext("%(n)s partners", lang, n=format_number(n, lang))


def stacked_by_session(
    frame: pd.DataFrame, lang: str, dimension: str, x: str = "year"
) -> go.Figure:
    """Partners per session, stacked by a dimension's codes (fixed colours).

    `x` is 'year' (one session a year: the conference) or 'event' (sessions named like
    'EB 215', drawn in the order of their dates, with the date in the hover text).
    """
    if frame.empty or frame["partners"].sum() == 0:
        return common.empty_figure(lang)
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
    fig = go.Figure()
    for code in _order(dimension, frame["code"]):
        part = frame[frame["code"] == code]
        name = name_of(dimension, code, lang)
        xs = [common.plain(v) if x == "event" else int(v) for v in part[x]]
        hover = [
            f"<b>{name}</b> · {s}{' · ' + when[s] if when.get(s) else ''}<br>{_partners(v, lang)}"
            for s, v in zip(xs, part["partners"], strict=True)
        ]
        fig.add_bar(
            x=xs,
            y=part["partners"],
            name=name,
            marker_color=colour_for(dimension, code),
            customdata=[[code] for _ in range(len(part))],
            hovertext=hover,
            hoverinfo="text",
        )
    xaxis = (
        {"type": "category", "categoryorder": "array", "categoryarray": sessions, "tickangle": -45}
        if x == "event"
        else {"tickvals": sessions, "tickformat": "d"}
    )
    fig.update_layout(
        barmode="stack",
        xaxis_title=gettext("Executive Board session", lang) if x == "event" else None,
        yaxis_title=gettext("Partners", lang),
        xaxis=xaxis,
        legend_title_text=None,
        showlegend=True,  # also with one series: the colour is named
        height=400 if x == "event" else 380,
    )
    tallest = frame.groupby(x)["partners"].sum().max()
    common.value_axis(fig, "y", "partners", tallest, lang)
    return apply_theme(fig, lang)


def conference_by_region(frame: pd.DataFrame, lang: str) -> go.Figure:
    """Partners at each International Conference of NGOs, by region of headquarters."""
    return stacked_by_session(frame, lang, "region")


def conference_by_status(frame: pd.DataFrame, lang: str) -> go.Figure:
    """Partners at each International Conference of NGOs, by status at the session."""
    return stacked_by_session(frame, lang, "partner_status")


def committee_ngp(frame: pd.DataFrame, lang: str) -> go.Figure:
    """Partners at the Committee on Non-Governmental Partners per Executive Board session."""
    return stacked_by_session(frame, lang, "partner_status", x="event")


# -- Liaison Committee ----------------------------------------------------------------------------


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
    rows = []
    for term, part in members.groupby("term", sort=False):
        part = part[part["role"].isin(MEMBER_ROLES)] if "role" in part else part
        covered = set(part["region"].dropna())
        missing = [r for r in regions if r not in covered]
        n = int(part["partner_id"].nunique()) if "partner_id" in part else len(part)
        counts = {s: int((part["status"] == s).sum()) for s in COMMITTEE_STATUSES}
        ok = (
            n == COMMITTEE_SIZE
            and all(counts[s] == k for s, k in COMMITTEE_STATUSES.items())
            and not missing
        )
        year = part["year"].min() if "year" in part and len(part) else None
        rows.append(
            {
                "term": str(term),
                "year": None if year is None or pd.isna(year) else int(year),
                "members": n,
                **counts,
                "regions": len([r for r in regions if r in covered]),
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


def liaison_committee(frame: pd.DataFrame, lang: str) -> go.Figure:
    """Members per term, stacked by status at the election, with the rule check above each bar."""
    if frame.empty:
        return common.empty_figure(lang)
    checks = liaison_rule(frame)
    terms = list(checks["term"])
    members = frame[frame["role"].isin(MEMBER_ROLES)]
    grouped = members.groupby(["term", "status"])["partner_id"].nunique().reset_index()
    fig = go.Figure()
    for code in _order("partner_status", grouped["status"]):
        part = grouped[grouped["status"] == code].set_index("term").reindex(terms).fillna(0)
        name = name_of("partner_status", code, lang)
        fig.add_bar(
            x=[common.plain(t) for t in terms],
            y=part["partner_id"],
            name=name,
            marker_color=colour_for("partner_status", code),
            customdata=[[code] for _ in terms],
            hovertext=[
                f"<b>{name}</b> · {common.plain(t)}<br>{_partners(v, lang)}"
                for t, v in zip(terms, part["partner_id"], strict=True)
            ],
            hoverinfo="text",
        )
    totals = checks.set_index("term")["members"]
    for _, check in checks.iterrows():
        fig.add_annotation(
            x=common.plain(check["term"]),  # the bars' own (escaped) category
            y=totals[check["term"]],
            text=("✓ " if check["ok"] else "✗ ") + gettext("rule", lang),
            showarrow=False,
            yshift=12,
            font={"color": "#1E7B3A" if check["ok"] else "#B42318", "size": 12},
            hovertext=rule_text(check.to_dict(), lang),
        )
    top = max(COMMITTEE_SIZE, int(totals.max()))
    fig.update_layout(
        barmode="stack",
        xaxis_title=gettext("Term", lang),
        yaxis_title=gettext("Members", lang),
        xaxis={"type": "category"},
        yaxis={"range": [0, top + 2], "dtick": 2},
        legend_title_text=None,
        height=380,
    )
    return apply_theme(fig, lang)


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
