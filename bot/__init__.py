"""Pembina: a Telegram bot for ASN mentoring and project-based learning programmes."""

import os

# Opt in to python-telegram-bot 22's timedelta time periods (``RetryAfter.retry_after`` and
# friends), the coming default; without it every 429 also raises a deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "true")
