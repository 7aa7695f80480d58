"""Screen figures are plain dicts (`dashboards.figures.spec`): plotly's validation must accept
every chart's spec unchanged, so a misspelt property, a shorthand plotly would rewrite or a value
it would coerce fails here rather than silently on screen.

For every chart of every page (and its variants), on the small hand-checked fixture, the
lifecycle fixture and the 6,000-activity demo, over a grid of filters (none, years, each
dimension alone, flagged budgets left out, a country, an empty result, random combinations),
in both languages: the spec's JSON equals `go.Figure(spec).to_plotly_json()`'s, the screen JSON
(`Chart.figure_json`) is the spec with the template, and the export figure (`Chart.build`) is the
validated spec.
"""

from __future__ import annotations

import copy
import json
import random

import plotly.graph_objects as go
import plotly.io.json as pjson
import pytest

from dashboards import cache, dimensions, vocab
from dashboards.charts import all_charts
from dashboards.figures import common, spec, theme
from dashboards.filters import Filters
from dashboards.queries import activities

LANGS = ("en", "fr")


def _json(value: object) -> object:
    """As the browser receives it: plotly's encoder (numbers, arrays, NaN), parsed back."""
    return json.loads(pjson.to_json_plotly(value))


def _grid(seed: int = 14, n_random: int = 2) -> list[Filters]:
    """No filter, years, each filter dimension alone, flagged left out, a country, no data,
    and a few random 2–3-dimension combinations."""
    lo, hi = activities.year_range()
    grid = [Filters(), Filters(years=(lo, min(hi, lo + 3))), Filters(without_flagged=True)]
    grid.append(Filters(years=(1900, 1901)))  # nothing: the empty state of every chart
    keys = [d.key for d in dimensions.FILTERS if d.key != "countries"]
    codes = {k: vocab.codes(dimensions.get(k).vocabulary) for k in keys}
    grid += [Filters(**{k: tuple(codes[k][:1])}) for k in keys if codes[k]]
    countries = vocab.codes("country")
    if countries:
        grid.append(Filters(countries=tuple(countries[:2])))
    rng = random.Random(seed)
    for _ in range(n_random):
        chosen = rng.sample([k for k in keys if codes[k]], 2)
        grid.append(
            Filters(**{k: tuple(rng.sample(codes[k], min(2, len(codes[k])))) for k in chosen})
        )
    return [Filters.from_query(f.to_query())[0] for f in grid]


def _check_every_chart() -> int:
    checked = 0
    for i, filters in enumerate(_grid()):
        for chart in all_charts():
            for variant in (None, *dict(chart.variants)):
                for lang in LANGS:
                    drawn = chart.figure_spec(filters, lang, variant)
                    mine = _json(drawn)
                    validated = go.Figure(copy.deepcopy(drawn)).to_plotly_json()
                    validated["layout"].pop("template", None)  # plotly's default, not ours
                    assert _json(validated) == mine, (chart.key, variant, lang, filters)
                    screen = chart.figure_json(filters, lang, variant)
                    assert _json(screen) == _json(theme.with_template(copy.deepcopy(drawn)))
                    if i == 0:  # the export path: the validated spec, with the template
                        built = chart.build(filters, lang, variant)
                        assert built.layout.template.layout.font.family == theme.FONT_FAMILY
                    checked += 1
    return checked


@pytest.mark.parametrize("fixture", ["small_warehouse", "lifecycle_warehouse", "demo_warehouse"])
def test_every_chart_spec_is_valid_plotly_unchanged(fixture, request, use_warehouse):
    use_warehouse(request.getfixturevalue(fixture))
    assert _check_every_chart() > 100


def test_a_misspelt_property_fails_validation():
    fig = common.ranked_bars.spec(
        __import__("pandas").DataFrame({"code": ["ED"], "activities": [3]}), "en", "field"
    )
    fig["data"][0]["hovertxt"] = ["typo"]
    with pytest.raises(ValueError, match="hovertxt"):
        spec.to_figure(fig)


def test_a_builder_gives_the_validated_figure_and_its_spec():
    frame = __import__("pandas").DataFrame({"code": ["ED", "SC"], "activities": [3, 5]})
    fig = common.ranked_bars(frame, "fr", dimension="field")
    assert isinstance(fig, go.Figure)
    assert fig.layout.separators == theme.SEPARATORS["fr"]
    raw = spec.spec_function(common.ranked_bars)(frame, "fr", dimension="field")
    assert isinstance(raw, dict) and "template" not in raw["layout"]
    assert raw["data"][0]["x"] == [3, 5]


def test_number_formatting_is_cached_per_value_and_language():
    common._money.cache_clear()
    assert common.money_text(1_500_000, "en") == common.money_text(1_500_000.0, "en")
    assert common.money_text(1_500_000, "fr") != common.money_text(1_500_000, "en")
    assert common._money.cache_info().hits >= 1
    assert common.money_text(float("nan"), "en") == common.money_text(None, "en")
    cache.RESULTS.clear()
