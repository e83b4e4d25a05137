"""Settings from the environment and ``.env`` (pydantic-settings); see ``.env.example``."""

from __future__ import annotations

import importlib.util
import string
from datetime import time
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot import timezones
from bot.flows.planning import PLANNED_RATE, SEND_CEILING
from bot.flows.weeks import WEEKDAYS
from bot.i18n import plain

TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
# The URL prefixes we support -> the Python module of their async driver.
_SECRET_CHARS = frozenset(string.ascii_letters + string.digits + "_-")
DATABASE_DRIVERS = {"sqlite+aiosqlite://": "aiosqlite", "postgresql+asyncpg://": "asyncpg"}


class SettingProblem(ValueError):
    """Why a value was refused, as a catalogue key (``config.reason.<key>``) and its values:
    the command line words it in the operator's language, not in pydantic's English."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class Settings(BaseSettings):
    """Every setting the bot reads. Field names are the environment variable names."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = TELEGRAM_BASE_URL
    database_url: str = "sqlite+aiosqlite:///pembina.db"
    pembina_admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    pembina_timezone: str = "Asia/Jakarta"
    pembina_language: Literal["id", "en"] = "id"
    pembina_invite_ttl_days: int = Field(default=30, ge=1, le=365)
    pembina_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    pembina_digest_day: int = Field(default=0, ge=0, le=4)  # Monday; names are accepted
    pembina_digest_time: time = time(7, 30)
    pembina_nudge_grace_hours: int = Field(default=24, ge=1, le=48)
    pembina_digest_grace_days: int = Field(default=3, ge=1, le=6)
    # Nudges planned a second, under Telegram's 29 (bot/flows/planning.py says why 80 %).
    pembina_nudge_rate: float = Field(default=PLANNED_RATE, gt=0, le=SEND_CEILING)
    # Telegram takes documents up to 50 MB from a bot; a local Bot API server takes 2000 MB.
    pembina_max_upload_mb: int = Field(default=50, ge=1, le=2000)
    # False when migrations are a deploy step of their own (``pembina migrate``) and the bot
    # processes must not race to apply them; ``pembina run --no-migrate`` says the same.
    pembina_migrate_on_start: bool = True
    # Webhook mode (``pembina run --webhook URL``): where this process listens, the secret
    # Telegram sends with each update, and how many requests Telegram may open at once.
    pembina_webhook_listen: str = "127.0.0.1"
    pembina_webhook_port: int = Field(default=8080, ge=1, le=65535)
    pembina_webhook_secret: SecretStr | None = None
    pembina_webhook_max_connections: int = Field(default=40, ge=1, le=100)

    @field_validator("pembina_admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            for part in parts:
                if not part.lstrip("-").isdigit():
                    raise SettingProblem("not_user_id", value=part)
            return [int(p) for p in parts]
        return value

    @field_validator("pembina_timezone")
    @classmethod
    def _indonesian_zone(cls, value: str) -> str:
        zone = timezones.normalise(value)
        if zone is None:
            raise SettingProblem("zone")
        return zone

    @field_validator("pembina_digest_day", mode="before")
    @classmethod
    def _working_day(cls, value: object) -> object:
        """A working day by name: digests reach supervisors at the office."""
        if isinstance(value, str):
            day = WEEKDAYS.get(value.strip().lower())
            if day is None:
                raise SettingProblem("working_day")
            return day
        return value

    @field_validator("pembina_digest_time", mode="before")
    @classmethod
    def _office_hours(cls, value: object) -> object:
        """HH:MM between 07:00 and 20:00, the hours the bot may speak unasked."""
        if isinstance(value, str):
            hours, _, minutes = value.strip().partition(":")
            try:
                value = time(int(hours), int(minutes))
            except ValueError:
                raise SettingProblem("clock_time") from None
        if isinstance(value, time) and not time(7, 0) <= value <= time(20, 0):
            raise SettingProblem("office_hours")
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise SettingProblem("http_url")
        return value.rstrip("/")

    @field_validator("pembina_webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        """Telegram's rule for ``secret_token``: setWebhook would refuse anything else."""
        if value is None or value.get_secret_value() == "":
            return None
        secret = value.get_secret_value()
        if len(secret) > 256 or not set(secret) <= _SECRET_CHARS:
            raise SettingProblem("webhook_secret")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """A URL SQLAlchemy can read, for a driver that is installed: otherwise the first
        connection fails deep inside SQLAlchemy with a long traceback."""
        if not value.startswith(tuple(DATABASE_DRIVERS)):
            raise SettingProblem("database_scheme")
        try:
            make_url(value)
        except (ArgumentError, ValueError):
            raise SettingProblem("database_url") from None
        driver = next(d for prefix, d in DATABASE_DRIVERS.items() if value.startswith(prefix))
        if importlib.util.find_spec(driver) is None:
            raise SettingProblem("driver_missing", driver=driver)
        return value

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    @property
    def webhook_secret(self) -> str | None:
        secret = self.pembina_webhook_secret
        return secret.get_secret_value() if secret else None

    @property
    def file_base_url(self) -> str:
        """Where files are downloaded: Telegram's ``.../file/bot`` beside ``.../bot``."""
        base = self.telegram_api_base_url
        return base[: -len("bot")] + "file/bot" if base.endswith("/bot") else base + "/file/bot"


class _LanguageOnly(BaseSettings):
    """Just PEMBINA_LANGUAGE, read before the other settings are checked: ``--help`` and
    argument errors speak the operator's language even when another setting is wrong."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    pembina_language: str = "id"


def cli_language() -> str:
    """The language the command line speaks (``id`` unless PEMBINA_LANGUAGE says ``en``)."""
    try:
        language = _LanguageOnly().pembina_language.strip().lower()
    except ValidationError:
        return "id"
    return language if language in ("id", "en") else "id"


class SettingsError(Exception):
    """A setting is missing or malformed: its name, and why as a catalogue key."""

    def __init__(self, name: str, reason: str, params: dict[str, object]) -> None:
        super().__init__(name, reason)
        self.name, self.reason, self.params = name, reason, params

    def text(self, language: str) -> str:
        """One line for the operator, in their language."""
        why = plain(language, f"config.reason.{self.reason}", **self.params)
        return plain(language, "config.invalid", name=self.name, reason=why)

    def __str__(self) -> str:
        return self.text(cli_language())


# pydantic's own checks (types, ranges, choices) -> our reason keys and their values.
_PYDANTIC_REASONS = {
    "literal_error": "choice",
    "greater_than_equal": "at_least",
    "less_than_equal": "at_most",
    "int_parsing": "whole_number",
    "int_from_float": "whole_number",
    "int_type": "whole_number",
}


def _reason(error: Any) -> tuple[str, dict[str, object]]:
    """The catalogue reason for pydantic's first complaint about a setting."""
    context = error.get("ctx") or {}
    problem = context.get("error")
    if isinstance(problem, SettingProblem):
        return problem.key, problem.params
    key = _PYDANTIC_REASONS.get(error["type"], "unreadable")
    field = Settings.model_fields.get(str(error["loc"][0])) if error["loc"] else None
    choices = get_args(field.annotation) if field is not None else ()
    params: dict[str, object] = {
        "choices": " / ".join(str(c) for c in choices),
        "limit": context.get("ge", context.get("le", "")),
        "value": error.get("input", ""),
    }
    return key, params


def load_settings() -> Settings:
    """Read the settings, turning pydantic's report into one clear line."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        key, params = _reason(first)
        raise SettingsError(name, key, params) from None
