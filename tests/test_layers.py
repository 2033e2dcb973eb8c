"""The house shows its layers: the package graph, no private imports, units one reader holds.

* packages import only to their left in ``sim <- models <- calibration <- apps <- metropoli``;
* no module imports an underscore-prefixed name of another module;
* no Python file is over 500 lines (the Mesa reference in ``models/reference/`` excepted)
  and no function over 80 lines, numba kernels (``@njit``) excepted;
* a month's behaviour (a :class:`sim.components.Component`) lives only in
  ``models/components/``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ("sim", "models", "calibration", "apps", "metropoli")
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 80


def sources(package: str) -> list[Path]:
    """The Python files of a package (the data-building scripts of models/data excepted)."""
    return sorted(p for p in (ROOT / package).rglob("*.py") if "data" not in p.parts)


def module_name(path: Path) -> str:
    """The dotted module name of a file under ROOT."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """``(module, names)`` of every import in a file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = module_name(path).split(".")
                base = base[: len(base) - node.level + (path.name == "__init__.py")]
                module = ".".join([*base, module] if module else base)
            out.append((module, [alias.name for alias in node.names]))
    return out


@pytest.mark.parametrize("package", ORDER)
def test_packages_import_only_to_their_left(package):
    forbidden = ORDER[ORDER.index(package) + 1 :]
    bad = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sources(package)
        for module, _ in imports(path)
        if module.split(".")[0] in forbidden
    ]
    assert not bad, "\n".join(bad)


def test_no_module_imports_a_private_name_of_another():
    bad = []
    for package in ORDER:
        for path in sources(package):
            for module, names in imports(path):
                if module.split(".")[0] not in ORDER:
                    continue  # other libraries' privates are their business (numpy._core)
                private = [n for n in names if n.startswith("_") and not n.startswith("__")]
                if private:
                    bad.append(f"{path.relative_to(ROOT)}: from {module} import {private}")
                if any(part.startswith("_") for part in module.split(".")):
                    bad.append(f"{path.relative_to(ROOT)}: import of private module {module}")
    assert not bad, "\n".join(bad)


def is_kernel(node: ast.FunctionDef) -> bool:
    """A numba kernel: decorated with ``njit`` (or ``jit``), exempt from the length rule."""
    return any("jit" in ast.unparse(d) for d in node.decorator_list)


def test_no_file_or_function_is_longer_than_one_reader_holds():
    long_files, long_functions = [], []
    for package in ORDER:
        for path in sources(package):
            if "reference" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            name = path.relative_to(ROOT)
            if text.count("\n") > MAX_FILE_LINES:
                long_files.append(f"{name}: {text.count(chr(10))} lines")
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not is_kernel(node):
                    length = node.end_lineno - node.lineno + 1
                    if length > MAX_FUNCTION_LINES:
                        long_functions.append(f"{name}:{node.lineno} {node.name}: {length} lines")
    assert not long_files and not long_functions, "\n".join(long_files + long_functions)


def test_a_months_behaviour_lives_only_in_models_components():
    outside = []
    for package in ORDER:
        for path in sources(package):
            if path.parent == ROOT / "models" / "components" or path == ROOT / "sim/components.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and any(
                    ast.unparse(b).endswith("Component") for b in node.bases
                ):
                    outside.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert not outside, "\n".join(outside)
