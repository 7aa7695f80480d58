"""Partners as one organisation: derived ids, the administrator's aliases, merges, duplicates.

- `derive_partner_id`: a stable id for a row without `partner_id` (same folded name and
  headquarters country, same id, on every load).
- `Aliases`: `data/reference/partner_aliases.csv` (a name or an id → the canonical id).
- `merge_partners`: rows that share an id through the alias file or a derived id become one
  partner; every status they give is kept, dated, in the status history; the latest wins.
- `possible_duplicates`: pairs of loaded partners that are probably one organisation (same
  acronym with no country conflict, names equal once folded, similar or translated names),
  scored with rapidfuzz. They are reported, never dropped or merged.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from etl.reasons import Reason
from etl.reference import REFERENCE_DIR

ALIASES_FILE = "partner_aliases.csv"
DERIVED_PREFIX = "auto-"
# File kinds whose rows name one partner in `partner_id` (its id, alias or name).
PARTNER_ROW_KINDS = ("participation", "status_events", "reports")
SIMILAR_NAME_SCORE = 95  # token_sort_ratio at or above which two names are probably one
_BLOCK = 1000  # rows of names scored at once

# Marks that are not part of a name: ®, ™, ©, ℠ (and their bracketed forms "(R)", "(TM)").
_MARKS = re.compile(r"[®™©℠]|\((?:R|TM|C)\)", re.IGNORECASE)
# An acronym in brackets after the name: "International Council of Museums (ICOM)".
_TRAILING_ACRONYM = re.compile(r"\s*\(\s*[A-Z][A-Z0-9&.\-]{1,11}\s*\)\s*$")

# Words organisation names share across English, French and Spanish, read as one English word,
# so that "Fédération internationale des ..." and "International Federation of ..." compare.
_WORDS = {
    "international": ("internationale", "internacional", "internationaux"),
    "world": ("mondiale", "mondial", "mundial"),
    "federation": ("federation", "federacion"),
    "association": ("asociacion", "associacao"),
    "organization": ("organisation", "organizacion", "organizacao"),
    "council": ("conseil", "consejo"),
    "society": ("societe", "sociedad"),
    "union": ("union", "unione"),
    "institute": ("institut", "instituto"),
    "network": ("reseau", "red"),
    "foundation": ("fondation", "fundacion", "fundacao", "stiftung", "fondazione"),
    "education": ("educacion", "educacao"),
    "science": ("ciencia",),
    "culture": ("cultura",),
    "women": ("femme", "mujere"),
    "youth": ("jeunesse", "juventud"),
    "university": ("universite", "universidad", "universitie", "universidade"),
    "european": ("europeenne", "europeen", "europea", "europeo"),
    "african": ("africaine", "africain", "africana", "africano"),
    "arab": ("arabe",),
    "committee": ("comite",),
    "centre": ("center", "centro"),
    "movement": ("mouvement", "movimiento"),
    "friend": ("ami", "amigo"),
    "peace": ("paix", "paz"),
    "right": ("droit", "derecho"),
    "human": ("homme", "humano", "humain"),
    "heritage": ("patrimoine", "patrimonio"),
    "museum": ("musee", "museo"),
    "library": ("bibliotheque", "biblioteca", "librarie"),
    "librarian": ("bibliothecaire", "bibliotecario"),
    "student": ("etudiant", "estudiante"),
    "teacher": ("enseignant", "docente", "maestro"),
    "school": ("ecole", "escuela"),
    "child": ("enfant", "nino"),
    "young": ("jeune", "joven"),
    "press": ("presse", "prensa"),
    "music": ("musique", "musica"),
    "theatre": ("theater", "teatro"),
    "archive": ("archivo",),
    "journalist": ("journaliste", "periodista"),
    "writer": ("ecrivain", "escritor"),
    "art": ("arte",),
    "sport": ("deporte",),
}
_TRANSLATE = {alt: en for en, alts in _WORDS.items() for alt in alts}
# Function words of the three languages: left out when comparing translated names.
_STOP = set(
    "the of and for in on a an de des du la le les l d et pour en au aux el los las y del "
    "para por con".split()
)


def name_key(text: str | None) -> str:
    """Compare-key for organisation names: no case, accents, punctuation, spaces, ®/™.

    Unlike `reference.fold` it keeps letters of every script, so names in Arabic or
    Cyrillic keep a key.
    """
    if not text:
        return ""
    t = _TRAILING_ACRONYM.sub("", _MARKS.sub("", str(text)).strip())
    t = unicodedata.normalize("NFKD", t)
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[\W_]+", "", t)


def _words(text: str) -> list[str]:
    t = _TRAILING_ACRONYM.sub("", _MARKS.sub("", str(text)).strip())
    t = unicodedata.normalize("NFKD", t)
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).casefold()
    return [w for w in re.split(r"[\W_]+", t) if w]


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") else word


def translated_name(text: str | None) -> str:
    """The name's words read in English where known, without function words, space-separated."""
    if not text:
        return ""
    words = (_singular(w) for w in _words(text) if w not in _STOP)
    return " ".join(_TRANSLATE.get(w, w) for w in words)


