"""Findings and fine outcomes: value tests on invented summaries, then Kent labels and corpus."""

import json

import pytest

from bench.remedy_scoring import (
    DATA,
    KENT_REPORT,
    load_corpus,
    load_kent,
    read_kent_summaries,
    shared_dir,
)
from lgsco_ingest.extract import findings
from lgsco_ingest.extract.findings import classify_finding, fine_outcome
from lgsco_ingest.site.records import Section
from lgsco_shared.domain import Finding as F
from lgsco_shared.domain import Outcome as O


class TestClassifyFinding:
    @pytest.mark.parametrize(
        ("summary", "outcome", "expected"),
        [
            (
                "We found fault in how the Council assessed Mrs X's needs. This caused her "
                "distress. The Council has agreed to apologise and pay her £250.",
                O.UPHELD,
                F.FAULT_AND_INJUSTICE,
            ),
            (
                "The Council has agreed to our recommendations to remedy Mr Y's injustice.",
                None,
                F.FAULT_AND_INJUSTICE,
            ),
            (
                "We found fault because the Council sent the letter late. But this did not cause "
                "Mr Z an injustice.",
                O.UPHELD,
                F.FAULT_NO_INJUSTICE,
            ),
            (
                "The Council delayed its decision, but it has already apologised, which is a "
                "suitable remedy.",
                O.UPHELD,
                F.REMEDIED_BEFORE_DECISION,
            ),
            ("We do not find the Council at fault.", O.NOT_UPHELD, F.NO_FAULT),
            ("There is no evidence of fault in how the Council decided.", None, F.NO_FAULT),
            (
                "We will not investigate this complaint because Mr A could appeal to a tribunal.",
                O.CLOSED_AFTER_INITIAL_ENQUIRIES,
                F.OUT_OF_JURISDICTION,
            ),
            (
                "We will not investigate. Ms B should first complain to the Council so it has the "
                "chance to respond.",
                O.CLOSED_AFTER_INITIAL_ENQUIRIES,
                F.PREMATURE,
            ),
            (
                "We will not investigate this complaint because we are unlikely to find fault.",
                O.CLOSED_AFTER_INITIAL_ENQUIRIES,
                F.NOT_INVESTIGATED,
            ),
            (
                "We will not investigate because the Council has resolved the complaint by "
                "providing a proportionate remedy.",
                O.CLOSED_AFTER_INITIAL_ENQUIRIES,
                F.REMEDIED_BEFORE_DECISION,
            ),
            (
                "We have discontinued our investigation as Mrs C is not a suitable representative.",
                O.NOT_UPHELD,
                F.NOT_INVESTIGATED,
            ),
        ],
    )
    def test_reads_the_summary(self, summary: str, outcome: O | None, expected: F) -> None:
        assert classify_finding(summary, (), outcome) is expected

    def test_a_further_remedy_means_it_was_not_remedied_before(self) -> None:
        summary = (
            "There was fault which the Council has already apologised for. It has also agreed to "
            "pay Mrs D £150."
        )
        assert classify_finding(summary, (), O.UPHELD) is F.FAULT_AND_INJUSTICE

    def test_not_upheld_with_no_fault_wins_over_fault_by_another_body(self) -> None:
        summary = "I found fault with the Home, which has improved. I did not find fault otherwise."
        assert classify_finding(summary, (), O.NOT_UPHELD) is F.NO_FAULT

    def test_unknown_when_the_text_does_not_say(self) -> None:
        summary = "Mr X complained about the Council's handling of his planning application."
        assert classify_finding(summary, (), None) is None
        assert classify_finding(summary, (), O.CLOSED_AFTER_INITIAL_ENQUIRIES) is None

    def test_falls_back_to_the_final_decision_section(self) -> None:
        sections = (
            Section("What I found", ("Mrs X says the Council was at fault.",)),
            Section("Final decision", ("There was no fault by the Council.",)),
        )
        assert classify_finding("Mrs X complained about a care plan.", sections, None) is F.NO_FAULT


