"""The shipped Statistics Canada files, checked against PROVENANCE.md, and what the tool derives from them."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from sc_policy.reference.statcan import ReferenceData, skill_level
from sc_policy.resources import refdata_dir

from conftest import VERSION


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return ReferenceData()


def rows(name):
    with open(refdata_dir() / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_row_counts_match_provenance():
    assert len(rows("noc2016_unit_groups.csv")) == 500
    assert len(rows("noc2016_hierarchy.csv")) == 690
    assert len(rows("noc2016_to_noc2021.csv")) == 585
    assert len(rows("naics_canada_2017.csv")) == 2084
    assert len(rows("naics_canada_2022.csv")) == 2059
    levels = Counter(r["hierarchical_structure"] for r in rows("naics_canada_2017.csv"))
    assert levels == {"Sector": 20, "Subsector": 102, "Industry group": 324, "Industry": 710,
                      "Canadian industry": 928}


def test_concordance_coverage_matches_provenance(ref):
    concordance = rows("noc2016_to_noc2021.csv")
    assert {r["noc2016_code"] for r in concordance} == set(ref.noc2016)
    assert len({r["noc2021_code"] for r in concordance}) == 516
    assert [c.noc2016 for c in ref.concordance["21234"]] == ["2174", "2175"]


def test_spot_checks_from_provenance(ref):
    assert ref.noc_title("2174") == "Computer programmers and interactive media developers"
    assert ref.noc_title("2175") == "Web designers and developers"
    assert ref.noc_title("9232") == "Central control and process operators, petroleum, gas and chemical processing"
    assert ref.naics_title("3345") == "Navigational, measuring, medical and control instruments manufacturing"
    assert ref.naics_title("4173") == "Computer and communications equipment and supplies merchant wholesalers"
    assert ref.naics_title("5112") == "Software publishers"
    assert "541514" in ref.naics2017 and "541510" not in ref.naics2017
    assert "511211" in ref.naics2017 and "511210" not in ref.naics2017
    assert ref.naics2022["5132"].title == "Software publishers" and "5132" not in ref.naics2017


def test_sector_ranges_name_their_two_digit_parts(ref):
    for part in ("31", "32", "33"):
        assert ref.naics2017[part].sector == "31-33" and ref.naics_title(part) == "Manufacturing"
    for part in ("44", "45", "48", "49"):
        assert part in ref.naics2017_codes
    assert not any("-" in code for code in ref.naics2017_codes)


def test_skill_level_derivation_over_all_of_noc_2016(ref):
    counts = Counter(skill_level(code) for code in ref.noc2016)
    assert sum(counts.values()) == 500 and "?" not in counts
    assert counts == {"0": 48, "A": 89, "B": 211, "C": 121, "D": 31}
    assert skill_level("0011") == "0" and skill_level("2174") == "A" and skill_level("2281") == "B"
    assert skill_level("9421") == "C" and skill_level("6611") == "D"


def test_every_noc_2021_code_gets_a_decision_or_indeterminate(opened, ref):
    for code, rows_ in ref.concordance.items():
        answer = opened.evaluator.answer(code, None, "2021")
        assert [d.noc for d in answer.candidates] == sorted({r.noc2016 for r in rows_})
        verdicts = {d.eligible for d in answer.candidates}
        expected = "indeterminate" if verdicts == {True, False} else (
            "eligible" if verdicts == {True} else "not_eligible")
        assert answer.verdict == expected
        assert answer.eligible == (verdicts == {True})


def test_every_output_names_codes_by_official_title(ws, ref):
    answer = ws.explain("9232", "325", version=VERSION)
    assert answer.noc.title == ref.noc_title("9232")
    assert answer.industry_title == ref.naics_title("325")
    # an occupation no area lists is still named by its official title
    assert ws.explain("0011", version=VERSION).noc.title == "Legislators"


# -- nearest codes, from an index: the same answers as a search through every code ---------------------
def _nearest_naics_by_search(ref, code, limit=5, searched=None):
    """The definition: for the longest prefix with any, the codes of the same length under it, else
    that prefix if it is a code; else the sectors sharing its first digit (issue 17: 999999 is nearest
    91, not 11, 21, 22, 23 and 31); else all sectors. ``searched`` keeps each search's result (by prefix
    and length) for the next code that asks the same."""
    searched = {} if searched is None else searched
    for cut in range(len(code) - 1, 1, -1):
        parent = code[:cut]
        kids = searched.get((parent, len(code)))
        if kids is None:
            kids = searched[parent, len(code)] = sorted(c for c in ref.naics2017_codes
                                                        if c.startswith(parent) and len(c) == len(code))
        if kids:
            return kids[:limit]
        if parent in ref.naics2017:
            return [parent]
    sectors = sorted(c for c in ref.naics2017_codes if len(c) == 2)
    return ([c for c in sectors if c[0] == code[0]] or sectors)[:limit]


def test_nearest_naics_codes_are_those_of_a_search_through_every_code(ref):
    codes = set(ref.naics2017_codes)
    codes |= {c[:-1] + d for c in ref.naics2017_codes for d in "09"}  # a last digit off
    codes |= {c + "9" for c in ref.naics2017_codes if len(c) < 6}    # a digit too many
    codes |= {f"{i:02d}" for i in range(100)} | {f"{i}" * 6 for i in range(10)}
    searched = {}
    for code in sorted(codes):
        assert ref.nearest_naics(code) == _nearest_naics_by_search(ref, code, searched=searched), code
    assert ref.nearest_naics("999999") == ["91"]


def test_nearest_noc_codes_are_the_minor_group_else_the_numerically_closest(ref):
    units = sorted(ref.noc2016)
    for minor in (f"{i:03d}" for i in range(1_000)):  # every code, ten at a time: the searches depend on the
        same_minor = [c for c in ref.noc2016 if c[:3] == minor]  # first three digits only
        group = None if same_minor else next(g for g in ([c for c in units if c[:cut] == minor[:cut]]
                                                         for cut in (2, 1, 0)) if g)
        for code in (minor + digit for digit in "0123456789"):
            if code in ref.noc2016:
                continue
            near = ref.nearest_nocs(code)
            if same_minor:
                assert near == same_minor[:5], code
                continue
            closest = sorted(group, key=lambda c: (abs(int(c) - int(code)), c))[:5]
            assert near == sorted(closest), code
    assert ref.nearest_nocs("2199") == ["2171", "2172", "2173", "2174", "2175"]
    near_2021 = ref.nearest_noc2021("21299")
    assert near_2021 == [c for c in sorted(ref.concordance) if c[:3] == "212"][:5] and near_2021


@pytest.mark.parametrize("version", ["2016", "2021"])
def test_a_batch_refusal_reads_as_the_error_explain_shows(ref, version):
    """noc_candidates and industry_refusal give the very line of parse_noc's and parse_industry's errors."""
    from sc_policy.diagnostics import InputError
    from sc_policy.reference.codes import industry_refusal, noc_candidates, parse_industry, parse_noc
    texts = [f"{i:04d}" for i in range(0, 10_000, 7)] + [f"{i:05d}" for i in range(0, 100_000, 97)]
    texts += ["", " 2174 ", "21A4", "2  1", "\t5132\n", "541510", "5132", "31-33", "٢١٧٤", "x" * 3, "1", "99999"]
    for text in texts:
        try:
            answer = parse_noc(text, ref, version).candidates
        except InputError as exc:
            answer = str(exc)
        assert noc_candidates(text, ref, version) == answer, text
        try:
            parse_industry(text, ref)
            refusal = None
        except InputError as exc:
            refusal = str(exc)
        assert industry_refusal(text, ref) == refusal, text


def _dict_reader(text):
    import csv
    import io
    rows = list(csv.DictReader(io.StringIO(text)))
    header = next(csv.reader(io.StringIO(text)), [])
    return header, [tuple(r[c] for c in header) for r in rows]


@pytest.mark.parametrize("text", [
    'a,b,c\n1,2,3\n',
    'a,b,c\n1,"two, three",3\n\n4,5\n',                  # a quoted comma, a blank line, a short row
    'a,b\n1,"say ""hi"""\n2,x\n',                         # doubled quotes
    'a,b\n1,"two\nlines"\n2,x\n',                         # a field across lines: the csv module reads it all
    'a,b\r\n1,2\r\n3,"4,5"\r\n',                          # carriage returns
    'a,b\n1,2,3,4\n',                                     # a long row
])
def test_tables_read_as_the_csv_module_reads_them(text):
    from sc_policy.reference.statcan import _columns, _rows
    header, expected = _dict_reader(text)
    assert _columns(_rows(text), tuple(header)) == expected


