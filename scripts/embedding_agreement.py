"""How far the model-based rhetoric score agrees with the lexicon index, and what it costs (issue 11).

Loads one text file into a temporary store (optionally a random sample of a CSV's rows), runs
``rhetoric`` without and with the embedding score, and prints one JSON object: texts, seconds for each
run, texts embedded per second, and Spearman's rho per text and per partner-period. The numbers in
docs/rhetoric.md come from:

    PYTHONPATH=src python scripts/embedding_agreement.py tests/data/kcna-headlines/headlines_2024-11-11.json
    PYTHONPATH=src python scripts/embedding_agreement.py \
        tests/data/kcna-1997-2014/kcna-headlines-1997-2014.csv.gz --format csv --sample 5000 --freq Y

The 1997-2014 headlines are GPL-3 (tests and research only); a sample keeps the run to minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd

import dyadwatch as dw
from dyadwatch.analysis.rhetoric import rhetoric


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--format", default="auto")
    parser.add_argument("--map", default=None, help="column map for a CSV (as ingest-texts --map)")
    parser.add_argument("--sample", type=int, default=0, help="a random sample of this many CSV rows")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--freq", default="M")
    parser.add_argument("--partners", default="JPN,USA,KOR,CHN,RUS")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.file
        if args.sample:
            rows = pd.read_csv(path).sample(n=args.sample, random_state=args.seed).sort_values("date")
            path = Path(folder) / f"sample-{args.sample}.csv"
            rows.to_csv(path, index=False)
        with dw.open(Path(folder) / "texts.duckdb") as store:
            [report] = store.ingest_texts([path], format=args.format, mapping=args.map)
            partners = args.partners.split(",") if args.partners else None
            started = time.perf_counter()
            rhetoric(store, "PRK", freq=args.freq, partners=partners)
            lexicon_seconds = time.perf_counter() - started
            started = time.perf_counter()
            result = rhetoric(store, "PRK", freq=args.freq, partners=partners, embedding=True)
            embedding_seconds = time.perf_counter() - started
    agreement = result.embedding or {}
    scored = int(agreement.get("texts_scored", 0))
    print(
        json.dumps(
            {
                "file": str(args.file),
                "sample": args.sample or None,
                "texts_kept": report.rows_kept,
                "freq": args.freq,
                "partners": args.partners,
                "seconds_lexicon_run": round(lexicon_seconds, 1),
                "seconds_with_embedding": round(embedding_seconds, 1),
                "texts_embedded_per_second": round(scored / max(embedding_seconds - lexicon_seconds, 1e-9), 1),
                "agreement": agreement,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
