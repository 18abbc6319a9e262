"""What is not an article is refused with one clear message."""

from __future__ import annotations

import io

import pytest

from tariffsim.draft import MAX_ARTICLE_BYTES, DraftError, check_article, draft_article, read_article

ENGLISH = "The United States imposed tariffs of 25 percent on steel from Canada on Friday."


@pytest.mark.parametrize(("data", "message"), [
    (b"", "is empty"),
    (b"   \n\n\t ", "is empty"),
    (b"\x00\x01\x02binary\xff" * 20, "binary"),
    (bytes(range(256)) * 8, "binary"),
    (b"caf\xe9 au lait, tarifs douaniers", "not UTF-8"),
    ("Les États-Unis ont imposé des droits de douane de 25 % sur l'acier canadien vendredi, "
     "et le Canada a répliqué avec ses propres mesures.".encode(), "does not look like English"),
    ("美国周五对中国商品加征25%的关税，中方随即宣布反制措施。".encode(), "does not look like English"),
    (("\x1b[2J" * 50 + ENGLISH).encode(), "control characters"),
    (b"12345 67890 %%% $$$", "no words"),
])
def test_not_an_article(data, message):
    with pytest.raises(DraftError, match=message):
        check_article(data, "ARTICLE")


def test_an_article_passes():
    assert check_article(ENGLISH.encode()) == ENGLISH
    assert check_article("\ufeff" + ENGLISH) == "\ufeff" + ENGLISH  # text given as str is kept as is
    assert check_article(("\ufeff" + ENGLISH).encode()) == ENGLISH  # a UTF-8 byte-order mark is dropped


def test_a_file_too_large_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.txt"
    line = (ENGLISH + "\n").encode()
    with big.open("wb") as handle:
        handle.write((line * (10 * 1024**2 // len(line) + 1))[:10 * 1024**2])
    with pytest.raises(DraftError, match=r"big.txt is 10\.0 MB; an article is at most 1 MB"):
        read_article(big)


def test_standard_input_too_large():
    stream = io.BytesIO(b"x " * MAX_ARTICLE_BYTES)
    with pytest.raises(DraftError, match=r"standard input is more than 1\.0 MB"):
        read_article("-", stdin=stream)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DraftError, match="not found"):
        read_article(tmp_path / "nope.txt")
    with pytest.raises(DraftError, match="is a folder"):
        read_article(tmp_path)


def test_a_bad_publication_date():
    with pytest.raises(DraftError, match="is not a date"):
        draft_article(ENGLISH, "2018-13-45")
