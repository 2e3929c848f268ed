"""Remedies an LGSCO decision records: what the body agreed to do, how much, for whom, by when.

Read from the summary ("The Council has agreed to apologise to Mr C, pay him £300 and improve its
procedures") and from the `Agreed action` / `Action` / `Recommended action` sections ("Within one
month of the final decision, the Council will: apologise to Mrs X; pay Mrs X £200 ..."). Pure:
strings in, dataclasses out. The phrasings live in remedy_text.py.

Decisions this module makes (the corpus labels in ../shared/corpus are the reference):
- A remedy the body had already given ("The Council has apologised", "has already taken steps to
  prevent a recurrence") is still a remedy: the corpus labels count it, and councils report it.
- Each remedy's `commitment` is read from the verb that governs it, clause by clause: the nearest
  cue before it in its sentence (remedy_text.COMMITMENT_CUE): done ("has apologised"), agreed
  ("has agreed to", "will"), recommended ("should", "we recommend") or offered ("offered £200").
  "has apologised and will pay £200" is one done and one agreed remedy; a stock phrase such as
  "the time and trouble she has been put to" is no cue at all. A list item with no cue of its own
  takes its lead-in's ("Within one month the Council will:"); with no cue anywhere, a remedy in a
  `Recommended action` section is recommended and any other agreed (being listed as the action
  is what agrees it). Whether the complaint was remedied before the decision is the finding's
  business (findings.py).
- `payee` is who receives money (payments, refunds), as written: "Mrs X", "Mr and Mrs L",
  "Ms B and her father"; "him/her/them" resolve to the last person named before. "£250 each" to
  several people becomes one item per person. Apologies and other actions carry no payee.
- A section and the summary usually state the same remedies: the section is preferred, and a
  summary item is dropped when the section has one of its type with the same amount (or the
  summary gives none, or gives the section's total).
- "The Council should provide us with evidence it has complied with the above actions" and the
  guidance boilerplate around apologies are not remedies; negated ones ("we did not recommend a
  payment") are not either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from lgsco_ingest.extract import remedy_text as rt
from lgsco_ingest.extract.deadlines import DEADLINE, due_date
from lgsco_ingest.site.records import Section
from lgsco_shared.domain import RemedyCommitment, RemedyType

ACTION_HEADING = re.compile(r"^(?:agreed\s+|recommended\s+)?actions?:?$", re.IGNORECASE)
# A paragraph starting like this begins new prose rather than continuing a list of actions.
_NEW_PROSE = re.compile(
    r"^(?:The|We|I|It|They|This|These|That|Our|In|Within|By|If|When|Once|Also|After|As|There"
    r"|However|To|Where|Following|Finally|Additionally|Further|Furthermore|Both|All|No)\b"
)
_MONEY = (RemedyType.FINANCIAL_PAYMENT, RemedyType.REFUND_OR_WAIVE)


@dataclass(frozen=True, slots=True)
class RemedyItem:
    type: RemedyType
    sentence: str  # the sentence or list item it was read from, normalised
    amount: Decimal | None = None
    payee: str | None = None
    deadline_text: str | None = None  # "within one month of the final decision", as written
    due_on: date | None = None
    commitment: RemedyCommitment = RemedyCommitment.AGREED

    @property
    def already_done(self) -> bool:
        """Given before the decision: "The Council has apologised"."""
        return self.commitment is RemedyCommitment.ALREADY_DONE

    @property
    def to_do(self) -> bool:
        """Agreed or recommended: still owed after the decision."""
        return self.commitment in (RemedyCommitment.AGREED, RemedyCommitment.RECOMMENDED)


@dataclass(frozen=True, slots=True)
class _Clause:
    text: str
    inherited_deadline: str | None  # from a lead-in: "Within one month, the Council will:"
    from_summary: bool
    # from a lead-in ("the Council will:"), else the section's default; None in a summary
    inherited_commitment: RemedyCommitment | None = None


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    type: RemedyType
    amount: Decimal | None = None


def extract_remedies(
    summary: str, sections: Sequence[Section], decided_on: date | None
) -> list[RemedyItem]:
    """Remedies from the action sections, then any the summary adds that they do not state."""
    detailed = _extract(_section_clauses(sections), decided_on)
    brief = _extract(_summary_clauses(summary), decided_on)
    return detailed + [item for item in brief if not _covered(item, detailed)]


def _covered(item: RemedyItem, detailed: list[RemedyItem]) -> bool:
    same = [d for d in detailed if d.type is item.type]
    amounts = [d.amount for d in same if d.amount is not None]
    return bool(same) and (
        item.amount is None or item.amount in amounts or item.amount == sum(amounts, Decimal(0))
    )


def _summary_clauses(summary: str) -> Iterator[_Clause]:
    for sentence in rt.split_sentences(summary):
        yield _Clause(sentence, None, from_summary=True)


def _section_clauses(sections: Sequence[Section]) -> Iterator[_Clause]:
    for section in sections:
        heading = rt.normalise(section.heading)
        if ACTION_HEADING.match(heading):
            recommended = heading.lower().startswith("recommended")
            default = RemedyCommitment.RECOMMENDED if recommended else RemedyCommitment.AGREED
            yield from _list_clauses(section.paragraphs, default)


def _list_clauses(paragraphs: Iterable[str], default: RemedyCommitment) -> Iterator[_Clause]:
    """Sentences of a section; list items inherit the deadline and commitment of their lead-in."""
    lead_deadline: str | None = None
    lead_commitment = default
    in_list = False
    for paragraph in paragraphs:
        text = rt.normalise(paragraph)
        bullet = rt.BULLET.match(text)
        text = text[bullet.end() :] if bullet else text
        if not text:
            continue
        is_item = in_list and (bool(bullet) or text[0].islower() or not _NEW_PROSE.match(text))
        if not is_item:
            in_list, lead_deadline, lead_commitment = False, None, default
        for sentence in rt.split_sentences(text):
            yield _Clause(sentence, lead_deadline, False, lead_commitment)
        if text.endswith(":"):
            own = DEADLINE.search(text)
            cues = rt.commitment_cues(_lower(text))
            in_list, lead_deadline = True, own.group(0) if own else lead_deadline
            lead_commitment = RemedyCommitment(cues[-1][2]) if cues else lead_commitment


def _extract(clauses: Iterable[_Clause], decided_on: date | None) -> list[RemedyItem]:
    """Items of a summary or of the action sections, in order.

    A later mention of a remedy already listed is the same remedy, not another, where it refers
    back ("make the payment", "if the reassessment shows") or where a sentence only sets the time
    of remedies already listed ("It will apologise and make the payment within one month", "The
    Council will complete these actions within six weeks"): it gives the earlier items (still to
    do, with no deadline yet) its deadline. Otherwise a second remedy of a type is its own
    ("provide training ...; share the learning with staff").
    """
    items: list[RemedyItem] = []
    context = ""  # text so far, to resolve "pay him £300"
    for clause in clauses:
        found = _clause_items(clause, context, decided_on)
        timing = bool(found) and all(_repeats(item, items) for item, _ in found)
        timing = timing and DEADLINE.search(clause.text) is not None
        new = [item for item, back in found if not ((timing or back) and _repeats(item, items))]
        for repeat in (item for item, _ in found if item not in new):
            items = [
                _with_deadline(i, repeat.deadline_text, repeat.due_on) if _same(i, repeat) else i
                for i in items
            ]
        if not found:  # a sentence about what was listed: accepted, or when it is due
            items = _restated(_lower(clause.text), clause.text, items, decided_on)
        items += new
        context += " " + clause.text
    return items


def _restated(
    low: str, text: str, items: list[RemedyItem], decided_on: date | None
) -> list[RemedyItem]:
    items = _accepted(low, items)
    if rt.ALL_ACTIONS.search(low) and (deadline := DEADLINE.search(text)):
        stated = deadline.group(0)
        due = due_date(decided_on, stated) if decided_on else None
        items = [_with_deadline(i, stated, due) for i in items]
    return items


def _accepted(low: str, items: list[RemedyItem]) -> list[RemedyItem]:
    """Earlier recommendations (or offers) become agreed once a sentence says they were accepted."""
    turned = []
    if rt.ACCEPTS_RECOMMENDATIONS.search(low):
        turned.append(RemedyCommitment.RECOMMENDED)
    if rt.ACCEPTS_OFFER.search(low):
        turned.append(RemedyCommitment.OFFERED)
    return [
        replace(i, commitment=RemedyCommitment.AGREED) if i.commitment in turned else i
        for i in items
    ]


def _repeats(item: RemedyItem, earlier: list[RemedyItem]) -> bool:
    return item.amount is None and any(_same(e, item) for e in earlier)


def _same(earlier: RemedyItem, item: RemedyItem) -> bool:
    return earlier.type is item.type and earlier.already_done == item.already_done


def _with_deadline(item: RemedyItem, deadline: str | None, due: date | None) -> RemedyItem:
    """`item` with a deadline stated later, where it is still to do and has none of its own."""
    if item.deadline_text is not None or deadline is None or not item.to_do:
        return item
    return replace(item, deadline_text=deadline, due_on=due)


def _clause_items(
    clause: _Clause, context: str, decided_on: date | None
) -> list[tuple[RemedyItem, bool]]:
    """Each remedy of one sentence, and whether its mention refers back ("the payment")."""
    text, low = clause.text, _lower(clause.text)
    if rt.BOILERPLATE.search(low) or (clause.from_summary and not rt.CUE.search(low)):
        return []
    # what a remedy is for, or what an explanation will say, states no remedy of its own:
    # "apologise for the delay in issuing her son's EHC plan", "explain how it will arrange ..."
    low = rt.mask_asides(low)
    hits = _hits(low)
    deadlines = [(m.start(), m.group(0)) for m in DEADLINE.finditer(text)]
    cues = rt.commitment_cues(low)
    items: list[tuple[RemedyItem, bool]] = []
    last_payee: str | None = None
    for index, hit in enumerate(hits):
        deadline = _deadline_for(hit, hits, deadlines, low) or clause.inherited_deadline
        # the hit's own clause ends where the next cue or remedy begins: "offered to waive the
        # charges and has also offered Mr C symbolic remedies" names no one for the waiver
        ends = [start for start, _, _ in cues if start > hit.start]
        ends += [h.start for h in hits[index + 1 :] if h.start > hit.end]
        clause_end = min(ends, default=len(text))
        payees: list[str | None] = [None]
        if hit.type in _MONEY:
            payee = _payee(text, hit, context, clause_end) or (last_payee if hit.amount else None)
            if payee is None and hit.type is RemedyType.REFUND_OR_WAIVE:
                payee = _named_with(text, hit, clause_end)
            last_payee = payee or last_payee
            each = hit.amount is not None and re.match(r"\s*each\b", text[hit.end :])
            payees = list(rt.split_people(payee)) if payee and each else [payee]
        commitment = _commitment(low, hit, cues, clause)
        if commitment is RemedyCommitment.ALREADY_DONE:
            deadline = None  # deadlines run from the decision: nothing done before it has one
        item = RemedyItem(
            type=hit.type,
            sentence=text,
            amount=hit.amount,
            deadline_text=deadline,
            due_on=due_date(decided_on, deadline) if decided_on and deadline else None,
            commitment=commitment,
        )
        back = rt.REFERS_BACK.search(low, max(0, hit.start - 12), hit.start) is not None
        items += [
            (replace(item, payee=payee), back)
            for payee in payees
            if not any(  # "Mr L paid £340 ... will refund him £340": one refund
                i.amount is not None
                and (i.type, i.amount, i.payee) == (hit.type, hit.amount, payee)
                for i, _ in items
            )
        ]
    return items


def _hits(low: str) -> list[_Hit]:
    """Each amount paid or refunded, and each other remedy type once, in order of mention."""
    masked = rt.NOT_NEGATING.sub(_blank, low)
    # "within two weeks of completing the assessment" is a deadline, not an assessment
    undated = DEADLINE.sub(_blank, low)
    hits = _money_hits(low, masked) + _type_hits(undated, masked)
    amounted = {hit.type for hit in hits if hit.amount is not None}
    kept = (h for h in hits if h.amount is not None or h.type not in amounted)
    return sorted(kept, key=lambda h: h.start)


def _lower(text: str) -> str:
    """Lower case, position for position: a character whose lower case is longer stays as it is.

    No character lower-cases to nothing, so equal lengths mean every one mapped to one (the
    common case, checked in one call rather than character by character)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def _type_hits(low: str, masked: str) -> list[_Hit]:
    """The first affirmed mention of each remedy type (money comes from _money_hits)."""
    hits: list[_Hit] = []
    for kind, patterns in rt.COMPILED.items():
        found = [
            m
            for p in patterns
            for m in p.finditer(low)
            if _affirmed(low, masked, m.start()) and not _done_by_a_person(low, m.start())
        ]
        if found:
            first = min(found, key=lambda m: m.start())
            hits.append(_Hit(first.start(), first.end(), kind))
    return hits


