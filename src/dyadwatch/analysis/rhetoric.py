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

import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd

from dyadwatch.analysis.results import selection_json
from dyadwatch.codebook.lexicon import (
    SCORED_LANGUAGES,
    Lexicon,
    lexicon,
    score_texts,
    text_bodies,
)
from dyadwatch.errors import InsufficientDataError, StoreError, UsageError
from dyadwatch.periods import check_freq, period_starts
from dyadwatch.selection import Selection
from dyadwatch.series import dyad_series

if TYPE_CHECKING:
    from dyadwatch.store import Store

#: Fewest periods with a previous period in the same contiguous run for a lead-lag test.
LEAD_LAG_MIN_PERIODS = 36
#: Most lags tried (AIC), also at most a tenth of the usable periods.
MAX_LEAD_LAGS = 6
#: Bootstrap replicates of each Granger test.
LEAD_LAG_DRAWS = 999
LEAD_LAG_CAVEATS = (
    "Granger 'causality' is precedence in time, not cause: a third factor (a summit calendar, a "
    "crisis) can move both with different delays.",
    "Media attention and KCNA's output change over the years; the index is a ratio of terms, but the "
    "event series counts what wire services reported, not what happened.",
    "Each test stays within one text collection on its full calendar: a month without an index value "
    "(no text about the partner, or no lexicon term) is missing, and no lag reaches across it; a partner "
    "whose collections have too few such months gets no test, with the reason.",
    "p-values are bootstrapped under the null and adjusted across partners, collections and both "
    "directions (Benjamini–Hochberg); read *_p_adjusted when scanning several partners.",
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
            "summary": self.summary,
            "notes": self.notes,
            "selection": selection_json(self.selection),
        } | ({"embedding": self.embedding} if self.embedding is not None else {})

    @property
    def summary(self) -> str:
        """The answer in one to three sentences, from the rows and the lead-lag tests: what was scored,
        which tests were run and which are significant, or why none could be."""
        from dyadwatch.analysis.wording import listing, plural

        rows = self.rows
        if rows.empty:
            return f"No text about a partner of {self.focus} in this selection: nothing to score."
        word = {"M": "month", "Q": "quarter", "Y": "year"}.get(self.freq, self.freq)
        periods, shown = rows["period"], "%Y" if self.freq == "Y" else "%Y-%m"
        first = (
            f"{int(rows['texts'].sum()):,} text-partner pairs about {plural(rows['partner'].nunique(), 'partner')} "
            f"of {self.focus} scored, {periods.min().strftime(shown)} to {periods.max().strftime(shown)}, in "
            f"{plural(len(rows), f'partner-{word}')} (rhetoric_index from -1, all pragmatic, to +1, all ideological)."
        )
        if not self.lead_lag:
            return first + f" No lead-lag test at {word}ly periods (they need --freq M or Q)."
        done = [test for test in self.lead_lag if test.get("status") == "ok"]
        if not done:
            reasons: dict[str, int] = {}
            for test in self.lead_lag:
                reason = str(test.get("reason") or "no reason given")
                reasons[reason] = reasons.get(reason, 0) + 1
            common, count = max(reasons.items(), key=lambda item: item[1])
            return first + (
                f" None of the {len(self.lead_lag)} partners has enough {word}s with both an index and events for "
                f"a lead-lag test (the commonest reason, {count} of them: {common})."
            )
        found = [
            f"{test['partner']} ({direction.replace('_', ' ')})"
            for test in done
            for direction in ("words_lead_deeds", "deeds_lead_words")
            if test.get(f"{direction}_p_adjusted") is not None and test[f"{direction}_p_adjusted"] < 0.05
        ]
        tested = f" Lead-lag tests ran for {len(done)} of {plural(len(self.lead_lag), 'partner')}"
        if not found:
            return first + tested + "; none is significant at an adjusted 5%."
        return first + tested + f"; significant at an adjusted 5%: {listing(found, 4)}."


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
    draws: int = LEAD_LAG_DRAWS,
    seed: int = 0,
) -> RhetoricResult:
    """The rhetoric index of the texts in ``store`` toward each partner, beside ``focus``'s events.

    With ``embedding``, also the model-based score (``embedding_score``, the mean over the partner's
    English texts; :mod:`dyadwatch.analysis.embedding`) and its Spearman agreement with the lexicon
    per text and per partner-period; it needs ``dyadwatch[embeddings]`` and embeds every text, with
    ``embedding_model`` ``static`` (the distilled model: seconds for 100 000 headlines) or
    ``contextual`` (the transformer: minutes). With ``freq`` M or Q, the lead-lag tests
    (:func:`lead_lag`) use ``draws`` bootstrap replicates from ``seed``.
    """
    freq = check_freq(freq)
    if embedding:
        _check_embedding(embedding_model)
    focus = focus.upper()
    # The texts' days and partners, and the period of the index and of the events beside it (all sources).
    selection = Selection(freq=freq, start=start, end=end, partners=tuple(partners or ()))
    require_texts(store)
    texts, skipped = _selected_texts(store, selection, collections)
    mentions = _texts(store.con, "SELECT text_id, partner FROM texts_partners")
    if partners:
        wanted = [p.upper() for p in partners]
        mentions = mentions[mentions["partner"].isin(wanted)]
    lex = lexicon()
    scored = cached_scores(store.con, texts, lex)
    scored["date"] = texts["date"].to_numpy()
    if embedding:
        _embed(scored, texts, embedding_model)
    rows = index_frame(scored, mentions, freq)
    notes = [
        f"{len(texts)} texts scored with {lex.version}; a text about several partners counts for each.",
    ]
    if skipped:
        notes.append(f"{skipped} texts in languages the lexicon does not cover (not en or ko) left out")
    if rows.empty:
        notes.append("no text is about any partner in the dictionary for this selection")
    _add_event_means(store, focus, rows, freq)
    result = RhetoricResult(focus, freq, lex.version, rows.reset_index(drop=True), notes=notes, selection=selection)
    if embedding:
        _embedding_agreement(result, scored, texts, embedding_model)
    if freq in ("M", "Q"):
        _lead_lags(result, store, scored, texts, mentions, draws, seed)
    return result


