"""Remedy extraction: value tests on invented text, then measured floors on three labelled sets.

The corpus and Kent sets read ../shared at test time and skip where it is absent; the invented
`Agreed action` cases in tests/data always run.
"""

from datetime import date
from decimal import Decimal

import pytest

from bench.remedy_scoring import (
    LabelledCase,
    Scores,
    load_agreed_actions,
    load_corpus,
    load_kent,
    score,
)
from lgsco_ingest.extract.remedies import RemedyItem, extract_remedies
from lgsco_ingest.site.records import Section
from lgsco_shared.domain import RemedyType as T

PRECISION_FLOOR = 0.95
RECALL_FLOOR = 0.90


def summary_items(text: str) -> list[RemedyItem]:
    return extract_remedies(text, (), None)


def kinds(items: list[RemedyItem]) -> list[T]:
    return [item.type for item in items]


def action(*paragraphs: str, heading: str = "Agreed action") -> tuple[Section, ...]:
    return (Section(heading, paragraphs),)


class TestExtractRemediesFromSummaries:
    def test_reads_the_sites_example(self) -> None:
        items = summary_items(
            "The Council has agreed to apologise to Mr C, pay him £300 and improve its procedures."
        )
        assert kinds(items) == [T.APOLOGY, T.FINANCIAL_PAYMENT, T.PROCEDURE_REVIEW]
        assert items[1].amount == Decimal(300)
        assert items[1].payee == "Mr C"

    @pytest.mark.parametrize(
        ("written", "amount"),
        [("£300", "300"), ("£3,000", "3000"), ("£1,250.50", "1250.50"), ("£3266", "3266")],
    )
    def test_reads_amounts_as_written(self, written: str, amount: str) -> None:
        (item,) = summary_items(f"The Council will pay Mrs X {written}.")
        assert item.amount == Decimal(amount)

    def test_a_payment_without_an_amount_has_none(self) -> None:
        (item,) = summary_items("The Council has agreed to make a symbolic payment to Ms X.")
        assert item.type is T.FINANCIAL_PAYMENT
        assert (item.amount, item.payee) == (None, "Ms X")

    def test_a_waived_sum_is_not_a_payment(self) -> None:
        (item,) = summary_items("The Council will waive £6179 from the amount Mr D's estate owes.")
        assert (item.type, item.amount) == (T.REFUND_OR_WAIVE, Decimal(6179))

    def test_a_disputed_sum_is_not_a_remedy(self) -> None:
        assert summary_items("Mrs X disputed the overpayment amount of £3266.") == []

    def test_a_rate_is_not_the_sum_paid(self) -> None:
        items = summary_items("The Council will reduce her charge by £42.75 a week.")
        assert [(i.type, i.amount) for i in items] == [(T.REFUND_OR_WAIVE, None)]

    def test_an_apology_already_given_counts_and_is_marked_done(self) -> None:
        (item,) = summary_items("The Council has apologised to Mr X for the delay.")
        assert item.type is T.APOLOGY
        assert item.already_done

    def test_an_agreed_apology_is_not_done(self) -> None:
        (item,) = summary_items("The Council has agreed to apologise to Mr X.")
        assert not item.already_done

    @pytest.mark.parametrize(
        "text",
        [
            "We did not recommend a payment.",
            "There is no need for the Council to apologise again.",
            "Mr X complained the Council failed to pay him and wants an apology.",
            "No further remedy is needed.",
            "It is not possible to say whether a reassessment would have changed anything.",
            "The Council's communication could have been improved.",
            "At the end of this statement we explain the action it has agreed.",
        ],
    )
    def test_negated_or_complained_of_remedies_are_not_remedies(self, text: str) -> None:
        assert summary_items(text) == []

    def test_a_negation_ends_at_its_clause(self) -> None:
        items = summary_items(
            "It is not possible to remedy this injustice now, other than apologising."
        )
        assert kinds(items) == [T.APOLOGY]

    def test_each_person_gets_their_own_item(self) -> None:
        items = summary_items("The Council will pay Mr and Mrs B £250 each.")
        assert [(i.payee, i.amount) for i in items] == [
            ("Mr B", Decimal(250)),
            ("Mrs B", Decimal(250)),
        ]

    def test_a_joint_payment_keeps_both_names(self) -> None:
        (item,) = summary_items("The Council will pay Ms B and Mr C £400.")
        assert item.payee == "Ms B and Mr C"


