"""The README as a new user follows it: the outputs it shows are what the commands print, its table of
commands names each command's arguments and options as the command's ``--help`` does, and its walk-through
of an analyst's edit prints what it says."""

from __future__ import annotations

import json
import re
import shlex
import warnings
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sc_policy.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def _text() -> str:
    return README.read_text(encoding="utf-8")


def _section(heading: str) -> str:
    """The README's text under ``heading`` (a whole heading line), up to the next heading."""
    text = _text()
    start = text.index(f"\n{heading}\n") + len(heading) + 2
    end = re.compile(r"^#{1,4} ", re.M).search(text, start)
    return text[start:end.start() if end else len(text)]


def _blocks(text: str) -> list[list[str]]:
    """The lines of every code block of ``text``: fenced (```), or indented by four spaces."""
    blocks = [body.splitlines() for body in re.findall(r"^```[a-z]*\n(.*?)^```", text, re.M | re.S)]
    outside = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    blocks += [[line[4:] for line in body.splitlines()]
               for body in re.findall(r"(?:^    .*\n)+", outside, re.M)]
    return blocks


def _shown_runs() -> list[tuple[str, str]]:
    """Each example the README shows with its output: a block whose first line is ``$ COMMAND`` and
    whose other lines are what the command prints."""
    return [(lines[0][2:], "".join(line + "\n" for line in lines[1:]))
            for lines in _blocks(_text()) if lines and lines[0].startswith("$ ")]


def test_the_readme_shows_outputs_to_check():
    commands = [command.split()[0] for command, _ in _shown_runs()]
    assert "sc-policy" in commands and "curl" in commands, commands


@pytest.mark.parametrize("command, shown", _shown_runs(), ids=[c for c, _ in _shown_runs()])
def test_a_shown_output_is_what_the_command_prints(command, shown, tmp_path, monkeypatch):
    """Byte for byte: an example whose output drifted from the README's fails here, not in a new user's
    terminal."""
    words = shlex.split(command)
    if words[0] == "sc-policy":
        monkeypatch.chdir(tmp_path)
        if "cases.csv" in words:  # the README's cases.csv, its one CSV block
            csv_block, = re.findall(r"^```csv\n(.*?)^```", _text(), re.M | re.S)
            (tmp_path / "cases.csv").write_text(csv_block, encoding="utf-8")
        result = CliRunner().invoke(main, words[1:])
        said = re.search(r"`(sc-policy: [^`]*)` on stderr, exit status (\d)", _text()[_text().index(command):])
        if words[1] == "evaluate":  # as the README says after the output
            assert said and (result.stderr, result.exit_code) == (said.group(1) + "\n", int(said.group(2)))
        else:
            assert result.exit_code == 0, result.stderr
        assert result.stdout == shown
    else:  # curl -s 'localhost:8080/PATH': the service, without a socket
        pytest.importorskip("fastapi")
        with warnings.catch_warnings():  # Starlette 1.x prefers httpx2; httpx still works
            warnings.simplefilter("ignore")
            from starlette.testclient import TestClient
        from sc_policy.app.workspace import Workspace
        from sc_policy.http.app import create_app
        assert words[:2] == ["curl", "-s"] and words[2].startswith("localhost:8080/"), command
        with TestClient(create_app(Workspace())) as client:
            assert client.get(words[2][len("localhost:8080"):]).text == shown


def _table_rows() -> list[str]:
    text = _text()
    table = text[text.index("| command | what it does |"):]
    return table[:table.index("\n\n")].splitlines()[2:]


def test_the_table_of_commands_writes_each_command_as_its_help_does():
    """Each command in the README's *Commands* table (and in a synopsis such as diff's) takes the arguments
    its usage line names, in that form (``[VERSION ...]``, not ``[VERSION]...``), and each option shown
    with the metavar its help shows (``--policies DIR``, as every message names it)."""
    ctx = main.make_context("sc-policy", [], resilient_parsing=True)
    seen = set()
    synopses = [line for block in _blocks(_text()) for line in block
                if line.startswith("sc-policy ") and " [--" in line]  # diff's: sc-policy diff OLD NEW [--policies DIR] ...
    assert synopses
    for row in _table_rows() + [f"`{line}` |" for line in synopses]:
        cell = row.split(" | ")[0].replace("\\|", "|")
        for usage in re.findall(r"`(?:sc-policy )?([a-z][^`]*)`", cell):
            name, _, rest = usage.partition(" ")
            command = main.get_command(ctx, name)
            assert command is not None, usage
            seen.add(name)
            help_text = command.get_help(click.Context(command, info_name=name, parent=ctx))
            arguments = help_text.splitlines()[0].partition("[OPTIONS]")[2].strip()
            shown = re.split(r" ?\[--", rest, maxsplit=1)[0].strip()
            assert shown == arguments, f"README: sc-policy {usage}; --help: {help_text.splitlines()[0]}"
            for option, metavar in re.findall(r"\[(--[a-z-]+)(?: ([A-Z_|]+))?\]", rest):
                assert re.search(rf"^\s+(-\w, )?{re.escape(option)}{' ' + re.escape(metavar) if metavar else ''}"
                                 rf"(\s|$)", help_text, re.M), f"{usage}: {option} {metavar}"
    assert seen == set(main.list_commands(ctx))


