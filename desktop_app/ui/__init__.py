"""The Qt widgets GUI: a thin client of the domain layer (``desktop_app.domain``) and of sync.

PySide6 6.12's stable-ABI wheels return ``None`` from Qt calls (an empty
``QVariant``, a null pointer) without taking a reference, as Python 3.12+ allows
because ``None`` is immortal there. On Python 3.11 each such call wears down
``None``'s reference count until the interpreter aborts ("deallocating None").
Until the program requires Python 3.12, the GUI gives ``None`` a reference count
it cannot wear down.
"""

import sys

if sys.version_info < (3, 12):
    import ctypes

    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40