def _slug(text: str) -> str:
    """Lower-case ASCII words of a name joined by '-' (any apostrophe or dash splits words)."""
    words = (
        unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode() for w in _words(text)
    )
    slug = "-".join(w for w in words if w)
    return slug if len(slug) <= 32 else slug[:33].rsplit("-", 1)[0][:32]  # whole words


def derive_partner_id(name: str, country_iso3: str | None) -> str:
    """The id of a row without one: `auto-<slug of the name>-<8 hex of name key + country>`.

    The slug is the name's first words in lower-case ASCII, at most 32 characters.

    Depends only on the name (folded by `name_key`) and the resolved headquarters country, so
    the same organisation gets the same id on every load, whatever its other cells say.
    """
    key = f"{name_key(name)}|{country_iso3 or ''}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    slug = _slug(name)
    return f"{DERIVED_PREFIX}{slug}-{digest}" if slug else f"{DERIVED_PREFIX}{digest}"


# -- the administrator's alias file ------------------------------------------------------------


@dataclass
class Aliases:
    """`partner_aliases.csv`: ids and names that are one partner, with the canonical id."""

    by_id: dict[str, tuple[str, int]] = field(default_factory=dict)  # id → (canonical, line)
    by_name: dict[str, tuple[str, int]] = field(default_factory=dict)  # name key → (..., line)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)

    @property
    def targets(self) -> set[str]:
        """The canonical ids the file names."""
        return {c for c, _ in (*self.by_id.values(), *self.by_name.values())}

    def lookup(self, partner_id: str, name: str) -> tuple[str, int] | None:
        """(canonical id, line of the alias file) for a row's id or name, or None."""
        hit = self.by_id.get(partner_id) if partner_id else None
        return hit or self.by_name.get(name_key(name))


def load_aliases(directory: Path = REFERENCE_DIR) -> Aliases:
    """Read the alias file (columns alias, canonical_id, note); absent file → no aliases.

    An alias is an id when it is written exactly as a partner id would be (no space), and is
    also compared as a name; an alias pointing to two canonical ids is ignored and reported.
    """
    out = Aliases()
    path = Path(directory) / ALIASES_FILE
    if not path.exists():
        return out
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        for row in reader:
            line = reader.line_num
            alias = (row.get("alias") or "").strip()
            canonical = (row.get("canonical_id") or "").strip()
            if not alias or not canonical:
                out.problems.append((line, "alias and canonical_id are both required"))
                continue
            for index, key in ((out.by_id, alias), (out.by_name, name_key(alias))):
                if not key or key == canonical:
                    continue
                if key in index and index[key][0] != canonical:
                    out.problems.append((line, f"alias {alias!r} already points elsewhere"))
                    break
                index.setdefault(key, (canonical, line))
    return out


# -- merges --------------------------------------------------------------------------------------


def _latest_first(group: pd.DataFrame) -> pd.DataFrame:
    """Rows of one partner, the winner first: the latest status date, else the last row read."""
    dated = group["status_since"].notna()
    order = pd.DataFrame(
        {
            "dated": dated.astype(int),
            "since": group["status_since"].map(
                lambda d: d.toordinal() if isinstance(d, dt.date) else 0
            ),
            "read": group["_order"],
        },
        index=group.index,
    )
    return group.loc[order.sort_values(["dated", "since", "read"], ascending=False).index]


