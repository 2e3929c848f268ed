"""Precision and recall of remedy extraction per type, and the share of amounts read exactly.

Run: .venv/bin/python bench/remedy_accuracy.py [--misses]
Sets that need ../shared (the corpus, the Kent report) are skipped, saying so, where absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.remedy_scoring import Scores, combine, format_table, load_sets, score


def main(argv: list[str]) -> int:
    scored: dict[str, Scores] = {}
    for name, cases in load_sets().items():
        if cases is None:
            print(f"{name}: skipped, ../shared not found (set LGSCO_CORPUS_DIR / LGSCO_SEEDS_DIR)")
            continue
        scored[f"{name} ({len(cases)})"] = score(cases)
    scored["all"] = combine(scored.values())
    print("P = precision, R = recall, (n) = decisions labelled with the type\n")
    print(format_table(scored))
    if "--misses" in argv:
        print("\n" + "\n".join(scored["all"].misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
