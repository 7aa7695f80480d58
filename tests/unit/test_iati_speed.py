"""The IATI reading's speed devices keep their promises (issue 10 speed, branch iati-speed).

The warehouse content itself is checked by test_iati_same_content.py (golden digests); these
tests pin what each device must not change: the collector's state, numbers, year splits,
shared field shares and the categorical conversion.
"""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

import pandas as pd
import pytest

from etl import iati
from etl.reference import REFERENCE_DIR, Reference

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "iati"


def _reference() -> Reference:
    return Reference(REFERENCE_DIR)


def _fixture_files() -> list[Path]:
    return iati.find_iati_files(FIXTURES / "load")


@pytest.mark.parametrize("enabled", [True, False])
def test_reading_pauses_the_collector_and_restores_it(enabled, monkeypatch):
    """Inside a read the cyclic GC is off; afterwards it is as the caller left it."""
    states = []
    flush = iati._Mapper.flush

    def watching(self):
        states.append(gc.isenabled())
        return flush(self)

    monkeypatch.setattr(iati._Mapper, "flush", watching)
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        read = iati.read_files(_fixture_files(), _reference())
        assert read, "the fixtures hold IATI files"
        assert states and not any(states), "the collector ran while a file was read"
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_reading_restores_the_collector_when_a_file_is_refused(tmp_path):
    """A refused file (IatiError mid-read) still leaves the collector on."""
    bad = tmp_path / "broken.xml"
    bad.write_text(
        '<?xml version="1.0"?>\n<iati-activities version="2.03">\n<iati-activity>'
        "<iati-identifier>X-1</iati-identifier>\n</iati-activities>\n",
        encoding="utf-8",
    )
    assert gc.isenabled()
    with pytest.raises(iati.IatiError):
        iati.read_files([bad], _reference())
    assert gc.isenabled()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("12", 12.0),
        (" 12.5\n", 12.5),
        ("1e3", 1000.0),
        ("abc ", "abc"),
        (" nan", "nan"),
        ("1e400", "1e400"),
        ("-0", -0.0),
    ],
)
def test_number_as_before(text, expected):
    """Numbers parse as float(text.strip()) did; blanks are None; the rest the stripped text."""
    assert iati._number(text) == expected
    if isinstance(expected, float):
        assert isinstance(iati._number(text), float)


def test_days_by_year_splits_by_days_and_is_shared():
    """A period's split into years: fractions by days summing to 1, computed once per period."""
    split = iati._days_by_year(dt.date(2023, 7, 1), dt.date(2024, 6, 30))
    assert [y for y, _ in split] == [2023, 2024]
    assert split[0][1] == pytest.approx(184 / 366)
    assert sum(f for _, f in split) == pytest.approx(1.0)
    assert iati._days_by_year(dt.date(2023, 7, 1), dt.date(2024, 6, 30)) is split


def test_field_shares_shared_by_activities_with_the_same_sectors():
    """Two activities with the same sector lines get the same (unchanged) field shares."""
    iref = iati.IatiReference()
    memo: dict = {}
    acts = []
    for i in range(2):
        a = iati._Activity(i + 1, {}, "en")
        a.ident, a.titles = f"X-{i}", [("en", "t")]
        a.sectors = [("1", "11220", "60", "activity"), ("1", "41081", "40", "activity")]
        assert not iati._first_checks(a, iref, memo)
        acts.append(a)
    assert acts[0].fields is acts[1].fields
    assert acts[0].field_code == acts[1].field_code
    assert acts[0].field_code in acts[0].fields
    assert sum(acts[0].fields.values()) == pytest.approx(1.0)
    expected, _ = iati._field_shares(acts[1], iref, {})
    assert acts[1].fields == expected


def test_compact_makes_repeated_text_categorical_and_keeps_values():
    """Repeated text becomes a category with the same values and gaps; unique text stays text."""
    n = 1200
    frame = pd.DataFrame(
        {
            "currency": [None if i % 7 == 0 else ("USD", "EUR", "GBP")[i % 3] for i in range(n)],
            "ref": [f"R-{i}" for i in range(n)],
            "day": [dt.date(2020, 1, 1 + i % 28) for i in range(n)],
        }
    )
    before = frame.copy()
    out = iati._compact(frame)
    assert isinstance(out["currency"].dtype, pd.CategoricalDtype)
    assert set(out["currency"].cat.categories) == {"USD", "EUR", "GBP"}
    assert out["currency"].isna().sum() == before["currency"].isna().sum()
    got = out["currency"].astype(object).where(out["currency"].notna(), None).tolist()
    assert got == before["currency"].astype(object).where(before["currency"].notna(), None).tolist()
    assert not isinstance(out["ref"].dtype, pd.CategoricalDtype)
    assert str(out["day"].dtype) == "datetime64[s]"
    assert out["day"].dt.date.tolist() == before["day"].tolist()


def test_freed_memory_goes_back_to_the_system_on_glibc():
    """glibc's malloc_trim is found (these machines are Debian); calling it is harmless."""
    import platform

    from etl import iati

    if platform.libc_ver()[0] == "glibc":
        assert iati._malloc_trim() is not None
    iati.release_freed_memory()


def test_concat_consumes_its_chunks_and_merges_categories():
    import pandas as pd

    from etl import iati

    a = pd.DataFrame({"id": pd.Categorical(["x", "y"]), "v": [1.0, 2.0]})
    b = pd.DataFrame({"id": pd.Categorical(["z", "x"]), "v": [3.0, None]})
    chunks = [a, b]
    out = iati._concat(chunks)
    assert chunks == [] and list(a.columns) == [] and list(b.columns) == []
    assert isinstance(out["id"].dtype, pd.CategoricalDtype)
    assert out["id"].tolist() == ["x", "y", "z", "x"] and out["v"].tolist()[:3] == [1.0, 2.0, 3.0]
