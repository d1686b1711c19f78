"""The one way out to a terminal: control characters from data are shown escaped, never sent.

An article, a file name or a gazetteer name can carry ANSI/OSC escape sequences (``\\x1b]8;;...``,
``\\x1b[2J``) or bidirectional overrides that rewrite what the terminal shows. The CLI wraps
``sys.stdout`` and ``sys.stderr`` in :class:`EscapingStream`, so everything it prints goes through
:func:`printable`. JSON output is unaffected: ``json.dump`` already writes these as ``\\uXXXX``.
"""

from __future__ import annotations

import re
from typing import TextIO

# C0 controls but tab and newline, DEL, C1 controls, and the bidi embeddings/overrides/isolates
# that can make a terminal show text in another order than it is.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character written as a visible escape (``\\x1b``, ``\\u202e``)."""
    return _CONTROL.sub(_escape, text)


class EscapingStream:
    """A text stream that passes everything written to it through :func:`printable`."""

    def __init__(self, stream: TextIO) -> None:
        self.unescaped = stream  # for a progress bar that must draw with escape codes of its own

    def write(self, text: str) -> int:
        self.unescaped.write(printable(text))
        return len(text)

    def __getattr__(self, name: str):  # flush, isatty, fileno, encoding, ...
        return getattr(self.unescaped, name)


def unescaped(stream: TextIO) -> TextIO:
    """The stream under an :class:`EscapingStream` (for output the program itself composes)."""
    return getattr(stream, "unescaped", stream)
