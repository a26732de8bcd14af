"""Runs each C unit-test program (built by `make check`) as one pytest case,
so that the suite's single summary line counts the C layer too."""
import glob
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("ARCADE_BUILDDIR", ROOT)
SOURCES = sorted(glob.glob(os.path.join(ROOT, "tests", "unit", "test_*.c")))
NAMES = [os.path.splitext(os.path.basename(p))[0] for p in SOURCES]


@pytest.mark.parametrize("name", NAMES)
def test_unit_program(name):
    prog = os.path.join(BUILD, "tests", "unit", name)
    assert os.access(prog, os.X_OK), f"{prog} was not built (run make check)"
    r = subprocess.run([prog], capture_output=True, text=True, timeout=300)
    failed = [l for l in r.stdout.splitlines() if l.startswith("not ok")]
    assert r.returncode == 0 and not failed, f"exit {r.returncode}\n" + "\n".join(failed) + r.stderr[-2000:]
    # A program that checked nothing proves nothing.
    assert any(l.startswith("ok ") for l in r.stdout.splitlines()), f"{name} ran no check"
