"""The batch coder (issue 27 item 4) codes each headline as the one-headline coder does, and the
model's batch look-up counts only the word buckets a headline has."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dyadwatch.ingest.kcna_coder import HeadlineModel, bundled_model, code_headline, code_headlines, features

LABELS = Path(__file__).parent / "data" / "kcna_labels.csv"


def test_batch_codes_as_one_at_a_time() -> None:
    labels = pd.read_csv(LABELS).head(150)
    model = bundled_model()
    years = [int(str(d)[:4]) for d in labels["date"]]
    batch = code_headlines(list(labels["headline"]), years, model=model)
    single = [code_headline(h, y, model=model) for h, y in zip(labels["headline"], years, strict=True)]
    assert batch == single
    assert sum(c.status == "coded" for c in batch) > 30


def test_probabilities_count_exact_buckets_only() -> None:
    text = "<foreign> delegation arrives"
    mine = features(text)
    assert len(mine) > 2
    # A model that knows only the headline's last bucket: the other buckets of the headline sort
    # just before it, so a searchsorted look-up without an equality check lands on it for each.
    model = HeadlineModel(["A", "B"], np.array([mine[-1]], dtype=np.int64), np.array([[0.0, 1.0]]), np.zeros(2))
    got = model.probabilities([text, "nothing known here"])
    expected = np.exp([0.0, 1.0]) / np.exp([0.0, 1.0]).sum()
    assert np.allclose(got[0], expected)
    assert np.allclose(got[1], [0.5, 0.5])
