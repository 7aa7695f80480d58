"""Build data/reference/iati/*.csv from the IATI codelist XML files (code, names EN/FR, status).

Usage: python scripts/build_iati_codelists.py EMBEDDED_GIT_DIR NONEMBEDDED_GIT_DIR
(git directories of github IATI/IATI-Codelists and IATI/IATI-Codelists-NonEmbedded; the files
are read with `git show HEAD:xml/<Name>.xml`). The CSVs are data: the ETL never reads the XML.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from lxml import etree

OUT = Path(__file__).resolve().parent.parent / "data" / "reference" / "iati"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EMBEDDED = (
    "ActivityStatus",
    "ActivityDateType",
    "BudgetType",
    "BudgetStatus",
    "OrganisationRole",
    "RelatedActivityType",
    "TransactionType",
)
NON_EMBEDDED = (
    "OrganisationType",
    "Sector",
    "SectorCategory",
    "SectorVocabulary",
    "Region",
    "RegionVocabulary",
    "Currency",
    "DescriptionType",
    "UNSDG-Goals",
    "UNSDG-Targets",
    "Version",
)


def _names(item: etree._Element, tag: str) -> tuple[str, str]:
    en = fr = ""
    for n in item.findall(f"{tag}/narrative"):
        lang = n.get(XML_LANG, "en")
        text = " ".join((n.text or "").split())
        if lang == "en" and not en:
            en = text
        elif lang == "fr" and not fr:
            fr = text
    return en, fr


def build(git_dir: str, name: str) -> tuple[str, int, int]:
    """Write one codelist as CSV; (commit, items, items with a French name)."""
    commit = subprocess.check_output(["git", "-C", git_dir, "rev-parse", "HEAD"], text=True).strip()
    data = subprocess.check_output(["git", "-C", git_dir, "show", f"HEAD:xml/{name}.xml"])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(data, parser)
    rows = []
    for item in root.iter("codelist-item"):
        en, fr = _names(item, "name")
        rows.append(
            {
                "code": (item.findtext("code") or "").strip(),
                "name_en": en,
                "name_fr": fr,
                "category": (item.findtext("category") or "").strip(),
                "status": item.get("status", "active"),
            }
        )
    with open(OUT / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["code", "name_en", "name_fr", "category", "status"])
        w.writeheader()
        w.writerows(rows)
    return commit, len(rows), sum(1 for r in rows if r["name_fr"])


def main(embedded: str, non_embedded: str) -> None:
    """Write every codelist and print a provenance line for each."""
    OUT.mkdir(parents=True, exist_ok=True)
    for repo, git_dir, names in (
        ("IATI/IATI-Codelists", embedded, EMBEDDED),
        ("IATI/IATI-Codelists-NonEmbedded", non_embedded, NON_EMBEDDED),
    ):
        for name in names:
            commit, n, fr = build(git_dir, name)
            print(f"| `{name}.csv` | {n} | {fr} | github {repo} `xml/{name}.xml` @ {commit[:12]} |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
