"""A pytest plugin for the coverage run: each test's node id is the coverage context of what it runs.

Setup and teardown count as the test's (fixtures included), unlike coverage's own
``dynamic_context = test_function``, which only switches on entering a function named ``test*``.
"""

from __future__ import annotations

from collections.abc import Iterator

import coverage
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    current = coverage.Coverage.current()
    if current is not None:
        current.switch_context(item.nodeid)
    yield
    if current is not None:
        current.switch_context("")
