"""Remedy extraction accuracy: the labelled clauses' tuning and held-back splits side by side,
then precision and recall per type on the older labelled sets.

Run: .venv/bin/python bench/remedy_accuracy.py [--misses]
`--misses` lists disagreements of the tuning split and the older sets only; the held-back split
is reported as figures, so its cases stay unread. Sets that need ../shared (the corpus, the Kent
report) are skipped, saying so, where absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.clause_scoring import ClauseScores, load_clauses, score_clauses
from bench.remedy_scoring import Scores, combine, format_table, load_sets, score
from lgsco_shared.domain import RemedyType

GOALS = (("precision", "≥ 0.95"), ("recall", "≥ 0.90"), ("amounts exact", "1.00"),
         ("done / to do / offered", "≥ 0.95"), ("payee of payments", "≥ 0.90"))  # fmt: skip


def clause_table(tune: ClauseScores, holdout: ClauseScores) -> str:
    rows = [
        ("labelled remedies", f"{tune.items()}", f"{holdout.items()}", ""),
        *(
            (name, f"{_figure(tune, name):.3f}", f"{_figure(holdout, name):.3f}", goal)
            for name, goal in GOALS
        ),
        ("agreed vs recommended too", *(
            f"{ClauseScores.share(s.commitment):.3f}" for s in (tune, holdout)), ""),
        ("deadline as written", *(
            f"{ClauseScores.share(s.deadline):.3f}" for s in (tune, holdout)), ""),
    ]  # fmt: skip
    lines = ["| measure | tuning split | held-back split | goal |", "| --- | --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    for kind in RemedyType:
        cells = [_type_cell(s, kind) for s in (tune, holdout)]
        lines.append(f"| {kind.value} P / R (n) | {cells[0]} | {cells[1]} | |")
    return "\n".join(lines)


def _figure(scores: ClauseScores, name: str) -> float:
    return {
        "precision": scores.precision,
        "recall": scores.recall,
        "amounts exact": scores.amounts_exact,
        "done / to do / offered": ClauseScores.share(scores.stage),
        "payee of payments": ClauseScores.share(scores.payee),
    }[name]


def _type_cell(scores: ClauseScores, kind: RemedyType) -> str:
    tp, fp, fn = scores.tp[kind], scores.fp[kind], scores.fn[kind]
    p = f"{tp / (tp + fp):.2f}" if tp + fp else "-"
    r = f"{tp / (tp + fn):.2f}" if tp + fn else "-"
    return f"{p} / {r} ({tp + fn})"


def main(argv: list[str]) -> int:
    tune, holdout = score_clauses(load_clauses("tune")), score_clauses(load_clauses("holdout"))
    print("Labelled clauses (tests/data/remedy_clauses*.jsonl), per remedy item\n")
    print(clause_table(tune, holdout))
    scored: dict[str, Scores] = {}
    for name, cases in load_sets().items():
        if cases is None:
            print(f"{name}: skipped, ../shared not found (set LGSCO_CORPUS_DIR / LGSCO_SEEDS_DIR)")
            continue
        scored[f"{name} ({len(cases)})"] = score(cases)
    scored["all"] = combine(scored.values())
    print("\nOlder sets, per decision and type (tuned against: regression guards only)\n")
    print("P = precision, R = recall, (n) = decisions labelled with the type\n")
    print(format_table(scored))
    if "--misses" in argv:
        print("\n" + "\n".join(tune.misses + scored["all"].misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