def test_the_resolved_findings_name_every_finding_the_shipped_policy_gets():
    """*Resolved findings* says what `sc-policy check` prints on the shipped policy: every check id it
    reports there (as a warning or info) is named, so that a new user's first `check` holds no surprise."""
    result = CliRunner().invoke(main, ["check", "--format", "json"])
    assert result.exit_code == 0, result.output
    ids = {finding["check"] for finding in json.loads(result.stdout)}
    summary = CliRunner().invoke(main, ["check"]).stderr.strip()  # the text output's summary, which it states
    assert ids
    faults = _resolved_findings_faults(ids, summary, _section("### Resolved findings"))
    assert not faults, "\n".join(faults)


def _resolved_findings_faults(ids, summary: str, described: str) -> list:
    """What *Resolved findings* (``described``) does not say of the check of the shipped policy: the check ids
    it reports, and the summary it ends with; each with what to do."""
    faults = [f"the check of the shipped policy reports {i}: say which findings those are under *Resolved findings*"
              for i in sorted(ids) if f"`{i}" not in described]
    if f"`{summary}`" not in described:
        faults.append(f"the check of the shipped policy ends with `{summary}`: write that summary, with its exit "
                      f"status, under *Resolved findings*")
    return faults


def test_a_new_finding_on_the_shipped_policy_is_told_where_to_say_it():
    """A new check that reports something on the shipped policy failed this test with the set of its ids alone."""
    described = "`noc-a-limit:ict` ... checks with `0 errors, 14 warnings, 14 resolved or info` and exit status 0"
    assert _resolved_findings_faults({"noc-a-limit"}, "0 errors, 14 warnings, 14 resolved or info", described) == []
    faults = _resolved_findings_faults({"noc-a-limit", "a-new-check"}, "0 errors, 15 warnings, 14 resolved or info",
                                       described)
    assert faults == [
        "the check of the shipped policy reports a-new-check: say which findings those are under *Resolved findings*",
        "the check of the shipped policy ends with `0 errors, 15 warnings, 14 resolved or info`: write that summary, "
        "with its exit status, under *Resolved findings*"]


def _walkthrough(tree: Path) -> Path:
    """The README's edit -> check loop on ``tree``: a draft phase-2 of the version in force, with 2282's
    level B -> C in its ICT list (as the loop's comment says)."""
    from conftest import VERSION
    made = CliRunner().invoke(main, ["new-version", VERSION, "phase-2", "--effective-from", "2027-04-01",
                                     "--policies", str(tree)])
    assert made.exit_code == 0, made.output
    ict = tree / "second-career-fast-track" / "phase-2" / "areas" / "ict.yaml"
    text = ict.read_text(encoding="utf-8")
    entry = text.index("- code: '2282'")
    level = text.index("level: B", entry)
    ict.write_text(text[:level] + "level: C" + text[level + len("level: B"):], encoding="utf-8")
    return tree


def test_the_edit_check_loop_prints_what_the_readme_shows(shipped_copy):
    """The loop's output block is the first lines `sc-policy check phase-2` prints (a line cut with
    `...` is compared up to it); then `explain` refuses the draft with the line *Checking the rule files*
    gives as its example."""
    tree = _walkthrough(shipped_copy)
    section = _section("### The analyst's edit → check loop")
    commands, shown = _blocks(section)[:2]
    assert "sc-policy check phase-2" in commands and shown[-1] == "..."
    printed = CliRunner().invoke(main, ["check", "phase-2", "--policies", str(tree)]).stdout.splitlines()
    assert len(printed) >= len(shown) - 1
    for want, got in zip(shown[:-1], printed):
        assert got.startswith(want.split("...")[0]) if "..." in want else got == want
    example = re.search(r"`(sc-policy: error: [^`]*is invalid: level-mismatch[^`]*)`",
                        _section("## Checking the rule files"))
    assert example, "the example of a refused version"
    version = re.search(r"version (\S+) is invalid", example.group(1)).group(1)
    refused = CliRunner().invoke(main, ["explain", "2282", "--version", version, "--policies", str(tree)])
    assert (refused.exit_code, refused.stderr) == (2, example.group(1) + "\n")


