"""Partners: a searchable, sortable directory of every partner, with its matching activities."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, clientside_callback, html

from dashboards import cache, dimensions, parts, vocab
from dashboards import layout as ui
from dashboards.filters import LANGS, Filters
from dashboards.i18n import N_, count_text, format_partial_date, gettext
from dashboards.queries import partners as q
from dashboards.text import search_key

dash.register_page(__name__, path="/partners", title=N_("Partners"), name="Partners", order=4)

GRID = "partners-grid"
SEARCH = "partners-search"
COUNT = "partners-count"

# Grid columns: (field, header msgid, extra column options).
COLUMNS: tuple[tuple[str, str, dict], ...] = (
    (
        "name",
        N_("Name"),
        {"cellRenderer": "PartnerLink", "flex": 3, "minWidth": 320, "tooltipField": "name"},
    ),
    (
        "activities",
        N_("Activities"),
        {"width": 105, "type": "numericColumn", "filter": "agNumberColumnFilter", "sort": "desc"},
    ),
    ("status_name", N_("Status"), {"width": 135, "tooltipField": "status_name"}),
    (
        # The value is the date as precise as the source gave it, in ISO form ("2015",
        # "2006-10", "2016-12-12"), so it sorts; it is shown in the language ("Oct 2006").
        "status_since",
        N_("Status since"),
        {
            "width": 115,
            "valueFormatter": {"function": "params.data ? params.data.status_since_text : ''"},
        },
    ),
    ("type_name", N_("Type"), {"width": 95, "tooltipField": "type_name"}),
    ("hq_country", N_("Country"), {"width": 130, "tooltipField": "hq_country"}),
    ("hq_region", N_("Region"), {"flex": 1, "minWidth": 140, "tooltipField": "hq_region"}),
    ("fields", N_("Fields of competence"), {"flex": 2, "minWidth": 160, "tooltipField": "fields"}),
    ("hq_city", N_("City"), {"width": 105}),
    ("acronym", N_("Acronym"), {"width": 95}),
    (
        "relations_since",
        N_("Relations since"),
        {"width": 100, "type": "numericColumn", "filter": "agNumberColumnFilter"},
    ),
    # Searchable by the quick filter, not shown: the profile link carries it.
    ("partner_id", N_("Identifier"), {"width": 115, "hide": True}),
    # What else the search box matches: the names of the row's codes in the other language
    # ("Allemagne" finds a partner in Germany on the English page) and the country's ISO code.
    ("search", N_("Search"), {"hide": True, "suppressColumnsToolPanel": True}),
)
# Columns whose text the search box matches without case or accents: the browser folds their
# values as it folds what is typed (foldSearch, assets/dashAgGridFunctions.js, the same rules as
# dashboards.text.search_key), so the rows need not carry a folded copy of them (issue 14: the
# copy was 37 % of the directory's payload).
FOLDED = (
    "name",
    "status_name",
    "type_name",
    "hq_country",
    "hq_region",
    "fields",
    "hq_city",
    "acronym",
    "partner_id",
)
# Header tooltips (msgids) for columns whose header is short.
HEADER_TIPS = {
    "activities": N_("Activities of the partner that match the filters"),
    "relations_since": N_("Year official relations with UNESCO began"),
}

# A few AG Grid texts in French (the grid's own English is the default).
LOCALE_TEXT_FR = {
    "page": "Page",
    "of": "sur",
    "to": "à",
    "more": "plus",
    "first": "Première",
    "previous": "Précédente",
    "next": "Suivante",
    "last": "Dernière",
    "pageSizeSelectorLabel": "Lignes par page :",
    "noRowsToShow": "Aucune ligne à afficher",
    "loadingOoo": "Chargement…",
    "filterOoo": "Filtrer…",
    "searchOoo": "Rechercher…",
    "equals": "Égal à",
    "notEqual": "Différent de",
    "contains": "Contient",
    "notContains": "Ne contient pas",
    "startsWith": "Commence par",
    "endsWith": "Se termine par",
    "blank": "Vide",
    "notBlank": "Non vide",
    "lessThan": "Inférieur à",
    "lessThanOrEqual": "Inférieur ou égal à",
    "greaterThan": "Supérieur à",
    "greaterThanOrEqual": "Supérieur ou égal à",
    "inRange": "Entre",
    "inRangeStart": "De",
    "inRangeEnd": "À",
    "andCondition": "ET",
    "orCondition": "OU",
    "applyFilter": "Appliquer",
    "resetFilter": "Réinitialiser",
    "clearFilter": "Effacer",
    "cancelFilter": "Annuler",
    "selectAll": "Tout sélectionner",
    "sortAscending": "Tri croissant",
    "sortDescending": "Tri décroissant",
}


def grid_options(lang: str, page_size: int = 25) -> dict:
    """Grid options shared by the partner tables: paging, text selection, French texts."""
    options = {
        "pagination": True,
        "paginationPageSize": page_size,
        "paginationPageSizeSelector": [10, 25, 50, 100],
        "domLayout": "autoHeight",
        "enableCellTextSelection": True,
        "ensureDomOrder": True,
        "suppressMovableColumns": False,
        "animateRows": False,
        "tooltipShowDelay": 300,
        # The hidden identifier and search key columns take part in the search box's filter.
        "includeHiddenColumnsInQuickFilter": True,
    }
    if lang == "fr":
        options["localeText"] = LOCALE_TEXT_FR
        # Every other grid text (filter menus, screen-reader labels) from AG Grid's own French
        # locale, vendored in assets/vendor/ag-grid-locale-fr.js (assets/dashAgGridFunctions.js).
        options["getLocaleText"] = {"function": "localeTextFr(params)"}
    return options


def column_defs(lang: str) -> list[dict]:
    """The directory's columns, headers in the language."""
    defs = []
    for field, header, extra in COLUMNS:
        col = {"field": field, "headerName": gettext(header, lang), **extra}
        if field in HEADER_TIPS:
            col["headerTooltip"] = gettext(HEADER_TIPS[field], lang)
        if field == "activities":
            col["valueFormatter"] = {"function": f"formatNumber(params.value, '{lang}')"}
        if field in FOLDED:
            col["getQuickFilterText"] = {"function": "foldSearch(params.value)"}
        defs.append(col)
    return defs


