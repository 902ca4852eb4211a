"""The installed ``sc-policy`` command, run as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from sc_policy.cli import main
from sc_policy.resources import shipped_policies

from conftest import VERSION, version_dir

EXE = shutil.which("sc-policy") or os.path.join(os.path.dirname(sys.executable), "sc-policy")


def run(*args, cwd=None, env=None):
    return subprocess.run([EXE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def test_installed_cli_explains_from_any_directory(tmp_path):
    result = run("explain", "2174", "--version", VERSION, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Verdict: ELIGIBLE" in result.stdout
    assert "occupation-listed [lines 13, 64]" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    full = run("explain", "2174", "--version", VERSION, "--full", cwd=tmp_path)
    assert full.returncode == 0, full.stderr
    assert "[occupation-listed v3]" in full.stdout and "Source, line 64: \u201cIn-scope occupations\u201d" in full.stdout
    assert max(len(line) for line in full.stdout.splitlines()) <= 100


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
    (["explain", "2174", "--industry", "541510"], "six-digit codes differ from US NAICS; nearest: 541514"),
    (["explain", "2174", "--version", "phase-9"], "unknown version 'phase-9'"),
    (["explain", "2174", "--on", "1999-01-01"], "no version of the policy is in force on 1999-01-01"),
    (["explain", "2174", "--on", "soon"], "not a date"),
])
def test_bad_input_is_one_line_exit_2(args, needle):
    """In process (the command's words and status); a real process's stderr: the test below."""
    result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_bad_input_to_the_installed_command_is_one_line_exit_2_and_no_traceback():
    """The installed command in a process of its own: its whole stderr is the one line."""
    for args, needle in ((["explain", "21A4"], "not four digits"),
                         (["explain", "2174", "--industry", "541510"],
                          "six-digit codes differ from US NAICS; nearest: 541514")):
        result = run(*args)
        assert result.returncode == 2
        assert needle in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_invalid_tree_names_file_line_and_clause(tree_copy):
    path = version_dir(tree_copy) / "clauses" / "occupation-listed.yaml"
    text = path.read_text(encoding="utf-8").replace("noc in area_occupations", "nocc in area_occupations")
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["explain", "2174", "--policies", str(tree_copy)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "clauses/occupation-listed.yaml:6:" in line and "'occupation-listed'" in line and "'nocc'" in line
    assert "did you mean 'noc'?" in line


def test_env_var_points_at_another_tree(tree_copy):
    (version_dir(tree_copy) / "areas" / "ict.yaml").write_text("id: [\n", encoding="utf-8")
    result = CliRunner(env={"SC_POLICY_PATH": str(tree_copy)}).invoke(main, ["explain", "2174"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2 and "areas/ict.yaml:" in result.stderr


def test_versions_lists_status_and_assumed_dates():
    result = CliRunner().invoke(main, ["versions", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [(r["id"], r["status"]) for r in rows] == [("phase-1", "superseded"), ("phase-1.1", "superseded"),
                                                      (VERSION, "in-force")]
    assert all("effective_from" in r["assumptions"] for r in rows)
    text = CliRunner().invoke(main, ["versions"]).output
    assert "in force 2021-04-01 (assumed) to 2026-11-25" in text and "effective_from is an assumption" in text
    assert "in force 2026-11-26 (assumed) to 2026-11-27" in text and "in force 2026-11-28 (assumed) to open" in text
    assert all(f"sha256 {r['content_hash']} (frozen)" in text for r in rows)
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


def test_a_bare_command_shows_the_help_as_help_shows_it():
    """`sc-policy` alone (what one types first after installing it) shows the help as `--help` lays it
    out, not as a one-line error of 1,600 characters ('sc-policy: error: Usage: ... Commands: check ...')."""
    import click
    help_text = CliRunner().invoke(main, ["--help"]).output
    result = CliRunner().invoke(main, [])
    assert result.output == help_text and help_text.startswith("Usage: sc-policy [OPTIONS] COMMAND")
    assert result.exit_code == (2 if hasattr(click.exceptions, "NoArgsIsHelpError") else 0)  # as click 8.2+ / 8.1


def test_version_is_the_installed_one_or_says_it_is_unknown(monkeypatch):
    """`sc-policy --version` names the installed distribution's version; run from files that no installer
    recorded (a checkout on PYTHONPATH, a zip archive) it says the version is unknown, exit 0 (it was
    click's RuntimeError, a traceback)."""
    from importlib import metadata

    def unrecorded(name):
        raise metadata.PackageNotFoundError(name)
    with monkeypatch.context() as patched:
        patched.setattr(metadata, "version", unrecorded)
        result = CliRunner().invoke(main, ["--version"])
    assert (result.exit_code, result.output) == (0, "sc-policy, version 0+unknown\n"), result.exception
    result = CliRunner().invoke(main, ["--version"])  # asked again: the installed version, not a remembered one
    assert (result.exit_code, result.output) == (0, f"sc-policy, version {metadata.version('sc-policy')}\n")


# -- one diagnostic, worded once by the command line ------------------------------------------------

@pytest.mark.parametrize("args,line", [
    (["explain", "2174", "--format", "xml"], "sc-policy: error: --format: 'xml' is not one of 'text', 'json'"),
    (["check", "--policies", "/etc/passwd"], "sc-policy: error: --policies: directory '/etc/passwd' is a file"),
    (["explain", "2174", "--on", "2021-02-30"],
     "sc-policy: error: --on: '2021-02-30' is not a date in the form YYYY-MM-DD"),
    (["new-version", VERSION, "phase-2", "--effective-from", "soon"],
     "sc-policy: error: --effective-from: 'soon' is not a date in the form YYYY-MM-DD"),
    (["explain"], "sc-policy: error: Missing argument 'NOC' (see 'sc-policy explain --help')"),
    (["explain", "2174", "--nope"],
     "sc-policy: error: No such option '--nope'. Did you mean '--on'? (see 'sc-policy explain --help')"),
    (["nope"], "sc-policy: error: No such command 'nope' (see 'sc-policy --help')"),
    # an empty path (a shell variable never set) was read as none given: the shipped tree, no report written
    (["check", "--policies", ""], "sc-policy: error: --policies: an empty value names no file or folder"),
    (["test", "--junit-xml", ""], "sc-policy: error: --junit-xml: an empty value names no file or folder"),
    (["check", "--source", ""], "sc-policy: error: --source: an empty value names no file or folder"),
    (["evaluate", "--output", ""], "sc-policy: error: --output/-o: an empty value names no file or folder"),
])
def test_a_usage_error_is_one_line_naming_the_option_exit_2(args, line):
    """click's own refusals read like every other error: one line, not click's usage block."""
    result = CliRunner().invoke(main, args)
    assert (result.exit_code, result.stderr.strip(), result.stdout) == (2, line, ""), result.output


@pytest.mark.parametrize("args,line", [
    (["explain", "21232"], "NOC code '21232' is not four digits (a five-digit NOC 2021 code: "
                           "use --noc-version 2021)"),
    (["explain", "2174", "--noc-version", "2021"],
     "NOC 2021 code '2174' is not five digits (a NOC 2016 code has four digits; drop --noc-version 2021)"),
    (["explain", "2174", "--version", "phase-9"], f"unknown version 'phase-9' (shipped tree {shipped_policies()}: "
                                                  f"phase-1, phase-1.1, phase-1.2; or --policies DIR)"),
    (["diff", VERSION, "phase-9"], f"unknown version 'phase-9' (shipped tree {shipped_policies()}: "
                                   f"phase-1, phase-1.1, phase-1.2; or --policies DIR)"),
    (["diff", VERSION, "2021-02-30"], "'2021-02-30' is not a calendar date written YYYY-MM-DD"),
    (["explain", "2174", "--on", "1999-01-01"],
     "no version of the policy is in force on 1999-01-01 (`sc-policy versions` lists their dates)"),
])
def test_a_suggestion_is_worded_by_the_command_line(args, line):
    result = CliRunner().invoke(main, args)
    assert (result.exit_code, result.stderr.strip()) == (2, f"sc-policy: error: {line}")


def test_diff_chooses_a_version_by_date_as_every_command_does():
    by_date = CliRunner().invoke(main, ["diff", VERSION, "2026-11-28", "--no-impact", "--format", "json"])
    by_id = CliRunner().invoke(main, ["diff", VERSION, VERSION, "--no-impact", "--format", "json"])
    assert by_date.exit_code == 0 and by_date.stdout == by_id.stdout
    before = CliRunner().invoke(main, ["diff", VERSION, "1999-01-01"])
    assert before.exit_code == 2 and "no version of the policy is in force on 1999-01-01" in before.stderr


def test_library_errors_name_no_command_line_flag_and_carry_their_help_as_data(tmp_path):
    """Below the command line, an error's help is a Suggestion (kind, values); its plain words name
    no command or flag, so a library caller or the service can word it its own way."""
    from sc_policy.app.workspace import Workspace
    from sc_policy.diagnostics import ScPolicyError
    ws = Workspace()
    cases = [
        (lambda: ws.open("phase-9"), "known-versions", ("phase-1", "phase-1.1", VERSION)),
        (lambda: ws.open(None, __import__("datetime").date(1999, 1, 1)), "list-versions", ()),
        (lambda: ws.open().evaluator.answer("21232", None, "2016"), "noc-version", ("2021",)),
        (lambda: ws.open().evaluator.answer("2174", None, "2021"), "noc-version", ("2016",)),
        (lambda: ws.open().evaluator.answer("2199", None, "2016"), "did-you-mean",
         ("2171", "2172", "2173", "2174", "2175")),
        (lambda: ws.open().evaluator.answer("2174", "541510", "2016"), "did-you-mean", ("541514", "541515")),
    ]
    for call, kind, values in cases:
        with pytest.raises(ScPolicyError) as caught:
            call()
        error = caught.value
        assert (error.suggestion.kind, error.suggestion.values) == (kind, values), str(error)
        assert error.diagnostic.suggestion == error.suggestion and error.diagnostic.severity == "error"
        assert "sc-policy" not in str(error) and "--" not in str(error), str(error)


def _commands_not_in_the_overview():
    """The commands that the overview of `sc-policy --help` (the first paragraphs of the docstring of ``main`` in
    sc_policy/cli/base.py, before the one on the policy tree) does not name."""
    import re
    from sc_policy.cli.base import COMMANDS
    described = main.help.split("Each command that reads")[0]
    return [name for name in COMMANDS if not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", described)]


def test_the_top_level_help_names_every_command_in_its_description():
    # a command added without a word in `sc-policy --help`'s overview is found only by reading the list
    assert "Each command that reads" in main.help
    missing = _commands_not_in_the_overview()
    assert not missing, (f"`sc-policy --help` does not name {', '.join(missing)}: say what each does in the "
                         f"overview (the docstring of main in sc_policy/cli/base.py)")


def test_a_command_the_overview_does_not_name_is_found_even_before_it_is_loaded(monkeypatch):
    """The commands are loaded when first used: the check went through those a test had loaded before it (none
    when its test ran alone), and passed a command the overview does not name."""
    from sc_policy.cli import base
    monkeypatch.setitem(base.COMMANDS, "frobnicate", "versions:versions")
    assert _commands_not_in_the_overview() == ["frobnicate"]


def test_every_command_is_in_the_readmes_table_of_commands():
    """The README's *Commands* table names every command the group has, and only those."""
    import re
    from pathlib import Path
    from sc_policy.cli.base import COMMANDS
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| command | what it does |"):]
    table = table[:table.index("\n\n")]
    listed = {name for row in table.splitlines()[2:]
              for name in re.findall(r"`(?:sc-policy )?([a-z][a-z-]*)[ `]", row.split(" | ")[0])}
    assert listed == set(COMMANDS) == set(main.list_commands(None))


def test_every_options_help_is_a_sentence_before_its_default():
    """Each option's help ends its sentence before the ``[default: ...]`` it shows, as click writes it
    (evaluate --format wrote its own default after a sentence left open, and a full stop after it)."""
    import re
    ctx = main.make_context("sc-policy", [], resilient_parsing=True)
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        text = " ".join(command.get_help(click.Context(command, info_name=name, parent=ctx)).split())
        assert not re.findall(r"\w \[default: [^\]]*\]\.?|\[default: [^\]]*\]\.", text), name
