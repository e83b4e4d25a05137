"""Settings: defaults, parsing, and one clear line for a bad value."""

from __future__ import annotations

import pytest

from bot.config import SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_API_BASE_URL",
        "DATABASE_URL",
        "PEMBINA_ADMIN_IDS",
        "PEMBINA_TIMEZONE",
        "PEMBINA_LANGUAGE",
        "PEMBINA_DIGEST_DAY",
        "PEMBINA_DIGEST_TIME",
        "PEMBINA_NUDGE_GRACE_HOURS",
        "PEMBINA_NUDGE_RATE",
        "PEMBINA_DIGEST_GRACE_DAYS",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings = load_settings()
    assert settings.token is None
    assert settings.database_url == "sqlite+aiosqlite:///pembina.db"
    assert settings.pembina_admin_ids == []
    assert settings.pembina_timezone == "Asia/Jakarta"
    assert settings.pembina_language == "id"
    assert settings.file_base_url == "https://api.telegram.org/file/bot"


def test_values_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEMBINA_ADMIN_IDS", "11, 22,33")
    monkeypatch.setenv("PEMBINA_TIMEZONE", "wita")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot/")
    settings = load_settings()
    assert settings.pembina_admin_ids == [11, 22, 33]
    assert settings.pembina_timezone == "Asia/Makassar"
    assert settings.file_base_url == "http://127.0.0.1:8081/file/bot"


def test_digest_day_and_time(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (load_settings().pembina_digest_day, str(load_settings().pembina_digest_time)) == (
        0,
        "07:30:00",
    )
    monkeypatch.setenv("PEMBINA_DIGEST_DAY", "Jumat")
    monkeypatch.setenv("PEMBINA_DIGEST_TIME", "16:05")
    settings = load_settings()
    assert settings.pembina_digest_day == 4
    assert str(settings.pembina_digest_time) == "16:05:00"


def test_values_from_dotenv_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text("PEMBINA_LANGUAGE=en\n")
    assert load_settings().pembina_language == "en"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PEMBINA_ADMIN_IDS", "12,abc"),
        ("PEMBINA_TIMEZONE", "Europe/Paris"),
        ("PEMBINA_LANGUAGE", "fr"),
        ("DATABASE_URL", "mysql://x"),
        ("TELEGRAM_API_BASE_URL", "ftp://x"),
        ("PEMBINA_DIGEST_DAY", "sabtu"),
        ("PEMBINA_DIGEST_TIME", "7.30"),
        ("PEMBINA_DIGEST_TIME", "21:00"),
        ("PEMBINA_DIGEST_TIME", "06:59"),
        ("PEMBINA_NUDGE_GRACE_HOURS", "0"),
        ("PEMBINA_DIGEST_GRACE_DAYS", "7"),
    ],
)
def test_bad_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert name in message
    assert "\n" not in message
    # worded from the catalogues, in the operator's language
    indonesian, english = caught.value.text("id"), caught.value.text("en")
    assert indonesian.startswith(f"Pengaturan {name} tidak valid: ")
    assert english.startswith(f"Setting {name} is invalid: ")


def test_env_example_lists_every_setting_with_a_comment() -> None:
    """Every setting the bot reads is in .env.example, each under a comment saying what it is,
    and the example's values are themselves valid."""
    from pathlib import Path

    from bot.config import Settings

    lines = (Path(__file__).parent.parent / ".env.example").read_text().splitlines()
    listed = {}
    for number, line in enumerate(lines):
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            assert lines[number - 1].startswith("#"), f"{name} has no comment above it"
            listed[name] = value
    assert set(listed) == {name.upper() for name in Settings.model_fields}
    Settings(**{k.lower(): v for k, v in listed.items() if v})  # the examples parse
