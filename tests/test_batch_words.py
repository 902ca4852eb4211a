"""What a batch says of a caseload's slips in plain words: an empty NOC cell, a JSON array for a CSV,
a misspelt ``noc`` column; and ``sc-policy table --output``, written as ``evaluate`` writes one."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from sc_policy.cli import main

pytestmark = pytest.mark.usefixtures("cli_shares_ws")  # one opened shipped version for every run

EMPTY_NOC = "the NOC code is empty"


def _run(*args, data: bytes = b""):
    return CliRunner().invoke(main, list(args), input=data)


# -- an empty NOC cell ------------------------------------------------------------------------
def test_an_empty_noc_cell_is_said_to_be_empty_in_its_row():
    """It read ``NOC code '' is not four digits``: true, but a caseworker looks for a mistyped code."""
    data = b"id,noc,industry\n1,2174,541514\n2,,484121\n3,  ,\n4,21A4,\n"
    result = _run("evaluate", data=data)
    assert result.exit_code == 1, result.output
    errors = {r["id"]: r["error"] for r in csv.DictReader(io.StringIO(result.stdout))}
    assert errors == {"1": "", "2": EMPTY_NOC, "3": EMPTY_NOC, "4": "NOC code '21A4' is not four digits"}
    lines = _run("evaluate", "--format", "jsonl", data=data).stdout.splitlines()
    assert [json.loads(line)["error"] for line in lines][1:3] == [EMPTY_NOC, EMPTY_NOC]


def test_an_empty_noc_cell_reads_alike_whatever_the_rows_noc_version():
    data = b"id,noc,noc_version\n1,,2021\n2,,\n3, ,2016\n"
    for args in ((), ("--noc-version", "2021")):
        result = _run("evaluate", *args, data=data)
        assert result.exit_code == 1, result.output
        assert [r["error"] for r in csv.DictReader(io.StringIO(result.stdout))] == [EMPTY_NOC] * 3


def test_an_empty_code_on_the_command_line_and_through_the_service_says_it_is_empty(client):
    """The command line's one code reads as the batch's cell does; the service refuses an empty noc
    before it is read (its own words: the parameter is required), singly and in a batch."""
    for args in (("explain", ""), ("explain", " ", "--noc-version", "2021")):
        result = _run(*args)
        assert result.exit_code == 2 and result.stderr == f"sc-policy: error: {EMPTY_NOC}\n", result.output
    answer = client.get("/v1/decisions", params={"noc": " "})
    assert answer.status_code == 400 and answer.json()["detail"].startswith("noc: required")
    answer = client.post("/v1/decisions", json=[{"noc": ""}, {"noc": "2174"}])
    assert answer.status_code == 200 and answer.json()[0]["error"]["detail"].startswith("[0].noc: required")
