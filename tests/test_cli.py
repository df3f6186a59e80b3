"""The CLI parses arguments and calls one library function; these tests check the arguments arrive."""

from pathlib import Path
from types import SimpleNamespace


from ratekit import cli


def test_render_all_reaches_render_clients(monkeypatch):
    seen = {}

    def fake(ids, *, root, out, jobs, timeout, preload):
        seen.update(ids=ids, root=root, out=out, jobs=jobs, timeout=timeout, preload=preload)
        return SimpleNamespace(ok=True)

    monkeypatch.setattr("ratekit.render.render_clients", fake)
    assert cli.main(["render", "--all", "--out", "x", "--jobs", "3"]) == 0
    assert seen == {"ids": None, "root": None, "out": Path("x"), "jobs": 3, "timeout": None, "preload": True}
    assert cli.main(["render", "a", "b", "--timeout", "20", "--no-preload"]) == 0
    assert seen == {"ids": ["a", "b"], "root": None, "out": None, "jobs": None, "timeout": 20.0, "preload": False}


def test_render_named_clients_and_failure_exit_code(monkeypatch):
    monkeypatch.setattr("ratekit.render.render_clients", lambda ids, **kw: SimpleNamespace(ok=ids != ["bad"]))
    assert cli.main(["render", "a"]) == 0
    assert cli.main(["render", "bad"]) == 1


def test_render_without_clients_is_a_clear_error(capsys):
    assert cli.main(["render"]) == 2
    assert "name one or more client ids, or pass --all" in capsys.readouterr().err


def test_sample_reaches_write_sample(monkeypatch, capsys):
    seen = {}
    monkeypatch.setattr("ratekit.sample.write_sample",
                        lambda out, *, clients, seed: seen.update(out=out, clients=clients, seed=seed) or [Path("p")])
    assert cli.main(["sample", "--out", "d", "--clients", "6", "--seed", "9"]) == 0
    assert seen == {"out": Path("d"), "clients": 6, "seed": 9}
    assert capsys.readouterr().out.strip() == "p"


def test_unknown_client_is_reported_without_traceback(capsys, tmp_path):
    code = cli.main(["render", "nobody", "--root", str(tmp_path), "--out", str(tmp_path / "o")])
    captured = capsys.readouterr()
    assert code == 1
    assert "no client folder 'nobody'" in captured.out
    assert "Traceback" not in captured.out + captured.err


def test_the_command_skips_the_slow_iri_grammar_and_still_validates_notebooks():
    """rfc3987-syntax builds a grammar on import (~1.2 s of every command's start) for a format no notebook uses."""
    import subprocess
    import sys

    code = ("import sys, ratekit.cli, nbformat\n"
            "nbformat.validate(nbformat.v4.new_notebook())\n"
            "bad = nbformat.v4.new_notebook(); bad['cells'] = [{'cell_type': 'nonsense'}]\n"
            "try:\n    nbformat.validate(bad)\nexcept nbformat.ValidationError:\n    print('invalid caught')\n"
            "print(sys.modules.get('rfc3987_syntax', 'not imported'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["invalid caught", "None"]