def test_how_it_is_built_names_every_layer_and_module_there_is():
    """*How it is built*: its diagram is ``LAYERS`` of tests/test_layers.py, bottom first, and its table
    names every subpackage and top-level module of the package (a new one is added to both)."""
    from test_layers import LAYERS, PACKAGE
    section = _section("## How it is built")
    diagram = next(line for block in _blocks(section) for line in block if "◀─" in line)
    drawn = [{name.strip().rstrip("/").replace("the package root", "sc_policy") for name in group.split(",")}
             for group in diagram.split("◀─")]
    layers = [{name.removeprefix("sc_policy.") for name in layer if name != "sc_policy.__main__"} for layer in LAYERS]
    assert drawn == layers
    table = section[section.index("| layer | folder |"):]
    named = set(re.findall(r"`(sc_policy/[^`]*)`", table[:table.index("\n\n")]))
    there = {f"sc_policy/{path.name}" + ("/" if path.is_dir() else "") for path in PACKAGE.iterdir()
             if path.suffix == ".py" or (path / "__init__.py").is_file()}
    assert there <= named, sorted(there - named)


def test_the_unresolved_heading_shown_is_what_explain_prints():
    """The heading the README quotes for an answer that an unresolved contradiction bears on (9461's)."""
    heading = re.search(r"`(Resolutions and interpretations for this answer; unresolved: [^`]*)`", _text())
    assert heading, "the README quotes the heading"
    assert "as `explain 9461 --version phase-1.1` prints it" in " ".join(_text().split())
    result = CliRunner().invoke(main, ["explain", "9461", "--version", "phase-1.1"])  # (phase-1.2 resolves it)
    assert heading.group(1) in result.stdout.splitlines()
    said = re.search(r"`(official-title:manufacturing:9461: [^`]*)`", _text())   # and what the key is
    assert said and f"  - {said.group(1)}" in result.stdout.splitlines()


def test_the_numbers_the_readme_states_are_the_shipped_trees():
    """What the README states in its prose, where it can drift: `--version`'s line, the shipped version's
    count of test cases, and the shipped versions' hashes (abbreviated as `head…tail`)."""
    import yaml
    from conftest import POLICY, VERSION
    from sc_policy.resources import shipped_policies
    text = _text()
    version_line = CliRunner().invoke(main, ["--version"]).stdout.strip()
    assert f"(`{version_line}`)" in text
    cases = re.search(r"The shipped Phase I version has (\d+) cases", text)
    tested = CliRunner().invoke(main, ["test", VERSION]).stdout.splitlines()[-1]
    assert cases and tested == f"{cases.group(1)} passed, 0 failed"
    shipped = re.search(r"\*The shipped versions\.\*(.*?)\n\n", text, re.S).group(1)
    quoted = re.findall(r"`([\w.-]+)` \(sha256 `([0-9a-f]+)…([0-9a-f]+)`\)", shipped)
    quoted += [(VERSION + ":table", *m) for m in re.findall(r"`table_sha256` \(`([0-9a-f]+)…([0-9a-f]+)`\)", shipped)]
    assert len(quoted) == 4, quoted
    for name, head, tail in quoted:
        version, _, key = name.partition(":")
        manifest = yaml.safe_load((shipped_policies() / POLICY / version / "version.yaml").read_text("utf-8"))
        recorded = manifest["table_sha256" if key else "sha256"]
        assert recorded.startswith(head) and recorded.endswith(tail), (name, recorded)


def test_occupations_industry_parts_are_explains_less_what_the_readme_says():
    """*Which occupations an industry opens*: its JSON's `industry_parts` are `explain`'s without the keys
    the README names as left out (those about one occupation decided)."""
    said = re.search(r"`industry_parts` \(as `explain`'s,\s+without\s+(.*?),\s+since", _text(), re.S)
    assert said, "the README says which keys occupations leaves out"
    left_out = set(re.findall(r"`(\w+)`", said.group(1)))
    explained = json.loads(CliRunner().invoke(main, ["explain", "2174", "--industry", "54", "--format", "json"]).stdout)
    listed = json.loads(CliRunner().invoke(main, ["occupations", "--industry", "54", "--format", "json"]).stdout)
    assert explained["industry_parts"] and listed["industry_parts"]
    assert set(explained["industry_parts"][0]) - left_out == set(listed["industry_parts"][0])