def merge_partners(results: list) -> list[dict]:
    """Merge rows that share a partner id (alias file, derived id) into one partner, in place.

    `results` are the partners' `Validated` objects in load order. The winner keeps its row
    (empty cells filled from the other rows, latest first); the others leave `records` and are
    counted in their file's `merged`. Every row's statuses stay in `partner_status_history`,
    each dated by its own `status_since`; only the winner's is current. Returns one dict per
    merged partner: partner_id, rows [(file, line)], winner (file, line).
    """
    frames = []
    for i, v in enumerate(results):
        r = v.records.copy()
        r["_result"] = i
        r["_aliased"] = r["source_line"].isin(v.aliased)
        frames.append(r)
    if not frames:
        return []
    allrows = pd.concat(frames, ignore_index=True)
    allrows["_order"] = np.arange(len(allrows))
    repeated = allrows["partner_id"].duplicated(keep=False)
    if not repeated.any():
        return []
    merges = []
    drop: dict[int, set[int]] = {}  # result index → source lines leaving its records
    replace: dict[tuple[int, int], pd.Series] = {}  # (result, line) of a winner → merged row
    current_of: dict[str, tuple[str, int]] = {}
    for pid, group in allrows[repeated].groupby("partner_id", sort=False):
        ordered = _latest_first(group)
        winner = ordered.iloc[0].copy()
        # The name is the canonical row's (one the alias file did not rename), if any.
        canonical = ordered[~ordered["_aliased"].astype(bool)]
        if len(canonical):
            for col in ("name", "acronym"):
                winner[col] = canonical.iloc[0][col]
        for col in ordered.columns:
            if col.startswith("_") or col.startswith("status"):  # the winner's status only
                continue
            if pd.isna(winner[col]):
                filled = ordered[col].dropna()
                if len(filled):
                    winner[col] = filled.iloc[0]
        replace[(int(winner["_result"]), int(winner["source_line"]))] = winner
        for _, row in ordered.iloc[1:].iterrows():
            drop.setdefault(int(row["_result"]), set()).add(int(row["source_line"]))
        current_of[pid] = (winner["source_file"], int(winner["source_line"]))
        merges.append(
            {
                "partner_id": pid,
                "rows": [(r.source_file, int(r.source_line)) for r in group.itertuples()],
                "winner": current_of[pid],
            }
        )
    for i, v in enumerate(results):
        rec = v.records
        lines = rec["source_line"].astype(int)
        for (ri, line), row in replace.items():
            if ri == i:
                at = rec.index[lines == line][0]
                for col in rec.columns:
                    rec.at[at, col] = row[col]
        gone = lines.isin(drop.get(i, set())).to_numpy()
        v.records = rec[~gone].reset_index(drop=True)
        v.merged += int(gone.sum())
    _merge_bridges(results, current_of)
    return merges


def _merge_bridges(results: list, current_of: dict[str, tuple[str, int]]) -> None:
    """Fields once per merged partner; status history with one current period, dated."""
    seen_fields: set[tuple[str, str]] = set()
    histories = []
    for i, v in enumerate(results):
        pf = v.bridges.get("partner_fields")
        if pf is not None and len(pf):
            keys = list(zip(pf["partner_id"], pf["field_code"], strict=True))
            keep = np.array([k not in seen_fields for k in keys], dtype=bool)
            seen_fields.update(keys)
            v.bridges["partner_fields"] = pf[keep].drop_duplicates()
        h = v.bridges.get("partner_status_history")
        if h is not None:
            histories.append((i, h))
    for _, h in histories:
        merged = h["partner_id"].isin(current_of.keys()).to_numpy()
        if not merged.any():
            continue
        for at in h.index[merged & h["is_current"].to_numpy(dtype=bool)]:
            pid = h.at[at, "partner_id"]
            h.at[at, "is_current"] = (h.at[at, "source_file"], int(h.at[at, "source_line"])) == (
                current_of[pid]
            )
    # A period of a merged partner ends where the next dated status of that partner begins.
    allh = pd.concat([h.assign(_r=i) for i, h in histories], ignore_index=False)
    allh = allh[allh["partner_id"].isin(current_of.keys())]
    for _pid, g in allh[allh["valid_from"].notna()].groupby("partner_id"):
        g = g.assign(_from=pd.to_datetime(g["valid_from"])).sort_values("_from")
        starts = list(zip(g["valid_from"], g["valid_from_precision"], strict=True))
        for k, (idx, row) in enumerate(g.iterrows()):
            later = [s for s in starts[k + 1 :] if s[0] != row["valid_from"]]
            if row["is_current"] or not later or pd.notna(row["valid_to"]):
                continue
            h = dict(histories)[int(row["_r"])]
            h.at[idx, "valid_to"], h.at[idx, "valid_to_precision"] = later[0]


