"""No secret is committed: no API token or webhook secret in the shape this service issues, no
private key, no cloud credential, no password in a URL other than the documented local ones."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = {
    "API token": re.compile(r"lgsco_[0-9a-f]{12}_[A-Za-z0-9_\-]{32,}"),
    "webhook secret": re.compile(r"whsec_[A-Za-z0-9_\-]{20,}"),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "password in a URL": re.compile(r"://[^/\s:@'\"]+:([^@\s'\"/]+)@"),
}
# Placeholders in the docs and the local development password of docker-compose.yml.
LOCAL_PASSWORDS = {"lgsco", "pass", "password", "CHANGE_ME"}


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
    ).stdout.decode()
    return [ROOT / name for name in listed.split("\0") if name]


def test_no_secret_is_committed() -> None:
    files = tracked_files()
    assert len(files) > 100
    found = []
    for path in files:
        if path.suffix in {".png", ".ico"} or not path.is_file() or path == Path(__file__):
            continue  # this file holds an example of each, to show the patterns match
        text = path.read_text(encoding="utf-8", errors="replace")
        for kind, pattern in PATTERNS.items():
            for match in pattern.finditer(text):
                if kind == "password in a URL" and match.group(1) in LOCAL_PASSWORDS:
                    continue
                found.append(f"{path.relative_to(ROOT)}: {kind}: {match.group(0)[:40]}")
    assert found == []


def test_the_scan_finds_what_it_looks_for() -> None:
    """The patterns match real examples (a scan that matches nothing proves nothing)."""
    examples = {
        "API token": "lgsco_0123456789ab_" + "x" * 43,
        "webhook secret": "whsec_" + "y" * 32,
        "private key": "-----BEGIN RSA PRIVATE KEY-----",
        "AWS key": "AKIA" + "A" * 16,
        "password in a URL": "postgresql://app:s3cret@db/lgsco",
    }
    for kind, example in examples.items():
        assert PATTERNS[kind].search(example), kind
