"""Prose compared word by word, so a board sees which words changed in a paragraph rather than
"the preamble changed".

Both texts are normalised first (see :mod:`policy_engine.rules.normalise`); words are compared as
written, punctuation attached, because an Arabic reader reads «المستفيد،» as one word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from policy_engine.rules.normalise import normalise_text

PieceOp = Literal["same", "removed", "added"]
_TOKEN = re.compile(r"\S+\s*")


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of words that is in both texts (``same``), only in the old one, or only in the new one."""

    op: PieceOp
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"op": self.op, "text": self.text}


def _words(text: str) -> list[str]:
    return _TOKEN.findall(normalise_text(text))


def word_diff(old: str, new: str) -> tuple[Piece, ...]:
    """The pieces that, read in order, give the old text (``same`` + ``removed``) and the new one
    (``same`` + ``added``), each word with the space that follows it."""
    before, after = _words(old or ""), _words(new or "")
    pieces: list[Piece] = []

    def put(op: PieceOp, tokens: list[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if pieces and pieces[-1].op == op:
            pieces[-1] = Piece(op, pieces[-1].text + text)
        else:
            pieces.append(Piece(op, text))

    # Words are compared without the space after them; a word that moved to a new line is the same.
    matcher = SequenceMatcher(a=[w.rstrip() for w in before], b=[w.rstrip() for w in after], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            put("same", after[j1:j2])
            continue
        put("removed", before[i1:i2])
        put("added", after[j1:j2])
    return tuple(pieces)


def old_side(pieces: tuple[Piece, ...]) -> str:
    return "".join(p.text for p in pieces if p.op != "added")


def new_side(pieces: tuple[Piece, ...]) -> str:
    return "".join(p.text for p in pieces if p.op != "removed")