def test_every_shipped_table_reads_as_the_csv_module_reads_it():
    from sc_policy.reference.statcan import _columns, _rows
    from sc_policy.resources import refdata_dir
    tables = sorted(refdata_dir().glob("*.csv"))
    assert len(tables) >= 5
    for path in tables:
        text = path.read_text(encoding="utf-8")
        header, expected = _dict_reader(text)
        assert _columns(_rows(text), tuple(header)) == expected, path.name


# -- the shipped tables are the ones shipped ------------------------------------------------------------

def _edited_refdata(tmp_path, monkeypatch, name, edit):
    """A copy of the reference data with table ``name`` passed through ``edit``, read in its place."""
    import shutil
    from sc_policy.reference import statcan
    copy = tmp_path / "refdata"
    shutil.copytree(refdata_dir(), copy)
    path = copy / name
    original = path.read_bytes()
    path.write_bytes(edit(original))
    assert path.read_bytes() != original
    monkeypatch.setattr(statcan, "refdata_dir", lambda: copy)
    return ReferenceData()


def test_an_edited_concordance_does_not_change_a_frozen_versions_answer_silently(tmp_path, monkeypatch):
    """The concordance is outside the decisions hash (it maps NOC 2021 codes to the NOC 2016 unit groups
    the table decides): a row edited in an installed copy, 21232 -> 7511 instead of 2174, turned a frozen
    version's ELIGIBLE for 21232 with NAICS 541514 into NOT ELIGIBLE, unnoticed. It is refused now."""
    from sc_policy.app.workspace import Workspace
    from sc_policy.diagnostics import ScPolicyError
    refdata = _edited_refdata(tmp_path, monkeypatch, "noc2016_to_noc2021.csv",
                              lambda b: b.replace(b"\n2174,Computer programmers and interactive media developers,"
                                                  b"\"RC4.1 - Breakdown, VC1 - Code Change, VC2 - Name Change\",21232,",
                                                  b"\n7511,Computer programmers and interactive media developers,"
                                                  b"\"RC4.1 - Breakdown, VC1 - Code Change, VC2 - Name Change\",21232,"))
    ws = Workspace(refdata=refdata, cache=False)
    with pytest.raises(ScPolicyError) as caught:
        ws.explain("21232", "541514", version=VERSION, noc_version="2021")
    assert caught.value.code == "refdata-modified"
    assert "noc2016_to_noc2021.csv" in caught.value.message and "\n" not in caught.value.message