def _check_embedding(embedding_model: str) -> None:
    """Raise a :class:`UsageError` saying what to install or choose when the embedding cannot run."""
    from dyadwatch.analysis.embedding import check_model, missing_requirement

    check_model(embedding_model)
    reason = missing_requirement()
    if reason:
        raise UsageError(reason)


def _selected_texts(store: Store, selection: Selection, collections: Sequence[str] | None) -> tuple[pd.DataFrame, int]:
    """The selection's texts (of ``collections`` when named) in the languages the lexicon scores, and
    how many others were left out."""
    dates, params = selection.date_clauses()
    where = ["TRUE", *dates]
    if collections:
        where.append(f"collection IN ({', '.join('?' for _ in collections)})")
        params += list(collections)
    texts = _texts(
        store.con,
        f"SELECT text_id, collection, date, language, title, text FROM texts WHERE {' AND '.join(where)}",
        params,
    )
    languages = texts["language"].isin(SCORED_LANGUAGES)
    skipped = int((~languages).sum())
    return texts[languages].reset_index(drop=True), skipped


def _embed(scored: pd.DataFrame, texts: pd.DataFrame, embedding_model: str) -> None:
    """Add each English text's model-based score as ``embedding`` (missing for the other texts)."""
    english = (texts["language"] == "en").to_numpy()
    from dyadwatch.analysis.embedding import embedding_scores

    scored["embedding"] = np.nan
    bodies = text_bodies(texts)
    scored.loc[english, "embedding"] = embedding_scores([bodies[k] for k in np.flatnonzero(english)], embedding_model)


