"""Component IDs, in one place (pages and callbacks import these, never string literals)."""

from dashboards.dimensions import FILTER_KEYS

URL = "url"
LANG = "lang-store"
PAGE = "page-content"
NOTICES = "filter-notices"
CHIPS = "filter-chips"
CLEAR_ALL = "filter-clear-all"
YEARS = "filter-years"
FLAGGED = "filter-flagged"  # switch: leave out activities flagged at load (Filters.without_flagged)
MORE_FILTERS = "filter-more"
FILTER_BAR = "filter-bar"
MORE_FILTERS_TOGGLE = "filter-more-toggle"
DOC_TITLE = "doc-title"
DOC_TITLE_SINK = "doc-title-sink"
RENDERED = "rendered-page"  # the (path, language) the page area shows
# One request per filter change (issue 14): the filter-bar request draws the page's charts too
# and says for which query string (CHARTS_DRAWN, read in the browser only); a clientside relay
# (CHARTS_RELAY) wakes the charts callback only for a URL it did not draw (links, back/forward).
CHARTS_DRAWN = "charts-drawn"
CHARTS_RELAY = "charts-relay"
# Accessible and responsive shell (issue 11): skip link, phone navigation and filter panel.
SKIP_LINK = "skip-link"
NAV_TOGGLE = "nav-toggle"
NAV_COLLAPSE = "nav-collapse"
NAV_ADMIN = "nav-admin"  # the admins' dropdown of the /admin/ pages (absent for other roles)
FILTERS_TOGGLE = "filters-toggle"
FILTERS_PANEL = "filters-panel"
YEAR_FROM = "filter-year-from"  # typed years: applied on Enter or leaving the box
YEAR_TO = "filter-year-to"

# One dropdown per filter of the dimension registry: "filter-areas", "filter-activity-statuses".
DROPDOWN = {key: "filter-" + key.replace("_", "-") for key in FILTER_KEYS}

# Pattern-matching ID types (dicts with "type" and "key").
CHART_GRAPH = "chart-graph"
PAGE_PART = "page-part"  # a page's part beside its charts (dashboards/parts.py)
PAGE_DATA = "page-data"  # a page's part that is data, e.g. a grid's rows (a dcc.Store)
PAGE_OPTION = "page-option"  # a page's control that is not a filter, read by its parts
CHART_TABLE = "chart-table"
CHART_TABLE_TOGGLE = "chart-table-toggle"
CHART_TABLE_COLLAPSE = "chart-table-collapse"
CHART_TABLE_SEARCH = "chart-table-search"  # an open table's relay: the query string it follows
CHART_DOWNLOAD = "chart-download"
CHART_VARIANT = "chart-variant"  # a control choosing one of a chart's variants
CHIP_REMOVE = "chip-remove"


# Exports (dashboards/exports/web.py): chart download menus, the page's export toolbar.
CHART_EXPORT = "chart-export"  # pattern type: {"type", "key": chart key, "format": png|svg|pdf}
EXPORT_TOOLBAR = "export-toolbar"
EXPORT_STATUS = "export-status"
FIGURE_DOWNLOAD = "export-figure-download"
DATA_DOWNLOAD = "export-data-download"
DATA_CSV = "export-data-csv"
DATA_XLSX = "export-data-xlsx"
PACK_TOGGLE = "export-pack-toggle"
PACK_PANEL = "export-pack-panel"
PACK_FORMAT = "export-pack-format"
PACK_SCOPE = "export-pack-scope"
PACK_BUILD = "export-pack-build"
PACK_CANCEL = "export-pack-cancel"
PACK_PROGRESS = "export-pack-progress"
PACK_STATUS = "export-pack-status"
PACK_STEP = "export-pack-step"  # what the running pack job is doing (its progress text)
PACK_DOWNLOAD = "export-pack-download"


def chart(kind: str, key: str) -> dict:
    """A pattern-matching ID for one chart's component of a kind (graph, table, ...)."""
    return {"type": kind, "key": key}
