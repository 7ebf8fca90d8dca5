"""The layers of design §6, enforced (issue 29 item 1): `lint-imports` keeps every contract of
``[tool.importlinter]``, and docs/architecture.md draws the same layers in the same order."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def _layers(contract_id: str = "layers") -> list[str]:
    """The layers of one ``layers`` contract, top first: the package's (``layers``) or the command line's
    (``cli-modules``)."""
    (layers,) = [c["layers"] for c in _contracts() if c.get("id") == contract_id]
    assert isinstance(layers, list)
    return [str(layer) for layer in layers]


def _lint(config: Path | None = None) -> subprocess.CompletedProcess[str]:
    args = [str(LINT_IMPORTS), "--no-cache"] + (["--config", str(config)] if config else [])
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src")})


def test_lint_imports_keeps_every_contract() -> None:
    done = _lint()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    kinds = sorted(str(c["type"]) for c in _contracts())
    assert kinds == ["forbidden", "layers", "layers"]
    assert f"Contracts: {len(kinds)} kept, 0 broken." in done.stdout


def test_a_reversed_layer_is_reported_broken(tmp_path: Path) -> None:
    """The check is not empty: with the store put above the API that builds on it, lint-imports
    names the import that breaks the order and fails."""
    config = tmp_path / "reversed.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "dyadwatch"\n\n[[tool.importlinter.contracts]]\n'
        'name = "reversed"\ntype = "layers"\ncontainers = ["dyadwatch"]\nlayers = ["store", "api"]\n',
        "utf-8",
    )
    done = _lint(config)
    assert done.returncode == 1
    assert "dyadwatch.api -> dyadwatch.store" in done.stdout


def test_the_architecture_drawing_matches_the_layers_contract() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    block = re.search(r"```layers\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no ```layers block"
    drawn = [line.strip() for line in block.group(1).splitlines() if line.strip() and line.strip() != "↓"]
    assert drawn == _layers()


def test_every_module_of_the_package_is_in_a_layer() -> None:
    """A new top-level module or folder must be placed in the drawing (and so in the contract)."""
    placed = {name for layer in _layers() for name in re.split(r"\s*[|:]\s*", layer)}
    package = ROOT / "src" / "dyadwatch"
    present = {p.stem for p in package.glob("*.py") if p.stem != "__init__"} | {
        p.name for p in package.iterdir() if (p / "__init__.py").exists()
    }
    assert present == placed


def test_every_module_of_the_command_line_is_in_a_layer() -> None:
    """A new module of ``dyadwatch.cli`` must be placed in the ``cli-modules`` contract (commands over
    groups over output over options), or nothing checks what it imports."""
    placed = {name for layer in _layers("cli-modules") for name in re.split(r"\s*[|:]\s*", layer)}
    package = ROOT / "src" / "dyadwatch" / "cli"
    assert {p.stem for p in package.glob("*.py") if p.stem not in ("__init__", "__main__")} == placed


def test_no_private_name_is_imported_across_modules() -> None:
    """A name that starts with one underscore stays in its module (issue 29 item 5); the compiled line
    scan ``ingest/_linescan`` is a module of its own package, loaded by that package only."""
    allowed = {("dyadwatch.ingest.source", "_linescan")}
    found = []
    for path in sorted((ROOT / "src" / "dyadwatch").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT / "src").with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dyadwatch"):
                for alias in node.names:
                    name = alias.name
                    if name.startswith("_") and not name.startswith("__") and (module, name) not in allowed:
                        found.append(f"{module}: from {node.module} import {name}")
    assert found == []