def _add_event_means(store: Store, focus: str, rows: pd.DataFrame, freq: str) -> None:
    """Put the focus country's mean Goldstein score toward each partner beside its index rows."""
    has_events = int(store.con.execute("SELECT count(*) FROM events").fetchall()[0][0]) > 0
    for partner in rows["partner"].unique() if has_events else []:
        events = dyad_series(store, focus, str(partner), freq=freq, fill=False)
        if events.empty:
            continue
        means = events.set_index(pd.to_datetime(events["period"]))["goldstein_mean"]
        mask = rows["partner"] == partner
        rows.loc[mask, "goldstein_mean"] = rows.loc[mask, "period"].map(means).to_numpy(dtype=float)


def _embedding_agreement(
    result: RhetoricResult, scored: pd.DataFrame, texts: pd.DataFrame, embedding_model: str
) -> None:
    """The embedding score's agreement with the lexicon, each text's embedding score, and a note on both."""
    result.embedding = embedding_agreement(scored, result.rows, embedding_model)
    result.text_embedding_scores = pd.DataFrame(
        {"text_id": texts["text_id"].to_numpy(), "embedding_score": scored["embedding"].to_numpy()}
    )
    agree = result.embedding
    result.notes.append(
        f"embedding_score: {agree['model']} with {agree['anchors_version']} on {agree['texts_scored']} English "
        f"texts; Spearman with the lexicon {agree['per_text']['rho']} per text (n = {agree['per_text']['n']}), "
        f"{agree['per_period']['rho']} per partner-period (n = {agree['per_period']['n']})"
    )


def _lead_lags(
    result: RhetoricResult,
    store: Store,
    scored: pd.DataFrame,
    texts: pd.DataFrame,
    mentions: pd.DataFrame,
    draws: int,
    seed: int,
) -> None:
    """The lead-lag tests of every partner in the rows, per collection, adjusted together (with a note)."""
    by_collection = collection_indexes(scored, texts["collection"], mentions, result.freq)
    for partner in sorted(result.rows["partner"].unique()):
        own = [c for c in by_collection.get(str(partner), []) if len(c.index)]
        result.lead_lag.append(lead_lag(store, result.focus, str(partner), own, result.freq, draws=draws, seed=seed))
    family = adjust_lead_lag(result.lead_lag)
    if family:
        result.notes.append(
            f"lead-lag p-values: residual bootstrap under the null ({draws} draws), Benjamini–Hochberg "
            f"adjusted over {family} tests (every partner, collection and direction): *_p_adjusted"
        )


def collection_indexes(
    scored: pd.DataFrame, collection: pd.Series, mentions: pd.DataFrame, freq: str
) -> dict[str, list[CollectionIndex]]:
    """Per partner, one :class:`CollectionIndex` per collection: the index of that collection's texts alone."""
    found: dict[str, list[CollectionIndex]] = {}
    labelled = scored.assign(collection=collection.to_numpy())
    for name, texts in labelled.groupby("collection", sort=True):
        periods = period_starts(texts["date"], freq)
        first, last = pd.Timestamp(periods.min()), pd.Timestamp(periods.max())
        index = index_frame(texts.drop(columns="collection"), mentions, freq)
        for partner, own in index.groupby("partner", sort=True):
            values = own.set_index("period")["rhetoric_index"].dropna()
            found.setdefault(str(partner), []).append(CollectionIndex(str(name), values, first, last))
    return found


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


@dataclass(frozen=True)
class CollectionIndex:
    """One collection's index toward one partner: the periods with a value, and the collection's span.

    The span (first and last period of any text in the collection) is the calendar the test runs on:
    inside it, a period without an index value is missing, not dropped (issue 25, item 5).
    """

    collection: str
    index: pd.Series  # rhetoric_index by period start, only periods with a value
    first: pd.Timestamp
    last: pd.Timestamp


