"""The labelled remedy clauses of tests/data/remedy_clauses.jsonl, split into a tuning part and a
held-back part, and their item-level scoring (types, amounts, commitment, payee, deadline).

The cases were written for this project in the LGSCO's style (../shared/lgsco-drafting.md), by
someone who had not read the extractor. The split is fixed by each case's id: a case is held back
when the first byte of the SHA-256 of its id is 0 or 1 modulo 5 (about 40%). Patterns are tuned
on the `tune` part only; the `holdout` part is scored, never read for tuning, and its report
names no sentence, only figures.

Scoring is per item. Within a case, predicted and labelled items of one type are paired, money
first by equal amount, then in order; a pair is a true positive, an unpaired prediction a false
positive, an unpaired label a false negative. Over the pairs: amounts (exact, with an amount
read where none is labelled counted wrong), commitment (done / to do / offered, and the finer
agreed vs recommended), payee of payments, and deadline text (case-insensitive).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

from lgsco_ingest.extract.remedies import RemedyItem, extract_remedies
from lgsco_ingest.site.records import Section
from lgsco_shared.domain import RemedyCommitment, RemedyType

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "remedy_clauses.jsonl"
# A second set written later for tuning only, so every case in it is `tune`.
TUNE_ONLY = DATA.with_name("remedy_clauses_tune2.jsonl")
Split = Literal["tune", "holdout"]
HEADINGS = {"agreed_action": "Agreed action", "recommended_action": "Recommended action"}
MONEY = frozenset({RemedyType.FINANCIAL_PAYMENT, RemedyType.REFUND_OR_WAIVE})


@dataclass(frozen=True)
class Gold:
    type: RemedyType
    amount: Decimal | None
    payee: str | None
    commitment: RemedyCommitment
    deadline_text: str | None


@dataclass(frozen=True)
class ClauseCase:
    id: str
    summary: str
    sections: tuple[Section, ...]
    decided_on: date | None
    gold: tuple[Gold, ...]

    def predict(self) -> list[RemedyItem]:
        return extract_remedies(self.summary, self.sections, self.decided_on)


def split_of(case_id: str) -> Split:
    return "holdout" if hashlib.sha256(case_id.encode()).digest()[0] % 5 < 2 else "tune"


def load_clauses(split: Split) -> list[ClauseCase]:
    cases = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.strip() and split_of((row := json.loads(line))["id"]) == split:
            cases.append(_case(row))
    if split == "tune" and TUNE_ONLY.is_file():
        lines = TUNE_ONLY.read_text(encoding="utf-8").splitlines()
        cases += [_case(json.loads(line)) for line in lines if line.strip()]
    return cases


def _case(row: dict[str, object]) -> ClauseCase:
    where = str(row["where"])
    paragraphs = row.get("paragraphs")
    sections: tuple[Section, ...] = ()
    if isinstance(paragraphs, list):
        sections = (Section(HEADINGS[where], tuple(str(p) for p in paragraphs)),)
    decided = row.get("decided_on")
    remedies = row["remedies"]
    assert isinstance(remedies, list)
    return ClauseCase(
        id=str(row["id"]),
        summary=str(row.get("text") or ""),
        sections=sections,
        decided_on=date.fromisoformat(decided) if isinstance(decided, str) else None,
        gold=tuple(
            Gold(
                type=RemedyType(r["type"]),
                amount=Decimal(r["amount"]) if r.get("amount") else None,
                payee=r.get("payee"),
                commitment=RemedyCommitment(r["commitment"]),
                deadline_text=r.get("deadline_text"),
            )
            for r in remedies
        ),
    )


def _stage(commitment: RemedyCommitment) -> str:
    """done / to do / offered: what decides whether a council must chase a remedy."""
    if commitment in (RemedyCommitment.AGREED, RemedyCommitment.RECOMMENDED):
        return "to do"
    return commitment.value


@dataclass
class ClauseScores:
    tp: Counter[RemedyType] = field(default_factory=Counter)
    fp: Counter[RemedyType] = field(default_factory=Counter)
    fn: Counter[RemedyType] = field(default_factory=Counter)
    amounts: Counter[str] = field(default_factory=Counter)  # labelled, exact, spurious
    stage: Counter[bool] = field(default_factory=Counter)
    commitment: Counter[bool] = field(default_factory=Counter)
    payee: Counter[bool] = field(default_factory=Counter)
    deadline: Counter[bool] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = sum(self.tp.values()) + sum(self.fp.values())
        return sum(self.tp.values()) / found if found else 0.0

    @property
    def recall(self) -> float:
        labelled = sum(self.tp.values()) + sum(self.fn.values())
        return sum(self.tp.values()) / labelled if labelled else 0.0

    @property
    def amounts_exact(self) -> float:
        denominator = self.amounts["labelled"] + self.amounts["spurious"]
        return self.amounts["exact"] / denominator if denominator else 1.0

    @staticmethod
    def share(counter: Counter[bool]) -> float:
        total = counter[True] + counter[False]
        return counter[True] / total if total else 1.0

    def items(self) -> int:
        return sum(self.tp.values()) + sum(self.fn.values())


def score_clauses(cases: Iterable[ClauseCase]) -> ClauseScores:
    scores = ClauseScores()
    for case in cases:
        predicted = case.predict()
        for kind in RemedyType:
            want = [g for g in case.gold if g.type is kind]
            got = [p for p in predicted if p.type is kind]
            pairs = _pair(want, got)
            scores.tp[kind] += len(pairs)
            scores.fp[kind] += len(got) - len(pairs)
            scores.fn[kind] += len(want) - len(pairs)
            if len(got) > len(pairs):
                scores.misses.append(f"{case.id}: extra {kind.value} x{len(got) - len(pairs)}")
            if len(want) > len(pairs):
                scores.misses.append(f"{case.id}: missed {kind.value} x{len(want) - len(pairs)}")
            for gold, item in pairs:
                _score_pair(scores, case.id, gold, item)
    return scores


def _pair(want: Sequence[Gold], got: Sequence[RemedyItem]) -> list[tuple[Gold, RemedyItem]]:
    left_want, left_got = list(want), list(got)
    pairs = []
    for gold in want:  # equal amounts first, so "£500 to Mr X and £3,000 to his parents" pair up
        if gold.amount is None:
            continue
        same = next((i for i in left_got if i.amount == gold.amount), None)
        if same is not None:
            pairs.append((gold, same))
            left_want.remove(gold)
            left_got.remove(same)
    pairs += list(zip(left_want, left_got, strict=False))
    return pairs


def _score_pair(scores: ClauseScores, case_id: str, gold: Gold, item: RemedyItem) -> None:
    if gold.type in MONEY:
        if gold.amount is not None:
            scores.amounts["labelled"] += 1
            scores.amounts["exact"] += item.amount == gold.amount
        elif item.amount is not None:
            scores.amounts["spurious"] += 1
        if item.amount != gold.amount:
            scores.misses.append(
                f"{case_id}: {gold.type.value} amount {item.amount} != {gold.amount}"
            )
    if gold.type is RemedyType.FINANCIAL_PAYMENT:
        right = _norm(item.payee) == _norm(gold.payee)
        scores.payee[right] += 1
        if not right:
            scores.misses.append(f"{case_id}: payee {item.payee!r} != {gold.payee!r}")
    right_stage = _stage(item.commitment) == _stage(gold.commitment)
    scores.stage[right_stage] += 1
    scores.commitment[item.commitment is gold.commitment] += 1
    if item.commitment is not gold.commitment:
        scores.misses.append(
            f"{case_id}: {gold.type.value} {item.commitment.value} != {gold.commitment.value}"
        )
    right_deadline = _norm(item.deadline_text) == _norm(gold.deadline_text)
    scores.deadline[right_deadline] += 1
    if not right_deadline:
        scores.misses.append(
            f"{case_id}: {gold.type.value} deadline {item.deadline_text!r} != "
            f"{gold.deadline_text!r}"
        )


def _norm(text: str | None) -> str | None:
    return " ".join(text.lower().split()) if text else None


def summary_lines(name: str, scores: ClauseScores) -> list[str]:
    """Figures only: safe to print for the held-back part."""
    return [
        f"{name}: {scores.items()} labelled remedies",
        f"  type precision {scores.precision:.3f}, recall {scores.recall:.3f}",
        f"  amounts exact {scores.amounts_exact:.3f} ({scores.amounts['exact']}/"
        f"{scores.amounts['labelled']}, {scores.amounts['spurious']} read where none stated)",
        f"  done / to do / offered right {ClauseScores.share(scores.stage):.3f}; "
        f"agreed vs recommended too {ClauseScores.share(scores.commitment):.3f}",
        f"  payee of payments right {ClauseScores.share(scores.payee):.3f} "
        f"({scores.payee[True]}/{scores.payee[True] + scores.payee[False]})",
        f"  deadline as written {ClauseScores.share(scores.deadline):.3f}",
    ]


def per_type_lines(scores: ClauseScores) -> list[str]:
    lines = []
    for kind in RemedyType:
        tp, fp, fn = scores.tp[kind], scores.fp[kind], scores.fn[kind]
        p = f"{tp / (tp + fp):.2f}" if tp + fp else "  - "
        r = f"{tp / (tp + fn):.2f}" if tp + fn else "  - "
        lines.append(f"  {kind.value:<18} P {p} R {r} ({tp + fn})")
    return lines
