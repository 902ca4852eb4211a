"""The request and response bodies of the decision service, declared once as pydantic models.

FastAPI builds ``/openapi.json`` from these declarations. The responses themselves are
the finished JSON text of :mod:`sc_policy.present.render` and :mod:`sc_policy.present.diff`
(what ``sc-policy explain/versions/diff --format json`` print; a decision compact unless
``pretty=1`` asks for those very bytes, or in its brief view), so the
models describe those bodies; ``tests/test_service.py`` checks with schemathesis that no
response contradicts them. :class:`DecisionInput` also *checks* every input: the query
parameters of ``GET /v1/decisions`` and each item of a batch. A model that gives a domain class as
JSON is named after it with ``Json`` (:class:`ChangeJson` is a diff's
:class:`~sc_policy.analysis.diff_changes.Change`), so that no two classes share a name.
"""

from __future__ import annotations

from typing import Annotated, Dict, List, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

from sc_policy.http.answer_models import DecisionBrief, DecisionJson, IndustryPartJson, Result  # declared there
from sc_policy.reference.codes import NOC_VERSIONS

__all__ = ["MAX_BATCH", "MAX_BODY_BYTES", "MAX_HEAD_BYTES", "MAX_PARAM_CHARS", "DATE_PATTERN", "DecisionInput", "DecisionQuery",
           "ViewInput", "DecisionJson", "DecisionBrief",
           "VersionInfo", "DiffResult", "Health", "ProblemDetails", "BatchError", "BatchAnswers", "batch_body_schema",
           "OccupationsInput", "OccupationList", "PrettyByDefault", "PRETTY_BY_DEFAULT"]

MAX_BATCH = 100
"""Most inputs one POST /v1/decisions may carry."""
MAX_BODY_BYTES = 64 * 1024
"""Largest request body accepted (a full batch of inputs is well under 16 KiB)."""
MAX_HEAD_BYTES = 64 * 1024
"""Largest request line plus headers (``serve`` refuses more with a 431): the longest URL is a few hundred bytes."""
MAX_PARAM_CHARS = 200
"""Longest value accepted for any parameter; no code or title search needs more."""
DATE_PATTERN = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$"
"""How the service reads a date, YYYY-MM-DD and nothing else (empty: not given)."""

Text = Annotated[Optional[str], Field(max_length=MAX_PARAM_CHARS)]
Day = Annotated[Optional[str], Field(pattern=DATE_PATTERN, examples=["2022-01-01"])]


class DecisionInput(BaseModel):
    """One case, as the query parameters of GET /v1/decisions or one item of a batch.

    A missing, null or empty value is not given; ``noc``, ``industry`` and ``version`` are trimmed.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    noc: Annotated[str, Field(max_length=MAX_PARAM_CHARS, examples=["2174"],
                              description="The occupation: a NOC 2016 unit group code (four digits), or with "
                                          "noc_version=2021 a NOC 2021 code (five digits).")]
    industry: Annotated[Text, Field(description="The employer's NAICS Canada 2017 code (2 to 6 digits); "
                                                "optional.", examples=["541514"])] = None
    version: Annotated[Text, Field(description="Policy version id (default: the one in force today). "
                                               "Not with `on`.")] = None
    on: Annotated[Day, Field(description="Use the version in force on this date (YYYY-MM-DD; empty: today). "
                                         "Not with `version`.")] = None
    noc_version: Annotated[Optional[Literal[NOC_VERSIONS + ("",)]],  # type: ignore[misc]
                           Field(description="Classification of `noc`: 2016 (the default, also when empty) "
                                             "or 2021.")] = None


View = Annotated[Optional[Literal["full", "brief", ""]],
                 Field(description="`full` (the default, also when empty): the decision as `sc-policy explain "
                                   "--format json` gives it; `brief`: the same without the quotes (each "
                                   "clause's result and reason, resolutions by id, no nearby occupations or changes).")]
Pretty = Annotated[Optional[Literal["0", "1", ""]],
                   Field(description="`1`: indented JSON for people (the full view is then byte for byte "
                                     "`sc-policy explain --format json`); default: compact JSON on one line.")]
PRETTY_BY_DEFAULT = ("`1` (the default, also when empty): indented JSON for people, byte for byte the command's "
                     "`--format json`; `0`: the same JSON compact, on one line.")
"""What ``pretty`` does where the answer is indented by default (GET /v1/occupations and /v1/diff)."""
PrettyByDefault = Annotated[Optional[Literal["0", "1", ""]], Field(description=PRETTY_BY_DEFAULT)]


class ViewInput(BaseModel):
    """How a decision is written: the query parameters ``view`` and ``pretty`` (POST /v1/decisions)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    view: View = None
    pretty: Pretty = None