def _done_by_a_person(low: str, pos: int) -> bool:
    """ "Mr Y has paid £900 in charges": what the complainant did is no remedy."""
    if rt.PERSON_DID.search(low, max(0, pos - 40), pos) is None:
        return False
    return rt.PERSON_DID_AUX.search(low, max(0, pos - 40), pos) is not None or bool(
        rt.PAST.match(low, pos)
    )


def _money_hits(low: str, masked: str) -> list[_Hit]:
    hits: list[_Hit] = []
    for m in rt.AMOUNT.finditer(low):
        if rt.RATE.match(low, m.end()):
            continue
        kind = _money_kind(low, m.start())
        if kind is not None and _affirmed(low, masked, m.start()):
            amount = Decimal(m.group(1).replace(",", "") + (m.group(2) or ""))
            hits.append(_Hit(m.start(), m.end(), kind, amount))
    return hits


def _money_kind(low: str, pos: int) -> RemedyType | None:
    """Payment, refund or neither, from the nearest trigger word before the amount.

    "pay Mrs X £200" is a payment, "waive £6179" a refund, "the overpayment amount of £3266"
    neither; "write off the debt of £1,200" a refund, "pay £50 towards arrears of £900" pays £50.
    """
    if rt.REDUCED_BY.search(low, 0, pos):  # "reduce the amount Mr M owes by £4,200"
        return RemedyType.REFUND_OR_WAIVE
    if rt.PERSON_PAID.search(low, 0, pos):  # "Mrs X paid £250 ...": hers to get back, if anything
        return RemedyType.REFUND_OR_WAIVE if rt.REFUND_TRIGGER.search(low) else None
    start = _start_of(low, pos, re.compile(r"[;,]\s"))
    pay, refund, other = (_last(t, low, start, pos) for t in _TRIGGERS)
    if max(pay, refund, other) < 0:  # nothing in this part of the sentence: look further back
        pay, refund, other = (_last(t, low, 0, start) for t in _TRIGGERS)
    nearest = max(pay, refund, other)
    if nearest < 0:
        return None
    if nearest == other:
        return RemedyType.REFUND_OR_WAIVE if refund >= 0 else None
    return RemedyType.REFUND_OR_WAIVE if nearest == refund else RemedyType.FINANCIAL_PAYMENT


