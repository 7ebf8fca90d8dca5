"""Words beside deeds: the rhetoric index per partner and period (design §10, methods §5.1).

Each text is scored with a versioned lexicon (``codebook/data/lexicon-v1.json``): ``ideological``
and ``pragmatic`` are the number of occurrences of each list's terms (English: regular
expressions on word boundaries, case-insensitive; Korean: lemmas found by the kiwipiepy
tokenizer, so "자주적" counts as 자주 while the adverb 자주 "often" does not). Per partner and
period, over the texts about that partner (``texts_partners``):

* ``rhetoric_index`` = (ideological − pragmatic) / (ideological + pragmatic) ∈ [−1, 1], null when
  no term of either list occurs (Ideo_t of methods §5.1);
* ``juche_share`` = share of those texts with at least one juche / self-reliance / sovereignty term;
* ``goldstein_mean`` = the mean Goldstein score of the focus's events toward the partner in the same
  period (design §8), null when no event is loaded for it.

:func:`lead_lag` asks whether words move before deeds or deeds before words: Granger tests both ways
in a bivariate VAR of the monthly index and net cooperation (Goldstein sum), with its caveats.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd

from dyadwatch.analysis.results import selection_json
from dyadwatch.errors import InsufficientDataError, StoreError, UsageError
from dyadwatch.periods import check_freq, period_starts
from dyadwatch.selection import Selection

if TYPE_CHECKING:
    from dyadwatch.store import Store

LEXICON_FILE = "data/lexicon-v1.json"
SCORED_LANGUAGES = ("en", "ko")
KOREAN_TAGS = frozenset({"NNG", "NNP", "XR"})
LEAD_LAG_MIN_PERIODS = 36
LEAD_LAG_CAVEATS = (
    "Granger 'causality' is precedence in time, not cause: a third factor (a summit calendar, a "
    "crisis) can move both with different delays.",
    "Media attention and KCNA's output change over the years; the index is a ratio of terms, but the "
    "event series counts what wire services reported, not what happened.",
    "Months without texts about a partner are left out, so lags span calendar gaps there; a partner "
    "with too few periods gets no test.",
)


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


def cached_scores(con: duckdb.DuckDBPyConnection, texts: pd.DataFrame, lex: Lexicon) -> pd.DataFrame:
    """Scores of ``texts`` (in their order): those stored at load time for this lexicon version,
    the rest computed now (a store loaded with an older lexicon still answers, more slowly)."""
    con.register("dw_score_ids", texts[["text_id"]])
    try:
        cached = con.execute(
            "SELECT s.text_id, s.ideological, s.pragmatic, s.juche FROM text_scores s "
            "JOIN dw_score_ids USING (text_id) WHERE s.lexicon_version = ?",
            [lex.version],
        ).df()
    finally:
        con.unregister("dw_score_ids")
    missing = texts[~texts["text_id"].isin(cached["text_id"])]
    fresh = score_texts(missing, lex) if len(missing) else cached.iloc[:0]
    both = pd.concat([cached, fresh], ignore_index=True).set_index("text_id")
    return both.loc[texts["text_id"]].reset_index()


def _texts(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    try:
        return con.execute(sql, list(params)).df()
    except duckdb.CatalogException:
        raise StoreError("no texts in this store; load some with `dyadwatch ingest-texts FILES`") from None


@dataclass
class RhetoricResult:
    """Rows of design §10 with the lead-lag tests and the notes a reader needs."""

    focus: str
    freq: str
    lexicon_version: str
    rows: pd.DataFrame
    lead_lag: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The model-based score's provenance and its agreement with the lexicon (None: not computed).
    embedding: dict[str, Any] | None = None
    #: The selection of events the result was computed from (design §9); in to_dict() as "selection".
    selection: Selection | None = None
    # Each scored text's model score (text_id, embedding_score), for comparisons; not in the JSON.
    text_embedding_scores: pd.DataFrame | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        frame = self.rows.copy()
        frame["period"] = frame["period"].dt.strftime("%Y-%m-%d")
        return frame

    def to_dict(self) -> dict[str, Any]:
        rows = []
        for record in self.to_frame().to_dict(orient="records"):
            rows.append({k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in record.items()})
        return {
            "focus": self.focus,
            "freq": self.freq,
            "lexicon_version": self.lexicon_version,
            "rows": rows,
            "lead_lag": self.lead_lag,
            "notes": self.notes,
            "selection": selection_json(self.selection),
        } | ({"embedding": self.embedding} if self.embedding is not None else {})


ROW_COLUMNS = (
    "partner",
    "period",
    "texts",
    "ideological",
    "pragmatic",
    "rhetoric_index",
    "juche_share",
    "goldstein_mean",
)


def index_frame(scored: pd.DataFrame, mentions: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Aggregate scored texts (``text_id``, ``date``, scores) to partner × period rows of design §10."""
    joined = mentions[["text_id", "partner"]].merge(scored, on="text_id")
    if joined.empty:
        empty = pd.DataFrame({c: pd.Series(dtype=float) for c in ROW_COLUMNS})
        empty["partner"] = empty["partner"].astype(object)
        empty["period"] = pd.to_datetime(empty["period"])
        return empty
    joined["period"] = period_starts(joined["date"], freq).to_numpy()
    extra = {"embedding_score": ("embedding", "mean")} if "embedding" in joined else {}
    grouped = joined.groupby(["partner", "period"], as_index=False).agg(
        texts=("text_id", "size"),
        ideological=("ideological", "sum"),
        pragmatic=("pragmatic", "sum"),
        juche_share=("juche", "mean"),
        **extra,
    )
    total = grouped["ideological"] + grouped["pragmatic"]
    grouped["rhetoric_index"] = ((grouped["ideological"] - grouped["pragmatic"]) / total.where(total > 0)).astype(float)
    grouped["goldstein_mean"] = np.nan
    return grouped[list(ROW_COLUMNS) + list(extra)]