class DecisionQuery(DecisionInput):
    """The query parameters of GET /v1/decisions: one case, and how its decision is written."""

    view: View = None
    pretty: Pretty = None


class OccupationsInput(BaseModel):
    """The query parameters of GET /v1/occupations; a missing or empty value is not given, each is trimmed."""

    model_config = ConfigDict(extra="forbid", strict=True)

    industry: Annotated[Text, Field(description="The employer's NAICS Canada 2017 code (2 to 6 digits); none: "
                                                "what the version decides without an employer (its published "
                                                "lists).", examples=["325410"])] = None
    area: Annotated[Text, Field(description="Only the unit groups in scope under this priority area (its id, as "
                                            "in the decisions' `areas`).", examples=["life-sciences"])] = None
    version: Annotated[Text, Field(description="Policy version id (default: the one in force today). "
                                               "Not with `on`.")] = None
    on: Annotated[Day, Field(description="Use the version in force on this date (YYYY-MM-DD; empty: today). "
                                         "Not with `version`.")] = None
    pretty: PrettyByDefault = None


class SourceDocument(BaseModel):
    """The ministry's text a version encodes."""

    title: str
    file: str
    sha256: Optional[str]


class VersionInfo(BaseModel):
    """A version's manifest with its content hash (as `sc-policy versions --format json`)."""

    model_config = ConfigDict(extra="allow")

    id: str
    policy: str
    title: str
    status: str
    effective_from: Annotated[Optional[str], Field(description="null only for a version whose manifest is invalid "
                                                               "(status `invalid`).")]
    effective_to: Optional[str] = None
    supersedes: Optional[str] = None
    assumptions: Annotated[Dict[str, str], Field(description="Each field whose value the analyst assumed (the "
                                                             "source does not state it), with the reason.")] = {}
    source_document: Optional[SourceDocument] = None
    content_hash: Optional[str] = None
    sha256: Optional[str] = None
    table_sha256: Annotated[Optional[str], Field(description="The hash of its decisions, recorded when "
                                                             "frozen.")] = None
    frozen: Optional[bool] = None
    integrity: Annotated[Optional[Literal["intact", "modified"]],
                         Field(description="For a frozen version: whether its content still has the sha256 "
                                           "recorded when it was frozen (null when a file of it cannot be read: "
                                           "a `problem` names it).")] = None


class DiffVersion(BaseModel):
    policy: str
    id: str
    title: str
    status: str
    effective_from: str
    effective_to: Optional[str]
    version_hash: str
    sha256: Optional[str]


class PlaceJson(BaseModel):
    """Where a change is in a version's files: a path from the policy tree; line and column 1-based, 0 for a whole file."""

    path: str
    line: int
    column: int


class ChangeJson(BaseModel):
    """One structural change; its other fields depend on ``kind`` (as `sc-policy diff --format json`).
    ``old_at`` and ``new_at``: where it is in each version's files (null for the version without it)."""

    model_config = ConfigDict(extra="allow")

    kind: str
    old_at: Optional[PlaceJson]
    new_at: Optional[PlaceJson]


