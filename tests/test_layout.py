"""The layout says what the system is: import names are folders, one module per file, and
imports point one way (the contracts are in pyproject.toml, `[tool.importlinter]`)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "lgsco_shared": ROOT / "shared" / "lgsco_shared",
    "lgsco_api": ROOT / "services" / "api" / "lgsco_api",
    "lgsco_ingest": ROOT / "services" / "ingest" / "lgsco_ingest",
    "lgsco_cli": ROOT / "services" / "cli" / "lgsco_cli",
}


def test_each_import_name_is_its_folder() -> None:
    for name, folder in PACKAGES.items():
        module = importlib.import_module(name)

        assert Path(module.__file__ or "").resolve().parent == folder.resolve(), name


def test_every_module_loads_under_one_name_only() -> None:
    """With every module imported, no file is loaded twice under two names."""
    for name in PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            if not info.name.endswith("__main__"):
                importlib.import_module(info.name)
    by_file: dict[str, list[str]] = {}
    for module_name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and any(Path(file).resolve().is_relative_to(f) for f in PACKAGES.values()):
            by_file.setdefault(str(Path(file).resolve()), []).append(module_name)
    twice = {file: names for file, names in by_file.items() if len(names) > 1}

    assert twice == {}
    assert len(by_file) > 100


def test_imports_keep_the_contracts() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "7 kept, 0 broken" in done.stdout
