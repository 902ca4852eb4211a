"""Check a caller's codes against the official classifications before any decision.

A NOC code must be a NOC 2016 unit group (or, with ``noc_version="2021"``, a NOC
2021 unit group, mapped through Statistics Canada's concordance); a NAICS code
must exist in NAICS Canada 2017. Anything else is an :class:`InputError` that
names the code and the nearest real ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Tuple

from .errors import InputError
from .refdata import ReferenceData

__all__ = ["NocInput", "parse_noc", "parse_industry", "NOC_VERSIONS"]

NOC_VERSIONS = ("2016", "2021")


@dataclass(frozen=True)
class NocInput:
    """The occupation as given, and the NOC 2016 unit group(s) it stands for."""

    code: str
    version: str  # "2016" or "2021"
    title: str
    candidates: Tuple[str, ...]  # NOC 2016 codes


def parse_noc(text: object, refdata: ReferenceData, noc_version: str = "2016") -> NocInput:
    code = str(text).strip() if text is not None else ""
    if noc_version not in NOC_VERSIONS:
        raise InputError(f"unknown NOC version {noc_version!r}", hint="use 2016 or 2021")
    if noc_version == "2021":
        if not re.fullmatch(r"\d{5}", code):
            hint = "a NOC 2016 code has four digits; drop --noc-version 2021" if re.fullmatch(r"\d{4}", code) else None
            raise InputError(f"NOC 2021 code {code!r} is not five digits", hint=hint)
        rows = refdata.concordance.get(code)
        if not rows:
            near = [c for c in sorted(refdata.concordance) if c[:3] == code[:3]][:5]
            raise InputError(f"NOC 2021 code {code} is not a NOC 2021 unit group",
                             hint=f"nearest: {', '.join(near)}" if near else None)
        return NocInput(code, "2021", rows[0].noc2021_title, tuple(sorted({r.noc2016 for r in rows})))
    if not re.fullmatch(r"\d{4}", code):
        hint = None
        if re.fullmatch(r"\d{5}", code):
            hint = "this looks like a five-digit NOC 2021 code; use --noc-version 2021"
        raise InputError(f"NOC code {code!r} is not four digits", hint=hint)
    unit = refdata.noc2016.get(code)
    if unit is None:
        near = refdata.nearest_nocs(code)
        raise InputError(f"NOC code {code} is not a NOC 2016 unit group",
                         hint="nearest: " + "; ".join(f"{c} {refdata.noc2016[c].title}" for c in near))
    return NocInput(code, "2016", unit.title, (code,))


def parse_industry(text: object, refdata: ReferenceData) -> Optional[str]:
    if text is None:
        return None
    code = str(text).strip()
    if code == "":
        return None
    if not re.fullmatch(r"\d{2,6}", code):
        raise InputError(f"NAICS code {code!r} is not 2 to 6 digits")
    if code in refdata.naics2017:
        return code
    later = refdata.naics2022.get(code)
    if later is not None:
        raise InputError(f"NAICS code {code} is not in NAICS Canada 2017",
                         hint=f"it is {later.title!r} in NAICS Canada 2022, but the policy is written in "
                              f"NAICS Canada 2017")
    near = refdata.nearest_naics(code)
    us = ("six-digit codes differ between the US and Canadian NAICS; "
          if len(code) == 6 and code[:5] in refdata.naics2017 else "")
    raise InputError(f"NAICS code {code} is not in NAICS Canada 2017",
                     hint=us + "nearest: " + "; ".join(f"{c} {refdata.naics2017[c].title}" for c in near))