# -- possible duplicates ---------------------------------------------------------------------

DUPLICATE_COLUMNS = [
    "file_a",
    "line_a",
    "id_a",
    "name_a",
    "file_b",
    "line_b",
    "id_b",
    "name_b",
    "reason",
    "score",
]


def possible_duplicates(partners: pd.DataFrame) -> pd.DataFrame:
    """Pairs of partners that are probably one organisation, with why and a score (0–100).

    `partners`: loaded partner records (partner_id, name, acronym, hq_country_iso3,
    source_file, source_line) in load order; a is the row read first. Reasons, strongest first:
    the same name once folded (score 100); the same acronym, countries not conflicting (a
    missing country is no conflict); names alike once their common words are read in English
    (a translation), or alike as written. The score is rapidfuzz's token_sort_ratio of the
    names (of the translated names for a translation).
    """
    p = partners.reset_index(drop=True)
    n = len(p)
    if n < 2:
        return pd.DataFrame(columns=DUPLICATE_COLUMNS)
    names = p["name"].astype(str).tolist()
    keys = [name_key(x) for x in names]
    translated = [translated_name(x) for x in names]
    plain = [" ".join(_words(x)) for x in names]
    acr = [name_key(a) if isinstance(a, str) else "" for a in p["acronym"]]
    country = [c if isinstance(c, str) and c else None for c in p["hq_country_iso3"]]
    found: dict[tuple[int, int], tuple[str, float]] = {}

    def add(i: int, j: int, reason: str, score: float) -> None:
        a, b = min(i, j), max(i, j)
        if a != b and (a, b) not in found:
            found[(a, b)] = (reason, round(float(score), 1))

    def no_conflict(i: int, j: int) -> bool:
        return country[i] is None or country[j] is None or country[i] == country[j]

    by_key: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        if k:
            by_key.setdefault(k, []).append(i)
    for same in by_key.values():
        for x in same[1:]:
            if no_conflict(same[0], x):
                add(
                    same[0],
                    x,
                    "same name once case, accents, punctuation, ®/™ and spaces are ignored",
                    100,
                )
    by_acr: dict[str, list[int]] = {}
    for i, a in enumerate(acr):
        if len(a) >= 2:
            by_acr.setdefault(a, []).append(i)
    for group in by_acr.values():
        for pos, i in enumerate(group):
            for j in group[pos + 1 :]:
                if no_conflict(i, j):
                    score = fuzz.token_sort_ratio(translated[i], translated[j])
                    add(
                        i,
                        j,
                        Reason(
                            "same acronym %(acronym)r, countries not conflicting",
                            acronym=p.at[i, "acronym"],
                        ),
                        score,
                    )
    for texts, alike in (
        (translated, Reason("names alike once common words are translated")),
        (plain, Reason("similar names")),
    ):
        # token_sort_ratio is ratio on sorted words: sort once here, so that cdist runs the
        # fast ratio (5,000 partners: ~1 s instead of ~25 s). In blocks of rows, so that memory
        # stays ~block × n bytes for any number of partners.
        words = [" ".join(sorted(t.split())) for t in texts]
        for start in range(0, n, _BLOCK):
            scores = process.cdist(
                words[start : start + _BLOCK],
                words,
                scorer=fuzz.ratio,
                score_cutoff=SIMILAR_NAME_SCORE,
                dtype=np.uint8,
                workers=1,
            )
            ii, jj = np.nonzero(scores)
            for i, j in zip((ii + start).tolist(), jj.tolist(), strict=True):
                if j > i and texts[i] and texts[j] and no_conflict(i, j):
                    add(i, j, alike, fuzz.token_sort_ratio(texts[i], texts[j]))
    out = []
    for (ia, ib), (reason, score) in sorted(found.items()):
        out.append(
            [
                p.at[ia, "source_file"],
                int(p.at[ia, "source_line"]),
                p.at[ia, "partner_id"],
                p.at[ia, "name"],
                p.at[ib, "source_file"],
                int(p.at[ib, "source_line"]),
                p.at[ib, "partner_id"],
                p.at[ib, "name"],
                reason,
                score,
            ]
        )
    return pd.DataFrame(out, columns=DUPLICATE_COLUMNS)


