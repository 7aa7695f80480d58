"""Build data/reference/un_country_names.csv from the UN's own lists (no network).

Inputs, from a clone of https://github.com/datasets/country-codes (ODC-PDDL):
- `data/unterm_names.csv` at commit a09b84ab (2024-09-26): the UN Protocol and Liaison Service's
  UNTERM list "unterm-efsrca.xlsx" (short and formal names of the 193 Member States, the two
  observer States and the two non-member States, in the six official languages), as exported;
- `tmp/UNSD-en.csv`, `tmp/UNSD-fr.csv`, `tmp/UNSD-es.csv` at commit 16582cca (2024-09-25): the
  UN Statistics Division's M49 "Standard country or area codes" download (code, ISO alpha-3,
  English/French/Spanish names of all 249 countries and areas).

Usage: `python scripts/build_un_country_names.py /path/to/country-codes.git > out.csv` — the
repository is read with `git show`, so a bare mirror works.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import unicodedata

UNTERM_COMMIT = "a09b84ab199694aa3db18d7bfc15f632543db672"
UNSD_COMMIT = "16582cca738ee25f3f6e6696ab74869b854c269b"

# UNESCO Associate Members (territories) — see data/reference/PROVENANCE.md for the sources.
ASSOCIATE_MEMBERS = {"ABW", "AIA", "VGB", "CYM", "CUW", "FRO", "MAC", "MSR", "NCL", "SXM", "TKL"}
# States on the UNTERM list that are not UNESCO Member States (PROVENANCE.md).
NOT_UNESCO_MEMBERS = {"ISR", "LIE", "VAT"}
# UNTERM rows whose English short name the M49 list no longer uses (renamed since the export).
RENAMED = {"Turkey": "TUR"}  # M49 "Türkiye" (name change notified to the UN in 2022)
MARKERS = {"**": "non-member State of the United Nations", "*": "non-member observer State"}


def _git_show(repo: str, commit: str, path: str) -> str:
    out = subprocess.run(
        ["git", "--git-dir", repo, "show", f"{commit}:{path}"], check=True, capture_output=True
    )
    return out.stdout.decode("utf-8-sig")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _unmark(value: str) -> tuple[str, str]:
    """A UNTERM name without its trailing footnote marker, and what the marker meant."""
    for marker, meaning in MARKERS.items():
        if value.rstrip().endswith(marker):
            return value.rstrip()[: -len(marker)].rstrip(), meaning
    return value.strip(), ""


def main(repo: str) -> None:
    """Write the joined table to stdout."""
    m49: dict[str, dict[str, str]] = {}
    for lang in ("en", "fr", "es"):
        text = _git_show(repo, UNSD_COMMIT, f"tmp/UNSD-{lang}.csv")
        for row in csv.reader(io.StringIO(text)):
            if not row or not re.fullmatch(r"[A-Z]{3}", row[11] or ""):
                continue
            rec = m49.setdefault(row[11], {"m49": row[9].zfill(3)})
            rec[f"m49_{lang}"] = row[8]
    by_name = {}
    for iso3, rec in m49.items():
        for lang in ("en", "fr", "es"):
            by_name.setdefault(_fold(rec[f"m49_{lang}"]), iso3)
    text = _git_show(repo, UNTERM_COMMIT, "data/unterm_names.csv")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    unterm: dict[str, dict[str, str]] = {}
    for r in rows:
        short_en, note = _unmark(r[0])
        names = {
            "short_en": short_en,
            "short_fr": _unmark(r[1])[0],
            "short_es": _unmark(r[2])[0],
            "formal_en": _unmark(r[6])[0],
            "formal_fr": _unmark(r[7])[0],
            "formal_es": _unmark(r[8])[0],
            "unterm_note": note,
        }
        # UNTERM has no codes: join on the M49 name (EN, FR or ES), without its "(the)" article.
        keys = [
            _fold(re.sub(r"\s*\((the|le|la|les|l'|el|los|las)\)$", "", n))
            for n in (_unmark(v)[0] for v in r[:3])
        ]
        iso3 = next((by_name[k] for k in keys if k in by_name), RENAMED.get(short_en))
        if iso3 is None:
            sys.exit(f"UNTERM row not matched to M49: {r[0]!r}")
        unterm[iso3] = names
    cols = [
        "iso3", "m49", "short_en", "formal_en", "short_fr", "formal_fr", "short_es", "formal_es",
        "m49_en", "m49_fr", "m49_es", "unesco_membership", "unterm_note",
    ]  # fmt: skip
    w = csv.DictWriter(sys.stdout, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for iso3 in sorted(m49):
        rec = {"iso3": iso3, **m49[iso3], **unterm.get(iso3, {})}
        if iso3 in unterm and iso3 not in NOT_UNESCO_MEMBERS:
            rec["unesco_membership"] = "member"
        elif iso3 in ASSOCIATE_MEMBERS:
            rec["unesco_membership"] = "associate"
        w.writerow({c: rec.get(c, "") for c in cols})


if __name__ == "__main__":
    main(sys.argv[1])
