"""Settings: a bad value stops start-up with one line naming it; the README documents them all."""

from __future__ import annotations

from pathlib import Path

import pytest

from lgsco_shared.settings import Settings, SettingsError, load_settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_bad_setting_names_the_variable_and_the_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LGSCO_REQUESTS_PER_SECOND", "fast")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("LGSCO_REQUESTS_PER_SECOND is invalid:")
    assert "fast" in message and "\n" not in message


def test_database_url_must_be_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LGSCO_DATABASE_URL", "sqlite:///x.db")
    with pytest.raises(SettingsError, match=r"LGSCO_DATABASE_URL is invalid: .*PostgreSQL"):
        load_settings()


def test_defaults_are_polite_and_local(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "LGSCO_DATABASE_URL",
        "LGSCO_REDIS_URL",
        "LGSCO_SITE_URL",
        "LGSCO_REQUESTS_PER_SECOND",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.site_url == "https://www.lgo.org.uk"
    assert settings.requests_per_second == 1.0
    assert settings.database_url is None and settings.redis_url is None
    assert settings.home == Path(".lgsco")
    assert settings.contact in settings.user_agent


def test_readme_documents_every_setting_with_its_default() -> None:
    text = README.read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        row = next(
            (line for line in text.splitlines() if line.startswith(f"| `LGSCO_{name.upper()}` |")),
            None,
        )
        assert row is not None, f"LGSCO_{name.upper()} is missing from the README table"
        default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        shown = "unset" if default is None else str(default)
        if isinstance(default, list):
            shown = "[]"
        assert shown in row, f"README row for LGSCO_{name.upper()} does not show default {shown!r}"