# -- the load's hooks ------------------------------------------------------------------------


class AliasFileError(Exception):
    """The alias file cannot be applied (names its file and line)."""


def _add_warnings(v, rows: Sequence[tuple[int, str, str, str]]) -> None:
    if not rows:
        return
    extra = pd.DataFrame(rows, columns=["line", "column_name", "value", "reason"])
    v.warnings = pd.concat([v.warnings, extra], ignore_index=True) if len(v.warnings) else extra


def finish_partners(results: list, reference_dir: Path = REFERENCE_DIR):
    """After every partners file is validated: merge, then find possible duplicates.

    Returns (possible duplicates frame, {id → canonical id} for activities and participation
    that name a partner by an alias id). Merged rows and the second row of each possible
    duplicate get a warning, so the Data page lists them with their lines.
    """
    aliases = load_aliases(reference_dir)
    if aliases.problems:
        line, reason = aliases.problems[0]
        raise AliasFileError(f"{ALIASES_FILE}: line {line}: {reason}")
    partners = [v for v in results if v.table.kind == "partners"]
    by_file = {v.table.path.name: v for v in partners}
    for m in merge_partners(partners):
        wf, wl = m["winner"]
        for file, line in m["rows"]:
            if (file, line) != (wf, wl):
                reason = Reason(
                    "same partner as %(where)s (partner id %(id)r); merged into it, its status "
                    "kept in the status history",
                    where=f"{wf}:{wl}",
                    id=m["partner_id"],
                )
                _add_warnings(by_file[file], [(line, "partner_id", m["partner_id"], reason)])
    frames = [v.records for v in partners if len(v.records)]
    records = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    duplicates = (
        possible_duplicates(records) if len(records) else pd.DataFrame(columns=DUPLICATE_COLUMNS)
    )
    for d in duplicates.itertuples(index=False):
        reason = Reason(
            "possible duplicate of %(id)r (%(where)s): %(why)s, score %(score)s",
            id=d.id_a,
            where=f"{d.file_a}:{d.line_a}",
            why=d.reason,
            score=f"{d.score:g}",
        )
        _add_warnings(by_file[d.file_b], [(d.line_b, "name", d.name_b, reason)])
    id_map = {alias: target for alias, (target, _) in aliases.by_id.items()}
    for v in partners:
        id_map.update(v.id_map)
    return duplicates, id_map


def remap_partner_references(results: list, id_map: dict[str, str]) -> None:
    """Activities and participation that name a partner by an alias id point to its canonical id."""
    if not id_map:
        return
    for v in results:
        if v.table.kind == "activities":
            v.records["lead_partner_id"] = v.records["lead_partner_id"].replace(id_map)
            ap = v.bridges.get("activity_partners")
            if ap is not None and len(ap):
                ap = ap.assign(partner_id=ap["partner_id"].replace(id_map))
                v.bridges["activity_partners"] = ap.drop_duplicates(
                    ["activity_id", "partner_id"], keep="first"
                )
        elif v.table.kind in PARTNER_ROW_KINDS:
            v.records["partner_id"] = v.records["partner_id"].replace(id_map)