class TestFineOutcome:
    @pytest.mark.parametrize(
        ("outcome", "finding", "expected"),
        [
            (O.UPHELD, F.FAULT_AND_INJUSTICE, "Upheld: fault and injustice"),
            (O.UPHELD, F.FAULT_NO_INJUSTICE, "Upheld: fault, no injustice"),
            (O.UPHELD, F.REMEDIED_BEFORE_DECISION, "Upheld: no further action"),
            (O.NOT_UPHELD, F.NO_FAULT, "Not upheld: no fault"),
            (O.NOT_UPHELD, F.NOT_INVESTIGATED, "Not upheld: no further action"),
            (
                O.CLOSED_AFTER_INITIAL_ENQUIRIES,
                F.NOT_INVESTIGATED,
                "Closed after initial enquiries – no further action",
            ),
            (
                O.CLOSED_AFTER_INITIAL_ENQUIRIES,
                F.OUT_OF_JURISDICTION,
                "Closed after initial enquiries – out of jurisdiction",
            ),
            (O.CLOSED_AFTER_INITIAL_ENQUIRIES, F.PREMATURE, "Referred back for local resolution"),
            (None, F.FAULT_AND_INJUSTICE, "Upheld: fault and injustice"),
        ],
    )
    def test_labels_as_councils_report(self, outcome: O | None, finding: F, expected: str) -> None:
        assert fine_outcome(outcome, finding) == expected

    @pytest.mark.parametrize(
        ("outcome", "finding"),
        [
            (O.UPHELD, None),
            (None, None),
            (O.UPHELD, F.NO_FAULT),  # the label and the text pull different ways
            (O.NOT_UPHELD, F.FAULT_AND_INJUSTICE),
            (None, F.NO_FAULT),  # not upheld or closed: cannot tell
        ],
    )
    def test_unknown_stays_unknown(self, outcome: O | None, finding: F | None) -> None:
        assert fine_outcome(outcome, finding) is None

    def test_every_label_is_one_the_lgsco_uses(self) -> None:
        used = {fine_outcome(outcome, finding) for outcome in (*O, None) for finding in (*F, None)}
        assert used - {None} <= {
            findings.UPHELD_FAULT_AND_INJUSTICE,
            findings.UPHELD_FAULT_NO_INJUSTICE,
            findings.UPHELD_NO_FURTHER_ACTION,
            findings.NOT_UPHELD_NO_FAULT,
            findings.NOT_UPHELD_NO_FURTHER_ACTION,
            findings.CLOSED_NO_FURTHER_ACTION,
            findings.CLOSED_OUT_OF_JURISDICTION,
            findings.REFERRED_BACK,
        }


class TestOnLabelledSets:
    def test_kent_report_lists_the_labelled_decisions(self) -> None:
        path = shared_dir("seeds") / KENT_REPORT
        if not path.is_file():
            pytest.skip("../shared/seeds Kent report not found (set LGSCO_SEEDS_DIR)")
        labels = json.loads((DATA / "kent_remedy_labels.json").read_text(encoding="utf-8"))
        summaries = read_kent_summaries(path.read_text(encoding="utf-8"))
        assert set(summaries) == set(labels["decisions"])
        assert "22 028 037" in summaries  # printed "22 028037"

    def test_kent_findings_and_fine_outcomes(self) -> None:
        cases = load_kent()
        if cases is None:
            pytest.skip("../shared/seeds Kent report not found (set LGSCO_SEEDS_DIR)")
        found = [(c, classify_finding(c.summary, c.sections, c.outcome)) for c in cases]
        right = [c.key for c, finding in found if finding is c.finding]
        fine = [c.key for c, finding in found if fine_outcome(c.outcome, finding) == c.fine_outcome]
        assert len(right) / len(cases) >= 0.95, set(c.key for c in cases) - set(right)
        assert len(fine) / len(cases) >= 0.95, set(c.key for c in cases) - set(fine)

    def test_corpus_findings_agree_with_published_outcomes(self) -> None:
        """No finding labels exist for the corpus: measure coverage and agreement instead."""
        cases = load_corpus(labelled_only=False)
        if cases is None:
            pytest.skip("../shared/corpus/decisions.jsonl not found (set LGSCO_CORPUS_DIR)")
        published = [c for c in cases if c.outcome is not None]
        fine = [
            fine_outcome(c.outcome, classify_finding(c.summary, (), c.outcome)) for c in published
        ]
        agree = sum(label is not None for label in fine)
        assert agree / len(published) >= 0.95
