"""The Qt widgets GUI: a thin client of the domain layer (``desktop_app.domain``) and of sync.

PySide6 is kept below 6.12 (pyproject.toml): 6.12's stable-ABI wheels lose a
reference to ``None`` on every Qt call that returns it, which aborts Python 3.11
after a long session; ``tests/test_qt_runtime.py`` guards against that build.
"""
