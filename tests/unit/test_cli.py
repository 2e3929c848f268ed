"""The command line refuses bad input before doing anything, with exit code 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lgsco_cli.cli import app


@pytest.mark.parametrize("bad", ["22 003 37", "abc", "../../etc"])
def test_ingest_refuses_a_malformed_reference_before_any_request(bad: str) -> None:
    result = CliRunner().invoke(app, ["ingest", bad], env={"LGSCO_SITE_URL": "http://127.0.0.1:9"})
    assert result.exit_code == 2
    assert "is not an LGSCO case reference" in result.output
    assert "22 003 374" in result.output


def test_crawl_refuses_dates_in_the_wrong_order() -> None:
    result = CliRunner().invoke(app, ["crawl", "--from", "2024-02-01", "--to", "2024-01-01"])
    assert result.exit_code == 2
    assert "--to is before --from" in result.output


def test_bad_setting_stops_with_one_line() -> None:
    result = CliRunner().invoke(app, ["migrate"], env={"LGSCO_API_PORT": "99999"})
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert "LGSCO_API_PORT is invalid" in result.output
