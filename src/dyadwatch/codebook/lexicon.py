"""The rhetoric lexicon (``codebook/data/lexicon-v1.json``) and the term counts it gives a text
(design §10, methods §5.1).

Moved here from :mod:`dyadwatch.analysis.rhetoric` (which re-exports every name) so that the texts
ingest (:mod:`dyadwatch.ingest.texts`, which stores each text's counts at load time) and the
analysis read one lexicon without the ingest importing the analysis layer (design §6).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from dyadwatch.errors import UsageError

LEXICON_FILE = "data/lexicon-v1.json"
SCORED_LANGUAGES = ("en", "ko")
KOREAN_TAGS = frozenset({"NNG", "NNP", "XR"})


@dataclass(frozen=True)
class Lexicon:
    """The compiled lexicon: English patterns per list, Korean lemma sequences per list."""

    version: str
    english: re.Pattern[str]
    korean: dict[str, tuple[str, ...]]


@functools.cache
def lexicon() -> Lexicon:
    """The bundled lexicon, compiled once."""
    raw = json.loads(resources.files("dyadwatch.codebook").joinpath(LEXICON_FILE).read_text("utf-8"))
    return build_lexicon(raw)


def build_lexicon(raw: dict[str, Any]) -> Lexicon:
    """Compile a lexicon in the layout of ``lexicon-v1.json``.

    The English lists become one pattern with a named group per list (one pass over each text);
    a juche term is counted as ideological too, since the juche list is a subset of it.
    """
    lists = raw["en"]
    juche = set(lists.get("juche", []))
    parts = []
    for name, group in (("juche", "j"), ("ideological", "i"), ("pragmatic", "p")):
        terms = [t for t in lists.get(name, []) if name == "juche" or t not in juche]
        if terms:
            parts.append(f"(?P<{group}>" + "|".join(sorted(terms, key=len, reverse=True)) + ")")
    english = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)
    korean = {name: tuple(terms) for name, terms in raw.get("ko", {}).items()}
    return Lexicon(str(raw["version"]), english, korean)


@functools.cache
def _kiwi() -> Any:
    try:
        from kiwipiepy import Kiwi
    except ImportError:
        raise UsageError(
            "Korean texts need the kiwipiepy tokenizer: pip install 'dyadwatch[korean]' (or leave out the Korean texts)"
        ) from None
    return Kiwi()


def korean_counts(text: str, lex: Lexicon) -> dict[str, int]:
    """Occurrences of each Korean list's lemmas among the text's noun and root tokens."""
    # Line by line: kiwipiepy is many times faster on paragraphs than on one 30 000-character string.
    lines = [line for line in text.splitlines() if line.strip()]
    forms = [t.form for tokens in _kiwi().tokenize(lines) for t in tokens if t.tag in KOREAN_TAGS]
    counts = dict.fromkeys(lex.korean, 0)
    joined = {name: set(terms) for name, terms in lex.korean.items()}
    for k, form in enumerate(forms):
        # A lemma may be one token (자주) or two the tokenizer split (자력 + 갱생).
        pair = form + forms[k + 1] if k + 1 < len(forms) else None
        for name, terms in joined.items():
            if form in terms or (pair is not None and pair in terms):
                counts[name] += 1
    return counts


def text_bodies(frame: pd.DataFrame) -> list[str]:
    """Title and text of each row, the title left out when the text repeats it (headline-only)."""
    titles = frame["title"].fillna("").astype(str)
    texts = frame["text"].fillna("").astype(str)
    return [t if not h or t == h else f"{h}\n{t}" for h, t in zip(titles, texts, strict=True)]


def score_texts(frame: pd.DataFrame, lex: Lexicon | None = None) -> pd.DataFrame:
    """``ideological``, ``pragmatic`` (term counts) and ``juche`` (0/1) per text.

    ``frame`` has ``text_id``, ``language``, ``title`` and ``text``; the title is scored with the
    text unless the text repeats it (a headline-only collection).
    """
    lex = lex or lexicon()
    bodies = text_bodies(frame)
    ideological = np.zeros(len(bodies), dtype=np.int64)
    pragmatic = np.zeros(len(bodies), dtype=np.int64)
    juche = np.zeros(len(bodies), dtype=np.int64)
    english = lex.english
    for k, (body, language) in enumerate(zip(bodies, frame["language"].fillna(""), strict=True)):
        if language == "ko":
            counts = korean_counts(body, lex)
            ideological[k], pragmatic[k], juche[k] = counts["ideological"], counts["pragmatic"], counts["juche"] > 0
        else:
            groups = [m.lastgroup for m in english.finditer(body)]
            juche[k] = "j" in groups
            pragmatic[k] = groups.count("p")
            ideological[k] = len(groups) - pragmatic[k]
    return pd.DataFrame(
        {"text_id": frame["text_id"].to_numpy(), "ideological": ideological, "pragmatic": pragmatic, "juche": juche}
    )
