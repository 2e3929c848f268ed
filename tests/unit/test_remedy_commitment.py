"""Each remedy's commitment, payee and deadline come from its own clause (invented sentences)."""

from datetime import date
from decimal import Decimal

import pytest

from lgsco_ingest.extract.remedies import RemedyItem, extract_remedies
from lgsco_ingest.site.records import Section
from lgsco_shared.domain import RemedyCommitment as C
from lgsco_shared.domain import RemedyType as T


def summary(text: str) -> list[RemedyItem]:
    return extract_remedies(text, (), None)


def read(items: list[RemedyItem]) -> list[tuple[T, C]]:
    return [(i.type, i.commitment) for i in items]


class TestCommitmentByClause:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("The Council has apologised to Mrs X.", [(T.APOLOGY, C.ALREADY_DONE)]),
            ("The Council has agreed to apologise to Mrs X.", [(T.APOLOGY, C.AGREED)]),
            ("The Council will apologise to Mrs X.", [(T.APOLOGY, C.AGREED)]),
            ("The Council should apologise to Mrs X.", [(T.APOLOGY, C.RECOMMENDED)]),
            ("We recommend the Council apologises to Mrs X.", [(T.APOLOGY, C.RECOMMENDED)]),
            (
                "The Council has accepted our recommendations and will apologise to Mrs X.",
                [(T.APOLOGY, C.AGREED)],
            ),
            ("The Council offered Mrs X £150.", [(T.FINANCIAL_PAYMENT, C.OFFERED)]),
            (
                "The Council offered Mrs X £150, which she accepted.",
                [(T.FINANCIAL_PAYMENT, C.AGREED)],
            ),
            (
                "The Council offered Mrs X £150 and has since paid it.",
                [(T.FINANCIAL_PAYMENT, C.ALREADY_DONE)],
            ),
        ],
    )
    def test_the_verb_governing_each_remedy_decides(
        self, text: str, expected: list[tuple[T, C]]
    ) -> None:
        assert read(summary(text)) == expected

    def test_a_sentence_can_mix_them(self) -> None:
        items = summary("The Council has apologised to Mr B and will pay him £200.")
        assert read(items) == [(T.APOLOGY, C.ALREADY_DONE), (T.FINANCIAL_PAYMENT, C.AGREED)]

    def test_a_stock_phrase_in_the_perfect_is_no_status(self) -> None:
        items = summary(
            "The Council should pay Mrs K £250 for the time and trouble she has been put to, "
            "reassess her son's needs and remind its staff to record contacts."
        )
        assert read(items) == [
            (T.FINANCIAL_PAYMENT, C.RECOMMENDED),
            (T.REASSESSMENT, C.RECOMMENDED),
            (T.STAFF_TRAINING, C.RECOMMENDED),
        ]

    def test_what_a_person_has_done_is_not_a_remedy_given(self) -> None:
        items = summary("Mr P has paid the charges, and the Council will refund him £90.")
        assert read(items) == [(T.REFUND_OR_WAIVE, C.AGREED)]

    def test_an_offer_names_its_own_payee(self) -> None:
        items = summary(
            "The Council has now offered to waive the charges and has also offered Mr D and "
            "his mother symbolic payments for their distress."
        )
        assert [(i.type, i.payee, i.commitment) for i in items] == [
            (T.REFUND_OR_WAIVE, None, C.OFFERED),
            (T.FINANCIAL_PAYMENT, "Mr D and his mother", C.OFFERED),
        ]

    def test_what_ought_to_have_happened_is_a_finding(self) -> None:
        assert summary("The Council should have apologised to Mrs F sooner.") == []


class TestSections:
    def section(self, heading: str, *paragraphs: str) -> list[RemedyItem]:
        return extract_remedies("", (Section(heading, paragraphs),), date(2024, 1, 31))

    def test_list_items_take_the_commitment_of_their_lead_in(self) -> None:
        items = self.section(
            "Agreed action",
            "The Council has already:",
            "apologised to Mrs T;",
            "Within one month of the final decision, the Council should:",
            "pay Mrs T £300;",
            "review its letters.",
        )
        assert [(i.type, i.commitment, i.due_on) for i in items] == [
            (T.APOLOGY, C.ALREADY_DONE, None),
            (T.FINANCIAL_PAYMENT, C.RECOMMENDED, date(2024, 2, 29)),
            (T.PROCEDURE_REVIEW, C.RECOMMENDED, date(2024, 2, 29)),
        ]

    def test_a_recommended_action_section_recommends(self) -> None:
        items = self.section("Recommended action", "Apologise to Mr W in writing.")
        assert read(items) == [(T.APOLOGY, C.RECOMMENDED)]

    def test_a_timing_sentence_dates_what_was_listed_and_adds_nothing(self) -> None:
        items = self.section(
            "Agreed action",
            "The Council has agreed to:",
            "apologise to Ms J;",
            "pay Ms J £400.",
            "It will apologise and make the payment within four weeks of the final decision.",
        )
        assert [(i.type, i.deadline_text) for i in items] == [
            (T.APOLOGY, "within four weeks of the final decision"),
            (T.FINANCIAL_PAYMENT, "within four weeks of the final decision"),
        ]
        assert items[1].amount == Decimal(400)

    def test_these_actions_take_the_deadline_that_follows_them(self) -> None:
        items = self.section(
            "Agreed action",
            "The Council has agreed to:",
            "apologise to Mr N;",
            "reconsider his application.",
            "The Council will complete these actions within six weeks of the final decision.",
        )
        assert [i.due_on for i in items] == [date(2024, 3, 13), date(2024, 3, 13)]

    def test_nothing_given_before_the_decision_is_due(self) -> None:
        items = self.section(
            "Agreed action",
            "Within one month of the final decision, the Council has apologised to Mrs G and "
            "will pay her £100.",
        )
        assert [(i.commitment, i.due_on) for i in items] == [
            (C.ALREADY_DONE, None),
            (C.AGREED, date(2024, 2, 29)),
        ]

    def test_what_a_remedy_is_for_is_not_another_remedy(self) -> None:
        items = self.section(
            "Agreed action",
            "Within one month, the Council will apologise to Ms R for the delay in issuing her "
            "son's EHC plan and pay her £500 for the distress caused by the delay in providing "
            "his education.",
        )
        assert read(items) == [(T.APOLOGY, C.AGREED), (T.FINANCIAL_PAYMENT, C.AGREED)]


class TestWhatAPersonDid:
    def test_a_sum_the_complainant_paid_is_refunded_not_paid_to_them(self) -> None:
        items = summary("Mrs X paid £250 for a private assessment, which the Council will refund.")
        assert [(i.type, i.amount, i.payee) for i in items] == [
            (T.REFUND_OR_WAIVE, Decimal(250), "Mrs X")
        ]

    def test_a_payment_made_by_the_complainant_is_no_remedy(self) -> None:
        assert summary("Mr Y has paid £900 in charges since April.") == []

    def test_the_same_refund_stated_twice_is_one(self) -> None:
        items = summary("Mr L had paid £340, and the Council has agreed to refund him £340.")
        assert [(i.type, i.amount) for i in items] == [(T.REFUND_OR_WAIVE, Decimal(340))]


class TestLaterSentences:
    def test_accepted_recommendations_become_agreed(self) -> None:
        items = extract_remedies(
            "",
            (
                Section(
                    "Recommended action",
                    (
                        "We recommended the Council apologises to Ms D.",
                        "The Council has accepted our recommendations.",
                    ),
                ),
            ),
            None,
        )
        assert read(items) == [(T.APOLOGY, C.AGREED)]
