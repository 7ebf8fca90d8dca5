"""Evaluate the KCNA headline coder on the hand labels and write ``docs/kcna-events.md`` (issue 27).

What it measures, on ``tests/data/kcna_labels.csv`` (700 headlines labelled by hand; guidelines in
the page it writes):

* **k-fold cross-validation of rules + model**: the model is trained on k-1 folds and the coder
  (rules, then the model) codes the held-out fold; per PLOVER type precision, recall and F1 (an
  item's type is ``NONE`` when it yields no event), the confusion matrix, **partner accuracy**
  (items where both the labels and the coder find an event: the same set of foreign parties) and
  **direction accuracy** (of those, North Korea on the same side);
* the **rules alone** on all labels (no model: the floor);
* the **shipped model** (trained on the 2024 labels only, for the licence) on the 1997-2014 labels:
  a test across a decade the model never saw;
* the **agreement** of the second labelling pass (``kcna_labels_second_pass.csv``) with the first:
  Cohen's kappa on the type, and agreement on partners.

``--write-model`` also retrains the shipped model on the 2024 labels and writes
``src/dyadwatch/codebook/data/kcna-model-v1.npz``.

``--holdout tests/data/kcna_labels_holdout.csv`` is the **out-of-sample check**: it scores the coder
as shipped (the rules and the shipped model, nothing retrained) on headlines labelled after the rules
were frozen and never used to tune them, with Wilson 95 % intervals, and writes only the "Held-out
check" section of the page (between ``<!-- kcna-holdout:begin -->`` / ``<!-- kcna-holdout:end -->``
markers; a full run keeps that section as it is).

Usage: ``python scripts/kcna_eval.py [--folds 5] [--write-model] [--out docs/kcna-events.md]``,
``python scripts/kcna_eval.py --holdout tests/data/kcna_labels_holdout.csv``
"""

from __future__ import annotations

import argparse
import math
import random
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from dyadwatch.codebook.kcna_actors import mentions
from dyadwatch.codebook.plover_map import mapping_rows
from dyadwatch.ingest.kcna_coder import (
    NONE,
    TYPE_RULES,
    HeadlineModel,
    bundled_model,
    code_headline,
    coder_version,
    normalise,
    train,
)

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "data" / "kcna_labels.csv"
SECOND = ROOT / "tests" / "data" / "kcna_labels_second_pass.csv"
MODEL_PATH = ROOT / "src" / "dyadwatch" / "codebook" / "data" / "kcna-model-v1.npz"


MAPPING_COLUMNS = ["PLOVER type", "mode", "CAMEO code", "Goldstein", "CAMEO quad class", "PLOVER quad class"]


def read_labels(path: Path = LABELS) -> pd.DataFrame:
    """The labels, with empty cells as empty strings."""
    return pd.read_csv(path, keep_default_na=False, dtype=str)