def rhetoric(
    store: Store,
    focus: str = "PRK",
    *,
    freq: str = "M",
    partners: Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    collections: Sequence[str] | None = None,
    embedding: bool = False,
    embedding_model: str = "static",
) -> RhetoricResult:
    """The rhetoric index of the texts in ``store`` toward each partner, beside ``focus``'s events.

    With ``embedding``, also the model-based score (``embedding_score``, the mean over the partner's
    English texts; :mod:`dyadwatch.analysis.embedding`) and its Spearman agreement with the lexicon
    per text and per partner-period; it needs ``dyadwatch[embeddings]`` and embeds every text, with
    ``embedding_model`` ``static`` (the distilled model: seconds for 100 000 headlines) or
    ``contextual`` (the transformer: minutes).
    """
    freq = check_freq(freq)
    if embedding:
        from dyadwatch.analysis.embedding import check_model, missing_requirement

        check_model(embedding_model)
        reason = missing_requirement()
        if reason:
            raise UsageError(reason)
    focus = focus.upper()
    # The texts' days and partners, and the period of the index and of the events beside it (all sources).
    selection = Selection(freq=freq, start=start, end=end, partners=tuple(partners or ()))
    require_texts(store)
    dates, params = selection.date_clauses()
    where = ["TRUE", *dates]
    if collections:
        where.append(f"collection IN ({', '.join('?' for _ in collections)})")
        params += list(collections)
    texts = _texts(
        store.con, f"SELECT text_id, date, language, title, text FROM texts WHERE {' AND '.join(where)}", params
    )
    languages = texts["language"].isin(SCORED_LANGUAGES)
    skipped = int((~languages).sum())
    texts = texts[languages].reset_index(drop=True)
    mentions = _texts(store.con, "SELECT text_id, partner FROM texts_partners")
    if partners:
        wanted = [p.upper() for p in partners]
        mentions = mentions[mentions["partner"].isin(wanted)]
    lex = lexicon()
    scored = cached_scores(store.con, texts, lex)
    scored["date"] = texts["date"].to_numpy()
    if embedding:
        english = (texts["language"] == "en").to_numpy()
        from dyadwatch.analysis.embedding import embedding_scores

        scored["embedding"] = np.nan
        bodies = text_bodies(texts)
        scored.loc[english, "embedding"] = embedding_scores(
            [bodies[k] for k in np.flatnonzero(english)], embedding_model
        )
    rows = index_frame(scored, mentions, freq)
    notes = [
        f"{len(texts)} texts scored with {lex.version}; a text about several partners counts for each.",
    ]
    if skipped:
        notes.append(f"{skipped} texts in languages the lexicon does not cover (not en or ko) left out")
    if rows.empty:
        notes.append("no text is about any partner in the dictionary for this selection")
    has_events = int(store.con.execute("SELECT count(*) FROM events").fetchall()[0][0]) > 0
    for partner in rows["partner"].unique() if has_events else []:
        events = store.series(focus, str(partner), freq=freq, fill=False)
        if events.empty:
            continue
        means = events.set_index(pd.to_datetime(events["period"]))["goldstein_mean"]
        mask = rows["partner"] == partner
        rows.loc[mask, "goldstein_mean"] = rows.loc[mask, "period"].map(means).to_numpy(dtype=float)
    result = RhetoricResult(
        focus, freq, lex.version, rows.reset_index(drop=True), notes=notes, selection=selection
    )
    if embedding:
        result.embedding = embedding_agreement(scored, result.rows, embedding_model)
        result.text_embedding_scores = pd.DataFrame(
            {"text_id": texts["text_id"].to_numpy(), "embedding_score": scored["embedding"].to_numpy()}
        )
        agree = result.embedding
        notes.append(
            f"embedding_score: {agree['model']} with {agree['anchors_version']} on {agree['texts_scored']} English "
            f"texts; Spearman with the lexicon {agree['per_text']['rho']} per text (n = {agree['per_text']['n']}), "
            f"{agree['per_period']['rho']} per partner-period (n = {agree['per_period']['n']})"
        )
    if freq in ("M", "Q"):
        for partner in sorted(rows["partner"].unique()):
            result.lead_lag.append(lead_lag(store, focus, str(partner), rows[rows["partner"] == partner], freq))
    return result