_TRIGGERS = (rt.PAY_TRIGGER, rt.REFUND_TRIGGER, rt.NOT_REMEDY_TRIGGER)


def _last(pattern: re.Pattern[str], text: str, start: int, end: int) -> int:
    found = [m.start() for m in pattern.finditer(text, start, end)]
    return found[-1] if found else -1


def _start_of(low: str, pos: int, breaks: re.Pattern[str]) -> int:
    ends = [m.end() for m in breaks.finditer(low, 0, pos)]
    return ends[-1] if ends else 0


def _affirmed(low: str, masked: str, pos: int) -> bool:
    """Not negated within its clause, and not something the complainant asked for."""
    if rt.NEGATOR.search(masked, _start_of(low, pos, rt.CLAUSE_BREAK), pos):
        return False
    # a list item opening with the verb is an instruction: "ask the agency to remove ..."
    complaint = _last(rt.COMPLAINT, low, 1, pos)
    return complaint < 0 or rt.CUE_AFTER_COMPLAINT.search(low, complaint + 1, pos) is not None


def _commitment(
    low: str, hit: _Hit, cues: list[tuple[int, int, str]], clause: _Clause
) -> RemedyCommitment:
    """The nearest cue before the remedy (or in it: "has apologised"), else the lead-in's, else
    the first cue after it ("an apology ... has been agreed"), else agreed."""
    before = [cue for cue in cues if cue[0] < hit.end]
    if before:
        _, end, kind = before[-1]
    elif clause.inherited_commitment is not None:
        return clause.inherited_commitment
    elif cues:
        _, end, kind = cues[0]
    else:
        return RemedyCommitment.AGREED
    if kind == RemedyCommitment.OFFERED:
        rest = low[max(end, hit.end) :]
        if rt.OFFER_PAID.match(rest):
            return RemedyCommitment.ALREADY_DONE
        if rt.OFFER_ACCEPTED.match(rest):
            return RemedyCommitment.AGREED
    return RemedyCommitment(kind)


