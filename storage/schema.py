"""The tables, in SQLAlchemy Core. Alembic migrations create them; this module describes them.

Everything that must survive a restart is a row here: people and their roles, programmes,
pairings, reflections and reviews, conversation steps and drafts, invites, join requests, the
outbox of messages still to send, and the inbox of updates received (handled or not).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from storage.types import UTCDateTime

PAIRING_CURRENT = "status IN ('offered', 'active')"
NUDGE_COUNTS = "kind <> 'digest'"  # a digest is recorded once-only but is no reminder
REFLECTION_SENT = "status <> 'draft'"  # past draft: the week's reflection was sent

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ROLES = ("mentee", "mentor", "supervisor", "coordinator")

# Keys of the tables that grow with every message, nudge, answer and action: 64-bit on
# PostgreSQL (a national rollout would exhaust 32 bits in a few years); on SQLite an INTEGER
# PRIMARY KEY is already 64-bit and must stay exactly that type to be the rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")

people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("nip", String(18), unique=True),
    Column("name", String(200), nullable=False),
    Column("unit", String(200)),
    Column("supervisor_id", ForeignKey("people.id", ondelete="SET NULL")),
    Column("mentor_id", ForeignKey("people.id", ondelete="SET NULL")),
    Column("telegram_id", BigInteger, unique=True),
    Column("timezone", String(64), nullable=False),
    Column("language", String(8), nullable=False),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("mentor_capacity", Integer, nullable=False, server_default="3"),
    Column("unreachable_since", UTCDateTime),
    Column("nudges_paused_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Set when the person's identifying data was erased (0017): name is then a marker.
    Column("erased_at", UTCDateTime),
    CheckConstraint("status IN ('active', 'inactive', 'unreachable')", name="status"),
    Index("ix_people_supervisor", "supervisor_id"),
)

person_roles = Table(
    "person_roles",
    metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), primary_key=True),
    CheckConstraint("role IN ('mentee', 'mentor', 'supervisor', 'coordinator')", name="role"),
)

programmes = Table(
    "programmes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("reflection_weekday", Integer, nullable=False),
    Column("questions", JSON, nullable=False),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("unit_rule", String(16), nullable=False, server_default="any"),
    Column("offer_hours", Integer, nullable=False, server_default="72"),
    Column("created_at", UTCDateTime, nullable=False),
)

programme_members = Table(
    "programme_members",
    metadata,
    Column("programme_id", ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), primary_key=True),
    # Covers the programme: a person's memberships never read the table (0024).
    Index("ix_programme_members_person", "person_id", "role", "programme_id"),
)

milestones = Table(
    "milestones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("programme_id", ForeignKey("programmes.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(300), nullable=False),
    Column("due_on", Date),
    Column("position", Integer, nullable=False),
)

# One mentee's state of one milestone: marked done by them, confirmed by their mentor
# (a mentor's "not yet" clears ``done_at`` again). No row: not reached yet.
milestone_marks = Table(
    "milestone_marks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("milestone_id", ForeignKey("milestones.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("done_at", UTCDateTime),
    Column("confirmed_at", UTCDateTime),
    Column("confirmed_by_id", ForeignKey("people.id", ondelete="SET NULL")),
    # How many times it was marked done: a mentor's button names the round it asks about.
    Column("round", Integer, nullable=False, server_default="0"),
    UniqueConstraint("milestone_id", "person_id", name="uq_milestone_marks_once"),
    Index("ix_milestone_marks_person", "person_id"),
)

pairings = Table(
    "pairings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("programme_id", ForeignKey("programmes.id", ondelete="CASCADE"), nullable=False),
    Column("mentor_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("mentee_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("offered_at", UTCDateTime),
    Column("responded_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    Column("end_requested_by_id", ForeignKey("people.id", ondelete="SET NULL")),
    Column("end_reason", String(32)),  # asked for, then decided (bot.flows.pairing)
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("mentor_id <> mentee_id", name="not_self"),
    Index("ix_pairings_programme_mentee", "programme_id", "mentee_id"),
    Index("ix_pairings_mentor", "mentor_id", "status"),
    # One current (offered or active) pairing per programme and mentee, whatever process
    # writes it (0020); ``storage.pairings.create_pairing`` treats a conflict as "paired".
    Index(
        "uq_pairings_current",
        "programme_id",
        "mentee_id",
        unique=True,
        sqlite_where=text(PAIRING_CURRENT),
        postgresql_where=text(PAIRING_CURRENT),
    ),
)

reflections = Table(
    "reflections",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("programme_id", ForeignKey("programmes.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("week_start", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("answers", JSON, nullable=False),
    # Telegram message id (as text) -> question index: an edited message updates its answer.
    Column("answer_messages", JSON),
    Column("minutes", Integer),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("late", Boolean, nullable=False, server_default="0"),
    Column("submitted_at", UTCDateTime),
    Column("reviewed_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("programme_id", "person_id", "week_start", name="uq_reflections_week"),
    Index("ix_reflections_person_week", "person_id", "week_start"),
    # A week's sent reflections in one range scan: who still owes one (0022, the tick).
    Index(
        "ix_reflections_sent",
        "programme_id",
        "week_start",
        "person_id",
        sqlite_where=text(REFLECTION_SENT),
        postgresql_where=text(REFLECTION_SENT),
    ),
    # The few waiting for review, found without reading a year of history (0021).
    Index("ix_reflections_waiting", "status", "person_id"),
)

# Facts kept up to date by every write that changes them (storage/weekly_facts.py, 0021),
# so a province's digest reads a row per person instead of a year of reflections.
# No personal data: ids, week bits and minutes only.
weekly_facts = Table(
    "weekly_facts",
    metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("programme_id", ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True),
    # Weeks counted from 1970-01-05, 60 a row: bit i of block b is week 60 * b + i.
    Column("block", Integer, primary_key=True, autoincrement=False),
    Column("reflected", BigInteger, nullable=False, server_default="0"),  # submitted or later
    Column("late", BigInteger, nullable=False, server_default="0"),  # reflected, and late
    sqlite_with_rowid=False,  # the table is its key: a lookup is one search (0024)
)

yearly_facts = Table(
    "yearly_facts",
    metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("year", Integer, primary_key=True, autoincrement=False),  # of the week / the day held
    Column("approved_minutes", BigInteger, nullable=False, server_default="0"),
    Column("session_minutes", BigInteger, nullable=False, server_default="0"),  # confirmed
    Column("last_session", Date),  # the latest confirmed session held that year
    sqlite_with_rowid=False,
)

reflection_evidence = Table(
    "reflection_evidence",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("reflection_id", ForeignKey("reflections.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("telegram_file_id", String(200), nullable=False),
    Column("file_unique_id", String(100)),
    Column("caption", Text),
    Column("created_at", UTCDateTime, nullable=False),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("reflection_id", ForeignKey("reflections.id", ondelete="CASCADE"), nullable=False),
    Column("reviewer_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("decision", String(16), nullable=False),
    Column("comment", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_reviews_reflection", "reflection_id", "version", "created_at"),
)

mentoring_sessions = Table(
    "mentoring_sessions",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("programme_id", ForeignKey("programmes.id", ondelete="CASCADE"), nullable=False),
    Column("mentor_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("mentee_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("topic", Text, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("logged_by_id", ForeignKey("people.id", ondelete="SET NULL")),
    Column("confirmed_at", UTCDateTime),
    Column("disputed_at", UTCDateTime),  # the other side said: not as logged; never JP
    Column("rating", Integer),
    Column("rating_note", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_sessions_mentee", "mentee_id", "held_on"),
)

invites = Table(
    "invites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
    Column("used_by_telegram_id", BigInteger),
    Index("ix_invites_person", "person_id"),
)

join_requests = Table(
    "join_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("telegram_id", BigInteger, nullable=False),
    Column("nip", String(18), nullable=False),
    Column("name", String(200), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("language", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("person_id", ForeignKey("people.id", ondelete="SET NULL")),
    Column("decided_by_telegram_id", BigInteger),
    Column("decided_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_join_requests_status", "status"),
)

telegram_users = Table(
    "telegram_users",
    metadata,
    Column("telegram_id", BigInteger, primary_key=True, autoincrement=False),
    Column("language", String(8)),
    Column("timezone", String(64)),
    Column("updated_at", UTCDateTime, nullable=False),
    # Fingerprint of the command menu last set in this chat (bot/handlers/common.py
    # apply_menu): /help sets the menu again only when it changed (migration 0023).
    Column("menu", String(32)),
)

conversations = Table(
    "conversations",
    metadata,
    Column("telegram_id", BigInteger, primary_key=True, autoincrement=False),
    Column("flow", String(32), nullable=False),
    Column("step", String(32), nullable=False),
    Column("data", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("dedup_key", String(200), nullable=False, unique=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("person_id", ForeignKey("people.id", ondelete="SET NULL")),
    Column("text", Text, nullable=False),
    Column("reply_markup", JSON),
    Column("media_kind", String(16)),  # photo / document: text is then the caption
    Column("media_file_id", String(200)),
    Column("media_data", JSON),  # media_kind "chart": the figures, rendered when sent
    Column("kind", String(40)),  # a notice: rendered from kind + params when sent
    Column("params", JSON),
    Column("parts_sent", Integer, nullable=False, server_default="0"),  # of a notice's parts
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("not_before", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime),  # while "sending": the sender's claim, in wall time
    Column("lease_owner", String(36)),  # which process holds it (bot.outbox_sender)
    Column("last_error", Text),
    Column("telegram_message_id", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Index("ix_outbox_due", "status", "not_before", "id"),  # claimed in this order
    # A chat's unsent rows in order: a row is claimed only when none comes before it.
    Index(
        "ix_outbox_chat_unsent",
        "chat_id",
        "not_before",
        "id",
        sqlite_where=text("status IN ('pending', 'sending')"),
        postgresql_where=text("status IN ('pending', 'sending')"),
    ),
)

# One row: when the next message of the whole bot may go, on the database's clock, shared
# by every process on PostgreSQL (bot/send_limits.py), and until when Telegram said to wait.
send_clock = Table(
    "send_clock",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("next_at", UTCDateTime, nullable=False),
    Column("paused_until", UTCDateTime, nullable=False),
)

# The durable inbox: every update Telegram delivered, stored before its offset is confirmed.
# ``done_at`` is set in the same transaction as the update's own writes (``storage.db``);
# rows without it are handled again after a restart. ``chat_id`` keeps one person's updates
# in order. Rows recorded before the inbox existed (or by a write outside it) have no payload.
inbox = Table(
    "inbox",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("chat_id", BigInteger),
    Column("payload", JSON),
    Column("received_at", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime),
    Index("ix_inbox_done", "done_at"),
)

nudges = Table(
    "nudges",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("period", String(64), nullable=False),  # e.g. programme and week it is about
    Column("local_date", Date, nullable=False),  # the person's calendar day it was sent
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("person_id", "kind", "period", name="uq_nudges_once"),
    Index("ix_nudges_person_day", "person_id", "local_date"),
    # At most one nudge (a digest is none) per person and local day (0020): two ticks at
    # once cannot both send; ``storage.nudges.record_many`` skips the second.
    Index(
        "uq_nudges_daily",
        "person_id",
        "local_date",
        unique=True,
        sqlite_where=text(NUDGE_COUNTS),
        postgresql_where=text(NUDGE_COUNTS),
    ),
    Index("ix_nudges_kind_period", "kind", "period"),
)

# Every coordinator action, with who, what, when and the facts before and after
# (``storage.audit``). ``actor_label`` is a neutral key (``chat``, ``cli``), never wording.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_person_id", ForeignKey("people.id", ondelete="SET NULL")),
    Column("actor_label", String(32), nullable=False),
    Column("action", String(40), nullable=False),
    Column("programme_id", ForeignKey("programmes.id", ondelete="SET NULL")),
    Column("subject_person_id", ForeignKey("people.id", ondelete="SET NULL")),
    Column("before", JSON),
    Column("after", JSON),
    Index("ix_audit_log_programme", "programme_id", "id"),
)

# Requests to erase a person's data (UU 27/2022): an audit record that holds no erased data.
erasure_requests = Table(
    "erasure_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),  # pending, erased, refused
    Column("requested_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime),
    Column("decided_by_telegram_id", BigInteger),
    CheckConstraint("status IN ('pending', 'erased', 'refused')", name="status"),
    Index("ix_erasure_requests_person", "person_id", "status"),
)
