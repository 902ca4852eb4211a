"""Library texts carry data; the command line words them (the layer rule of issue 14).

An interrupted change, a new draft's manifest comments and a diff without its impact: the
library names no command or flag of the CLI, and the CLI's output says what it said before.
"""

from __future__ import annotations

import datetime as dt
import re
import pytest
from click.testing import CliRunner

import sc_policy.app.writing as writing
from sc_policy.analysis.diff import diff_versions
from sc_policy.app.authoring import new_version
from sc_policy.checks.registry import CHECKS
from sc_policy.app.writing import JOURNAL_NAME, changing, pending_change, replace_together
from sc_policy.cli import main
from sc_policy.cli.diagnostics import words
from sc_policy.load.tree import PolicyTree
from sc_policy.present.diff import diff_markdown, diff_text

from conftest import POLICY, VERSION


def _interrupt(monkeypatch, folder, command):
    """A change of ``folder`` interrupted after its journal was written (committed), before any file changed."""
    target = folder / "a.yaml"
    target.write_text("old\n", encoding="utf-8")

    def crash(*args):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(writing, "_apply", crash)
    with pytest.raises(KeyboardInterrupt):
        replace_together(folder, command, [(target, b"old\n", "new\n")])
    monkeypatch.undo()
    return target


def test_an_interrupted_change_is_named_as_its_caller_named_it(tmp_path, monkeypatch):
    target = _interrupt(monkeypatch, tmp_path, "freeze phase-2")
    found = pending_change(tmp_path)
    assert found.code == "interrupted-change" and found.severity == "error" and found.span.path == JOURNAL_NAME
    assert found.message == ("`freeze phase-2` was interrupted after it committed its changes, and some "
                             "manifests may not have them yet")
    assert (found.suggestion.kind, found.suggestion.values) == ("finish-change", ("freeze phase-2",))
    assert "sc-policy " not in found.message + found.suggestion.text  # (the journal's name starts .sc-policy)
    assert found.as_dict()["message"] == found.message + " (run `freeze phase-2` again to finish them)"
    assert found.render(words).endswith("(run `freeze phase-2` again to finish them)")
    told = []
    with changing(tmp_path, told.append):  # the next change of the tree finishes it first
        pass
    assert told == ["finished the interrupted `freeze phase-2` (1 of 1 files were still to change)"]
    assert target.read_text(encoding="utf-8") == "new\n" and pending_change(tmp_path) is None


def test_the_command_line_names_its_own_interrupted_command(tmp_path, monkeypatch):
    _interrupt(monkeypatch, tmp_path, "sc-policy freeze phase-2")
    found = pending_change(tmp_path)
    assert found.render(words) == (f"{JOURNAL_NAME}: error interrupted-change: `sc-policy freeze phase-2` was "
                                   f"interrupted after it committed its changes, and some manifests may not "
                                   f"have them yet (run `sc-policy freeze phase-2` again to finish them)")


def _header(root, version_id):
    text = (root / POLICY / version_id / "version.yaml").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.startswith("#")], text


def test_a_new_drafts_comments_are_worded_by_its_caller(shipped_copy):
    new_version(PolicyTree(shipped_copy), VERSION, "phase-2", dt.date(2027, 4, 1))  # after VERSION's start
    header, _ = _header(shipped_copy, "phase-2")
    assert header == [f"# Manifest of version phase-2, a draft made from {VERSION}.",
                      f"# Edit the rule files, then: check it, test it, compare it with {VERSION} and freeze it."]
    _, manifest = new_version(PolicyTree(shipped_copy), VERSION, "phase-3")  # no date: an assumption
    assert manifest["assumptions"]["effective_from"].startswith(f"Set when the draft was made from {VERSION},")
    result = CliRunner().invoke(main, ["new-version", VERSION, "phase-4", "--policies", str(shipped_copy)])
    assert result.exit_code == 0, result.output
    header, text = _header(shipped_copy, "phase-4")
    assert header == [f"# Manifest of version phase-4, a draft made from {VERSION} by `sc-policy new-version`.",
                      f"# Edit the rule files, then: sc-policy check; sc-policy diff {VERSION} phase-4; "
                      f"sc-policy freeze phase-4."]
    assert f"Set by `sc-policy new-version` when the draft was made from {VERSION}" in " ".join(text.split())


def test_a_diff_without_its_impact_says_why_in_its_callers_words(opened):
    result = diff_versions(opened.evaluator, opened.evaluator, with_impact=False)
    assert "Impact: not computed (not asked for).\n" in diff_text(result)
    assert "Not computed (not asked for).\n" in diff_markdown(result)
    assert "--no-impact" not in diff_text(result) + diff_markdown(result)
    for fmt, line in (("text", "Impact: not computed (--no-impact).\n"),
                      ("markdown", "Not computed (`--no-impact`).\n")):
        out = CliRunner().invoke(main, ["diff", VERSION, VERSION, "--no-impact", "--format", fmt])
        assert out.exit_code == 0, out.output
        assert line in out.output


def test_the_checks_meanings_name_no_command_or_flag():
    """The registry's meanings are library text (shown by any front door): no CLI flag, no command."""
    for check, meaning in CHECKS.items():
        assert not re.search(r"--[a-z]", meaning) and "sc-policy " not in meaning, check