def layout(lang: str = "en", **_params) -> list:
    """The directory: what is listed and counted, a search box, the grid."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    return [
        ui.page_title(
            "Partners",
            lang,
            _("Every partner in official partnership, with the activities that match the filters."),
        ),
        dbc.Alert(
            [
                html.I(className="bi bi-info-circle me-2"),
                _(
                    "Partner status and type filters choose which partners are listed. The other "
                    "filters choose which activities are counted; while one of them is set, "
                    "partners with no matching activity are hidden unless you include them below."
                ),
            ],
            color="light",
            className="small py-2 mb-2",
        ),
        dbc.Row(
            [
                dbc.Col(
                    [
                        dbc.Label(
                            _("Search the directory"), html_for=SEARCH, className="small mb-0"
                        ),
                        dbc.Input(
                            id=SEARCH,
                            type="search",
                            placeholder=_("Name, acronym, city, country, field…"),
                            debounce=False,
                            autoComplete="off",
                        ),
                    ],
                    md=5,
                ),
                dbc.Col(
                    dbc.Switch(
                        id=parts.option_id(INCLUDE_ALL),
                        label=_("Include partners with no matching activity"),
                        value=False,
                        className="small mb-1",
                    ),
                    md=4,
                ),
                dbc.Col(
                    html.Div(
                        parts.placeholder(COUNT_PART.key),
                        id=COUNT,
                        className="small text-muted text-md-end mb-1",
                        role="status",
                    ),
                    md=3,
                ),
            ],
            className="g-2 align-items-end mb-2",
        ),
        parts.placeholder(ROWS_PART.key),
        dag.AgGrid(
            id=GRID,
            columnDefs=column_defs(lang),
            rowData=[],
            defaultColDef={
                "sortable": True,
                "resizable": True,
                "filter": "agTextColumnFilter",
                "floatingFilter": True,
                "suppressHeaderMenuButton": True,
            },
            dashGridOptions={**grid_options(lang), "quickFilterText": ""},
            style={"width": "100%"},
        ),
    ]


def rows(filters: Filters, lang: str, include_all: bool) -> list[dict]:
    """The grid rows for the filters, built once per warehouse version, filters and language.

    The built rows are what is cached (not only the query's frame): formatting dates and
    folding search keys for every partner took most of a warm request (issue 14: warm ÷ cold).
    Callers must not change the rows they get.
    """
    include = True if include_all else None
    return cache.cached(
        "partners.rows",
        filters.cache_key(),
        lang,
        include,
        compute=lambda: _build_rows(filters, lang, include),
    )


def _build_rows(filters: Filters, lang: str, include: bool | None) -> list[dict]:
    frame = q.directory(filters, lang, include_inactive=include)
    keep = [c for c, _, _ in COLUMNS if c in frame.columns]
    data = frame.astype(object).where(frame.notna(), None)
    out = []
    with vocab.pinned():  # one vocabulary for every row's search key
        records = data.to_dict("records")
        for full in records:
            row = {k: full[k] for k in keep}
            for key in ("activities", "relations_since"):
                if row[key] is not None:
                    row[key] = int(row[key])
            since, precision = full.get("status_since"), full.get("status_since_precision")
            row["status_since"] = (
                format_partial_date(since, precision, lang, "iso") if since else None
            )
            row["status_since_text"] = format_partial_date(since, precision, lang) if since else ""
            row["search"] = search_text(full, lang)
            out.append(row)
    return out


def search_text(row: dict, lang: str) -> str:
    """What the search box finds a directory row by beyond its columns (which the browser folds,
    `FOLDED`): the names of its codes in the other languages and its country's ISO code, folded,
    each word once and none the columns already hold."""
    others = [other for other in LANGS if other != lang]
    extra = [row.get("hq_country_iso3")]
    for key, code in (
        ("statuses", row.get("status")),
        ("types", row.get("partner_type")),
        ("countries", row.get("hq_country_iso3")),
        ("regions", row.get("hq_region_code")),
    ):
        if code:
            extra += [dimensions.get(key).name_of(code, other) for other in others]
    fields = dimensions.get("fields")
    codes = row.get("field_codes")
    for code in [] if codes is None else list(codes):
        extra += [fields.name_of(str(code), other) for other in others]
    # The shown columns already hold the page language's names.
    shown = set(search_key(*(row.get(c) for c in FOLDED)).split())
    return " ".join(w for w in dict.fromkeys(search_key(*extra).split()) if w not in shown)


def quick_filter_text(row: dict) -> str:
    """The text AG Grid's quick filter matches a directory row against: the folded `FOLDED`
    columns and the search key (what the browser builds; for tests and the server's own use)."""
    return search_key(*(row.get(c) for c in FOLDED), row.get("search"))


def packed_rows(filters: Filters, lang: str, include_all: bool | None = False) -> dict:
    """The directory's rows as sent (`parts.pack`: the column names once, then each row's
    values; the browser rebuilds the grid's records)."""
    return parts.pack(rows(filters, lang, bool(include_all)))


def count(filters: Filters, lang: str, include_all: bool | None = False) -> str:
    """'444 partners', and what the activity counts are for while an activity filter is set."""
    text = count_text("partner", len(rows(filters, lang, bool(include_all))), lang)
    if q.has_activity_filter(filters):
        text = gettext("%(partners)s; activities counted for the filters", lang, partners=text)
    return text


# The switch is a page option (not a filter, not in the URL): the parts read its value, and a
# change of it redraws them (callbacks.update_parts). Rows and count come in the filter bar's
# answer on a filter change: one request (issue 14).
INCLUDE_ALL = "partners.include_all"
ROWS_PART = parts.register("partners.rows", packed_rows, kind="data", options=(INCLUDE_ALL,))
COUNT_PART = parts.register("partners.count", count, options=(INCLUDE_ALL,))
parts.rows_into_grid(ROWS_PART.key, GRID)


# The search box filters the rows already in the browser (AG Grid's quick filter, which keeps a
# row when every typed word is in one of its columns, the hidden search key among them).
clientside_callback(
    """
    function(text, options) {
        // Folded like the rows' search keys: no case, no accents ("federation" finds
        // "Fédération", "ÉDUCATION" finds "Education").
        const fold = window.dashAgGridFunctions.foldSearch;
        return Object.assign({}, options || {}, {quickFilterText: fold(text || "")});
    }
    """,
    Output(GRID, "dashGridOptions"),
    Input(SEARCH, "value"),
    State(GRID, "dashGridOptions"),
    prevent_initial_call=True,
)
