"""How far the model-based rhetoric scores agree with the lexicon index and with each other, and what
they cost (issue 11).

Loads one text file into a temporary store (optionally a random sample of a CSV's rows), runs
``rhetoric`` without the embedding score and then with each model of ``--models`` (static, the
default distilled model; contextual, the transformer), and prints one JSON object: texts, seconds for
each run, English texts embedded per second, Spearman's rho of each model with the lexicon per text and
per partner-period, and, with both models, of static with contextual. Each model is loaded (and the
static matrix distilled, if it is not cached yet) before its timed run; that load is reported apart.
The numbers in docs/rhetoric.md come from:

    PYTHONPATH=src python scripts/embedding_agreement.py tests/data/kcna-headlines/headlines_2024-11-11.json
    PYTHONPATH=src python scripts/embedding_agreement.py \
        tests/data/kcna-1997-2014/kcna-headlines-1997-2014.csv.gz --format csv --sample 5000 --freq Y
    PYTHONPATH=src python scripts/embedding_agreement.py \
        tests/data/kcna-1997-2014/kcna-headlines-1997-2014.csv.gz --format csv --freq Y --models static

The 1997-2014 headlines are GPL-3 (tests and research only); the contextual model reads about 17
headlines a second on two busy cores, so it gets a sample; the static model reads all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

import dyadwatch as dw
from dyadwatch.analysis.embedding import EMBEDDING_MODELS, embedder, rhetoric_axis, spearman
from dyadwatch.analysis.rhetoric import RhetoricResult, rhetoric


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--format", default="auto")
    parser.add_argument("--map", default=None, help="column map for a CSV (as ingest-texts --map)")
    parser.add_argument("--sample", type=int, default=0, help="a random sample of this many CSV rows")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--freq", default="M")
    parser.add_argument("--partners", default="JPN,USA,KOR,CHN,RUS")
    parser.add_argument("--models", default=",".join(EMBEDDING_MODELS), help="static, contextual or both")
    args = parser.parse_args()
    models = args.models.split(",")
    runs: dict[str, dict[str, Any]] = {}
    results: dict[str, RhetoricResult] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = args.file
        if args.sample:
            rows = pd.read_csv(path).sample(n=args.sample, random_state=args.seed).sort_values("date")
            path = Path(folder) / f"sample-{args.sample}.csv"
            rows.to_csv(path, index=False)
        started = time.perf_counter()
        with dw.open(Path(folder) / "texts.duckdb") as store:
            [report] = store.ingest_texts([path], format=args.format, mapping=args.map)
            ingest_seconds = time.perf_counter() - started
            partners = args.partners.split(",") if args.partners else None
            started = time.perf_counter()
            rhetoric(store, "PRK", freq=args.freq, partners=partners)
            lexicon_seconds = time.perf_counter() - started
            for model in models:
                started = time.perf_counter()
                embedder(model).embed(["warm up"])  # the model file, and the static matrix (cached or distilled)
                rhetoric_axis(model)
                load_seconds = time.perf_counter() - started
                started = time.perf_counter()
                result = rhetoric(
                    store, "PRK", freq=args.freq, partners=partners, embedding=True, embedding_model=model
                )
                seconds = time.perf_counter() - started
                agreement = result.embedding or {}
                scored = int(agreement.get("texts_scored", 0))
                results[model] = result
                runs[model] = {
                    "seconds_load": round(load_seconds, 1),
                    "seconds_with_embedding": round(seconds, 1),
                    "seconds_embedding_only": round(seconds - lexicon_seconds, 1),
                    "texts_embedded_per_second": round(scored / max(seconds - lexicon_seconds, 1e-9), 1),
                    "agreement_with_lexicon": agreement,
                }
    answer: dict[str, Any] = {
        "file": str(args.file),
        "sample": args.sample or None,
        "texts_kept": report.rows_kept,
        "freq": args.freq,
        "partners": args.partners,
        "seconds_ingest": round(ingest_seconds, 1),
        "seconds_lexicon_run": round(lexicon_seconds, 1),
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "models": runs,
    }
    if {"static", "contextual"} <= set(results):
        answer["static_vs_contextual"] = static_vs_contextual(results["static"], results["contextual"])
    print(json.dumps(answer, indent=1))


def static_vs_contextual(static: RhetoricResult, contextual: RhetoricResult) -> dict[str, Any]:
    """Spearman's rho between the two models' scores, per text and per partner-period."""
    assert static.text_embedding_scores is not None and contextual.text_embedding_scores is not None
    texts = static.text_embedding_scores.merge(contextual.text_embedding_scores, on="text_id")
    periods = static.rows.merge(contextual.rows, on=["partner", "period"])
    return {
        "per_text": spearman(texts["embedding_score_x"], texts["embedding_score_y"]),
        "per_period": spearman(periods["embedding_score_x"], periods["embedding_score_y"]),
    }


if __name__ == "__main__":
    main()
