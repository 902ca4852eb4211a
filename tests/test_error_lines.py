"""Errors a user meets are short lines: a value is echoed cut at ECHO_CHARS characters with an ellipsis,
and long lists of the nearest codes are made shorter (codes alone, fewer of them) rather than printed in full."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from sc_policy.cli import main
from sc_policy.diagnostics import ECHO_CHARS, echoed
from sc_policy.resources import shipped_policies

from conftest import VERSION

pytestmark = pytest.mark.usefixtures("cli_shares_ws")

LIMIT = 120
"""The most columns an error line may take (the policy tree's own path, which a message may name, aside)."""
LONG = "x" * 35 + "ABCDEFGHIJ" + "y" * 255   # 300 characters: the echo keeps the first 40 (..."ABCDE")


def error_line(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0].replace(str(shipped_policies()), "TREE")


@pytest.mark.parametrize("args", [
    ["explain", "9999"], ["explain", "0000"], ["explain", "2199"], ["explain", "211"], ["explain", "021"],
    ["explain", "02174"], ["explain", "21232"], ["explain", "12345"], ["explain", "21A4"],
    ["explain", "2174", "--noc-version", "2021"], ["explain", "21999", "--noc-version", "2021"],
    ["explain", "2174", "--industry", "541510"], ["explain", "2174", "--industry", "5162"],
    ["explain", "2174", "--industry", "999999"], ["explain", "2174", "--industry", "1"],
    ["explain", "2174", "--version", "phase-9"], ["explain", "2174", "--on", "1999-01-01"],
    ["explain", "2174", "--on", "soon"], ["occupations", "--area", "ict2"], ["occupations", "--industry", "541510"],
    ["diff", VERSION, "phase-9"],
])
def test_every_error_line_is_short(args):
    line = error_line(*args)
    assert line.startswith("sc-policy: error: ")
    assert len(line) <= LIMIT, (len(line), line)


def test_the_nearest_codes_are_named_with_titles_when_they_fit_else_by_code():
    assert error_line("explain", "2174", "--industry", "99").endswith("(nearest: 91 Public administration)")
    assert error_line("explain", "9999").endswith("(nearest: 9615, 9616, 9617, 9618, 9619)")


def test_echoed_values_are_cut_with_an_ellipsis():
    assert echoed("2174") == "'2174'"
    cut = echoed(LONG)
    assert cut == repr(LONG[:ECHO_CHARS] + "\u2026") and len(cut) == ECHO_CHARS + 3


@pytest.mark.parametrize("args", [
    ["explain", LONG], ["explain", LONG, "--noc-version", "2021"], ["explain", "2174", "--industry", LONG],
    ["explain", "2174", "--version", LONG], ["explain", "2174", "--on", LONG], ["occupations", "--area", LONG],
    ["diff", VERSION, LONG + "-01"], ["explain", "2174", "--format", LONG], ["explain", "2174", "--" + LONG],
    [LONG],
])
def test_a_long_value_is_echoed_cut(args):
    line = error_line(*args)
    assert ("ABCDE\u2026" in line or "ABC\u2026" in line) and "ABCDEF" not in line and "yyy" not in line, line
    assert len(line) <= LIMIT + ECHO_CHARS, line


def test_evaluate_echoes_a_row_s_long_values_cut():
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["noc", "industry", "noc_version", "day"])
    writer.writerows([[LONG, "", "", "2022-01-01"], ["2174", LONG, "", "2022-01-01"], ["2174", "", LONG, "2022-01-01"],
                      ["2174", "", "", LONG]])
    result = CliRunner().invoke(main, ["evaluate", "--date-column", "day"], input=out.getvalue())
    assert result.exit_code == 1, result.output
    errors = [row["error"] for row in csv.DictReader(io.StringIO(result.stdout))]
    assert len(errors) == 4
    for error in errors:
        assert "ABCDE\u2026" in error and "ABCDEF" not in error and len(error) <= LIMIT, error


def test_a_wide_header_without_a_noc_column_is_named_in_part():
    header = ",".join(f"column_number_{i}" for i in range(40))
    result = CliRunner().invoke(main, ["evaluate"], input=header + "\n" + ",".join("1" * 40) + "\n")
    assert result.exit_code == 2
    line, = result.stderr.splitlines()
    assert "the input has no 'noc' column (the header has: column_number_0, column_number_1 and 38 more)" in line
    assert len(line) <= LIMIT, line