@dataclass(frozen=True)
class GrangerTest:
    """One direction's test: "``causing`` helps predict ``caused``" on the rows whose lags are all observed."""

    statistic: float
    p_f: float  # from the F distribution
    p_bootstrap: float  # residual bootstrap under the null
    df_numerator: int
    df_denominator: int


def contiguous_runs(observed: np.ndarray[Any, Any]) -> list[tuple[int, int]]:
    """[start, stop) of each maximal stretch of consecutive True values."""
    flags = np.r_[False, np.asarray(observed, dtype=bool), False]
    edges = np.flatnonzero(np.diff(flags.astype(np.int8)))
    return [(int(edges[k]), int(edges[k + 1])) for k in range(0, len(edges), 2)]


def usable_rows(runs: Sequence[tuple[int, int]], lags: int) -> np.ndarray[Any, Any]:
    """Positions t whose own value and ``lags`` predecessors lie in one run: no lag spans a gap."""
    rows = [np.arange(start + lags, stop) for start, stop in runs if stop - start > lags]
    return np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)


def _lag_matrix(values: np.ndarray[Any, Any], rows: np.ndarray[Any, Any], lags: int) -> np.ndarray[Any, Any]:
    """Columns values[t−1], …, values[t−lags] for each t in ``rows`` (the last axis is time)."""
    return np.stack([values[..., rows - i] for i in range(1, lags + 1)], axis=-1)


def _ssr(design: np.ndarray[Any, Any], target: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], Any]:
    """OLS coefficients and sum of squared residuals; batched over leading axes (normal equations)."""
    gram = np.einsum("...tk,...tl->...kl", design, design)
    moments = np.einsum("...tk,...t->...k", design, target)
    beta = np.linalg.solve(gram, moments[..., np.newaxis])[..., 0]
    residuals = target - np.einsum("...tk,...k->...t", design, beta)
    return beta, (residuals**2).sum(axis=-1)


def choose_lags(first: np.ndarray[Any, Any], second: np.ndarray[Any, Any], runs: Sequence[tuple[int, int]],
                most: int) -> int:  # fmt: skip
    """The bivariate VAR's lag order by AIC (Lütkepohl 2005 §4.3), 1 … ``most``, on the rows usable at ``most``."""
    rows = usable_rows(runs, most)
    best, chosen = math.inf, 1
    for lags in range(1, most + 1):
        design = np.column_stack([np.ones(len(rows)), _lag_matrix(first, rows, lags), _lag_matrix(second, rows, lags)])
        if np.linalg.matrix_rank(design) < design.shape[1]:
            continue  # a sparse series' lags can be all zero on these rows: this order cannot be fitted
        residuals = []
        for target in (first[rows], second[rows]):
            beta, _ = _ssr(design, target)
            residuals.append(target - design @ beta)
        sigma = np.cov(np.vstack(residuals), bias=True)
        sign, logdet = np.linalg.slogdet(sigma)
        if sign <= 0:
            continue
        criterion = logdet + 2 * lags * 4 / len(rows)
        if criterion < best:
            best, chosen = criterion, lags
    return chosen


