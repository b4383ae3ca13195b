"""User text made safe to print: control characters and bidi overrides shown as visible escapes.

A value holding a newline would forge a line of its own in plain output (a HOLD report with a line
"Shipment ...: CLEAR"); an escape sequence would be obeyed by the terminal (colours, the window title);
a right-to-left override would reorder what the reader sees. None of them reach the reader raw."""

from __future__ import annotations

import re

#: C0 and C1 controls (tab and newline are handled by the callers), DEL, and the Unicode bidi
#: embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_OR_NEWLINE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(value: str) -> str:
    """Controls and bidi characters escaped; newlines and tabs kept (a table cell may wrap)."""
    return _UNSAFE.sub(_escape, value)


def one_line(value: str) -> str:
    """As ``visible``, and newlines and tabs escaped too: for output read line by line."""
    return _UNSAFE_OR_NEWLINE.sub(_escape, value)
