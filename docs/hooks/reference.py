"""MkDocs hook: the Reference pages' generated parts, from the code itself, so that they cannot drift.

A page holds a marker `<!-- generated: NAME -->` where NAME is `cli` (every click command and option), `api`
(every path of the status API's OpenAPI document) or `metrics` (every Prometheus metric /metrics exposes, read
from serve/metrics.py). tests/unit/test_docs_reference.py checks the markers' output against the code.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

MARKER = re.compile(r"<!-- generated: (\w+) -->")


def cli_commands() -> Iterator[tuple[str, click.Command]]:
    """(`fmp-elt sub sub`, command) for the group and every command under it, depth first, in name order."""
    from fmp_elt.cli import cli

    def walk(path: str, command: click.Command) -> Iterator[tuple[str, click.Command]]:
        yield path, command
        if isinstance(command, click.Group):
            for name in sorted(command.commands):
                if not command.commands[name].hidden:  # an earlier name kept working, not documented
                    yield from walk(f"{path} {name}", command.commands[name])

    yield from walk("fmp-elt", cli)


def option_row(param: click.Parameter) -> str:
    if isinstance(param, click.Argument):
        return f"| `{param.human_readable_name}` | argument{'' if param.required else ', optional'} | |"
    assert isinstance(param, click.Option)
    names = ", ".join(f"`{name}`" for name in [*param.opts, *param.secondary_opts])
    unset = param.default in (None, False) or param.is_flag or type(param.default).__name__ == "Sentinel"
    default = "" if unset else f"`{param.default}`"
    text = (param.help or "").replace("|", "\\|").replace("\n", " ")
    return f"| {names} | {text} | {default} |"


def cli_markdown() -> str:
    parts = []
    for path, command in cli_commands():
        help_text = (command.help or "").strip()
        parts.append(f"## `{path}`\n\n{help_text}\n")
        params = [p for p in command.params if p.name != "help"]
        if params:
            rows = "\n".join(option_row(p) for p in params)
            parts.append(f"| option | meaning | default |\n|---|---|---|\n{rows}\n")
    return "\n".join(parts)


def openapi() -> dict[str, Any]:
    from fmp_elt.serve.api import create_app

    # the app reads the database only when a request comes: an address that is never dialled is enough
    return create_app("postgresql://docs@127.0.0.1:9/docs", jobs=[]).openapi()


def api_markdown() -> str:
    spec = openapi()
    parts = [f"{spec['info']['description']} OpenAPI version {spec['openapi']}; `GET /openapi.json` serves it.\n"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            summary = (operation.get("description") or operation.get("summary") or "").strip()
            parts.append(f"## `{method.upper()} {path}`\n\n{summary}\n")
            params = operation.get("parameters", [])
            if params:
                cells = [
                    (p["name"], p["in"], p.get("schema", {}).get("type", ""), p.get("required", False)) for p in params
                ]
                rows = "\n".join(f"| `{name}` | {where} | {kind} | {needed} |" for name, where, kind, needed in cells)
                parts.append(f"| parameter | in | type | required |\n|---|---|---|---|\n{rows}\n")
            codes = ", ".join(f"`{code}`" for code in operation.get("responses", {}))
            parts.append(f"Responses: {codes}.\n")
    return "\n".join(parts)


METRICS_SOURCE = Path(__file__).resolve().parents[2] / "extract" / "fmp_elt" / "serve" / "metrics.py"
METRIC_HELPERS = {"gauge", "counter", "per_dataset", "per_table"}


def _text(node: ast.AST) -> str | None:
    """A string constant, or an f-string's literal parts with `…` for what it interpolates."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "…" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # PREFIX + "name"
        return _text(node.right)
    return None


def metrics() -> list[tuple[str, str]]:
    """(name without the `fmp_elt_` prefix, help) of every metric family metrics.py declares with a literal name."""
    tree = ast.parse(METRICS_SOURCE.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and len(node.args) >= 2:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in METRIC_HELPERS or name.endswith("MetricFamily"):
                metric, documentation = _text(node.args[0]), _text(node.args[1])
                if metric and documentation is not None:
                    found.setdefault(metric, documentation)
        if isinstance(node, ast.Tuple) and len(node.elts) >= 2:  # LATEST_RUN_GAUGES: (name, help, ...)
            metric, documentation = _text(node.elts[0]), _text(node.elts[1])
            if metric and documentation and re.fullmatch(r"[a-z_]+", metric) and " " in documentation:
                found.setdefault(metric, documentation)
    return sorted(found.items())


def metrics_markdown() -> str:
    escaped = [(name, text.replace("|", "\\|")) for name, text in metrics()]
    rows = "\n".join(f"| `fmp_elt_{name}` | {text} |" for name, text in escaped)
    note = "Counters are exposed with Prometheus' `_total` suffix (`fmp_elt_fmp_calls_total`); `…` stands for a figure."
    return f"{note}\n\n| metric | meaning |\n|---|---|\n{rows}\n"


GENERATORS: dict[str, Callable[[], str]] = {"cli": cli_markdown, "api": api_markdown, "metrics": metrics_markdown}


def on_page_markdown(markdown: str, **_: Any) -> str:
    return MARKER.sub(lambda match: GENERATORS[match.group(1)](), markdown)