def granger_with_gaps(
    caused: np.ndarray[Any, Any],
    causing: np.ndarray[Any, Any],
    runs: Sequence[tuple[int, int]],
    lags: int,
    rng: np.random.Generator,
    draws: int = 999,
) -> GrangerTest:
    """F-test that ``causing``'s lags add to ``caused``'s own lags, with a bootstrap p-value.

    Only rows whose lags all lie in one contiguous run enter (a model that handles gaps: nothing is
    spliced). The bootstrap p-value is a residual bootstrap under the null (Mantalos 2000; Hacker &
    Hatemi-J 2006): ``caused`` is rebuilt within each run from the restricted AR fit and resampled
    restricted residuals, starting from the run's observed first values, ``causing`` kept as observed,
    and the F statistic recomputed; p = (1 + #{F* ≥ F}) / (draws + 1) (Davison & Hinkley 1997 §4.2).
    Index values are bounded and event sums heavy-tailed, so the F distribution is only a guide.
    """
    from scipy import stats

    rows = usable_rows(runs, lags)
    n = len(rows)
    df_denominator = n - 2 * lags - 1
    if df_denominator < 1:
        raise InsufficientDataError(f"{n} usable periods for {lags} lags")
    own = np.column_stack([np.ones(n), _lag_matrix(caused, rows, lags)])
    other = _lag_matrix(causing, rows, lags)
    full = np.column_stack([own, other])
    if np.linalg.matrix_rank(full) < full.shape[1]:
        nonzero = int(np.count_nonzero(np.abs(np.r_[caused[rows], causing[rows]]) > 0))
        raise InsufficientDataError(
            f"the lagged series are collinear on the {n} usable periods ({nonzero} non-zero values of both "
            "series together): too few periods with events or with an index"
        )
    restricted_beta, restricted_ssr = _ssr(own, caused[rows])
    _, full_ssr = _ssr(full, caused[rows])
    if full_ssr <= 0:
        raise InsufficientDataError("the regression fits exactly; there is no noise to test against")
    statistic = float((restricted_ssr - full_ssr) / lags / (full_ssr / df_denominator))
    p_f = float(stats.f.sf(statistic, lags, df_denominator))
    # Bootstrap under the null: caused* from its own lags only, run by run.
    residuals = caused[rows] - own @ restricted_beta
    residuals = residuals - residuals.mean()
    rebuilt = np.broadcast_to(np.where(np.isnan(caused), 0.0, caused), (draws, len(caused))).copy()
    shocks = residuals[rng.integers(0, n, size=(draws, n))]
    for k, t in enumerate(rows):
        rebuilt[:, t] = restricted_beta[0] + rebuilt[:, t - lags : t][:, ::-1] @ restricted_beta[1:] + shocks[:, k]
    own_star = np.concatenate([np.ones((draws, n, 1)), _lag_matrix(rebuilt, rows, lags)], axis=2)
    full_star = np.concatenate([own_star, np.broadcast_to(other, (draws, n, lags))], axis=2)
    target_star = rebuilt[:, rows]
    try:
        _, restricted_star = _ssr(own_star, target_star)
        _, full_star_ssr = _ssr(full_star, target_star)
    except np.linalg.LinAlgError as exc:
        raise InsufficientDataError(f"the bootstrap regressions are singular ({exc})") from None
    statistics = (restricted_star - full_star_ssr) / lags / (full_star_ssr / df_denominator)
    p_bootstrap = float((1 + np.sum(statistics >= statistic)) / (draws + 1))
    return GrangerTest(statistic, p_f, p_bootstrap, lags, df_denominator)


def _count(n: int, plural: str) -> str:
    """ "1 month", "2 months", "1 contiguous run"."""
    return f"{n} {plural[:-1] if n == 1 else plural}"


def _month(period: pd.Timestamp, freq: str) -> str:
    return period.strftime("%Y-%m") if freq == "M" else period.strftime("%Y-%m-%d")


def _runs_description(periods: pd.DatetimeIndex, runs: Sequence[tuple[int, int]], freq: str) -> dict[str, Any]:
    """The longest run and the largest gap between runs, by period."""
    unit = "months" if freq == "M" else "quarters"
    longest = max(runs, key=lambda r: r[1] - r[0]) if runs else None
    gaps = [(runs[k][1], runs[k + 1][0]) for k in range(len(runs) - 1)]
    widest = max(gaps, key=lambda g: g[1] - g[0]) if gaps else None
    return {
        "runs": len(runs),
        "longest_run": None
        if longest is None
        else {
            "from": _month(periods[longest[0]], freq),
            "to": _month(periods[longest[1] - 1], freq),
            unit: longest[1] - longest[0],
        },
        "largest_gap": None
        if widest is None
        else {
            "after": _month(periods[widest[0] - 1], freq),
            "before": _month(periods[widest[1]], freq),
            unit: widest[1] - widest[0],
        },
    }


