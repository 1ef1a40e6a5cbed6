"""The layout the README's "How it is built" table draws, checked: layers import only downwards, the core
never imports the simulator, one module touches `time` and one `serial`, and no module outgrows 400 lines."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTROLLER = ROOT / "controller"

# Bottom to top. A module may import from its own layer and those below it, never from one above.
# Layer 0 is the top-level modules of controller/ (clock, errors, timeline, …): they import only each other.
LAYERS = ("wire", "conformance", "safety", "program", "runs", "ui", "service", "web", "cli", "launch")
MAX_LINES = 400


def modules() -> list[Path]:
    return sorted(CONTROLLER.rglob("*.py"))


def name_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> Iterator[str]:
    """Every module `path` imports, wherever the import statement sits (functions, TYPE_CHECKING too)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def layer(module: str) -> int:
    """0 for controller's top-level modules, else 1 + the subpackage's place in LAYERS."""
    parts = module.split(".")
    if len(parts) == 2 and not (CONTROLLER / parts[1]).is_dir():
        return 0
    sub = parts[1]
    assert sub in LAYERS, f"controller/{sub}/ is in no layer: add it to LAYERS (and the README's table)"
    return 1 + LAYERS.index(sub)


def controller_imports(path: Path) -> set[str]:
    """The controller modules (not packages' re-exported names) that `path` imports."""
    out = set()
    for name in imported(path):
        parts = name.split(".")
        if parts[0] != "controller" or len(parts) < 2:
            continue
        # `from controller.runs import Player` names a package and an attribute: keep the package
        while len(parts) > 2 and not (ROOT.joinpath(*parts).with_suffix(".py").exists()
                                      or ROOT.joinpath(*parts).is_dir()):
            parts = parts[:-1]
        out.add(".".join(parts))
    return out


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_points_up_a_layer(path: Path) -> None:
    me = name_of(path)
    if me == "controller":
        return
    upward = sorted(m for m in controller_imports(path) if layer(m) > layer(me))
    assert not upward, f"{me} (layer {layer(me)}) imports from a layer above it: {upward}"


@pytest.mark.parametrize("path", [p for p in modules() if "cli" not in p.relative_to(CONTROLLER).parts],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_never_imports_the_simulator(path: Path) -> None:
    """Capabilities come from a handshake; only the command line starts a simulator (controller/cli/)."""
    sim = sorted(n for n in imported(path) if n == "sim" or n.startswith("sim."))
    assert not sim, f"{name_of(path)} imports the simulator: {sim}"


@pytest.mark.parametrize(("package", "owner"), [("time", "controller.clock"),
                                                ("serial", "controller.wire.transport")])
def test_one_module_owns_each_outside_seam(package: str, owner: str) -> None:
    users = sorted(name_of(p) for p in modules()
                   if any(n == package or n.startswith(package + ".") for n in imported(p)))
    assert users == [owner]


def test_no_module_is_over_400_lines() -> None:
    sizes = {name_of(p): len(p.read_text(encoding="utf-8").splitlines()) for p in modules()}
    long = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert not long, f"split these modules (house style: under {MAX_LINES} lines): {long}"


def test_the_checks_can_fail() -> None:
    """The scanner sees imports inside functions, and the layer order ranks what it should."""
    sample = ROOT / "controller" / "cli" / "run_session.py"
    assert "sim" in set(imported(sample))  # `from sim import make_pair`, inside a function
    assert layer("controller.clock") < layer("controller.wire.link") < layer("controller.safety.gate")
    assert layer("controller.program.compiler") < layer("controller.runs.session")
    assert layer("controller.runs.session") < layer("controller.ui.view") < layer("controller.cli.run_cmds")


def test_the_runs_api_resolves_every_name_it_offers_lazily() -> None:
    """controller.runs is the Python API (check_run, make_session, …); its names load on first use."""
    import importlib

    runs = importlib.import_module("controller.runs")
    assert sorted(runs.__all__) == sorted(runs._HOME)
    for name in runs.__all__:
        assert getattr(runs, name).__name__ == name
    with pytest.raises(AttributeError):
        runs.no_such_name  # noqa: B018
