"""Short functions (issue 29 item 5): no function or method in ``src/`` is longer than 60 lines.

A function's length is its AST node's span, ``end_lineno − lineno + 1``: the ``def`` line to the last
line of its body, docstring included, decorators not. A long function usually holds several steps
that each deserve a name; the rule makes the split happen when the function is written, not later.
"""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "dyadwatch"
MAX_LINES = 60


def long_functions(text: str, limit: int = MAX_LINES) -> list[tuple[str, int, int]]:
    """(name, first line, length) of every function or method in ``text`` longer than ``limit`` lines."""
    return [
        (node.name, node.lineno, node.end_lineno - node.lineno + 1)
        for node in ast.walk(ast.parse(text))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > limit
    ]


def test_no_function_in_src_is_longer_than_60_lines() -> None:
    found = [
        f"{path.relative_to(SOURCE.parent)}:{line} {name} ({length} lines)"
        for path in sorted(SOURCE.rglob("*.py"))
        for name, line, length in long_functions(path.read_text("utf-8"))
    ]
    assert not found, "split these into named steps:\n" + "\n".join(found)


def test_the_check_counts_a_long_function_and_a_long_method() -> None:
    """The check is not empty: a 61-line function and a 61-line method are found, 60 lines are not."""
    body = "".join(f"    x{k} = {k}\n" for k in range(59))
    source = (
        f"def just_under():\n{body}\n"
        f"def over():\n{body}    x = 1\n"
        f"class Holder:\n    def method(self):\n{''.join('    ' + line + chr(10) for line in body.splitlines())}"
        "        y = 2\n"
    )
    assert [(name, length) for name, _, length in long_functions(source)] == [("over", 61), ("method", 61)]