def resolve_partner_names(
    tables: list, partners: pd.DataFrame, id_map: dict[str, str]
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """({cell value → partner id}, {ambiguous value → ids}) for cells naming partners by name.

    A value that is no loaded id nor alias is read as a partner's name (folded as `name_key`),
    else as a partner's acronym, when exactly one loaded partner has it; the alias file's
    alias ids and names written as in the alias file are in `id_map`. A name two partners
    share stays unresolved (the row is rejected, saying so): merging them is the
    administrator's call (partner_aliases.csv).
    """
    ids = set(partners["partner_id"])
    by_name: dict[str, set[str]] = {}
    by_acronym: dict[str, set[str]] = {}
    for pid, name, acronym in zip(
        partners["partner_id"], partners["name"], partners["acronym"], strict=True
    ):
        by_name.setdefault(name_key(name), set()).add(pid)
        if isinstance(acronym, str) and name_key(acronym):
            by_acronym.setdefault(name_key(acronym), set()).add(pid)
    values: set[str] = set()
    for t in tables:
        column = {"activities": "partner_ids"}.get(t.kind)
        if t.kind in PARTNER_ROW_KINDS:
            column = "partner_id"
        if column is None:
            continue
        for cell in t.frame[column].unique():
            parts = [p.strip() for p in re.split(r"[;|]", cell)]
            values.update(parts)
            # The whole cell too (a name may hold ";" or "|"), unless every part of it is a
            # loaded id or alias: then it is a list of ids, and folding a million such cells
            # as names was most of this function's time at 1M activities.
            if len(parts) == 1 or not all(p in ids or p in id_map for p in parts if p):
                values.add(cell.strip())
    out: dict[str, str] = {}
    ambiguous: dict[str, list[str]] = {}
    for v in values:
        if not v or v in ids or v in id_map:
            continue
        key = name_key(v)
        for index in (by_name, by_acronym):
            hit = index.get(key, set())
            if len(hit) == 1:
                out[v] = next(iter(hit))
                break
            if hit:
                ambiguous[v] = sorted(hit)  # never pick one
                break
    return out, ambiguous


def explain_ambiguous_names(results: list, ambiguous: dict[str, list[str]]) -> None:
    """Say why a row naming two loaded partners was rejected, rather than 'unknown id'."""
    if not ambiguous:
        return
    for v in results:
        if v.table.kind not in ("activities", *PARTNER_ROW_KINDS) or not len(v.rejected):
            continue
        r = v.rejected
        hit = r["column_name"].isin(["partner_id", "partner_ids"]) & r["value"].isin(
            ambiguous.keys()
        )
        reasons = r["reason"].astype(object)  # keeps the Reason objects (etl/reasons.py)
        reasons[hit] = [
            Reason(
                "partner name names several loaded partners (%(ids)s): merge them with "
                "partner_aliases.csv, or give the id",
                ids=", ".join(ambiguous[x]),
            )
            for x in r.loc[hit, "value"]
        ]
        r["reason"] = reasons


def name_reference_warnings(results: list, names: dict[str, str]) -> None:
    """Warn on each activity or participation row whose partner was found by name."""
    if not names:
        return
    for v in results:
        if v.table.kind in PARTNER_ROW_KINDS:
            r = v.records
            hit = r["partner_id"].isin(names.keys())
            rows = [
                (
                    int(line),
                    "partner_id",
                    p,
                    Reason(
                        "partner named %(name)r; read as partner id %(id)r", name=p, id=names[p]
                    ),
                )
                for line, p in zip(r["source_line"][hit], r["partner_id"][hit], strict=True)
            ]
            _add_warnings(v, rows)
        elif v.table.kind == "activities":
            ap = v.bridges.get("activity_partners")
            if ap is None or not len(ap):
                continue
            hit = ap[ap["partner_id"].isin(names.keys())]
            line_of = dict(zip(v.records["activity_id"], v.records["source_line"], strict=True))
            rows = [
                (
                    int(line_of[a]),
                    "partner_ids",
                    p,
                    Reason(
                        "partner named %(name)r; read as partner id %(id)r", name=p, id=names[p]
                    ),
                )
                for a, p in zip(hit["activity_id"], hit["partner_id"], strict=True)
            ]
            _add_warnings(v, rows)
