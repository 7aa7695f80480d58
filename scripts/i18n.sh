#!/usr/bin/env bash
# Refresh the translation catalogues: extract → update → compile (see docs/translations.md).
#
#   scripts/i18n.sh              # all three steps
#   scripts/i18n.sh extract      # or one step: extract | update | compile
#   scripts/i18n.sh init de      # start a new language from the template
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
cd "$ROOT"
exec "$PYTHON" -m dashboards.i18n "${@:-all}"