def _coverage_sentence(collection: str, answer: dict[str, Any], periods: pd.DatetimeIndex, runs: int, freq: str) -> str:
    """Where a collection's test stands: how many periods of its calendar have both series, in how many
    runs (the longest named) and the largest gap, which is not spliced."""
    unit = "months" if freq == "M" else "quarters"
    where = (
        f"{collection}: {answer['observed']} of {_count(len(periods), unit)} from "
        f"{_month(periods[0], freq)} to {_month(periods[-1], freq)} have both an index and the event series"
    )
    longest = answer["longest_run"]
    if longest:
        where += (
            f", in {_count(runs, 'contiguous runs')} (the longest {_count(longest[unit], unit)}, "
            f"{longest['from']} to {longest['to']})"
        )
    gap = answer["largest_gap"]
    if gap:
        where += (
            f"; the largest gap is {_count(gap[unit], unit)} (between {gap['after']} and {gap['before']}), not spliced"
        )
    return where


def _most_lags(runs: Sequence[tuple[int, int]]) -> int:
    """The longest lag order to try: up to :data:`MAX_LEAD_LAGS` while each keeps enough usable periods
    (a lag order shortens every run by one period, so with many short runs a long lag leaves few rows)."""
    most = 1
    while most < MAX_LEAD_LAGS and len(usable_rows(runs, most + 1)) >= max(LEAD_LAG_MIN_PERIODS, 10 * (most + 1)):
        most += 1
    return most


def collection_test(
    net: pd.Series,
    indexed: CollectionIndex,
    freq: str,
    rng: np.random.Generator,
    draws: int = 999,
) -> dict[str, Any]:
    """Both Granger tests within one collection, on its full calendar (missing periods stay missing).

    ``net`` is the focus's net cooperation by period start, over the span the events cover (zero in
    a period without events there); outside that span it is missing too.
    """
    periods = pd.date_range(indexed.first, indexed.last, freq="MS" if freq == "M" else "QS")
    words = indexed.index.reindex(periods).to_numpy(dtype=float)
    deeds = net.reindex(periods).to_numpy(dtype=float)
    observed = ~np.isnan(words) & ~np.isnan(deeds)
    runs = contiguous_runs(observed)
    unit = "months" if freq == "M" else "quarters"
    answer: dict[str, Any] = {
        "collection": indexed.collection,
        "status": "ok",
        "calendar": {"from": _month(periods[0], freq), "to": _month(periods[-1], freq), unit: len(periods)},
        "observed": int(observed.sum()),
    } | _runs_description(periods, runs, freq)
    where = _coverage_sentence(indexed.collection, answer, periods, len(runs), freq)
    usable = len(usable_rows(runs, 1))
    answer["periods"] = usable
    if usable < LEAD_LAG_MIN_PERIODS:
        return answer | {
            "status": "insufficient_data",
            "reason": f"{where}; {_count(usable, unit)} follow{'s' if usable == 1 else ''} another in the same run, "
            f"at least {LEAD_LAG_MIN_PERIODS} needed",
        }
    rows = usable_rows(runs, 1)
    if np.ptp(words[rows]) == 0 or np.ptp(deeds[rows]) == 0:
        constant = "the index" if np.ptp(words[rows]) == 0 else "net cooperation"
        return answer | {"status": "insufficient_data", "reason": f"{where}; {constant} is constant there"}
    most = _most_lags(runs)
    try:
        lags = choose_lags(words, deeds, runs, most)
        words_test = granger_with_gaps(deeds, words, runs, lags, rng, draws)
        deeds_test = granger_with_gaps(words, deeds, runs, lags, rng, draws)
    except (np.linalg.LinAlgError, InsufficientDataError) as exc:
        return answer | {"status": "insufficient_data", "reason": f"{where}; the test cannot be computed ({exc})"}
    return answer | {
        "periods": len(usable_rows(runs, lags)),
        "lags": lags,
        "words_lead_deeds_p": words_test.p_bootstrap,
        "words_lead_deeds_p_f": words_test.p_f,
        "words_lead_deeds_f": words_test.statistic,
        "deeds_lead_words_p": deeds_test.p_bootstrap,
        "deeds_lead_words_p_f": deeds_test.p_f,
        "deeds_lead_words_f": deeds_test.statistic,
        "bootstrap_draws": draws,
    }


