"""The layers the README draws are the layers the imports follow, checked by import-linter."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("dags", "pipelines", "data_contracts", "matching")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )


def _copy_tree(dst: Path) -> Path:
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, dst / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", dst / "pyproject.toml")
    return dst


def test_the_repository_keeps_every_layer_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_a_planted_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    root = _copy_tree(tmp_path)
    # the matcher reaching up for the run settings is exactly the shortcut the layers forbid
    planted = root / "matching" / "planted.py"
    planted.write_text("from pipelines.settings import load_settings\n", encoding="utf-8")
    result = _lint(root)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "matching.planted -> pipelines.settings" in result.stdout


def test_a_planted_import_between_pipeline_layers_breaks_the_contract(tmp_path: Path) -> None:
    root = _copy_tree(tmp_path)
    target = root / "pipelines" / "storage" / "warehouse.py"
    text = target.read_text(encoding="utf-8")
    planted = "\nfrom pipelines.sweep import run as _run  # noqa\n"
    target.write_text(text + planted, encoding="utf-8")
    result = _lint(root)
    assert result.returncode != 0
    assert "pipelines.storage.warehouse -> pipelines.sweep.run" in result.stdout


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_layer_config_modules_import_no_code_of_their_layer() -> None:
    # The settings composer may import every `pipelines/<layer>/config.py` only because these
    # modules are leaves: typed fields and nothing of the code they configure.
    configs = sorted((ROOT / "pipelines").glob("*/config.py"))
    assert len(configs) >= 5
    for path in configs:
        ours = {m for m in _imported_modules(path) if m.split(".")[0] in PACKAGES}
        allowed = {m for m in ours if m.endswith(".config")}
        assert ours == allowed, f"{path.relative_to(ROOT)} imports {sorted(ours - allowed)}"
