"""Component IDs, in one place (pages and callbacks import these, never string literals)."""

URL = "url"
LANG = "lang-store"
PAGE = "page-content"
NOTICES = "filter-notices"
CHIPS = "filter-chips"
CLEAR_ALL = "filter-clear-all"
YEARS = "filter-years"
MORE_FILTERS = "filter-more"
FILTER_BAR = "filter-bar"
MORE_FILTERS_TOGGLE = "filter-more-toggle"
DOC_TITLE = "doc-title"
DOC_TITLE_SINK = "doc-title-sink"

# One dropdown per multi-valued dimension of Filters.
DROPDOWN = {
    "fields": "filter-fields",
    "areas": "filter-areas",
    "regions": "filter-regions",
    "countries": "filter-countries",
    "statuses": "filter-statuses",
    "types": "filter-types",
    "modalities": "filter-modalities",
    "activity_statuses": "filter-activity-statuses",
}

# Pattern-matching ID types (dicts with "type" and "key").
CHART_GRAPH = "chart-graph"
CHART_TABLE = "chart-table"
CHART_TABLE_TOGGLE = "chart-table-toggle"
CHART_TABLE_COLLAPSE = "chart-table-collapse"
CHART_DOWNLOAD = "chart-download"
CHIP_REMOVE = "chip-remove"


def chart(kind: str, key: str) -> dict:
    """A pattern-matching ID for one chart's component of a kind (graph, table, ...)."""
    return {"type": kind, "key": key}
