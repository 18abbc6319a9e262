"""Reading an article: bytes from a file or stdin, checked before any rule sees them.

An article is plain UTF-8 text in English of at most :data:`MAX_ARTICLE_BYTES`. Anything
else is refused with a :class:`DraftError` saying what was got and what to do (the CLI
prints it as one line and exits with code 2): an empty file, binary data, text in
another encoding, text that is not English, a file too large to be one article.
"""

from __future__ import annotations

import re
import stat
import sys
from pathlib import Path
from typing import BinaryIO

from tariffsim.errors import TariffsimError

__all__ = ["DraftError", "MAX_ARTICLE_BYTES", "read_article", "check_article"]

MAX_ARTICLE_BYTES = 1024**2
"""Largest article read (1 MB): a long news article is 20-50 KB; drafting is linear in the text, and
a whole newspaper day is not one article."""

_ENGLISH_WORDS = frozenset(
    "the a an and or of to in on at by for with from as is are was were be been has have had will would "
    "it its this that these those their they he she said says not but than after before over about more".split())
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


class DraftError(TariffsimError, ValueError):
    """An article that cannot be drafted from (empty, binary, not UTF-8, not English, too large)."""


def read_article(source: str | Path, *, max_bytes: int = MAX_ARTICLE_BYTES, stdin: BinaryIO | None = None) -> str:
    """The text of an article file, or of standard input when ``source`` is ``"-"``.

    Parameters
    ----------
    source
        A file path, or ``"-"`` for standard input.
    max_bytes
        Refuse larger articles (checked from the file size before reading, and while reading a stream).
    stdin
        The stream read for ``"-"`` (default ``sys.stdin.buffer``).

    Raises
    ------
    DraftError
        A missing file, a folder or device, an article over ``max_bytes``, or text that
        :func:`check_article` refuses.
    """
    name = "standard input" if str(source) == "-" else str(source)
    if str(source) == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(max_bytes + 1)
    else:
        path = Path(source)
        try:
            info = path.stat()
        except FileNotFoundError:
            raise DraftError(f"article file not found: {path}") from None
        except OSError as exc:
            raise DraftError(f"cannot read the article {path}: {exc.strerror or exc}") from None
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise DraftError(f"the article {path} is {kind}; give a plain-text file (or - for standard input)")
        if info.st_size > max_bytes:
            raise DraftError(_too_large(name, info.st_size, max_bytes))
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DraftError(_too_large(name, len(data), max_bytes, at_least=True))
    return check_article(data, name)


def _too_large(name: str, size: int, limit: int, at_least: bool = False) -> str:
    got = f"{'more than ' if at_least else ''}{size / 1024**2:.1f} MB"
    return (f"{name} is {got}; an article is at most {limit / 1024**2:.0f} MB of text: give one article "
            "(split a collection into one file per article)")


def check_article(data: bytes | str, name: str = "the article") -> str:
    """The article as text, after checking that it is non-empty English UTF-8 text.

    Raises
    ------
    DraftError
        Empty (or white space only), binary (NUL or many control bytes), not UTF-8, or not English
        (too few common English words among its words).
    """
    if isinstance(data, bytes):
        if b"\x00" in data[:65536]:
            raise DraftError(f"{name} is binary data, not text: give the article as plain UTF-8 text")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DraftError(f"{name} is not UTF-8 text (byte {exc.start} cannot be decoded): save the article "
                             "as UTF-8 plain text") from None
    else:
        text = data
    if not text.strip():
        raise DraftError(f"{name} is empty: give the text of a news article")
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f\v")
    if controls > max(3, len(text) // 100):
        raise DraftError(f"{name} has {controls} control characters: it looks like binary data, not an article")
    words = _WORD.findall(text)
    if not words:
        raise DraftError(f"{name} has no words: give the text of a news article")
    english = sum(1 for w in words if w.lower() in _ENGLISH_WORDS)
    if (len(words) >= 8 and english < 0.08 * len(words)) or (len(words) < 8 and english == 0):
        raise DraftError(f"{name} does not look like English ({english} of {len(words)} words are common English "
                         "words): tariffsim drafts from English news text only")
    return text
