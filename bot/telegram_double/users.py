"""Acting as a Telegram user against the double: send things, press buttons, read replies."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from bot.telegram_double.models import SentMessage

if TYPE_CHECKING:
    from bot.telegram_double.server import TelegramDouble

_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class DoubleUser:
    """One user and their private chat with the bot (chat id == user id)."""

    def __init__(
        self,
        double: TelegramDouble,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str,
    ) -> None:
        self.double = double
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.query_ids: set[str] = set()
        self._cursor = 0

    # ----------------------------------------------------------------- sending

    def _from(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    def _chat(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.user_id,
            "type": "private",
            "first_name": self.first_name,
        }
        if self.username:
            data["username"] = self.username
        return data

    async def _send(self, content: dict[str, Any]) -> dict[str, Any]:
        message = {
            "message_id": self.double.next_message_id(self.user_id),
            "date": int(time.time()),
            "chat": self._chat(),
            "from": self._from(),
            **content,
        }
        return await self.double.enqueue({"message": message}, self.user_id)

    @staticmethod
    def _text_content(text: str) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [
                {
                    "type": "bot_command",
                    "offset": 0,
                    "length": len(command.encode("utf-16-le")) // 2,
                }
            ]
        return content

    async def send_text(self, text: str) -> dict[str, Any]:
        """A text message; a leading ``/command`` gets its ``bot_command`` entity."""
        return await self._send(self._text_content(text))

    async def edit_text(self, sent: dict[str, Any], new_text: str) -> dict[str, Any]:
        """Edit a text message this user sent earlier (``sent`` is what :meth:`send_text`
        returned, or its ``message``): Telegram delivers an ``edited_message`` update with
        the same message id, the new text and an ``edit_date``."""
        original = sent.get("message", sent)
        edited = {key: value for key, value in original.items() if key not in ("text", "entities")}
        edited.update(self._text_content(new_text))
        edited["edit_date"] = int(time.time())
        return await self.double.enqueue({"edited_message": edited}, self.user_id)

    async def send_command(self, command: str, *args: str) -> dict[str, Any]:
        return await self.send_text(" ".join([f"/{command}", *args]))

    async def send_sticker(self, emoji: str = "👍") -> dict[str, Any]:
        stored = self.double.store_file(b"RIFF-sticker", "stickers/s.webp", "image/webp")
        return await self._send(
            {
                "sticker": {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": emoji,
                }
            }
        )

    async def send_photo(self, data: bytes = _PNG, caption: str | None = None) -> dict[str, Any]:
        stored = self.double.store_file(data, f"photos/{len(self.double._files)}.png", "image/png")
        size = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 1,
            "height": 1,
            "file_size": len(data),
        }
        content: dict[str, Any] = {"photo": [size]}
        if caption:
            content["caption"] = caption
        return await self._send(content)

    async def send_document(
        self, data: bytes, file_name: str, mime_type: str, caption: str | None = None
    ) -> dict[str, Any]:
        stored = self.double.store_file(data, f"documents/{file_name}", mime_type)
        content: dict[str, Any] = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": len(data),
            }
        }
        if caption:
            content["caption"] = caption
        return await self._send(content)

    async def send_voice(self, seconds: int = 3) -> dict[str, Any]:
        stored = self.double.store_file(b"OggS-voice", "voice/v.ogg", "audio/ogg")
        return await self._send(
            {
                "voice": {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "duration": seconds,
                    "mime_type": "audio/ogg",
                }
            }
        )

    async def send_location(self, latitude: float, longitude: float) -> dict[str, Any]:
        return await self._send({"location": {"latitude": latitude, "longitude": longitude}})

    async def press(self, message: SentMessage, button: str | int) -> dict[str, Any]:
        """Press an inline button of a bot message, by its exact text or reading-order index."""
        buttons = message.buttons
        if isinstance(button, int):
            if not 0 <= button < len(buttons):
                raise LookupError(f"no button #{button}; the message has {len(buttons)}")
            chosen = buttons[button]
        else:
            matches = [b for b in buttons if b.get("text") == button]
            if not matches:
                labels = [b.get("text") for b in buttons]
                raise LookupError(f"no button {button!r}; the message has {labels}")
            chosen = matches[0]
        if "callback_data" not in chosen:
            raise LookupError(f"button {chosen.get('text')!r} has no callback data")
        return await self._callback(self.double.message_json(message), chosen["callback_data"])

    async def press_data(self, message_id: int, data: str) -> dict[str, Any]:
        """A callback query with arbitrary (possibly forged) data on one of the bot's messages."""
        found = [m for m in self.double.messages_in(self.user_id) if m.message_id == message_id]
        if found:
            message = self.double.message_json(found[0])
        else:
            message = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": self._chat(),
                "from": self.double.bot_user_json(),
                "text": "?",
            }
        return await self._callback(message, data)

    async def _callback(self, message: dict[str, Any], data: str) -> dict[str, Any]:
        query_id = self.double.new_query_id()
        self.query_ids.add(query_id)
        query = {
            "id": query_id,
            "from": self._from(),
            "chat_instance": f"ci{self.user_id}",
            "message": message,
            "data": data,
        }
        return await self.double.enqueue({"callback_query": query}, self.user_id)

    # ----------------------------------------------------------------- reading

    @property
    def messages(self) -> list[SentMessage]:
        """Every message the bot has in this chat (deleted ones excluded), oldest first."""
        return self.double.messages_in(self.user_id)

    @property
    def last_message(self) -> SentMessage | None:
        found = self.messages
        return found[-1] if found else None

    def current(self, message: SentMessage) -> SentMessage:
        """The message as it is now (edits are applied in place; kept for readability)."""
        return message

    def _all(self) -> list[SentMessage]:
        return self.double._messages.get(self.user_id, [])

    def unread(self) -> list[SentMessage]:
        """Messages not yet consumed by :meth:`next_message`; consumes them."""
        everything = self._all()
        fresh = everything[self._cursor :]
        self._cursor = len(everything)
        return fresh

    async def next_message(self, timeout: float = 5.0) -> SentMessage:
        """The next bot message in this chat, waiting for it if needed."""
        return (await self.next_messages(1, timeout))[0]

    async def next_messages(self, count: int, timeout: float = 5.0) -> list[SentMessage]:
        wanted = self._cursor + count
        try:
            await self.double.wait_until(lambda: len(self._all()) >= wanted, timeout)
        except TimeoutError:
            got = [m.text for m in self._all()[self._cursor :]]
            raise TimeoutError(
                f"user {self.user_id} expected {count} new message(s) within {timeout}s, got {got}"
            ) from None
        fresh = self._all()[self._cursor : wanted]
        self._cursor = wanted
        return fresh

    def menu(self) -> list[str]:
        """The command names this user's menu shows."""
        return [c["command"] for c in self.double.commands_for(self.user_id, self.language_code)]

    def menu_descriptions(self) -> dict[str, str]:
        return {
            c["command"]: c["description"]
            for c in self.double.commands_for(self.user_id, self.language_code)
        }