class ClauseChangeJson(BaseModel):
    """A clause that decides the input otherwise in an area whose answer changed (null: not applied there)."""

    area: str
    clause: str
    before: Optional[Result]
    after: Optional[Result]


class ImpactRowJson(BaseModel):
    noc: str
    noc_title: str
    industry: Optional[str]
    industry_class: Optional[str]
    industry_codes: int
    before: List[str]
    after: List[str]
    change: Literal["now_eligible", "no_longer_eligible", "areas_changed"]
    reasons: List[ClauseChangeJson]


class ClauseTally(ClauseChangeJson):
    inputs: int


class ClauseResultsChanged(BaseModel):
    """The inputs decided alike (same areas in scope) whose clause results differ, and each such change."""

    inputs: int
    clauses: List[ClauseTally]


class ImpactSummary(BaseModel):
    nocs: int
    industry_inputs: int
    inputs: int
    counts: Dict[str, int]
    clause_results_changed: ClauseResultsChanged


class IndustryInput(BaseModel):
    industry: Optional[str]
    description: str
    codes: int


class DiffResult(BaseModel):
    """What changed between two versions, and every input whose decision changed (as `sc-policy diff`)."""

    old: DiffVersion
    new: DiffVersion
    changes: List[ChangeJson]
    impact: Optional[List[ImpactRowJson]]
    impact_summary: Optional[ImpactSummary] = None
    industry_inputs: Optional[List[IndustryInput]] = None


class OccupationsQuery(BaseModel):
    industry: Optional[str]
    industry_title: Optional[str]
    area: Optional[str]


class AreaName(BaseModel):
    area: str
    title: str


class OpenedOccupationJson(BaseModel):
    noc: Annotated[str, Field(pattern="^[0-9]{4}$")]
    noc_title: Annotated[str, Field(description="The official NOC 2016 title.")]
    areas: Annotated[List[str], Field(description="The ids of the areas it is in scope under, in the version's "
                                                  "order.")]


class OccupationList(BaseModel):
    """Every eligible NOC 2016 unit group for one input, from the version's decision table (as
    `sc-policy occupations --format json`)."""

    policy: str
    version: str
    version_hash: Annotated[str, Field(pattern="^[0-9a-f]{64}$")]
    input: OccupationsQuery
    decided_on: Optional[str] = Field(description="The day (YYYY-MM-DD) the version was chosen for: the date asked, "
                                                  "else the day the list was made; null for a version named by its id.")
    areas: Annotated[List[AreaName], Field(description="Every area of the version, in its order.")]
    count: int
    occupations: Annotated[List[OpenedOccupationJson], Field(description="In NOC code order.")]
    industry_parts: List[IndustryPartJson] = Field(description="The areas whose definition holds only part of the "
                                                           "industry code given: the employer's finer code may "
                                                           "open other occupations.")


class Health(BaseModel):
    status: Literal["ok"]
    versions: List[str]


class ProblemDetails(BaseModel):
    """An RFC 9457 problem; ``parameter`` names the parameter (or the body, path, method) at fault."""

    type: str
    title: str
    status: int
    detail: str
    parameter: Optional[str] = None


class BatchError(BaseModel):
    """A batch item that could not be decided, answered in its place."""

    model_config = ConfigDict(extra="forbid")

    error: ProblemDetails


BatchAnswers = List[Union[DecisionJson, DecisionBrief, BatchError]]
"""The answer to a batch: one entry per input, in order."""


def batch_body_schema() -> dict:
    """The request body of POST /v1/decisions (read by the service itself, within its limits)."""
    return {"type": "array", "maxItems": MAX_BATCH,
            "description": "The cases, each a DecisionInput. An item that is not one is answered in place "
                           "with an error, like an unknown code.",
            "items": {"anyOf": [DecisionInput.model_json_schema(), {}]}}
