"""Shared pytest set-up for the integration and compat layers: makes
`import harness` work and provides one session-wide arcade stack."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from harness import Stack  # noqa: E402


@pytest.fixture(scope="session")
def stack():
    """One nginx + arcaded (2 workers) for every test that does not need its
    own; tests isolate their data by creating their own games."""
    with Stack(workers=2) as s:
        yield s
