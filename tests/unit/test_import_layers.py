"""The package's imports point one way, down the layers, and no two files import each other (even lazily)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "extract" / "fmp_elt"

# Bottom to top; a module may import its own package and anything in a lower layer. The simulator stands beside
# the FMP client: it serves what the client reads, and only the CLI starts it.
LAYERS: list[set[str]] = [
    {"errors", "redaction", "clock", "config", "tickers", "trading_calendar", "job_config", "bundled", "yaml_text"},
    {"fmp", "simulator"},
    {"streams"},
    {"warehouse"},
    {"extract_stage", "transform_stage", "quality", "codegen"},
    {"status"},
    {"orchestration"},
    {"serve"},
    {"jobs"},
    {"cli", "__init__"},
    {"__main__"},
]
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


def module_name(path: Path) -> str:
    parts = ["fmp_elt", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def resolve(name: str) -> str:
    """The module a dotted import name lands in (`from a.b import c` may name a module or an attribute)."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def imports(module: str) -> Iterator[str]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fmp_elt"):
            for alias in node.names:
                yield resolve(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            yield from (resolve(alias.name) for alias in node.names if alias.name.startswith("fmp_elt"))


def layer(module: str) -> str:
    return module.split(".")[1] if "." in module else "__init__"


GRAPH = {module: {target for target in imports(module) if target != module} for module in MODULES}


def test_every_top_level_part_has_a_layer() -> None:
    assert {layer(module) for module in MODULES} <= set(RANK)


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if layer(target) != layer(module) and not _below(layer(target), layer(module))
    ]
    assert upward == []


def _below(target: str, source: str) -> bool:
    """Lower layers only; the base modules (rank 0) may also use one another (the cycle test still applies)."""
    return RANK[target] < RANK[source] or RANK[target] == RANK[source] == 0


def test_no_file_imports_itself_through_others() -> None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(MODULES):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_no_import_of_the_old_name() -> None:
    root = PACKAGE.parents[1]
    sources = [path for folder in ("extract", "tests", "bench") for path in (root / folder).rglob("*.py")]
    assert [str(path) for path in sources if _imports_extract(path)] == []


def _imports_extract(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "extract":
            return True
        if isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "extract" for alias in node.names):
            return True
    return False
