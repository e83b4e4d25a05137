"""The person's own data as a JSON document (``/dataku``): UTF-8, indented, readable."""

from __future__ import annotations

import json
from typing import Any


def data_json(document: dict[str, Any]) -> bytes:
    """The document as UTF-8 JSON; names and answers stay readable (no ``\\u`` escapes)."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")
