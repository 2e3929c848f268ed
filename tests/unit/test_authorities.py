"""The reference table of English local authorities: its integrity, and the names matched to it
(the councils a name-based guess got wrong among them)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

import pytest

from lgsco_shared.authorities import (
    CODE_PREFIX,
    AuthorityType,
    authorities,
    by_code,
    by_key,
    match,
    normalise,
)
from lgsco_shared.domain import OrganisationKind
from lgsco_shared.organisations import classify, dated_kind, kind_of

TABLE_START = date(2019, 4, 1)
REORGANISED = {date(2019, 4, 1), date(2020, 4, 1), date(2021, 4, 1), date(2023, 4, 1)}


def current_on(day: date) -> list[str]:
    return [a.gss_code for a in authorities() if a.valid_on(day)]


class TestTableIntegrity:
    def test_codes_are_unique_and_well_formed(self) -> None:
        codes = [a.gss_code for a in authorities()]
        assert len(codes) == len(set(codes))
        for authority in authorities():
            assert re.fullmatch(r"E(06|07|08|09|10)\d{6}", authority.gss_code)
            assert authority.gss_code.startswith(CODE_PREFIX[authority.type]), authority

    def test_special_cases_are_typed(self) -> None:
        assert by_code()["E09000001"].type is AuthorityType.CITY_OF_LONDON
        assert by_code()["E06000053"].type is AuthorityType.ISLES_OF_SCILLY
        assert by_code()["E06000053"].kind is OrganisationKind.UNITARY
        assert by_code()["E09000001"].kind is OrganisationKind.LONDON_BOROUGH

    def test_date_ranges_are_valid_and_on_reorganisation_days(self) -> None:
        for authority in authorities():
            if authority.valid_from is not None:
                assert authority.valid_from in REORGANISED, authority
            if authority.valid_to is not None:
                assert authority.valid_to + timedelta(days=1) in REORGANISED, authority
            if authority.valid_from and authority.valid_to:
                assert authority.valid_from <= authority.valid_to

    def test_every_abolished_authority_has_successors_starting_the_next_day(self) -> None:
        for authority in authorities():
            if authority.valid_to is None:
                assert not authority.successors, authority
                continue
            assert authority.successors, authority
            for code in authority.successors:
                successor = by_code()[code]
                assert successor.valid_from == authority.valid_to + timedelta(days=1)

    def test_counts_per_type_today(self) -> None:
        today = Counter(a.type for a in authorities() if a.valid_to is None)
        assert today == {
            AuthorityType.COUNTY: 21,
            AuthorityType.DISTRICT: 164,
            AuthorityType.UNITARY: 62,
            AuthorityType.METROPOLITAN: 36,
            AuthorityType.LONDON_BOROUGH: 32,
            AuthorityType.CITY_OF_LONDON: 1,
            AuthorityType.ISLES_OF_SCILLY: 1,
        }
        assert len(current_on(date(2024, 1, 1))) == 317
        # before 1 April 2019: 27 counties and 326 lower-tier and unitary authorities
        assert len(current_on(date(2019, 3, 31))) == 353

    def test_a_name_names_one_authority_on_any_day(self) -> None:
        for key, found in by_key().items():
            for day in [date(2019, 3, 31), *sorted(REORGANISED), date(2026, 1, 1)]:
                assert sum(a.valid_on(day) for a in found) <= 1, (key, day)

    def test_every_two_tier_area_is_covered_on_each_side_of_each_reorganisation(self) -> None:
        """The area of every abolished authority is governed on the day after its end."""
        for authority in authorities():
            if authority.valid_to is not None:
                next_day = authority.valid_to + timedelta(days=1)
                assert all(by_code()[c].valid_on(next_day) for c in authority.successors)


class TestMatching:
    @pytest.mark.parametrize(
        ("name", "code", "kind"),
        [
            ("Bristol City Council", "E06000023", "unitary"),
            ("Reading Borough Council", "E06000038", "unitary"),
            ("Hartlepool Borough Council", "E06000001", "unitary"),
            ("Stockton-on-Tees Borough Council", "E06000004", "unitary"),
            ("Stoke-on-Trent City Council", "E06000021", "unitary"),
            ("Wokingham Borough Council", "E06000041", "unitary"),
            ("Royal Borough of Kingston upon Thames", "E09000021", "london_borough"),
            ("Nottingham City Council", "E06000018", "unitary"),
            ("Leicester City Council", "E06000016", "unitary"),
            ("Southampton City Council", "E06000045", "unitary"),
            ("Brighton & Hove City Council", "E06000043", "unitary"),
            ("Wigan Council", "E08000010", "metropolitan"),
            ("Trafford Council", "E08000009", "metropolitan"),
            ("Kirklees Council", "E08000034", "metropolitan"),
            ("City Of Bradford Metropolitan District Council", "E08000032", "metropolitan"),
            ("Royal Borough of Greenwich", "E09000011", "london_borough"),
            ("Kingston upon Hull City Council", "E06000010", "unitary"),
            ("Hull City Council", "E06000010", "unitary"),
            ("City of London Corporation", "E09000001", "london_borough"),
            ("Council of the Isles of Scilly", "E06000053", "unitary"),
            ("Durham County Council", "E06000047", "unitary"),
            ("Rutland County Council", "E06000017", "unitary"),
            ("Norwich City Council", "E07000148", "district"),
            ("Kent County Council", "E10000016", "county"),
            ("London Borough of Barnet", "E09000003", "london_borough"),
            ("Westminster City Council", "E09000033", "london_borough"),
            ("Bournemouth, Christchurch and Poole Council", "E06000058", "unitary"),
        ],
    )
    def test_councils_get_their_type_from_the_table(self, name: str, code: str, kind: str) -> None:
        found = classify(name)
        assert (found.gss_code, found.kind.value) == (code, kind)

    def test_normalised_forms(self) -> None:
        assert normalise("Stoke-on-Trent City Council") == "stoke on trent"
        assert normalise("Kingston upon Hull, City of") == "kingston upon hull"
        assert normalise("Nuneaton & Bedworth Borough Council") == "nuneaton and bedworth"
        assert normalise("London Borough of Hammersmith & Fulham") == "hammersmith and fulham"

    def test_the_type_depends_on_the_date_where_a_county_was_replaced(self) -> None:
        assert match("Somerset County Council", date(2022, 6, 1)).gss_code == "E10000027"  # type: ignore[union-attr]
        assert match("Somerset Council", date(2023, 6, 1)).gss_code == "E06000066"  # type: ignore[union-attr]
        assert dated_kind("North Yorkshire Council", date(2021, 1, 1)) is OrganisationKind.COUNTY
        assert dated_kind("North Yorkshire Council", date(2024, 1, 1)) is OrganisationKind.UNITARY
        assert dated_kind("Kent County Council", date(2024, 1, 1)) is None  # never changed
        assert match("Harrogate Borough Council", date(2024, 1, 1)).gss_code == "E07000165"  # type: ignore[union-attr]
        assert match("Buckinghamshire Council").gss_code == "E06000060"  # type: ignore[union-attr]

    def test_unmatched_councils_are_unknown_never_guessed(self) -> None:
        assert kind_of("Loamshire County Council") is OrganisationKind.UNKNOWN
        assert classify("Borsetshire District Council").gss_code is None
        adult_care = "Adult care services"
        assert (
            kind_of("Sunrise Care Homes Ltd", category=adult_care) is OrganisationKind.CARE_PROVIDER
        )
        assert (
            kind_of("Borough Care Limited", category=adult_care) is OrganisationKind.CARE_PROVIDER
        )
        assert kind_of("Borough Care Limited", category=" adult  care SERVICES") is (
            OrganisationKind.CARE_PROVIDER
        )

    def test_a_company_form_alone_is_no_evidence_of_a_care_provider(self) -> None:
        """A company in a housing, planning or education decision may be a housing association,
        a contractor or a trust: its kind is unknown until an operator maps it."""
        assert kind_of("Riverside Homes Ltd") is OrganisationKind.UNKNOWN
        assert kind_of("Riverside Homes Ltd", category="Housing") is OrganisationKind.UNKNOWN
        assert kind_of("Acme Builders PLC", category="Planning and development") is (
            OrganisationKind.UNKNOWN
        )
        # A council is a council whatever the category.
        assert kind_of("Kent County Council", category="Adult care services") is (
            OrganisationKind.COUNTY
        )
        assert kind_of("Peak District National Park Authority") is OrganisationKind.OTHER
        assert kind_of("Mrs Smith's Nursing Home") is OrganisationKind.UNKNOWN


@pytest.mark.corpus
def test_every_council_in_the_corpus_has_its_type(corpus: list) -> None:  # type: ignore[type-arg]
    """Every organisation in the real corpus that calls itself a council matches the table."""
    councils = {
        e.truth["organisation"]
        for e in corpus
        if e.truth.get("organisation") and "council" in e.truth["organisation"].lower()
    }
    assert len(councils) > 50
    unmatched = sorted(name for name in councils if classify(name).gss_code is None)
    assert unmatched == []
    assert kind_of("Somerset County Council", date(2019, 8, 1)) is OrganisationKind.COUNTY
    assert kind_of("Cumbria County Council") is OrganisationKind.COUNTY
    assert kind_of("Cumberland Council") is OrganisationKind.UNITARY
    assert kind_of("Harrogate Borough Council") is OrganisationKind.DISTRICT
    assert kind_of("Wokingham Borough Council") is OrganisationKind.UNITARY
    assert kind_of("Stoke-on-Trent City Council") is OrganisationKind.UNITARY
    assert kind_of("Leicester City Council") is OrganisationKind.UNITARY
