"""User text made safe to print: no terminal control sequences, no rich markup.

Scenario names, labels, sources and file paths come from files written by anyone.
Printed raw, ``"\\x1b]0;...\\x07"`` retitles the terminal, ``"\\x1b[2J"`` clears it and
``"\\r"`` overwrites what came before; through rich, ``"[/bold]"`` raises a
``MarkupError`` and ``"[link=...]"`` makes a hyperlink. :func:`safe_text` shows
such characters as visible escapes (``\\x1b``, ``\\u202e``) and
:func:`safe_markup` also escapes rich markup, for text spliced into a rich
``console.print`` string::

    console.print(f"[bold]{safe_markup(head.name)}[/bold]")

:func:`control_characters` finds them, for validators that refuse them at the source.

This module imports nothing from the package (and rich only when asked to escape markup).
"""

from __future__ import annotations

import unicodedata

__all__ = ["control_characters", "safe_markup", "safe_text"]

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Bidirectional formatting characters: they reorder what a reader sees ("Trojan source")."""

_LINE_BREAKS = frozenset("\u2028\u2029\x85")


def _unsafe(char: str, keep_newlines: bool) -> bool:
    if char == "\n":
        return not keep_newlines
    # Cc: C0 controls (ESC, BEL, CR, backspace, tab...), DEL and the C1 controls (CSI = U+009B).
    return unicodedata.category(char) == "Cc" or char in _BIDI or char in _LINE_BREAKS


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def control_characters(text: str) -> list[str]:
    """The distinct control, bidirectional-formatting and line-break characters in ``text``, in order."""
    found: dict[str, None] = {}
    for char in text:
        if char not in found and _unsafe(char, keep_newlines=False):
            found[char] = None
    return list(found)


def safe_text(value: object, *, keep_newlines: bool = False, max_chars: int | None = None) -> str:
    """``str(value)`` with control characters shown as visible escapes.

    Parameters
    ----------
    value
        Any object; its ``str()`` is made safe.
    keep_newlines
        Keep ``"\\n"`` as a line break (for multi-line text); by default it is shown
        as ``\\n`` so that the result is one line.
    max_chars
        Cut the result to this many characters (ending in ``…``); ``None``: no limit.

    Returns
    -------
    str
        Text with no C0/C1 control character (ESC, BEL, CR, backspace, DEL, CSI...),
        no bidirectional override and no Unicode line separator: each is written
        as ``\\xNN`` or ``\\uNNNN``. Printable text, including non-ASCII letters, is kept.
    """
    text = str(value)
    if any(_unsafe(c, keep_newlines) for c in text):
        text = "".join(_escape(c) if _unsafe(c, keep_newlines) else c for c in text)
    if max_chars is not None and len(text) > max_chars:
        text = text[: max(max_chars - 1, 0)] + "…"
    return text


def safe_markup(value: object, *, keep_newlines: bool = False, max_chars: int | None = None) -> str:
    """:func:`safe_text`, then rich markup escaped: safe inside a ``console.print`` markup string.

    ``safe_markup("[/bold] x")`` is ``"\\\\[/bold] x"``, which rich prints as ``[/bold] x``.
    """
    from rich.markup import escape

    return escape(safe_text(value, keep_newlines=keep_newlines, max_chars=max_chars))
