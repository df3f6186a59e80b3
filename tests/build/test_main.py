"""Tests for python -m ratekit.build: every step module found and run, or the named ones; errors without a traceback."""

import importlib
import subprocess
import sys
import types
from pathlib import Path

from ratekit.build import __main__ as build_main


def test_every_module_of_the_package_is_a_step_with_a_build():
    steps = build_main.steps()
    assert steps == sorted(steps) and {"leverage", "market"} <= set(steps)
    assert "__main__" not in steps
    for name in steps:
        assert callable(importlib.import_module(f"ratekit.build.{name}").build), name


def test_named_steps_run_in_order_and_print_what_they_wrote(monkeypatch, tmp_path, capsys):
    ran = []
    written = tmp_path / "table.csv"
    written.write_text("a\n1\n")

    def fake(name):
        return types.SimpleNamespace(build=lambda: ran.append(name) or [written])

    monkeypatch.setattr(build_main, "steps", lambda: ["alpha", "beta", "gamma"])
    monkeypatch.setattr(build_main.importlib, "import_module", lambda full: fake(full.rsplit(".", 1)[1]))
    assert build_main.main(["gamma", "alpha"]) == 0
    assert ran == ["gamma", "alpha"]  # as named
    assert capsys.readouterr().out.splitlines() == [f"        4  {written}"] * 2
    ran.clear()
    assert build_main.main([]) == 0 and ran == ["alpha", "beta", "gamma"]  # all, in name order


def test_a_failing_step_is_one_line_and_exit_1(monkeypatch, capsys):
    def missing():
        raise FileNotFoundError("/nowhere/facts/x.csv not found; set RATEKIT_PUBLIC_DATA")

    monkeypatch.setattr(build_main, "steps", lambda: ["market"])
    monkeypatch.setattr(build_main.importlib, "import_module", lambda full: types.SimpleNamespace(build=missing))
    assert build_main.main([]) == 1
    assert capsys.readouterr().err.strip() == ("error: build step 'market': /nowhere/facts/x.csv not found; "
                                               "set RATEKIT_PUBLIC_DATA")


def test_an_unknown_step_is_refused_by_the_command():
    run = subprocess.run([sys.executable, "-m", "ratekit.build", "nope"], capture_output=True, text=True,
                         cwd=Path(__file__).parent)
    assert run.returncode == 2
    assert f"unknown step(s) nope; the steps are {', '.join(build_main.steps())}" in run.stderr
