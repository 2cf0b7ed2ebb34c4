"""The command line: plan on stdout or in -o, summary on stderr, exit 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from plan_check import example, expected

from matching.__main__ import main

REPO = Path(__file__).parents[2]
TINY = str(example("tiny"))


def test_python_dash_m_writes_the_plan_to_stdout():
    run = subprocess.run(
        [sys.executable, "-m", "matching", "solve", TINY],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    plan = json.loads(run.stdout)
    assert plan["format"] == "symbiosis-plan/1"
    assert plan["objective_kg_co2e"] == expected("tiny")["objective_kg_co2e"]
    assert "baseline 20,450.0" in run.stderr and "no-common-mode 60.0 t" in run.stderr


def test_output_file_and_summary(tmp_path, capsys):
    out = tmp_path / "plan.json"
    assert main(["solve", TINY, "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("optimal: baseline 20,450.0 kg CO2e, objective 16,481.6")
    assert "exchanges: 1 (80.0 t)" in captured.err
    unmatched = json.loads(out.read_text())["unmatched"]
    assert [{k: u[k] for k in ("source", "tonnes", "reason")} for u in unmatched] == expected(
        "tiny"
    )["unmatched"]
    assert unmatched[0]["detail"] == {"sink": "board-plant"}
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]  # no temporary file left


def test_quiet_silences_stderr(capsys):
    assert main(["solve", TINY, "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and json.loads(captured.out)["status"] == "optimal"


def test_stage_lines_on_long_runs(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("matching.__main__.LONG_RUN_S", 0.0)
    # never -o /dev/null: the plan is renamed into place, which would replace the device
    assert main(["solve", TINY, "-o", str(tmp_path / "plan.json")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("[") and "] problem: 7 sources, 4 sinks" in err[0]
    assert any("] arcs: 5 candidate, 2 allowed, 1 useful" in line for line in err)


def test_bad_input_exits_2_without_traceback_and_keeps_the_old_plan(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    data = json.loads(Path(TINY).read_text())
    data["sinks"][1]["capacity_t"] = -50
    bad.write_text(json.dumps(data))
    out = tmp_path / "plan.json"
    out.write_text("old plan")
    assert main(["solve", str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == 'error: sinks[1] (id "neutraliser"): capacity_t must be a finite number >= 0\n'
    assert out.read_text() == "old plan"


def test_malformed_json_exits_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    run = subprocess.run(
        [sys.executable, "-m", "matching", "solve", str(bad), "-o", str(tmp_path / "p.json")],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert run.returncode == 2
    assert "malformed JSON" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "p.json").exists()


def test_infeasible_locked_tonnes_exit_1_with_a_plan(tmp_path, capsys):
    data = json.loads(Path(TINY).read_text())
    data["locked"] = [{"source": "gypsum-power", "sink": "board-plant", "tonnes": 90}]
    problem = tmp_path / "p.json"
    problem.write_text(json.dumps(data))
    assert main(["solve", str(problem)]) == 1
    captured = capsys.readouterr()
    plan = json.loads(captured.out)
    assert plan["status"] == "infeasible" and plan["exchanges"] == []
    assert 'sink "board-plant" exceed its capacity by 10' in plan["message"]
    assert captured.err.startswith("infeasible: locked tonnes")


def test_python_dash_m_gives_tiny_reasons_plan_and_reasons():
    run = subprocess.run(
        [sys.executable, "-m", "matching", "solve", str(example("tiny-reasons"))],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    plan, want = json.loads(run.stdout), expected("tiny-reasons")
    assert plan["objective_kg_co2e"] == pytest.approx(want["objective_kg_co2e"], rel=1e-12)
    exchanges = [{k: e[k] for k in ("source", "sink", "tonnes")} for e in plan["exchanges"]]
    assert exchanges == want["exchanges"]
    assert plan["unmatched"] == want["unmatched"]
    assert "forbidden 20.0 t, below-min-lot 6.0 t, partner-limit 40.0 t" in run.stderr


def test_a_site_naming_an_undefined_mode_exits_2(tmp_path):
    data = json.loads(Path(TINY).read_text())
    data["sinks"][3]["modes"] = ["rail", "barge"]
    bad = tmp_path / "barge.json"
    bad.write_text(json.dumps(data))
    run = subprocess.run(
        [sys.executable, "-m", "matching", "solve", str(bad), "-o", str(tmp_path / "p.json")],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr == (
        'error: sinks[3] (id "cement-kiln"): modes names a mode the file does not define '
        '("barge"; defined: truck, rail)\n'
    )
    assert not (tmp_path / "p.json").exists()
