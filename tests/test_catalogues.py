"""Every message exists in both languages with the same placeholders, and user text is escaped."""

from __future__ import annotations

import re
import string

import pytest

from bot import menus
from bot.i18n import LANGUAGES, catalogue, t


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_catalogues_have_the_same_keys() -> None:
    indonesian, english = catalogue("id"), catalogue("en")
    assert sorted(set(indonesian) - set(english)) == []
    assert sorted(set(english) - set(indonesian)) == []


@pytest.mark.parametrize("key", sorted(catalogue("id")))
def test_placeholders_match_across_languages(key: str) -> None:
    assert _placeholders(catalogue("id")[key]) == _placeholders(catalogue("en")[key])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_menu_command_has_a_description(language: str) -> None:
    for command in menus.COMMANDS:
        description = t(language, f"command.{command.key}")
        assert 1 <= len(description) <= 256


def test_values_are_escaped_but_catalogue_markup_is_kept() -> None:
    text = t("id", "register.filed", name="<b>Budi</b> & co")
    assert "&lt;b&gt;Budi&lt;/b&gt; &amp; co" in text
    assert "<b>" not in text.replace("&lt;b&gt;", "")
    assert t("en", "start.greeting", name="X", role="mentee", unit="").startswith(
        "Hello, <b>X</b>"
    )


def test_unknown_language_falls_back_to_indonesian() -> None:
    assert t("fr", "common.not_allowed") == t("id", "common.not_allowed")


@pytest.mark.parametrize("language", LANGUAGES)
def test_messages_name_commands_in_the_readers_language(language: str) -> None:
    """A message that names a command by its other-language name names it in the reader's
    language too (both names work, but people type what they read)."""
    wrong = []
    for key, text in catalogue(language).items():
        for word in re.findall(r"/([a-z]+)\b", text):
            command = menus.BY_NAME.get(word)
            if command is None or key.startswith("cli."):
                continue
            own = command.name(language)
            if word != own and f"/{own}" not in text:
                wrong.append(f"{key}: /{word} (say /{own})")
    assert wrong == []
