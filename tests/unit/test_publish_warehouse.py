"""deploy/publish-warehouse: every target gets the file read-only, or (a target unusable) none
changes."""

from __future__ import annotations

import pytest

from bench import services


def test_publish_reaches_every_target_read_only_by_rename(tmp_path):
    src = tmp_path / "build.duckdb"
    src.write_bytes(b"new load" * 1000)
    targets = [tmp_path / h / "warehouse.duckdb" for h in ("host1", "host2")]
    for t in targets:
        t.parent.mkdir()
        t.write_bytes(b"old load")
    inodes = [t.stat().st_ino for t in targets]
    assert "to 2 target(s)" in services.publish(src, *targets)
    for t, inode in zip(targets, inodes, strict=True):
        assert t.read_bytes() == src.read_bytes()
        assert t.stat().st_mode & 0o777 == 0o444
        assert t.stat().st_ino != inode  # a new file renamed in: readers of the old one go on
        assert sorted(p.name for p in t.parent.iterdir()) == ["warehouse.duckdb"]


def test_a_bad_target_changes_no_target(tmp_path):
    src = tmp_path / "build.duckdb"
    src.write_bytes(b"new load")
    good = tmp_path / "host1" / "warehouse.duckdb"
    good.parent.mkdir()
    good.write_bytes(b"old load")
    with pytest.raises(RuntimeError, match="no folder for .*no target changed"):
        services.publish(src, good, tmp_path / "missing" / "warehouse.duckdb")
    assert good.read_bytes() == b"old load"
    assert sorted(p.name for p in good.parent.iterdir()) == ["warehouse.duckdb"]
