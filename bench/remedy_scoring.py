"""Labelled remedy sets and their scoring, shared by tests/unit/test_remedies.py and the bench.

Three sets:
- corpus: the 55 labelled decisions of ../shared/corpus/decisions.jsonl (summary only);
- kent: the 28 decisions in Appendix 6 of the Kent report in ../shared/seeds, labelled by us in
  tests/data/kent_remedy_labels.json (the summaries stay in ../shared);
- agreed: the invented `Agreed action` sections of tests/data/agreed_action_cases.json.
The first two need ../shared (or LGSCO_CORPUS_DIR / LGSCO_SEEDS_DIR) and are None without it.

Scoring is per decision and per remedy type: a type is predicted or not, labelled or not. Amounts
are compared as multisets per type, over the types a set labels amounts for.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from lgsco_ingest.extract.remedies import RemedyItem, extract_remedies
from lgsco_ingest.site.records import Section
from lgsco_shared.domain import Finding, Outcome, RemedyType
from lgsco_shared.references import normalise as normalise_reference

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
KENT_REPORT = "003_202159c9da5d80b1.txt"

# The corpus labels' vocabulary -> ours. The one place this mapping lives.
# `service_improvement` ("make service improvements", "has improved its procedures", "action to
# prevent similar faults in future") is a change to how the body works: our PROCEDURE_REVIEW.
# The corpus has no `other`, so OTHER is not scored on it.
CORPUS_TYPES: dict[str, RemedyType] = {
    "staff_training": RemedyType.STAFF_TRAINING,
    "procedure_review": RemedyType.PROCEDURE_REVIEW,
    "service_improvement": RemedyType.PROCEDURE_REVIEW,
    "reassessment": RemedyType.REASSESSMENT,
    "provide_service": RemedyType.PROVIDE_SERVICE,
    "refund_or_waive": RemedyType.REFUND_OR_WAIVE,
    "explanation": RemedyType.EXPLANATION,
    "review_decision": RemedyType.REVIEW_DECISION,
}
MONEY = frozenset({RemedyType.FINANCIAL_PAYMENT, RemedyType.REFUND_OR_WAIVE})


@dataclass(frozen=True)
class Expected:
    type: RemedyType
    amount: Decimal | None = None
    fields: Mapping[str, object] = field(default_factory=dict, compare=False)  # payee, due_on ...


@dataclass(frozen=True)
class LabelledCase:
    key: str
    summary: str
    sections: tuple[Section, ...]
    decided_on: date | None
    outcome: Outcome | None
    expected: tuple[Expected, ...]
    scored_types: frozenset[RemedyType]
    amount_types: frozenset[RemedyType]
    finding: Finding | None = None
    fine_outcome: str | None = None

    def predict(self) -> list[RemedyItem]:
        return extract_remedies(self.summary, self.sections, self.decided_on)


# --- Loading ---------------------------------------------------------------------------------


def shared_dir(kind: str) -> Path:
    """../shared/<kind> beside the repository, or LGSCO_CORPUS_DIR / LGSCO_SEEDS_DIR."""
    env = os.environ.get(f"LGSCO_{kind.upper()}_DIR")
    return Path(env) if env else REPO.parent / "shared" / kind


def load_corpus(*, labelled_only: bool = True) -> list[LabelledCase] | None:
    """The corpus decisions with remedy labels (or all 109, unlabelled ones expecting none)."""
    path = shared_dir("corpus") / "decisions.jsonl"
    if not path.is_file():
        return None
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [_corpus_case(row) for row in rows if "remedies" in row or not labelled_only]


_NO_LABELS = {"apology": False, "payments": [], "payment_unquantified": False, "other": []}


def _corpus_case(row: dict[str, object]) -> LabelledCase:
    truth, labels = row["truth"], row.get("remedies", _NO_LABELS)
    assert isinstance(truth, dict) and isinstance(labels, dict)
    expected = [Expected(RemedyType.APOLOGY)] if labels["apology"] else []
    expected += [
        Expected(RemedyType.FINANCIAL_PAYMENT, Decimal(str(a))) for a in labels["payments"]
    ]
    if labels["payment_unquantified"]:
        expected.append(Expected(RemedyType.FINANCIAL_PAYMENT))
    expected += [Expected(CORPUS_TYPES[name]) for name in labels["other"]]
    decided = truth["decision_date"]
    return LabelledCase(
        key=str(truth["ref"]),
        summary=str(truth["summary"]),
        sections=(),
        decided_on=date.fromisoformat(decided) if isinstance(decided, str) else None,
        outcome=_outcome(truth["decision"]),
        expected=tuple(expected),
        scored_types=frozenset(RemedyType) - {RemedyType.OTHER},
        amount_types=frozenset({RemedyType.FINANCIAL_PAYMENT}),
    )


# "Upheld: Fault and Injustice: Charging - 18 April 2023 (22 012 006)"
_KENT_HEADING = re.compile(
    r"^(?P<heading>(?:Upheld|Not upheld):.*?)\s*-\s*(?P<date>\d{1,2}\s+[A-Z][a-z]+(?:\s+\d{4})?)"
    r"\s*\((?P<ref>\d{2}\s?\d{3}\s?\d{3})\)\s*$",
    re.MULTILINE,
)


def read_kent_summaries(text: str) -> dict[str, tuple[str, date | None, str]]:
    """Appendix 6 of the Kent report: reference -> (printed outcome, date, summary)."""
    appendix = text[text.index("Appendix 6") :]
    headings = list(_KENT_HEADING.finditer(appendix))
    found: dict[str, tuple[str, date | None, str]] = {}
    for heading, following in zip(headings, [*headings[1:], None], strict=True):
        body = appendix[heading.end() : following.start() if following else None]
        summary = re.sub(r"^\s*Summary:\s*", "", " ".join(body.split()))
        try:
            decided: date | None = datetime.strptime(heading["date"], "%d %B %Y").date()
        except ValueError:  # "23 November": no year printed
            decided = None
        found[normalise_reference(heading["ref"])] = (heading["heading"], decided, summary)
    return found


def load_kent() -> list[LabelledCase] | None:
    path = shared_dir("seeds") / KENT_REPORT
    if not path.is_file():
        return None
    summaries = read_kent_summaries(path.read_text(encoding="utf-8"))
    labels = json.loads((DATA / "kent_remedy_labels.json").read_text(encoding="utf-8"))
    cases = []
    for ref, label in labels["decisions"].items():
        heading, decided, summary = summaries[ref]
        cases.append(
            LabelledCase(
                key=ref,
                summary=summary,
                sections=(),
                decided_on=decided,
                outcome=Outcome.NOT_UPHELD if heading.startswith("Not") else Outcome.UPHELD,
                expected=tuple(_expected(e) for e in label["remedies"]),
                scored_types=frozenset(RemedyType),
                amount_types=MONEY,
                finding=Finding(label["finding"]),
                fine_outcome=label["fine_outcome"],
            )
        )
    return cases


def load_agreed_actions() -> list[LabelledCase]:
    data = json.loads((DATA / "agreed_action_cases.json").read_text(encoding="utf-8"))
    return [
        LabelledCase(
            key=case["name"],
            summary=case["summary"],
            sections=tuple(Section(s["heading"], tuple(s["paragraphs"])) for s in case["sections"]),
            decided_on=date.fromisoformat(case["decided_on"]),
            outcome=None,
            expected=tuple(_expected(e) for e in case["expected"]),
            scored_types=frozenset(RemedyType),
            amount_types=MONEY,
        )
        for case in data["cases"]
    ]


def _expected(label: Mapping[str, object]) -> Expected:
    amount = label.get("amount")
    extra = {k: v for k, v in label.items() if k not in ("type", "amount", "note")}
    return Expected(RemedyType(str(label["type"])), Decimal(str(amount)) if amount else None, extra)


def _outcome(label: object) -> Outcome | None:
    names = {"Upheld": Outcome.UPHELD, "Not upheld": Outcome.NOT_UPHELD}
    if label == "Closed after initial enquiries":
        return Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES
    return names.get(str(label))


def load_sets() -> dict[str, list[LabelledCase] | None]:
    return {"corpus": load_corpus(), "kent": load_kent(), "agreed": load_agreed_actions()}


# --- Scoring ---------------------------------------------------------------------------------


@dataclass
class Scores:
    tp: Counter[RemedyType] = field(default_factory=Counter)
    fp: Counter[RemedyType] = field(default_factory=Counter)
    fn: Counter[RemedyType] = field(default_factory=Counter)
    amounts_expected: int = 0
    amounts_exact: int = 0
    amounts_spurious: int = 0
    misses: list[str] = field(default_factory=list)  # one line per disagreement, for reports

    def precision(self, kind: RemedyType) -> float | None:
        found = self.tp[kind] + self.fp[kind]
        return self.tp[kind] / found if found else None

    def recall(self, kind: RemedyType) -> float | None:
        support = self.support(kind)
        return self.tp[kind] / support if support else None

    def support(self, kind: RemedyType) -> int:
        return self.tp[kind] + self.fn[kind]

    @property
    def amount_share(self) -> float:
        """Amounts read exactly / (amounts labelled + amounts read that were not labelled)."""
        denominator = self.amounts_expected + self.amounts_spurious
        return self.amounts_exact / denominator if denominator else 1.0


Predict = Callable[[LabelledCase], Sequence[RemedyItem]]


def score(cases: Iterable[LabelledCase], predict: Predict = LabelledCase.predict) -> Scores:
    scores = Scores()
    for case in cases:
        items = predict(case)
        got = {i.type for i in items} & case.scored_types
        want = {e.type for e in case.expected} & case.scored_types
        for kind in got & want:
            scores.tp[kind] += 1
        for kind in got - want:
            scores.fp[kind] += 1
            scores.misses.append(f"{case.key}: extra {kind}")
        for kind in want - got:
            scores.fn[kind] += 1
            scores.misses.append(f"{case.key}: missed {kind}")
        _score_amounts(scores, case, items)
    return scores


def _score_amounts(scores: Scores, case: LabelledCase, items: Sequence[RemedyItem]) -> None:
    for kind in case.amount_types:
        want = Counter(e.amount for e in case.expected if e.type is kind and e.amount is not None)
        got = Counter(i.amount for i in items if i.type is kind and i.amount is not None)
        exact, spurious = sum((want & got).values()), sum((got - want).values())
        scores.amounts_expected += sum(want.values())
        scores.amounts_exact += exact
        scores.amounts_spurious += spurious
        if want != got:
            scores.misses.append(f"{case.key}: {kind} amounts {dict(got)} != {dict(want)}")


def combine(parts: Iterable[Scores]) -> Scores:
    total = Scores()
    for part in parts:
        total.tp += part.tp
        total.fp += part.fp
        total.fn += part.fn
        total.amounts_expected += part.amounts_expected
        total.amounts_exact += part.amounts_exact
        total.amounts_spurious += part.amounts_spurious
        total.misses += part.misses
    return total


def format_table(scores_by_set: dict[str, Scores]) -> str:
    """Precision / recall (support) per type and set, then the share of amounts read exactly."""
    names = list(scores_by_set)
    lines = [f"{'type':<18}" + "".join(f"{name:>22}" for name in names)]
    for kind in RemedyType:
        cells = [_cell(scores_by_set[name], kind) for name in names]
        lines.append(f"{kind.value:<18}" + "".join(f"{c:>22}" for c in cells))
    amounts = [
        f"{s.amount_share:.0%} ({s.amounts_exact}/{s.amounts_expected}, +{s.amounts_spurious})"
        for s in scores_by_set.values()
    ]
    lines.append(f"{'amounts exact':<18}" + "".join(f"{a:>22}" for a in amounts))
    return "\n".join(lines)


def _cell(scores: Scores, kind: RemedyType) -> str:
    p, r = scores.precision(kind), scores.recall(kind)
    if p is None and r is None:
        return "-"
    shown = [f"{v:.2f}" if v is not None else "  - " for v in (p, r)]
    return f"P {shown[0]} R {shown[1]} ({scores.support(kind)})"
