"""The house rules a newcomer relies on, read from the source.

- Imports run one way: no module of a subpackage imports the package root
  (``skneuro``) or names gathered in its own package's ``__init__`` (it
  imports the module that defines them), so that no import needs to hide
  inside a function to dodge a cycle.
- No function is longer than a newcomer reads in one sitting: 80 lines of
  code (docstring, comments and blank lines aside).
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "skneuro"
MAX_LINES = 80


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        yield path, parts


def _package_of(parts):
    return ".".join(parts[:-1])


def test_imports_run_one_way():
    wrong = []
    for path, parts in _modules():
        package = _package_of(parts)
        if package == "skneuro":
            continue  # the root and its own modules (__main__)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                wrong += [
                    f"{path.name}: import skneuro"
                    for alias in node.names
                    if alias.name == "skneuro"
                ]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                if node.module == "skneuro":
                    wrong.append(f"{'/'.join(parts)}: from skneuro import ...")
                elif node.module == package and parts[-1] != "__init__":
                    folder = PACKAGE.parent.joinpath(*package.split("."))
                    for alias in node.names:
                        module = folder / alias.name
                        if not (module.with_suffix(".py").exists() or module.is_dir()):
                            wrong.append(
                                f"{'/'.join(parts)}: from {package} import "
                                f"{alias.name} (import it from its own module)"
                            )
    assert not wrong, wrong


def _lines_of_code(source_lines, node):
    body = node.body
    docstring = range(0)
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        docstring = range(body[0].lineno, body[0].end_lineno + 1)
    return sum(
        1
        for number in range(node.lineno, node.end_lineno + 1)
        if number not in docstring
        and source_lines[number - 1].strip()
        and not source_lines[number - 1].strip().startswith("#")
    )


def test_no_function_is_longer_than_one_sitting():
    long = []
    for path, parts in _modules():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = _lines_of_code(lines, node)
                if n > MAX_LINES:
                    long.append(f"{'/'.join(parts)}:{node.lineno} {node.name}: {n}")
    assert not long, long


@pytest.mark.parametrize("name", ["skneuro.studies._cli", "skneuro.utils.discovery"])
def test_no_import_hides_in_a_function(name):
    """The two that did, to dodge a cycle, now import at the top."""
    path = PACKAGE.parent.joinpath(*name.split(".")).with_suffix(".py")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef):
            inner = [
                n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)
            ]
            modules = [getattr(n, "module", None) or n.names[0].name for n in inner]
            assert not [m for m in modules if m and m.startswith("skneuro")], modules
