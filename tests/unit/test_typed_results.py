"""Public service functions answer with types (dataclasses or pydantic models), never ``dict[str, Any]``.

Read from the source: every public function and every public method of a public class under
``services/`` whose return annotation names ``dict[str, Any]`` — directly, in a list, in a union,
or through a module-level alias such as ``Answer = dict[str, Any]`` — fails this test.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import truecount.services

SERVICES = Path(truecount.services.__file__).parent
UNTYPED = "dict[str, Any]"

PENDING: frozenset[str] = frozenset()
"""Still answering with dicts, being converted: this set only shrinks (an entry typed since fails the test)."""


def _aliases(tree: ast.Module) -> set[str]:
    """Module-level names bound to an annotation that holds ``dict[str, Any]``."""
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and UNTYPED in ast.unparse(value):
            found.add(target.id)
    return found


def _public_functions(tree: ast.Module) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
            yield node.name, node
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and not item.name.startswith("_"):
                    yield f"{node.name}.{item.name}", item


def _flagged(tree: ast.Module) -> Iterator[tuple[str, str]]:
    """(name, return annotation) of each public function of ``tree`` that answers with a dict."""
    aliases = _aliases(tree)
    for name, fn in _public_functions(tree):
        if fn.returns is not None:
            returns = ast.unparse(fn.returns)
            names = {n.id for n in ast.walk(fn.returns) if isinstance(n, ast.Name)}
            if UNTYPED in returns or names & aliases:
                yield name, returns


def untyped_results() -> list[str]:
    """``module:function -> annotation`` for each public service function that answers with a dict."""
    found = []
    for path in sorted(SERVICES.rglob("*.py")):
        module = ".".join(path.relative_to(SERVICES.parent).with_suffix("").parts)
        tree = ast.parse(path.read_text(), str(path))
        found += [f"{module}:{name} -> {returns}" for name, returns in _flagged(tree)]
    return found


def test_no_public_service_function_answers_with_an_untyped_dict() -> None:
    found = {entry.split(" -> ")[0]: entry for entry in untyped_results()}
    assert [found[name] for name in sorted(found.keys() - PENDING)] == []
    assert sorted(PENDING - found.keys()) == []  # typed now: take it out of PENDING


def test_the_check_sees_a_dict_directly_in_a_list_and_through_an_alias(tmp_path: Path) -> None:
    source = (
        "from typing import Any\nAnswer = dict[str, Any]\n"
        "def a() -> dict[str, Any]: ...\ndef b() -> list[dict[str, Any]]: ...\n"
        "def c() -> list[Answer | None]: ...\ndef _private() -> dict[str, Any]: ...\n"
        "class Port:\n    def apply(self) -> dict[str, Any]: ...\ndef typed() -> int: ...\n"
    )
    assert [name for name, _ in _flagged(ast.parse(source))] == ["a", "b", "c", "Port.apply"]
