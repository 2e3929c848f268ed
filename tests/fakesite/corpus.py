"""The real LGSCO corpus, read at test time from outside the repository.

The corpus (109 published decisions: visible text and the fields read from it) lives in
`../shared/corpus/decisions.jsonl` beside the checkout, or wherever LGSCO_CORPUS_DIR points. Its
text is never copied into the repository: tests that need it are marked `requires_corpus` and
skip, saying why, where it is absent (as in a user's clone).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = Path(os.environ.get("LGSCO_CORPUS_DIR") or REPO_ROOT.parent / "shared" / "corpus")
CORPUS_FILE = CORPUS_DIR / "decisions.jsonl"


@dataclass(frozen=True, slots=True)
class CorpusEntry:
    url: str  # canonical permalink: https://www.lgo.org.uk/decisions/{cat}/{sub}/{yy-nnn-nnn}
    path: str  # the URL's path, for the fake site: /decisions/{cat}/{sub}/{yy-nnn-nnn}
    text: str  # the page's visible text, cut at about 2,000 characters
    truth: dict[str, Any]  # ref, organisation, category, subcategory, decision, decision_date, ...
    remedies: dict[str, Any] | None  # what the summary says was agreed, on 55 entries


def corpus_available() -> bool:
    return CORPUS_FILE.is_file()


@cache
def _load(path: Path) -> tuple[CorpusEntry, ...]:
    entries = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                row = json.loads(line)
                entries.append(
                    CorpusEntry(
                        url=row["url"],
                        path=urlsplit(row["url"]).path,
                        text=row["text"],
                        truth=row["truth"],
                        remedies=row.get("remedies"),
                    )
                )
    return tuple(entries)


def load_corpus() -> list[CorpusEntry]:
    """Every corpus entry, in file order (read once per process)."""
    return list(_load(CORPUS_FILE))


requires_corpus = pytest.mark.skipif(
    not corpus_available(),
    reason=(
        f"the LGSCO corpus is absent: no {CORPUS_FILE} (it lives beside the checkout in "
        "../shared/corpus and is not part of the repository); set LGSCO_CORPUS_DIR to the "
        "folder holding decisions.jsonl to run these tests"
    ),
)
