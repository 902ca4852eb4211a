"""The registry of checks: every check id with its meaning, and those a resolution may resolve.

Ids are data that resolutions and scripts name (``check:subject``); a check module
reports only ids listed here (tests/test_check.py holds them to it).
"""

from __future__ import annotations

from typing import Iterable, Mapping

from sc_policy.diagnostics import Diagnostic

__all__ = ["CHECKS", "RESOLVABLE", "has_errors"]

CHECKS: Mapping[str, str] = {
    # structure: the loader and the schema (sc_policy.load.yamlfile, sc_policy.load.tree, sc_policy.load.schema)
    "missing": "a file or folder that must exist does not",
    "unreadable": "a file cannot be read",
    "not-a-file": "a folder where a rule file is expected",
    "too-large": "a rule file over the size limit",
    "encoding": "a rule file that is not UTF-8",
    "empty": "a rule file with no content",
    "yaml-syntax": "YAML that does not parse (with the line and column of the problem)",
    "unsafe-yaml": "YAML anchors, aliases or tags, refused in rule files",
    "duplicate-key": "the same key twice in one mapping (YAML would silently keep the last)",
    "schema": "a value the file's schema does not allow",
    "unknown-key": "a key the file's schema does not know (often a misspelling)",
    "wrong-type": "a value of the wrong type (e.g. a code written without quotes)",
    "missing-key": "a required key is absent",
    "missing-manifest": "a version folder without version.yaml",
    "unsafe-path": "a symbolic link or source path that leads out of the policy tree",
    "unknown-file": "a file or folder in a version that is not a rule file (ignored; a warning)",
    "misnamed-file": "a YAML file named or placed almost like a rule file (clauses/x.yml, areas/ICT.yaml, "
                     "tests/old/x.yaml), so not read: its rules are left out (an error in a draft; a warning in a "
                     "frozen version, whose content hash never covered it)",
    # expressions (sc_policy.engine.compile)
    "expression": "a when/condition expression that does not compile against the facts (unknown "
                  "fact, type error), goes past a bound (length, nesting, a regular expression that can "
                  "backtrack without end, $range), reads the clock, randomness or the environment, or fails "
                  "or overruns its time budget when evaluated",
    "template": "an explain template with a placeholder that is not a plain fact name",
    "not-a-directory": "the policy tree the caller named is not a folder",
    # life cycle (sc_policy.checks.lifecycle): versions as they follow one another
    "hash-mismatch": "a frozen (non-draft) version whose content no longer matches its recorded sha256",
    "table-mismatch": "a frozen version whose files, unchanged, now decide otherwise than its recorded "
                      "table_sha256 (another release of the tool or of the reference data; found by check and when "
                      "the version is opened)",
    "table-hash-missing": "a frozen version that records no table_sha256 (an older freeze; a warning: "
                          "freezing records it)",
    "not-frozen": "a version in force or superseded whose manifest records no sha256 (a warning: nothing "
                  "shows a change to what it decides)",
    "draft-hashed": "a draft whose manifest records the sha256 or table_sha256 of a freeze (a frozen version "
                    "relabelled draft, which would escape its hash checks)",
    "status-mismatch": "a version marked superseded that no version supersedes, or in force while a frozen version "
                       "supersedes it (a warning: the status is outside the content hash; answers show it)",
    "period-invalid": "a version whose effective_to lies before its effective_from",
    "period-overlap": "two versions in force on the same day",
    "period-gap": "days between a version and the one it supersedes when none is in force",
    "supersedes-unknown": "supersedes names no version of the policy (or the version itself)",
    "superseded-twice": ("a version superseding one that another version (not a draft) already supersedes (a "
                         "warning for a draft)"),
    "clause-version-not-bumped": "a clause whose content changed from the superseded version under the same "
                                 "clause version number",
    "interrupted-change": "a new-version or freeze that was killed after it committed its changes, and "
                          "not yet finished (sc_policy.app.writing)",
    # references
    "file-name": "an area or clause whose id differs from its file name; a manifest whose id or policy differs "
                 "from its folder",
    "duplicate-area": "two area files with the same id",
    "duplicate-clause": "two clause files with the same id",
    "unknown-area": "applies_to, affects, assigns or an interpretation's areas names an area that does not exist",
    "area-without-clauses": "an area that no clause applies to (everything would be in scope)",
    "duplicate-resolution": "two resolutions with the same id",
    "stale-resolution": "a resolution names a finding key that no finding has",
    "unresolvable": "a resolution names a check that cannot be resolved (fix the file instead)",
    "unmatched-assignment": "a resolution assigns a code to an occupation entry that does not exist "
                            "or already has a code",
    "unknown-affects": "a resolution's affects names a code that the area does not list",
    # each area quotes its own text (sc_policy.checks.citations)
    "citation-area": "a citation shown for an area that lies outside the area's sections of the source and the "
                     "general text",
    "area-without-passage": "a clause that cites no passage of an area's own text for it (info naming the "
                            "interpretations it then rests on; a warning when it rests on none; an error when "
                            "the clause cites nothing at all)",
    # interpretations (sc_policy.checks.interpretations)
    "interpretation": "an analyst's reading where the source is silent, shown (info) with the clauses resting on it",
    "unused-interpretation": "an interpretation that no clause rests on",
    "unknown-interpretation": "a clause rests on an interpretation that resolutions.yaml does not record",
    "duplicate-interpretation": "two interpretations with the same id",
    # the analysts' test cases (sc_policy.checks.cases)
    "duplicate-case": "two test cases of a version with the same name (diff and the reports tell cases by name)",
    "case-contradiction": "a test case whose verdict or areas contradict its eligible (no answer can match it; a warning)",
    "case-unknown": "a test case naming a NOC or NAICS code, an area or a clause that does not exist (its input is "
                    "refused or its expectation compares nothing: it fails whatever the rules say; a warning)",
    # occupations
    "noc-format": "an occupation code that is not four digits",
    "unknown-noc": "an occupation code that is not a NOC 2016 unit group",
    "missing-code": "an occupation entry published without a NOC code",
    "duplicate-occupation": "the same code listed twice in one area",
    "title-conflict": "one code listed under different titles across the areas of a version",
    "official-title": "a listed title that differs from the official NOC 2016 title (a warning)",
    "level-mismatch": "a declared skill level that differs from the level derived from the code",
    # skill-level policy
    "excluded-level": "an occupation at skill level 0 or D (never in scope)",
    "noc-a-limit": "more than one NOC A occupation in an area",
    # industries
    "naics-format": "an industry code that is not 2 to 6 digits",
    "unknown-naics": "an industry code that does not exist in NAICS Canada 2017",
    "duplicate-industry": "the same industry code twice in one list (a warning)",
    "included-and-excluded": "an industry code both included and excluded by one area",
    "exclusion-outside": "an excluded industry code that lies inside no included code of its area",
    # provenance
    "source-missing": "the manifest's source document does not exist (quotes not checked; a warning)",
    "source-hash": "the source document's sha256 differs from the one the manifest records",
    "quote-not-found": "a quoted passage that does not occur in the source document",
    "citation-line": "a citation whose line does not hold the start of its quote",
    "section-past-end": "a section (an area's or the general text's) whose lines run past the source document's end",
    "quote-mismatch": ("an occupation whose quote publishes another code or level, or no occupation at all; an "
                       "industry whose quote publishes only other NAICS codes (a warning)"),
    "unlisted-occupation": "an occupation line of the source that no occupation entry cites",
    "unlisted-industry": "a NAICS code the source publishes that no industry entry cites",
    "all-occupations": ("a line of an area's own text that puts all occupations of a kind in scope, while the "
                        "area publishes a list of them (the rules follow the list: a warning; resolvable)"),
    "unpublished-code": ("an industry code whose quotes publish no NAICS code, not marked 'published: false' "
                         "(the analyst's reading shown as the source's; a warning)"),
    # agreement (sc_policy.analysis.agreement)
    "disagreement": "a listed occupation that a clause of its own area fails (with no industry)",
}
"""Every check id, with its meaning. Ids are stable: resolutions and scripts name them."""

RESOLVABLE = frozenset({
    "noc-a-limit", "duplicate-occupation", "missing-code", "title-conflict", "official-title",
    "level-mismatch", "excluded-level", "quote-mismatch", "unlisted-occupation", "unlisted-industry",
    "duplicate-industry", "all-occupations",
})
"""The checks that report what the *source* says (its contradictions), which a resolution may
resolve. Every other finding is a mistake in the rule files and must be fixed there."""


def has_errors(findings: Iterable[Diagnostic]) -> bool:
    return any(f.severity == "error" for f in findings)
