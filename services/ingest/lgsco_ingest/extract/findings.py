"""What the Ombudsman found, read from a decision's summary, and the finer outcome councils report.

The published outcome (Upheld / Not upheld / Closed after initial enquiries) is coarse. The LGSCO's
statistics for councils split it further ("Upheld: fault, no injustice", "Closed after initial
enquiries – out of jurisdiction", ...; see the Kent report in ../shared/seeds, Appendix 5). The
summary usually says which: "We will not investigate ... because he could appeal to a tribunal",
"We found fault ... but this did not cause Mr X an injustice". Where it does not, the answer is
None: unknown stays unknown.

Order of reading, first match wins:
1. not investigated ("will not investigate", "discontinued"), or closed after initial enquiries:
   the first reason given decides premature / remedied / out of jurisdiction, else not_investigated;
2. premature ("should first complain to the Council");
3. remedied before the decision ("has already apologised, which is a suitable remedy") when no
   further remedy is agreed;
4. fault without injustice; 5. fault and injustice; 6. no fault.
A Not upheld outcome with "no fault" in the text reads no_fault even where fault by another body is
mentioned (Kent 22 015 550: the Home was at fault, the Council was not).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lgsco_ingest.extract.remedies import RemedyItem, extract_remedies
from lgsco_ingest.extract.remedy_text import normalise
from lgsco_ingest.site.records import Section
from lgsco_shared.domain import FINE_OUTCOMES, Finding, Outcome, RemedyType

(
    UPHELD_FAULT_AND_INJUSTICE,
    UPHELD_FAULT_NO_INJUSTICE,
    UPHELD_NO_FURTHER_ACTION,
    NOT_UPHELD_NO_FAULT,
    NOT_UPHELD_NO_FURTHER_ACTION,
    CLOSED_NO_FURTHER_ACTION,
    CLOSED_OUT_OF_JURISDICTION,
    REFERRED_BACK,
) = (label for _, label in FINE_OUTCOMES)

_FINE: dict[tuple[Outcome | None, Finding], str] = {
    (Outcome.UPHELD, Finding.FAULT_AND_INJUSTICE): UPHELD_FAULT_AND_INJUSTICE,
    (Outcome.UPHELD, Finding.FAULT_NO_INJUSTICE): UPHELD_FAULT_NO_INJUSTICE,
    (Outcome.UPHELD, Finding.REMEDIED_BEFORE_DECISION): UPHELD_NO_FURTHER_ACTION,
    (Outcome.UPHELD, Finding.NOT_INVESTIGATED): UPHELD_NO_FURTHER_ACTION,
    (Outcome.NOT_UPHELD, Finding.NO_FAULT): NOT_UPHELD_NO_FAULT,
    (Outcome.NOT_UPHELD, Finding.NOT_INVESTIGATED): NOT_UPHELD_NO_FURTHER_ACTION,
    (Outcome.NOT_UPHELD, Finding.REMEDIED_BEFORE_DECISION): NOT_UPHELD_NO_FURTHER_ACTION,
    (Outcome.NOT_UPHELD, Finding.OUT_OF_JURISDICTION): NOT_UPHELD_NO_FURTHER_ACTION,
    (
        Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES,
        Finding.OUT_OF_JURISDICTION,
    ): CLOSED_OUT_OF_JURISDICTION,
    (Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES, Finding.PREMATURE): REFERRED_BACK,
    (None, Finding.FAULT_AND_INJUSTICE): UPHELD_FAULT_AND_INJUSTICE,
    (None, Finding.FAULT_NO_INJUSTICE): UPHELD_FAULT_NO_INJUSTICE,
    (None, Finding.PREMATURE): REFERRED_BACK,
}
_CLOSED_NO_FURTHER_ACTION = {
    Finding.NOT_INVESTIGATED,
    Finding.NO_FAULT,
    Finding.REMEDIED_BEFORE_DECISION,
    Finding.FAULT_NO_INJUSTICE,
}

_NOT_INVESTIGATED = re.compile(
    r"\b(?:will|would|did|do|does|shall)\s+not\s+(?:investigate|start|begin|pursue|continue)"
    r"|\bdecided\s+not\s+to\s+investigate|\bdiscontinu\w*|\bnot\s+intend\s+to\s+(?:pursue|investigate)"
    r"|\bcannot\s+investigate|\bended\s+(?:our|the|my)\s+investigation"
)
_PREMATURE = re.compile(
    r"\bpremature\b|\blocal\s+resolution\b|\bshould\s+first\s+complain|\bfirst\s+complain\s+to"
    r"|\b(?:has|have|had)\s+not\s+(?:yet\s+)?(?:complained|made\s+a\s+(?:formal\s+)?complaint"
    r"|completed|been\s+through|used|exhausted)\b|\bnot\s+yet\s+(?:complained|completed)"
    r"|\b(?:chance|opportunity)\s+to\s+(?:respond|consider|deal|investigate)"
    r"|\bcomplete\s+the\s+council's\s+complaints?\s+(?:procedure|process)|\breferred\s+(?:\w+\s+)?back"
)
_REMEDIED = re.compile(
    r"\b(?:has|have|had)\s+(?:already\s+|now\s+|since\s+)?(?:remedied|resolved|put\s+(?:this|it"
    r"|things|matters)\s+right)"
    r"|\b(?:provided|offered|given|made)\s+(?:a|an)"
    r"\s+(?:suitable|satisfactory|appropriate|proportionate|fair|meaningful)\s+remedy"
    r"|\b(?:has|have)\s+(?:now\s+|already\s+|also\s+)?offered\s+(?:to\s+)?(?:\w+\s+){0,3}?"
    r"(?:waive|refund|pay|apologi|remed|symbolic)"
    r"|\bsufficiently\s+remedied|\b(?:was|were|been)\s+remedied|\bremedied\s+(?:the|this|it)\b"
    r"|\balready\s+(?:apologi[sz]ed|remedied|put|paid|refunded|offered|provided)"
    r"|\bresolved\s+(?:the\s+complaint|early)|\bhas\s+been\s+resolved"
)
_OUT_OF_JURISDICTION = re.compile(
    r"\bout(?:side)?\s+(?:of\s+)?(?:our|the\s+ombudsman's|my)?\s*jurisdiction"
    r"|\b(?:appeal\w*|go|went|challenge\w*|apply|take\s+\w+|pursue\s+\w+)\s+(?:\w+\s+){0,4}?"
    r"(?:to|at|in)\s+(?:the\s+|a\s+)?(?:\w+\s+)?(?:court|tribunal)"
    r"|\b(?:the\s+)?courts?\s+(?:could|can|would|remedy)|\bcourt\s+remedy|\bright\s+of\s+appeal"
    r"|\breasonable\s+(?:for|to\s+expect)\s+\w+(?:\s+\w+)?\s+to\s+(?:appeal|use|go|take|seek"
    r"|challenge|pursue|request)"
    r"|\btoo\s+late\b|\bcomplaint\s+is\s+late|\blate\s+complaint|\binformation\s+commissioner"
    r"|\bappropriate\s+body|\bbest\s+considered\s+by|\bbetter\s+placed"
)
_NO_FURTHER_REASON = re.compile(
    r"\b(?:insufficient|not\s+enough|no)\s+evidence\s+of\s+fault|\bunlikely\b"
    r"|\bwould\s+not\s+(?:achieve|lead)|\bnot\s+achieve|\bno\s+(?:worthwhile|different|significant)"
    r"|\bassessment\s+code|\bnot\s+meet\s+the\s+tests|\bnothing\s+(?:significant|meaningful|more)"
    r"|\bcould\s+not\s+add|\bnot\s+(?:a\s+)?significant|\bnot\s+warrant|\bdisproportionate"
    r"|\bsuitable\s+representative"
)
_NO_FAULT = re.compile(
    r"\bno\s+(?:evidence\s+of\s+)?(?:administrative\s+)?fault\b|\bnot\s+(?:\w+\s+){0,3}?at\s+fault\b"
    r"|\bnot\s+find\s+(?:any\s+)?(?:\w+\s+){0,3}?fault|\bwithout\s+fault\b"
    r"|\bnot\s+found\s+(?:any\s+)?(?:evidence\s+of\s+)?fault|\b(?:do|did)\s+not\s+uphold"
    r"|\bnot\s+upheld|\babsence\s+of\s+(?:any\s+)?(?:administrative\s+)?fault"
)
# Said of fault, but not a finding of it: "insufficient evidence of fault", "any fault"
_NOT_A_FAULT_FINDING = re.compile(
    r"\b(?:insufficient|not\s+enough|unlikely\s+to\s+find|unlikely\s+the\s+\w+\s+would\s+find)"
    r"\s+(?:evidence\s+of\s+)?fault|\bany\s+fault\b|\bif\s+there\s+was\s+(?:any\s+)?fault"
)
_FAULT = re.compile(
    r"\bfault|\bmaladministration\b|\bfailings\b|\bwe\s+(?:have\s+)?upheld|\bupholds?\b"
)
_NO_INJUSTICE = re.compile(
    # "did not cause Mr X an injustice", "we do not consider this caused Mr X any injustice";
    # not "it is not possible to remedy this injustice"
    r"\b(?:not|no)\s+(?:(?!remed)\w+\s+){0,6}?(?:significant\s+|personal\s+|any\s+|an\s+)*"
    r"injustice\b"
    r"|\bwithout\s+(?:causing\s+)?(?:any\s+)?injustice"
)
_INJUSTICE = re.compile(
    r"\binjustice\b|\b(?:distress|frustration|uncertainty|time\s+and\s+trouble|anxiety"
    r"|inconvenience|confusion|financial\s+loss|upset|worry|avoidable)\b"
)
# "The Council has agreed to our recommendations", "we set out action it has agreed to take"
_REMEDY_AGREED = re.compile(
    r"\bagree\w*\s+(?:to\s+)?(?:our\s+)?(?:recommendations?|remedy|action|a\s+(?:further\s+)?"
    r"(?:remedy|payment))|\brecommended\s+actions?|\baction\s+(?:it|the\s+\w+(?:\s+\w+)?)\s+has\s+agreed"
    r"|\baccepted\s+(?:our|my|these)\s+(?:recommendations|findings)"
)
_FINAL_SECTIONS = re.compile(r"^(?:final\s+decision|decision|conclusions?)$", re.IGNORECASE)


def classify_finding(
    summary: str, sections: Sequence[Section], outcome: Outcome | None
) -> Finding | None:
    """The finding the summary states; failing that, the `Final decision` section's."""
    finding = _classify(summary, outcome)
    for section in sections:
        if finding is None and _FINAL_SECTIONS.match(normalise(section.heading)):
            finding = _classify(" ".join(section.paragraphs), outcome)
    return finding