def _deadline_for(
    hit: _Hit, hits: list[_Hit], deadlines: list[tuple[int, str]], low: str
) -> str | None:
    """One deadline covers the sentence; with several, each governs the actions it leads (if the
    sentence opens with one) or the actions before it ("apologise within four weeks and ...")."""
    if not deadlines:
        return None
    if len(deadlines) == 1:
        # Between actions, a deadline set off before ("has apologised and will, within one
        # month, pay ...") governs those after it; one that follows an action ("find her
        # accommodation within four weeks, pay her £750 ...") those before it. At the start or
        # the end: the whole sentence.
        ((at, deadline),) = deadlines
        if not hits[0].start < at < hits[-1].start:
            return deadline
        fronted = re.search(r"(?:[,:]|\b(?:that|will|shall|should|must|to))\s*$", low[:at])
        return deadline if (hit.start > at) == bool(fronted) else None
    if deadlines[0][0] < hits[0].start:
        return [d for pos, d in deadlines if pos < hit.start][-1]
    after = [d for pos, d in deadlines if pos > hit.start]
    return after[0] if after else deadlines[-1][1]


def _payee(text: str, hit: _Hit, context: str, clause_end: int) -> str | None:
    """Who receives the money: "pay Mrs X £200", "£750 to Ms B", "pay him £300"."""
    before = text[: hit.start]
    after = re.split(r"[;,]\s", text[hit.end : min(hit.end + 80, clause_end)], maxsplit=1)[0]
    # the person named just before: "pay Mrs X £200", "offered Mr C symbolic remedies"
    if m := re.search(rf"\b({rt.PAYEE})\s+{_FILLER}$", before):
        return m.group(1)
    if hit.amount is not None:
        if m := re.search(rf"\b(?:him|her|them)\s+{_FILLER}$", before):
            return _resolve(context + " " + before[: m.start()])
    elif m := re.match(rf"\s+(?:({rt.PAYEE})|(?:him|her|them)\b)", after):
        return m.group(1) or _resolve(context + " " + before)  # "pay Mr D financial redress"
    if m := re.search(rf"\b(?:to|for|from)\s+(?:({rt.PAYEE})|(?:him|her|them)\b)", after):
        return m.group(1) or _resolve(context + " " + before)  # "£750 to Ms B"
    return None


def _named_with(text: str, hit: _Hit, clause_end: int) -> str | None:
    """A refund goes back to the person named with it: "refund the £65 Ms K paid"."""
    after = re.split(r"[;,]\s", text[hit.start : max(clause_end, hit.end)], maxsplit=1)[0]
    if m := rt.PAYEE_RE.search(after):
        return m.group(0)
    return _resolve(text[: hit.start])


# "pay Mrs G a further £150", "make Ms E a symbolic payment of £250", "the sum of £500"
_FILLER = (
    r"(?:(?:a|an|the|further|additional|symbolic|financial|goodwill|total|sum|payment|remedy|of)"
    r"\s+){0,5}"
)


def _resolve(text: str) -> str | None:
    people = rt.PAYEE_RE.findall(text)
    return people[-1] if people else None
