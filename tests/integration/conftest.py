"""Fixtures for the Game Jolt integration tests. The session-wide `stack`
comes from tests/conftest.py; each test makes its own game to isolate data."""

import itertools

import pytest

from gjtest import new_gj

_names = itertools.count(1)


@pytest.fixture
def gj(stack):
    """A fresh game with one (primary) table: desc, guests allowed, not unique."""
    return new_gj(stack, f"game-{next(_names)}")


@pytest.fixture
def make_gj(stack):
    """Factory: make_gj('--order', 'asc', '--unique', ...) → fresh game whose
    primary table has those options."""
    def make(*table_opts):
        return new_gj(stack, f"game-{next(_names)}", table_opts)
    return make