def fine_outcome(outcome: Outcome | None, finding: Finding | None) -> str | None:
    """The LGSCO's finer outcome label, as councils report it; None where it cannot be told."""
    if finding is None:
        return None
    if outcome is Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES and finding in _CLOSED_NO_FURTHER_ACTION:
        return CLOSED_NO_FURTHER_ACTION
    return _FINE.get((outcome, finding))


def _classify(text: str, outcome: Outcome | None) -> Finding | None:
    low = normalise(text).lower()
    if not low:
        return None
    if _NOT_INVESTIGATED.search(low) or outcome is Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES:
        reason = _first_reason(low)
        if reason is not None or _NOT_INVESTIGATED.search(low):
            return reason or Finding.NOT_INVESTIGATED
    if _PREMATURE.search(low):
        return Finding.PREMATURE
    items = tuple(extract_remedies(text, (), None))  # once: every check below reads them
    if _REMEDIED.search(low) and not _further_remedy(items, low):
        return Finding.REMEDIED_BEFORE_DECISION
    return _investigated(low, items, outcome)


def _investigated(low: str, items: Sequence[RemedyItem], outcome: Outcome | None) -> Finding | None:
    no_fault = _NO_FAULT.search(low) is not None
    fault = _FAULT.search(_NO_FAULT.sub(" ", _NOT_A_FAULT_FINDING.sub(" ", low))) is not None
    if outcome is Outcome.NOT_UPHELD and no_fault:
        return Finding.NO_FAULT
    remedy = _further_remedy(items, low)
    personal = _further_remedy(items, low, personal_only=True)
    if (fault or re.search(r"\bfault\b", low)) and _NO_INJUSTICE.search(low) and not personal:
        return Finding.FAULT_NO_INJUSTICE
    if fault and (_INJUSTICE.search(low) or remedy or outcome is Outcome.UPHELD):
        return Finding.FAULT_AND_INJUSTICE
    if remedy and outcome is Outcome.UPHELD:  # "We did not uphold most ... will apologise"
        return Finding.FAULT_AND_INJUSTICE
    if no_fault:
        return Finding.NO_FAULT
    return Finding.FAULT_AND_INJUSTICE if remedy else None


def _first_reason(low: str) -> Finding | None:
    reasons = [
        (Finding.PREMATURE, _PREMATURE),
        (Finding.REMEDIED_BEFORE_DECISION, _REMEDIED),
        (Finding.OUT_OF_JURISDICTION, _OUT_OF_JURISDICTION),
        (Finding.NOT_INVESTIGATED, _NO_FURTHER_REASON),
    ]
    found = [(m.start(), finding) for finding, rx in reasons if (m := rx.search(low))]
    return min(found, key=lambda pair: pair[0])[1] if found else None


def _further_remedy(items: Sequence[RemedyItem], low: str, *, personal_only: bool = False) -> bool:
    """A remedy still to come (agreed or recommended), beyond what was done or merely offered.

    `personal_only` leaves out changes to how the body works (training, procedures): those are
    agreed even where the fault caused nobody an injustice.
    """
    pending = [
        item for item in items if item.to_do and not (personal_only and item.type in _SYSTEMIC)
    ]
    return bool(pending) or (not personal_only and _REMEDY_AGREED.search(low) is not None)


_SYSTEMIC = {RemedyType.STAFF_TRAINING, RemedyType.PROCEDURE_REVIEW}