class TestExtractRemediesFromSections:
    def test_list_items_take_the_deadline_of_their_lead_in(self) -> None:
        items = extract_remedies(
            "",
            action(
                "Within one month of the final decision, the Council will:",
                "apologise to Mrs X;",
                "pay Mrs X £200 to acknowledge the time and trouble.",
                "Within three months the Council will review its procedures.",
            ),
            date(2024, 1, 31),
        )
        assert [(i.type, i.due_on) for i in items] == [
            (T.APOLOGY, date(2024, 2, 29)),
            (T.FINANCIAL_PAYMENT, date(2024, 2, 29)),
            (T.PROCEDURE_REVIEW, date(2024, 4, 30)),
        ]
        assert items[0].deadline_text == "Within one month of the final decision"

    def test_evidence_of_compliance_is_not_a_remedy(self) -> None:
        sections = action(
            "The Council should provide us with evidence it has complied with the above actions."
        )
        assert extract_remedies("", sections, date(2024, 1, 31)) == []

    def test_guidance_on_apologies_is_not_another_apology(self) -> None:
        sections = action(
            "Within one month, the Council will apologise to Mrs X.",
            "We publish guidance on remedies which sets out how organisations should apologise "
            "effectively. The apology should follow that guidance.",
        )
        assert kinds(extract_remedies("", sections, None)) == [T.APOLOGY]

    def test_other_sections_are_not_read(self) -> None:
        sections = (Section("What I found", ("The Council agreed to pay Mrs X £500.",)),)
        assert extract_remedies("", sections, None) == []

    def test_the_summary_adds_only_what_the_section_does_not_say(self) -> None:
        items = extract_remedies(
            "The Council will apologise, pay Mrs X £300 and remind its staff.",
            action("Within one month the Council will apologise to Mrs X and pay her £300."),
            date(2023, 5, 2),
        )
        assert kinds(items) == [T.APOLOGY, T.FINANCIAL_PAYMENT, T.STAFF_TRAINING]
        assert items[2].deadline_text is None

    def test_no_date_without_a_decision_date(self) -> None:
        (item,) = extract_remedies("", action("Within one month, apologise to Mr Y."), None)
        assert item.deadline_text == "Within one month"
        assert item.due_on is None


@pytest.mark.parametrize("case", load_agreed_actions(), ids=lambda case: case.key)
def test_agreed_action_case(case: LabelledCase) -> None:
    """Every invented case: the items, amounts, payees and due dates exactly, in order."""
    got = [
        (i.type, i.amount, i.payee, i.deadline_text, i.due_on, i.already_done)
        for i in case.predict()
    ]
    want = [
        (
            e.type,
            e.amount,
            e.fields.get("payee"),
            e.fields.get("deadline_text"),
            date.fromisoformat(str(e.fields["due_on"])) if e.fields.get("due_on") else None,
            e.fields.get("already_done", False),
        )
        for e in case.expected
    ]
    assert got == want


def assert_floors(scores: Scores) -> None:
    """Per-type precision and recall floors over the types with support; amounts all exact."""
    for kind in T:
        if scores.support(kind):
            precision, recall = scores.precision(kind) or 0.0, scores.recall(kind) or 0.0
            assert precision >= PRECISION_FLOOR, (kind, precision, scores.misses)
            assert recall >= RECALL_FLOOR, (kind, recall, scores.misses)
    assert scores.amount_share == 1.0, scores.misses


class TestMeasuredFloors:
    def test_agreed_action_cases(self) -> None:
        assert_floors(score(load_agreed_actions()))

    def test_corpus_labels(self) -> None:
        cases = load_corpus()
        if cases is None:
            pytest.skip("../shared/corpus/decisions.jsonl not found (set LGSCO_CORPUS_DIR)")
        assert len(cases) == 55
        assert_floors(score(cases))

    def test_kent_labels(self) -> None:
        cases = load_kent()
        if cases is None:
            pytest.skip("../shared/seeds Kent report not found (set LGSCO_SEEDS_DIR)")
        assert len(cases) == 28
        assert_floors(score(cases))