def test_the_diffs_json_keys_are_named_in_the_readme():
    """*Comparing versions*: every key of `diff --format json` between the shipped versions (the changes'
    included) is named in the paragraph that describes it."""
    start = _text().index("The JSON output is an object with `old` and `new`")
    described = _text()[start:_text().index("`sc-policy diff A A`", start)]
    diff = json.loads(CliRunner().invoke(main, ["diff", "phase-1", "phase-1.1", "--format", "json"]).stdout)
    keys = set(diff) | set(diff["old"]) | {key for change in diff["changes"] for key in change}
    keys |= {key for change in diff["changes"] for field in change.get("fields", ()) for key in field}
    assert not {key for key in keys if f"`{key}`" not in described and f'"{key}"' not in described}


def test_explains_json_keys_are_named_in_the_readme():
    """*Asking a question*: every key of `explain --format json` (of the answer, its input, areas, clauses,
    industry parts, changes and NOC 2021 candidates) is named in the paragraph that describes it."""
    start = _text().index("The JSON answer is an object with")
    described = _text()[start:_text().index("The same inputs and version give byte-identical JSON.", start)]
    keys = set()
    for args in (["7511", "--industry", "484121"], ["2175", "--industry", "334"], ["21233", "--noc-version", "2021"]):
        answer = json.loads(CliRunner().invoke(main, ["explain", *args, "--format", "json"]).stdout)
        keys |= set(answer) | set(answer["input"]) | set(answer["changes"])
        keys |= {key for area in answer["areas"] for key in area}
        keys |= {key for area in answer["areas"] for clause in area["clauses"] for key in clause}
        keys |= {key for part in answer["industry_parts"] for key in part}
        keys |= {key for candidate in answer["candidates"] for key in candidate}
    assert not {key for key in keys if f"`{key}`" not in described}


def test_the_tests_json_keys_are_named_in_the_readme():
    """*Policy test cases*: every key of `sc-policy test --coverage --format json` is named where the README
    describes that JSON."""
    start = _text().index("`--format json` prints `passed`, `failed` and `versions`")
    described = _text()[start:_text().index("\n\n", start)]
    result = json.loads(CliRunner().invoke(main, ["test", "--coverage", "--format", "json"]).stdout)
    keys = set(result)
    for version in result["versions"]:
        keys |= set(version) | set(version["coverage"])
        keys |= {key for case in version["cases"] for key in [*case, *case["input"]]}
        keys |= {key for clause in version["coverage"]["clauses"] for key in clause}
        keys |= {key for kind in ("untouched_occupations", "untouched_industries")
                 for entry in version["coverage"][kind] for key in entry}
    from sc_policy.analysis.testcases import Mismatch, Untouched  # no shipped case fails, no entry goes untouched
    keys |= set(Mismatch("eligible", "eligible", "not eligible").as_dict())
    keys |= set(Untouched("ict", "occupation", "2174", "Computer programmers").as_dict())
    assert not {key for key in keys if f"`{key}`" not in described}


def test_the_editions_the_readme_names_are_readings_of_a_source_that_names_none():
    """The README said "the policy is written in NAICS Canada 2017": the source names no edition (the rule
    files read it so); what the README says instead is checked against the source and StatCan's tables."""
    import csv
    from sc_policy.model import NAICS_IN_QUOTE
    from sc_policy.resources import refdata_dir, shipped_policies
    text = _text()
    assert "the policy is written in NAICS Canada" not in text
    assert "The source names no edition of either\nclassification" in text
    source = (shipped_policies() / "second-career-fast-track" / "source" / "second-career-fast-track.txt").read_text(
        encoding="utf-8")
    assert not re.search(r"NAICS (Canada )?20\d\d|NOC 20\d\d|NOC 2011", source)  # no edition named
    codes = {n: c for n, line in enumerate(source.split("\n"), 1) for c in NAICS_IN_QUOTE.findall(line)}
    tables = {year: {row["code"] for row in csv.DictReader(
        (refdata_dir() / f"naics_canada_{year}.csv").open(encoding="utf-8"))} for year in (2017, 2022)}
    assert codes[23] == "5112" and "5112" not in tables[2022] and "5132" in tables[2022]
    assert set(codes.values()) <= tables[2017] and len(set(codes.values()) & tables[2022]) == 9
