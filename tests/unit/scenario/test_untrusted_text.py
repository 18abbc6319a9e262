"""User text made safe for terminals (tariffsim._text) and refused at the source (labels)."""

from __future__ import annotations

import io
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.errors import MarkupError

from tariffsim import ScenarioError
from tariffsim._text import control_characters, safe_markup, safe_text
from tariffsim.scenario import parse_scenario

HEADER = '[scenario]\nname = "t"\n\n'


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2Jgone", "\\x1b[2Jgone"),  # ESC: clear screen
        ("\x1b]0;owned\x07", "\\x1b]0;owned\\x07"),  # OSC: retitle the window, ended by BEL
        ("ok\rEVIL", "ok\\x0dEVIL"),  # carriage return overwrites the line
        ("a\bb\x7f", "a\\x08b\\x7f"),  # backspace and DEL
        ("\x9b2J", "\\x9b2J"),  # C1 control sequence introducer
        ("abc\u202edcba", "abc\\u202edcba"),  # right-to-left override
        ("line\u2028break", "line\\u2028break"),
        ("two\nlines\ttab", "two\\x0alines\\x09tab"),
    ],
)
def test_control_characters_are_shown_as_visible_escapes(raw, shown):
    assert safe_text(raw) == shown


def test_printable_text_is_kept_and_newlines_on_request():
    text = "Côte d’Ivoire → 中国, [brackets] and \\ backslash"
    assert safe_text(text) == text
    assert safe_text("a\nb", keep_newlines=True) == "a\nb"
    assert safe_text("x" * 10, max_chars=5) == "xxxx…"


def test_control_characters_are_listed_once_each_in_order():
    assert control_characters("a\x1bb\x07c\x1b") == ["\x1b", "\x07"]
    assert control_characters("plain, ünïcödé") == []


def _printed(markup: str) -> str:
    console = Console(file=io.StringIO(), width=100_000, record=True, color_system=None)
    console.print(markup, emoji=False, soft_wrap=True, highlight=False)
    return console.export_text()


def test_a_closing_tag_in_a_name_crashes_rich_unless_escaped():
    name = "Trade war [/bold] round 2"
    with pytest.raises(MarkupError):
        _printed(f"[bold]{name}[/bold]")
    assert _printed(f"[bold]{safe_markup(name)}[/bold]") == name + "\n"


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40))
def test_any_text_prints_as_its_safe_form_and_nothing_else(text):
    shown = safe_text(text)
    assert not any(unicodedata.category(c) == "Cc" for c in shown)
    assert _printed(f"[bold]{safe_markup(text)}[/bold]") == shown + "\n"


@pytest.mark.parametrize(
    "entry",
    [
        '[[action]]\nlabel = "List 1\\u001b[2J"\nimposer = "A"\ntarget = "all"\nsectors = "all"\nrate = 0.1\n',
        '[[action]]\nlabel = "ok\\rEVIL"\nimposer = "A"\ntarget = "all"\nsectors = "all"\nrate = 0.1\n',
        '[[retaliation]]\nanswers = "x\\u202e"\nsectors = "all"\nrate = 0.1\n',
        '[regions]\n"EU\\u0007" = ["DEU"]\n',
    ],
)
def test_labels_with_control_characters_are_refused_with_the_code_point(entry):
    with pytest.raises(ScenarioError, match=r"control or text-direction characters \(U\+") as info:
        parse_scenario(HEADER + entry)
    assert "\x1b" not in str(info.value) and "\r" not in str(info.value)
