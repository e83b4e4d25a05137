"""The tests. Importing this package (pytest does, before ``tests/conftest.py`` and any test
module) lets the run keep compiled modules in ``__pycache__`` (ignored by git) even when the
shell sets ``PYTHONDONTWRITEBYTECODE``: without them each of the four test processes
compiled every test and project module again while collecting (2 s of CPU each), and each
of the fifty ``pembina`` processes the tests start compiled 160 of our modules before it
could answer (0.15 s each). The environment change reaches the test processes and the
``pembina`` processes they start."""

import os
import sys

sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