def model_inputs(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(normalised headline, type) pairs the model trains on."""
    texts = [normalise(h, mentions(h, int(d[:4]))) for h, d in zip(frame["headline"], frame["date"], strict=True)]
    return texts, list(frame["plover_type"])


def predict(frame: pd.DataFrame, model: HeadlineModel | None) -> pd.DataFrame:
    """The coder's type, partners (foreign codes, sorted) and side of North Korea for each row."""
    rows = []
    for headline, day in zip(frame["headline"], frame["date"], strict=True):
        coding = code_headline(headline, int(day[:4]), model=model)
        if coding.events:
            first = coding.events[0]
            partners = sorted({e.target if e.actor == "PRK" else e.actor for e in coding.events})
            rows.append(
                (
                    first.plover_type,
                    ";".join(partners),
                    "out" if first.actor == "PRK" else "in",
                    coding.status,
                    coding.reason,
                )
            )
        else:
            rows.append((NONE, "", "", coding.status, coding.reason))
    return pd.DataFrame(
        rows, columns=["pred_type", "pred_partners", "pred_side", "status", "reason"], index=frame.index
    )


def gold(frame: pd.DataFrame) -> pd.DataFrame:
    """The labels' partners (sorted) and side, in the same shape as :func:`predict`."""
    partners, sides = [], []
    for actor, target, kind in zip(frame["actor"], frame["target"], frame["plover_type"], strict=True):
        if kind == NONE:
            partners.append("")
            sides.append("")
            continue
        foreign = target if actor == "PRK" else actor
        partners.append(";".join(sorted(foreign.split(";"))))
        sides.append("out" if actor == "PRK" else "in")
    return pd.DataFrame({"gold_partners": partners, "gold_side": sides}, index=frame.index)


def scores(truth: Sequence[str], predicted: Sequence[str]) -> pd.DataFrame:
    """Per-type precision, recall, F1 and support (the labels' count)."""
    types = sorted(set(truth) | set(predicted))
    rows = []
    for kind in types:
        tp = sum(t == kind and p == kind for t, p in zip(truth, predicted, strict=True))
        fp = sum(t != kind and p == kind for t, p in zip(truth, predicted, strict=True))
        fn = sum(t == kind and p != kind for t, p in zip(truth, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        rows.append((kind, precision, recall, f1, tp + fn))
    return pd.DataFrame(rows, columns=["type", "precision", "recall", "F1", "labelled"])


def partner_and_direction(result: pd.DataFrame) -> tuple[float, int, float, int]:
    """Partner accuracy over items that both the labels and the coder make events of; direction
    accuracy over those whose partners agree."""
    both = result[(result["plover_type"] != NONE) & (result["pred_type"] != NONE)]
    same = both[both["gold_partners"] == both["pred_partners"]]
    side = (same["gold_side"] == same["pred_side"]).mean() if len(same) else float("nan")
    return len(same) / len(both) if len(both) else float("nan"), len(both), float(side), len(same)


def kappa(first: Sequence[str], second: Sequence[str]) -> float:
    """Cohen's kappa of two labellings of the same items."""
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    a, b = Counter(first), Counter(second)
    expected = sum(a[k] * b[k] for k in set(a) | set(b)) / n / n
    return (observed - expected) / (1 - expected)


def cross_validate(labels: pd.DataFrame, folds: int, seed: int = 27) -> pd.DataFrame:
    """Rules + a model trained on the other folds, for every row (stratified by type)."""
    order = list(labels.index)
    random.Random(seed).shuffle(order)
    order.sort(key=lambda k: str(labels.at[k, "plover_type"]))
    fold_of = {k: n % folds for n, k in enumerate(order)}
    parts = []
    for fold in range(folds):
        test = labels[[fold_of[k] == fold for k in labels.index]]
        training = labels[[fold_of[k] != fold for k in labels.index]]
        model = train(*model_inputs(training))
        parts.append(predict(test, model))
    return pd.concat(parts).loc[labels.index]


def table(frame: pd.DataFrame, digits: int = 2) -> str:
    """A Markdown table."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    lines = [header, rule]
    for row in frame.itertuples(index=False):
        cells = [f"{v:.{digits}f}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells).replace("nan", "–") + " |")
    return "\n".join(lines)


HOLDOUT_BEGIN = "<!-- kcna-holdout:begin -->"
HOLDOUT_END = "<!-- kcna-holdout:end -->"
#: Per-type scores are shown for the types with at least this many held-out labels.
MIN_PER_TYPE = 5


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval (95 % by default) of a proportion ``successes / n``."""
    if n == 0:
        return float("nan"), float("nan")
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def shipped_result(labels: pd.DataFrame, model: HeadlineModel | None) -> pd.DataFrame:
    """Labels, their partners and side, and the coder's answer (rules + ``model``) side by side."""
    return pd.concat([labels, gold(labels), predict(labels, model)], axis=1)


def holdout_scores(result: pd.DataFrame) -> dict[str, object]:
    """Type accuracy, weighted F1 of the event types, partner and direction accuracy (each with its
    count and Wilson interval) of a :func:`shipped_result` frame."""
    right = int((result["plover_type"] == result["pred_type"]).sum())
    both = result[(result["plover_type"] != NONE) & (result["pred_type"] != NONE)]
    same = both[both["gold_partners"] == both["pred_partners"]]
    sided = int((same["gold_side"] == same["pred_side"]).sum())
    sc = scores(list(result["plover_type"]), list(result["pred_type"]))
    events = sc[sc["type"] != NONE]
    weights = events["labelled"] / events["labelled"].sum()
    return {
        "n": len(result), "right": right, "accuracy": right / len(result), "ci": wilson(right, len(result)),
        "f1": float((events["F1"] * weights).sum()), "per_type": sc,
        "both": len(both), "same": len(same), "partner": len(same) / len(both) if len(both) else float("nan"),
        "partner_ci": wilson(len(same), len(both)),
        "sided": sided, "side": sided / len(same) if len(same) else float("nan"), "side_ci": wilson(sided, len(same)),
    }  # fmt: skip


def holdout_section(path: Path) -> str:
    """The "Held-out check" section: the shipped coder on ``path`` beside the same coder on the
    700 tuning labels."""
    model = bundled_model()
    held = shipped_result(read_labels(path), model)
    tuning = shipped_result(read_labels(), model)
    h, t = holdout_scores(held), holdout_scores(tuning)

    def row(name: str, s: dict[str, object]) -> str:
        lo, hi = s["ci"]
        plo, phi = s["partner_ci"]
        dlo, dhi = s["side_ci"]
        return (
            f"| {name} | {s['n']} | {s['accuracy']:.2f} [{lo:.2f}, {hi:.2f}] | {s['f1']:.2f} | "
            f"{s['partner']:.2f} [{plo:.2f}, {phi:.2f}] ({s['same']}/{s['both']}) | "
            f"{s['side']:.2f} [{dlo:.2f}, {dhi:.2f}] ({s['sided']}/{s['same']}) |"
        )

    per_type = h["per_type"]
    per_type = per_type[per_type["labelled"] >= MIN_PER_TYPE].reset_index(drop=True)
    counts = held["plover_type"].value_counts()
    wrong = held[
        (held["plover_type"] != held["pred_type"])
        | (held["gold_partners"] != held["pred_partners"])
        | (held["gold_side"] != held["pred_side"])
    ]
    kind = [
        "type" if a != b else "partners" if c != d else "direction"
        for a, b, c, d in zip(
            wrong["plover_type"], wrong["pred_type"], wrong["gold_partners"], wrong["pred_partners"], strict=True
        )
    ]
    rank = [("type", "partners", "direction").index(k) for k in kind]
    wrong = wrong.assign(kind=kind, rank=rank, number=wrong["item"].astype(int)).sort_values(["rank", "number"])
    errors = pd.DataFrame({
        "item": wrong["item"], "date": wrong["date"], "headline": wrong["headline"].str.slice(0, 90),
        "labelled": wrong["plover_type"] + " " + wrong["actor"] + "→" + wrong["target"],
        "coded": wrong["pred_type"] + " " + wrong["pred_partners"] + " (" + wrong["pred_side"] + ")",
        "wrong": wrong["kind"], "coder's reason": wrong["reason"],
    })  # fmt: skip
    try:
        shown = path.resolve().relative_to(ROOT)
    except ValueError:
        shown = path
    header = (
        "| coder: rules + shipped model | headlines | type accuracy [95 % CI] | weighted F1 (event types) "
        "| partner accuracy [95 % CI] | direction accuracy [95 % CI] |\n|---|---|---|---|---|---|"
    )
    lines = [
        HOLDOUT_BEGIN,
        "## Held-out check (out of sample)",
        "",
        f"Generated by `python scripts/kcna_eval.py --holdout {shown}` (coder `{coder_version(model)}`, "
        "rules and shipped model as they ship, nothing retrained).",
        "",
        f"The figures above are **in-sample for the rules**: the rules were refined by looking at the errors on "
        f"those {t['n']} labels. `{shown}` holds {h['n']} headlines drawn afresh "
        f"({', '.join(f'{k}: {v}' for k, v in held['source'].value_counts().sort_index().items())}; "
        "`scripts/kcna_label_sample.py`'s year-by-bucket draw, seed 2025, none of the 700), labelled by hand "
        "from the headline alone by the guidelines above and committed before the coder was run on them; "
        "the rules and the model were not changed after seeing these results. **The held-out row is the "
        "out-of-sample figure**; the row beside it is the same coder on the tuning labels (in-sample for the "
        "rules, and for the model on the 260 labels of 2024 it was trained on).",
        "",
        header,
        row("held-out labels (out of sample)", h),
        row("the 700 tuning labels (in sample)", t),
        "",
        "Intervals: Wilson 95 %. Partner accuracy counts the headlines both the labels and the coder make "
        "events of; direction accuracy those of them whose partners agree (North Korea on the same side).",
        "",
        "Held-out labels by type: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + ".",
        "",
        f"Per type on the held-out labels (types with at least {MIN_PER_TYPE} labels; `NONE`: no event):",
        "",
        table(per_type),
        "",
        f"### Held-out errors ({len(errors)} of {h['n']}: type first, then partners, then direction)",
        "",
        table(errors),
        HOLDOUT_END,
    ]
    return "\n".join(lines)


def replace_block(text: str, block: str) -> str:
    """``text`` with its held-out block replaced by ``block`` (inserted before "## Licence decision",
    or at the end, when it has none)."""
    pattern = re.compile(re.escape(HOLDOUT_BEGIN) + ".*?" + re.escape(HOLDOUT_END), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text, count=1)
    anchor = "## Licence decision"
    if anchor in text:
        return text.replace(anchor, block + "\n\n" + anchor, 1)
    return text.rstrip("\n") + "\n\n" + block + "\n"


def existing_block(path: Path) -> str:
    """The held-out block already in the page at ``path`` (empty when none)."""
    if not path.exists():
        return ""
    found = re.search(re.escape(HOLDOUT_BEGIN) + ".*?" + re.escape(HOLDOUT_END), path.read_text(encoding="utf-8"), re.S)
    return found.group(0) if found else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write-model", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "kcna-events.md")
    parser.add_argument(
        "--holdout", type=Path, default=None,
        help="score the shipped coder on these held-out labels and rewrite only the page's Held-out check section",
    )  # fmt: skip
    args = parser.parse_args()

    if args.holdout is not None:
        block = holdout_section(args.holdout)
        text = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        args.out.write_text(replace_block(text, block), encoding="utf-8")
        print(block)
        print(f"wrote the held-out section of {args.out}")
        return

    labels = read_labels()
    truth = gold(labels)
    shipped_training = labels[labels["source"] == "kcna-2024"]
    shipped = train(*model_inputs(shipped_training), version="model-1")
    if args.write_model:
        shipped.save(MODEL_PATH)

    cv = pd.concat([labels, truth, cross_validate(labels, args.folds)], axis=1)
    rules = pd.concat([labels, truth, predict(labels, None)], axis=1)
    old = labels[labels["source"] == "kcna-1997-2014"]
    across = pd.concat([old, truth.loc[old.index], predict(old, shipped)], axis=1)

    def summary(name: str, result: pd.DataFrame) -> tuple[str, int, float, float, float, float]:
        sc = scores(list(result["plover_type"]), list(result["pred_type"]))
        events = sc[sc["type"] != NONE]
        accuracy = float((result["plover_type"] == result["pred_type"]).mean())
        partner, _, side, _ = partner_and_direction(result)
        weights = events["labelled"] / events["labelled"].sum()
        return name, len(result), accuracy, float((events["F1"] * weights).sum()), partner, side

    overview = pd.DataFrame(
        [
            summary(f"rules + model, {args.folds}-fold cross-validation, all labels", cv),
            summary("rules alone, all labels", rules),
            summary("shipped model (trained on 2024 labels) + rules, 1997-2014 labels", across),
        ],
        columns=[
            "coder",
            "headlines",
            "type accuracy",
            "weighted F1 (event types)",
            "partner accuracy",
            "direction accuracy",
        ],
    )
    per_type = scores(list(cv["plover_type"]), list(cv["pred_type"]))
    partner, both, side, same = partner_and_direction(cv)
    kinds = sorted(set(cv["plover_type"]) | set(cv["pred_type"]))
    confusion = pd.crosstab(cv["plover_type"], cv["pred_type"]).reindex(index=kinds, columns=kinds, fill_value=0)
    confusion.insert(0, "labelled \\ coded", confusion.index)
    wrong = cv[
        (cv["plover_type"] != cv["pred_type"])
        | (cv["gold_partners"] != cv["pred_partners"])
        | (cv["gold_side"] != cv["pred_side"])
    ]
    severity = (wrong["plover_type"] != wrong["pred_type"]).astype(int) * 2 + (
        wrong["gold_partners"] != wrong["pred_partners"]
    ).astype(int)
    worst = wrong.assign(severity=severity).sort_values(["severity", "item"], ascending=[False, True]).head(25)
    worst_table = pd.DataFrame({
        "item": worst["item"], "headline": worst["headline"].str.slice(0, 80),
        "labelled": worst["plover_type"] + " " + worst["actor"] + "→" + worst["target"],
        "coded": worst["pred_type"] + " " + worst["pred_partners"] + " (" + worst["pred_side"] + ")",
        "why": worst["reason"],
    })  # fmt: skip
    second = read_labels(SECOND)
    first = labels.set_index("item").loc[second["item"]]
    type_kappa = kappa(list(first["plover_type"]), list(second["plover_type"]))
    type_agree = float((first["plover_type"].to_numpy() == second["plover_type"].to_numpy()).mean())
    first_partners = gold(first.reset_index())["gold_partners"].to_numpy()
    second_partners = gold(second)["gold_partners"].to_numpy()
    partner_agree = float((first_partners == second_partners).mean())
    counts = labels.groupby(["source", "plover_type"]).size().unstack(fill_value=0)
    counts.insert(0, "source", counts.index)
    years = labels["date"].str[:4].value_counts().sort_index()

    text = TEMPLATE.format(
        version=coder_version(shipped),
        n=len(labels),
        n_old=int((labels["source"] == "kcna-1997-2014").sum()),
        n_new=int((labels["source"] == "kcna-2024").sum()),
        years=", ".join(f"{y}: {c}" for y, c in years.items()),
        counts=table(counts),
        overview=table(overview),
        per_type=table(per_type),
        partner=partner, both=both, side=side, same=same,
        confusion=table(confusion),
        worst=table(worst_table),
        n_second=len(second), kappa=type_kappa, type_agree=type_agree, partner_agree=partner_agree,
        mapping=table(pd.DataFrame(mapping_rows(), columns=MAPPING_COLUMNS), 1),
        rules="\n".join(
            f"| {i} | {t} | {m or '–'} | {p:.2f} | `{c.replace('|', chr(92) + '|')}` |"
            for i, (t, m, p, c) in enumerate(TYPE_RULES, 1)
        ),
        folds=args.folds,
    )  # fmt: skip
    kept = existing_block(args.out)
    if kept:
        text = replace_block(text, kept)
    args.out.write_text(text, encoding="utf-8")
    print(overview.to_string(index=False))
    print(
        f"second pass: kappa {type_kappa:.3f}, type agreement {type_agree:.3f}, partner agreement {partner_agree:.3f}"
    )
    print(f"wrote {args.out}")


TEMPLATE = (
    (ROOT / "scripts" / "kcna_eval_template.md").read_text(encoding="utf-8")
    if (ROOT / "scripts" / "kcna_eval_template.md").exists()
    else ""
)

if __name__ == "__main__":
    main()
