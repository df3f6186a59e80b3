"""Tests for ratekit.files: a file is replaced whole or not at all, with the mode open() would give."""

import os

import pytest

from ratekit.files import FILE_MODE, atomic_path, atomic_write_text


def test_atomic_write_never_leaves_a_half_written_file(tmp_path, monkeypatch):
    target = tmp_path / "client_report.html"
    target.write_text("the complete old report")

    def crash(*_):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        atomic_write_text(target, "<html>half")
    assert target.read_text() == "the complete old report"
    assert [p.name for p in tmp_path.iterdir()] == ["client_report.html"]
    monkeypatch.undo()
    assert atomic_write_text(target, "<html>new</html>") == target
    assert target.read_text() == "<html>new</html>" and oct(target.stat().st_mode & 0o777) != "0o600"
    assert target.stat().st_mode & 0o777 == FILE_MODE


def test_atomic_path_for_a_writer_that_wants_a_path(tmp_path):
    target = tmp_path / "new" / "book.xlsx"
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent and tmp.suffix == ".xlsx" and tmp.name.startswith(".book.xlsx.")
        tmp.write_bytes(b"complete")
        assert not target.exists()  # nothing at the name until the block ends
    assert target.read_bytes() == b"complete" and list(target.parent.iterdir()) == [target]
    with pytest.raises(ValueError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise ValueError("the writer failed")
    assert target.read_bytes() == b"complete" and list(target.parent.iterdir()) == [target]
