"""Rules for the code that runs inside Resolve: Python 3.6 syntax (Resolve bundles old
Pythons), the standard library only (Resolve's Python has no third-party packages), a docstring
saying what each module is for, and the package importing without Resolve."""

import ast
import os
import subprocess
import sys

import pytest

from conftest import SCRIPTS

PACKAGE = os.path.join(SCRIPTS, "cutbridge_resolve")
RESOLVE_SIDE = sorted(
    [os.path.join(PACKAGE, n) for n in os.listdir(PACKAGE) if n.endswith(".py")]
    + [os.path.join(SCRIPTS, "Fusion", "Scripts", "Edit", "CutBridge.py"),
       os.path.join(SCRIPTS, "install.py")])

# Names that are newer than Python 3.6 or outside the standard library.
NEWER_THAN_36 = ["dataclasses", "contextlib.nullcontext", "capture_output", "text=True",
                 "asyncio.run(", "fromisoformat", "SimpleQueue", "isascii", "removeprefix",
                 "removesuffix", "from __future__ import annotations", "importlib.metadata",
                 "time_ns", "math.prod", "functools.cache"]


@pytest.mark.parametrize("path", RESOLVE_SIDE, ids=os.path.basename)
def test_python_36_syntax_and_a_module_docstring(path):
    with open(path, encoding="utf-8") as f:
        source = f.read()
    tree = ast.parse(source, filename=path, feature_version=(3, 6))
    assert ast.get_docstring(tree), "{} needs a docstring saying what it is for".format(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            # f"{x=}" (3.8) parses as a Constant ending in "=" before the value.
            parts = node.values
            for a, b in zip(parts, parts[1:]):
                if isinstance(a, ast.Constant) and isinstance(b, ast.FormattedValue):
                    assert not str(a.value).endswith("="), "f-string '=' in {}".format(path)
        if isinstance(node, ast.NamedExpr):
            pytest.fail("walrus in {}".format(path))
        if isinstance(node, ast.arguments):
            assert not node.posonlyargs, "positional-only parameters in {}".format(path)
    for word in NEWER_THAN_36:
        assert word not in source, "{} uses {} (newer than Python 3.6)".format(path, word)


@pytest.mark.parametrize("path", RESOLVE_SIDE, ids=os.path.basename)
def test_standard_library_only(path):
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or top == "cutbridge_resolve", \
                "{} imports {}, which Resolve's Python does not have".format(path, name)


def test_the_package_imports_without_resolve_or_third_party_packages():
    code = ("import sys; sys.path.insert(0, {!r}); sys.modules['opentimelineio'] = None;".format(
        SCRIPTS) + "sys.modules['websockets'] = None;"
            "import cutbridge_resolve as cb; print(cb.__version__, callable(cb.snapshot), "
            "callable(cb.apply), callable(cb.undo))")
    r = subprocess.run([sys.executable, "-I", "-c", code], cwd=SCRIPTS, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["0.1.0", "True", "True", "True"]