def embedding_agreement(scored: pd.DataFrame, rows: pd.DataFrame, model: str = "static") -> dict[str, Any]:
    """Which model scored the texts, and its Spearman agreement with the lexicon index: per text
    (texts with at least one lexicon term) and per partner-period (rows with both values)."""
    from dyadwatch.analysis.embedding import anchors, model_id, per_text_index, spearman

    return {
        "model": model_id(model),
        "anchors_version": anchors().version,
        "texts_scored": int(scored["embedding"].notna().sum()),
        "per_text": spearman(per_text_index(scored["ideological"], scored["pragmatic"]), scored["embedding"]),
        "per_period": spearman(rows["rhetoric_index"], rows["embedding_score"]),
    }


def lead_lag(store: Store, focus: str, partner: str, rows: pd.DataFrame, freq: str = "M") -> dict[str, Any]:
    """Granger tests both ways between the rhetoric index and net cooperation toward ``partner``.

    Net cooperation is the Goldstein sum of ``focus``'s events toward ``partner`` per period (zero
    when none was reported); only periods with an index value are used. The lag order is chosen
    by AIC (at most 6). Returns the p-values of "words lead deeds" and "deeds lead words" with the
    periods and lag used, or ``status`` ``insufficient_data`` with the reason.
    """
    from statsmodels.tsa.api import VAR

    answer: dict[str, Any] = {"partner": partner, "status": "ok", "caveats": list(LEAD_LAG_CAVEATS)}
    events = store.series(focus, partner, freq=freq)
    if events.empty:
        return answer | {"status": "insufficient_data", "reason": f"no events {focus} → {partner} loaded"}
    net = events.set_index(pd.to_datetime(events["period"]))["goldstein_sum"]
    data = rows.set_index("period")[["rhetoric_index"]].dropna()
    data = data[(data.index >= net.index.min()) & (data.index <= net.index.max())]
    data["net_cooperation"] = data.index.map(net).to_numpy(dtype=float)
    data = data.fillna(0.0)
    answer["periods"] = len(data)
    if len(data) < LEAD_LAG_MIN_PERIODS:
        return answer | {
            "status": "insufficient_data",
            "reason": f"{len(data)} periods with both an index and the event series; "
            f"at least {LEAD_LAG_MIN_PERIODS} needed",
        }
    if data["net_cooperation"].std() == 0 or data["rhetoric_index"].std() == 0:
        return answer | {"status": "insufficient_data", "reason": "one of the two series is constant"}
    try:
        model = VAR(data[["rhetoric_index", "net_cooperation"]].to_numpy())
        lags = max(1, int(model.select_order(maxlags=min(6, len(data) // 10)).aic))
        fitted = model.fit(lags)
        words = fitted.test_causality(1, [0], kind="f")
        deeds = fitted.test_causality(0, [1], kind="f")
    except (np.linalg.LinAlgError, ValueError) as exc:
        return answer | {"status": "insufficient_data", "reason": f"the VAR cannot be estimated ({exc})"}
    return answer | {
        "lags": lags,
        "words_lead_deeds_p": float(words.pvalue),
        "deeds_lead_words_p": float(deeds.pvalue),
    }


def search_texts(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    start: str | None = None,
    end: str | None = None,
    partner: str | None = None,
    limit: int = 20,
) -> pd.DataFrame:
    """Texts whose title or text contains every word of ``query`` (case-insensitive), newest first.

    DuckDB's ``fts`` extension is downloaded at first use and cannot be installed offline, so this
    is a plain ILIKE scan: fast enough for a few hundred thousand texts, without BM25 ranking.
    A phrase in double quotes must occur as written.
    """
    terms = [t for t in re.findall(r'"([^"]+)"|(\S+)', query) for t in t if t]
    if not terms:
        raise UsageError("empty search query: give at least one word")
    where, params = [], []
    for term in terms:
        where.append("(coalesce(t.title, '') || ' ' || t.text) ILIKE ? ESCAPE '\\'")
        params.append("%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    dates, days = Selection(start=start, end=end).date_clauses("t.date")
    where, params = where + dates, params + days
    if partner:
        where.append("t.text_id IN (SELECT text_id FROM texts_partners WHERE partner = ?)")
        params.append(partner.upper())
    sql = f"""SELECT strftime(t.date, '%Y-%m-%d') AS date, t.collection, t.language,
                     (SELECT string_agg(DISTINCT p.partner, ',' ORDER BY p.partner) FROM texts_partners p
                      WHERE p.text_id = t.text_id) AS partners,
                     t.title, t.reference, t.text_id
              FROM texts t WHERE {" AND ".join(where)}
              ORDER BY t.date DESC, t.text_id LIMIT {int(limit)}"""
    return _texts(con, sql, params)


def require_texts(store: Store) -> int:
    """The number of texts loaded; InsufficientDataError when none."""
    row = _texts(store.con, "SELECT count(*) AS n FROM texts")
    count = int(row["n"].iloc[0])
    if count == 0:
        raise InsufficientDataError("no texts loaded; run `dyadwatch ingest-texts FILES` first")
    return count
