"""errors.py's docstring is the error tree: every error class of the controller is in it, with its stable
kind and the exit code the command line gives it."""

from __future__ import annotations

import importlib
import pkgutil
import re

import controller
from controller import errors
from controller.cli import exit_code_for

ROW = re.compile(r"^[\s│├└─]*(\w+)\s+(\w+)\s+(\d)\s", re.M)


def _all_error_classes() -> set[type[errors.MassagerError]]:
    for info in pkgutil.walk_packages(controller.__path__, "controller."):
        if not info.name.endswith("__main__"):  # running it would start the command line
            importlib.import_module(info.name)
    found: set[type[errors.MassagerError]] = set()
    todo = [errors.MassagerError]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo += cls.__subclasses__()
    return {c for c in found if c.__module__.startswith("controller.")}


def test_every_error_class_is_in_the_tree_with_its_kind_and_exit_code() -> None:
    rows = {name: (kind, int(code)) for name, kind, code in ROW.findall(errors.__doc__ or "")}
    for cls in _all_error_classes():
        if cls.__module__ == "controller.service.api":
            assert cls.__name__ in (errors.__doc__ or "")  # a front end's own, named in the prose
            continue
        assert cls.__name__ in rows, f"{cls.__name__} is missing from the tree in errors.py"
        kind, code = rows[cls.__name__]
        assert cls.kind == kind, cls
        assert exit_code_for(cls.__new__(cls)) == code, cls


def test_the_tree_names_no_class_that_does_not_exist() -> None:
    names = {c.__name__ for c in _all_error_classes()}
    rows = [name for name, _, _ in ROW.findall(errors.__doc__ or "")]
    assert len(rows) >= 18 and set(rows) <= names
