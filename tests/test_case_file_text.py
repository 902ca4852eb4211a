"""The text answer as a caseworker pastes it into a plain-text case file: every line fits in 100
columns, the indeterminate NOC 2021 answers' candidate headings included."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from sc_policy.cli import main


@pytest.mark.parametrize("args", [[], ["--full"]])
def test_a_long_candidate_heading_is_wrapped_not_cut(args):
    # NOC 2021 10022 maps to NOC 2016 0124 and 1123; 1123's title makes its heading 110 columns
    result = CliRunner().invoke(main, ["explain", "10022", "--noc-version", "2021", "--on", "2026-11-27", *args])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 100
    heading = lines.index("== Candidate NOC 2016 1123 Professional occupations in advertising, marketing and public "
                          "relations:")
    assert lines[heading + 1] == "   not eligible"
    assert "== Candidate NOC 2016 0124 Advertising, marketing and public relations managers: not eligible" in lines
