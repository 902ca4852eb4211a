"""The bodies of a decision, full and brief, declared as pydantic models (re-exported by
:mod:`sc_policy.http.models`): what ``sc-policy explain --format json`` prints, field for field.

A model that gives a domain class as JSON is named after it with ``Json`` (:class:`DecisionJson` is
:class:`sc_policy.engine.results.Decision`'s), so that no two classes share a name."""

from __future__ import annotations

from typing import Annotated, List, Literal, Optional

from pydantic import BaseModel, Field

from sc_policy.model import FAIL, NOT_APPLICABLE, PASS
from sc_policy.reference.codes import NOC_VERSIONS

__all__ = ["CitationJson", "ClauseResultJson", "AreaResultJson", "AppliedResolution", "AppliedInterpretation",
           "OccupationChangeJson", "IndustryChangeJson", "IndustryPartJson", "UnresolvedFinding", "ChangesJson",
           "Candidate", "AnswerInput", "ClauseBrief", "AreaBrief", "CandidateBrief", "AnswerHead", "DecisionBrief",
           "DecisionJson"]

Result = Literal[PASS, FAIL, NOT_APPLICABLE]  # sc_policy.model.CLAUSE_RESULTS


class CitationJson(BaseModel):
    line: int
    quote: str


class ClauseResultJson(BaseModel):
    clause: str
    clause_version: int
    title: str
    result: Result
    reason: str
    source: List[CitationJson]
    deciding: bool = Field(description="This clause decides the area's answer: it admits the case (the most "
                                       "specific clause that passes) or is its deciding failure.")
    follows_from: Optional[str] = Field(description="A failing clause whose failure adds no cause to the deciding "
                                                    "one's (it fails only where that one fails): its id.")
    interpretations: List[str] = Field(description="The ids of the analyst's interpretations this clause rests on "
                                                   "in this area (their texts under the decision's interpretations).")


class AreaResultJson(BaseModel):
    area: str
    title: str
    in_scope: bool
    clauses: List[ClauseResultJson]
    resolutions: List[str]
    interpretations: List[str]


class AppliedResolution(BaseModel):
    id: str
    resolves: List[str]
    finding: str
    decision: str
    source: List[CitationJson]


class AppliedInterpretation(BaseModel):
    """An analyst's reading where the source is silent, that a clause of the answer rests on."""

    id: str
    question: str
    reading: str
    source: List[CitationJson]


class OccupationChangeJson(BaseModel):
    """Another NOC 2016 unit group and its areas: in ``changes``, one near the case's (same minor group, then
    major group) and the areas it is eligible under with the case's industry; in ``nearby``, a listed
    occupation of the same minor group and the areas that list it."""
    noc: str
    title: str
    areas: List[str]


class IndustryChangeJson(BaseModel):
    """An area where only the industry fails, with its industry definition (NAICS codes)."""
    area: str
    title: str
    include: List[str]
    exclude: List[str]


class ChangesJson(BaseModel):
    """What would make a not-eligible case eligible, from the decision table (both empty otherwise)."""
    occupations: Annotated[List[OccupationChangeJson], Field(max_length=5)]
    industries: List[IndustryChangeJson]


class Candidate(BaseModel):
    """The decision for one NOC 2016 unit group a NOC 2021 code corresponds to."""

    noc: str
    noc_title: str
    noc_level: str
    verdict: Literal["eligible", "not_eligible"]
    eligible: bool
    areas: List[AreaResultJson]
    resolutions: List[AppliedResolution]
    interpretations: List[AppliedInterpretation]
    nearby: List[OccupationChangeJson]
    changes: ChangesJson


class AnswerInput(BaseModel):
    noc: str
    noc_title: str
    noc_version: Literal[NOC_VERSIONS]  # type: ignore[valid-type]
    industry: Optional[str]
    industry_title: Optional[str]


class ClauseBrief(BaseModel):
    clause: str
    clause_version: int
    result: Result
    reason: str
    deciding: bool
    follows_from: Optional[str]
    interpretations: List[str]


class AreaBrief(BaseModel):
    area: str
    in_scope: bool
    clauses: List[ClauseBrief]
    resolutions: List[str]
    interpretations: List[str]


class CandidateBrief(BaseModel):
    noc: str
    noc_title: str
    noc_level: str
    verdict: Literal["eligible", "not_eligible"]
    eligible: bool
    areas: List[AreaBrief]


class IndustryPartJson(BaseModel):
    """An area whose definition holds part of the industry code given and not the rest."""
    area: str
    within: bool = Field(description="The code itself falls within the definition, which excludes part of it.")
    includes: List[str] = Field(description="The codes below the one given that the definition includes.")
    excludes: List[str] = Field(description="The codes below the one given that the definition excludes.")
    finer_code_changes: Optional[List[str]] = Field(
        default=None, description="In an answer: the NOC 2016 unit groups decided whose answer in this area one of "
                                  "the finer codes changes (empty: none, the occupation fails there otherwise); "
                                  "absent from the occupations an industry opens.")
    verdict_changes: Optional[List[str]] = Field(
        default=None, description="In an answer: those of them whose verdict (eligible or not) one of the finer "
                                  "codes changes, which the verdict's text then notes; absent from the "
                                  "occupations an industry opens.")


class UnresolvedFinding(BaseModel):
    """A finding of the check about the source that bears on the answer and that no resolution resolves."""
    key: str = Field(description="check-id:subject, as a resolution would name it.")
    check: str
    message: str


class AnswerHead(BaseModel):
    """The fields both views of a decision open with: the version, the input, the verdict and its reason."""

    policy: str
    version: str
    version_hash: Annotated[str, Field(pattern="^[0-9a-f]{64}$")]
    noc_version: Literal[NOC_VERSIONS]  # type: ignore[valid-type]
    input: AnswerInput
    verdict: Literal["eligible", "not_eligible", "indeterminate"]
    eligible: bool
    reason: str = Field(description="The deciding reason, in one sentence.")
    decided_on: Optional[str] = Field(description="The day (YYYY-MM-DD) the version was chosen for: the date asked, "
                                                  "else the day of the answer; null for a version named by "
                                                  "its id alone.")
    industry_parts: List[IndustryPartJson] = Field(description="The areas whose definition holds only part of the "
                                                           "industry code given (a sector, 54, of which ICT has "
                                                           "5415), each with the occupations decided for which the "
                                                           "employer's finer code may decide otherwise there.")
    unresolved: List[UnresolvedFinding] = Field(description="The source's contradictions that bear on the answer "
                                                            "(the occupation decided, the industry) and that no "
                                                            "resolution resolves: the check's warnings.")


class DecisionBrief(AnswerHead):
    """The brief view of a decision (``view=brief``): every field of the full one but the quotes, the
    areas' and clauses' titles, the resolutions' and interpretations' texts, the nearby occupations and the
    changes."""

    areas: List[AreaBrief]
    candidates: List[CandidateBrief]


class DecisionJson(AnswerHead):
    """The JSON of `sc-policy explain --format json` (byte for byte with ``pretty=1``)."""

    areas: List[AreaResultJson]
    resolutions: List[AppliedResolution]
    interpretations: List[AppliedInterpretation]
    nearby: List[OccupationChangeJson]
    changes: ChangesJson
    candidates: List[Candidate]
