"""The installed ``sc-policy`` command, run as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from sc_policy.cli import main

from conftest import VERSION, version_dir

EXE = shutil.which("sc-policy") or os.path.join(os.path.dirname(sys.executable), "sc-policy")


def run(*args, cwd=None, env=None):
    return subprocess.run([EXE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def test_installed_cli_explains_from_any_directory(tmp_path):
    result = run("explain", "2174", "--version", VERSION, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Verdict: ELIGIBLE" in result.stdout
    assert "occupation-listed" in result.stdout and "Source, line" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 100


def test_installed_cli_json(tmp_path):
    result = run("explain", "2173", "--industry", "541514", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["eligible"] is False and data["verdict"] == "not_eligible"
    assert [n["noc"] for n in data["nearby"]] == ["2174", "2175"]


@pytest.mark.parametrize("args,needle", [
    (["explain", "21A4"], "not four digits"),
    (["explain", "21232"], "--noc-version 2021"),
    (["explain", "2174", "--industry", "1"], "not 2 to 6 digits"),
    (["explain", "2174", "--industry", "541510"], "differ between the US and Canadian NAICS; nearest: 541514"),
    (["explain", "2174", "--version", "phase-9"], "unknown version 'phase-9'"),
    (["explain", "2174", "--on", "1999-01-01"], "no version of the policy is in force on 1999-01-01"),
    (["explain", "2174", "--on", "soon"], "not a date"),
])
def test_bad_input_is_one_line_exit_2(args, needle):
    result = run(*args)
    assert result.returncode == 2
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_invalid_tree_names_file_line_and_clause(tree_copy):
    path = version_dir(tree_copy) / "clauses" / "occupation-listed.yaml"
    text = path.read_text(encoding="utf-8").replace("noc in area_occupations", "nocc in area_occupations")
    path.write_text(text, encoding="utf-8")
    result = run("explain", "2174", "--policies", str(tree_copy))
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "clauses/occupation-listed.yaml:6:" in line and "'occupation-listed'" in line and "'nocc'" in line
    assert "did you mean 'noc'?" in line


def test_env_var_points_at_another_tree(tree_copy):
    (version_dir(tree_copy) / "areas" / "ict.yaml").write_text("id: [\n", encoding="utf-8")
    env = dict(os.environ, SC_POLICY_PATH=str(tree_copy))
    result = run("explain", "2174", env=env)
    assert result.returncode == 2 and "areas/ict.yaml:" in result.stderr


def test_versions_lists_status_and_assumed_dates():
    result = CliRunner().invoke(main, ["versions", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert rows[0]["id"] == VERSION and rows[0]["status"] == "in-force"
    assert "effective_from" in rows[0]["assumptions"]
    text = CliRunner().invoke(main, ["versions"]).output
    assert "2021-04-01 (assumed) to open" in text and "effective_from is an assumption" in text
    assert f"sha256 {rows[0]['content_hash']} (frozen)" in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_python_dash_m_runs_the_same_command(tmp_path):
    """`python -m sc_policy` answers exactly as the installed `sc-policy` does, errors included."""
    for args in (["explain", "2174", "--format", "json"], ["explain", "21"]):
        module = subprocess.run([sys.executable, "-m", "sc_policy", *args], capture_output=True, text=True,
                                cwd=tmp_path, timeout=120)
        script = run(*args, cwd=tmp_path)
        assert (module.returncode, module.stdout, module.stderr) == (script.returncode, script.stdout, script.stderr)
    assert module.returncode == 2 and module.stderr.startswith("sc-policy: error: ")
    usage = subprocess.run([sys.executable, "-m", "sc_policy", "--help"], capture_output=True, text=True, timeout=120)
    assert usage.returncode == 0 and usage.stdout.startswith("Usage: sc-policy ")