@pytest.mark.parametrize("name, edit", [
    ("noc2016_unit_groups.csv", lambda b: b.replace(b"7511,Transport truck drivers,", b"7511,Truck drivers,")),
    ("naics_canada_2017.csv", lambda b: b[: len(b) // 2]),                       # truncated
    ("naics_canada_2022.csv", lambda b: b.replace(b"code,title,", b"code,name,")),  # a renamed column
])
def test_any_edit_of_a_shipped_table_is_refused_in_one_line(tmp_path, monkeypatch, name, edit):
    """An answer's titles come from the tables too, and a damaged header was a traceback."""
    from sc_policy.diagnostics import ScPolicyError
    refdata = _edited_refdata(tmp_path, monkeypatch, name, edit)
    table = {"noc2016_unit_groups.csv": "noc2016", "naics_canada_2017.csv": "naics2017",
             "naics_canada_2022.csv": "naics2022"}[name]
    with pytest.raises(ScPolicyError) as caught:
        getattr(refdata, table)
    assert caught.value.code == "refdata-modified" and name in caught.value.message


def test_tables_with_other_line_ends_are_the_shipped_tables(tmp_path, monkeypatch):
    """The shipped tables end their lines in CRLF; a copy that made them LF (git's autocrlf=input, an
    editor) holds the same rows: it is not refused."""
    refdata = _edited_refdata(tmp_path, monkeypatch, "noc2016_unit_groups.csv", lambda b: b.replace(b"\r\n", b"\n"))
    assert refdata.noc_title("7511") == "Transport truck drivers"


def test_every_shipped_table_has_its_recorded_hash():
    from sc_policy.reference.statcan import SHIPPED_SHA256
    assert sorted(SHIPPED_SHA256) == sorted(p.name for p in refdata_dir().glob("*.csv"))
