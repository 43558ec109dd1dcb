"""Build script for the optional native matcher (project metadata is in pyproject.toml).

``gpt41cost._canon`` matches `usage` log lines ~3x faster than the pattern it stands in for
(gpt41cost/readers/usage.py), which makes `usage` about twice as fast on large logs. It is
optional: where it cannot be compiled (no C compiler), the install goes on and `usage` uses
the pattern, with the same results.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("gpt41cost._canon", ["gpt41cost/_canon.c"], optional=True)])
