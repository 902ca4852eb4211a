"""Policy test results as a JUnit XML report, the format CI services show as a test summary.

``<testsuites>`` holds one ``<testsuite>`` per version (named ``policy/version``) and one
``<testcase>`` per analyst-written case (its name; its class the test file, as
``policy.version.file``; its ``file`` and ``line``). A failing case has one ``<failure>`` whose
``message`` is the first way its answer differs from what it expects and whose text lists every
difference, expected against actual. Written with :mod:`xml.etree.ElementTree`, which escapes
every attribute and text (a case name is text from a rule file), never by formatting strings.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from typing import Callable, Sequence

from sc_policy.analysis.testcases import CaseResult, VersionReport
from sc_policy.diagnostics import visible

__all__ = ["junit_xml", "junit_refusal"]


def _clean(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold: control characters shown as escapes."""
    return visible(text)


def _testcase(parent: ET.Element, report: VersionReport, result: CaseResult, located: Callable[[str], str]) -> None:
    case = result.case
    stem = posixpath.splitext(posixpath.basename(case.span.path))[0]
    element = ET.SubElement(parent, "testcase", {
        "name": _clean(case.name), "classname": _clean(f"{report.policy}.{report.version}.{stem}"),
        "file": _clean(located(case.span.path)), "line": str(case.span.line)})
    if not result.passed:
        first = result.mismatches[0]
        failure = ET.SubElement(element, "failure", {"type": first.what, "message": _clean(first.describe())})
        failure.text = _clean("\n".join(f"{m.what}: expected {m.expected}, actual {m.actual}"
                                         + (f" (decided by clause {m.clause} in area {m.area}"
                                            + (f" for NOC 2016 {m.noc})" if m.noc else ")") if m.clause else "")
                                         for m in result.mismatches) + "\n" + result.line())


def junit_xml(reports: Sequence[VersionReport], located: Callable[[str], str] = str) -> bytes:
    """The JUnit XML report of the versions' test runs (UTF-8 bytes with an XML declaration);
    ``located`` maps a test file's path to the path a reader resolves."""
    root = ET.Element("testsuites", {"name": "sc-policy test", "tests": str(sum(len(r.results) for r in reports)),
                                     "failures": str(sum(r.failed for r in reports)), "errors": "0"})
    for report in reports:
        suite = ET.SubElement(root, "testsuite", {
            "name": _clean(f"{report.policy}/{report.version}"), "tests": str(len(report.results)),
            "failures": str(report.failed), "errors": "0", "skipped": "0"})
        for result in report.results:
            _testcase(suite, report, result, located)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def junit_refusal(suite: str, message: str, details: Sequence[str], case: str = "the version opens",
                  file: str = "", line: int = 0) -> bytes:
    """The JUnit XML report of a run that could not start: suite ``suite`` (the version refused, or the
    policy tree) with one testcase, ``case``, in ``<error>`` with ``message`` and the ``details`` (one
    line each), so that CI shows why no case ran, never an old report left in the file's place. The
    testcase carries the ``file`` and ``line`` of the error, when it has them, as every testcase does."""
    root = ET.Element("testsuites", {"name": "sc-policy test", "tests": "1", "failures": "0", "errors": "1"})
    where = {"file": _clean(file)} if file else {}
    if file and line:
        where["line"] = str(line)
    element = ET.SubElement(ET.SubElement(root, "testsuite", {
        "name": _clean(suite), "tests": "1", "failures": "0", "errors": "1", "skipped": "0"}),
        "testcase", {"name": _clean(case), "classname": _clean(suite.replace("/", ".").strip(".")), **where})
    error = ET.SubElement(element, "error", {"type": "refused", "message": _clean(message)})
    error.text = _clean("\n".join(details) or message)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