def lead_lag(
    store: Store,
    focus: str,
    partner: str,
    collections: Sequence[CollectionIndex],
    freq: str = "M",
    *,
    draws: int = 999,
    seed: int = 0,
) -> dict[str, Any]:
    """Granger tests both ways between the rhetoric index and net cooperation toward ``partner``.

    Net cooperation is the Goldstein sum of ``focus``'s events toward ``partner`` per period (zero
    in a period without events, inside the span the events cover). Each collection is tested on its
    own calendar (:func:`collection_test`): one text collection per test, no lag across a gap. The
    partner's test is the collection with the most usable periods; every collection's test is in
    ``collections``. p-values are bootstrapped; :func:`rhetoric` adds the Benjamini–Hochberg ones.
    Returns ``status`` ``insufficient_data`` with the reason when no collection can be tested.
    """
    answer: dict[str, Any] = {"partner": partner, "status": "ok", "caveats": list(LEAD_LAG_CAVEATS)}
    events = dyad_series(store, focus, partner, freq=freq)
    if events.empty:
        return answer | {
            "status": "insufficient_data",
            "reason": f"no events {focus} → {partner} loaded",
            "collections": [],
        }
    net = events.set_index(pd.to_datetime(events["period"]))["goldstein_sum"].astype(float)
    tests = []
    for indexed in collections:
        # A stream per (seed, partner, collection): the same answer whatever else is in the store.
        key = zlib.crc32(f"{partner}|{indexed.collection}".encode())
        tests.append(collection_test(net, indexed, freq, np.random.default_rng([seed, key]), draws))
    answer["collections"] = tests
    done = [t for t in tests if t["status"] == "ok"]
    if not done:
        reasons = "; ".join(t["reason"] for t in tests) or f"no text is about {partner}"
        return answer | {"status": "insufficient_data", "reason": reasons}
    chosen = max(done, key=lambda t: t["periods"])
    return answer | {k: v for k, v in chosen.items() if k != "status"}


def adjust_lead_lag(tests: list[dict[str, Any]]) -> int:
    """Benjamini–Hochberg (1995) adjusted bootstrap p-values over every test run, in place.

    The family is every collection's test in both directions for every partner (the issue counted
    ten tests, none adjusted); each partner's chosen test gets ``*_p_adjusted`` too. Returns the
    family's size.
    """
    from statsmodels.stats.multitest import multipletests

    family = [
        (entry, direction)
        for test in tests
        for entry in test.get("collections", [])
        if entry["status"] == "ok"
        for direction in ("words_lead_deeds", "deeds_lead_words")
    ]
    if not family:
        return 0
    adjusted = multipletests([entry[f"{d}_p"] for entry, d in family], method="fdr_bh")[1]
    for (entry, direction), value in zip(family, adjusted, strict=True):
        entry[f"{direction}_p_adjusted"] = float(value)
        entry["adjusted_over"] = len(family)
    for test in tests:
        if test["status"] == "ok":
            chosen = next(e for e in test["collections"] if e["collection"] == test["collection"])
            for key in ("words_lead_deeds_p_adjusted", "deeds_lead_words_p_adjusted", "adjusted_over"):
                test[key] = chosen[key]
    return len(family)


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
