"""A local Telegram Bot API double for tests and the playground (see ``server``)."""

from bot.telegram_double.limits import RateLimits
from bot.telegram_double.models import SentMessage
from bot.telegram_double.server import TelegramDouble
from bot.telegram_double.users import DoubleUser

__all__ = ["DoubleUser", "RateLimits", "SentMessage", "TelegramDouble"]
