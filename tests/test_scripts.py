"""Every Snakemake script is one call into the package: a docstring, the import of one package
function (and of log_to_file), the call with the job's snakemake.input/output/params. What a
job decides lives in tested package code, and every script serves exactly one rule."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((REPO / "scripts").glob("*.py"))
LOGGING = ("digitface.logs", "log_to_file")


def _rule_scripts() -> list[str]:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "rules").glob("*.smk")))
    return re.findall(r'script:\s*"\.\./scripts/([^"]+)"', text)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_a_script_is_one_call_into_the_package(script):
    source = script.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= 25
    tree = ast.parse(source)
    assert ast.get_docstring(tree), "a docstring says what the job makes"
    imports = [
        (node.module, alias.name) for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names
    ]
    assert not [n for n in tree.body if isinstance(n, ast.Import)], "no plain imports"
    entry = [i for i in imports if i != LOGGING]
    assert len(entry) == 1 and entry[0][0].startswith("digitface."), imports
    calls = [node.value.func for node in tree.body if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)]
    named = [call.id for call in calls if isinstance(call, ast.Name)]
    assert named.count(entry[0][1]) == 1 and set(named) <= {entry[0][1], LOGGING[1]}, named
    others = [n for n in tree.body[1:] if not isinstance(n, (ast.ImportFrom, ast.Expr, ast.Assign))]
    assert not others, "no definitions, branches or loops: decisions belong in the package"
    for node in tree.body:
        if isinstance(node, ast.Assign):  # at most a short name for snakemake.params/output
            assert isinstance(node.value, ast.Attribute) and ast.unparse(node.value).startswith("snakemake.")


def test_every_script_serves_exactly_one_rule():
    used = _rule_scripts()
    assert sorted(used) == sorted(p.name for p in SCRIPTS)  # none unused, none shared
