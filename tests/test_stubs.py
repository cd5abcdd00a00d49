"""The type stubs list exactly what the module has, with each op's own signature."""

import ast
import importlib.util
from pathlib import Path

import fastact as fa

TOOL = Path(__file__).resolve().parents[1] / "tools" / "write_stubs.py"


def _writer():
    spec = importlib.util.spec_from_file_location("write_stubs", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stub_file_is_what_the_module_gives():
    writer = _writer()
    assert writer.STUB.read_text() == writer.render(), "run python tools/write_stubs.py"


def test_stub_declares_every_public_name_and_nothing_else():
    tree = ast.parse((Path(fa.__file__).with_name("__init__.pyi")).read_text())
    declared = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            declared.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            declared.add(node.target.id)
        elif isinstance(node, ast.ImportFrom) and node.module is None:
            declared |= {alias.asname for alias in node.names}
    public = {name for name in declared if not name.startswith("_")}
    assert public == set(fa.__all__)


def test_module_namespace_is_its_all():
    """Nothing leaks into ``dir(fastact)`` (``annotations``, helper imports) beyond ``__all__``,
    except the optional integrations ``fastact.torch`` and ``fastact.jax``, which appear once
    imported (``import fastact`` never imports them; ``from fastact import *`` must not need them)."""
    optional = {"torch", "jax"}
    assert {name for name in dir(fa) if not name.startswith("_")} - optional == set(fa.__all__)
    assert not optional & set(fa.__all__)
