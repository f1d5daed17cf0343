"""What goes into the frozen bundle: the filters ``platform_desk.spec`` applies, testable without building.

PyInstaller's hooks collect generously: Babel's hook packs all of CLDR (about 35 MB), the Qt hooks every
translation of every collected Qt module and plugins the program never loads. These rules keep what
Platform Desk uses: the seven languages' CLDR data, Qt's own translations where Qt has them, and the
Qt modules and plugins of a widgets program.
"""

from __future__ import annotations

import os
from pathlib import PurePath

from desktop_app.i18n import LANGUAGES

# Qt ships translations of its own dialogs for these of the seven; the rest fall back to English.
QT_TRANSLATION_LANGUAGES = ("en", "ru", "kk")
QT_TRANSLATION_CATALOGS = ("qt", "qtbase")

# Python modules never imported by the program; excluding them also keeps hooks from pulling them in.
EXCLUDED_MODULES = [
    "tkinter",
    "pytest",
    "_pytest",
    "hypothesis",
    "pytestqt",
    "PyInstaller",
    "setuptools",
    "pip",
    *(
        f"PySide6.{name}"
        for name in (
            "QtNetwork",
            "QtQml",
            "QtQuick",
            "QtQuickControls2",
            "QtQuickWidgets",
            "QtQuickTest",
            "QtQmlFeatures",
            "Qt3DCore",
            "Qt3DRender",
            "QtMultimedia",
            "QtMultimediaWidgets",
            "QtPdf",
            "QtPdfWidgets",
            "QtWebEngineCore",
            "QtWebEngineWidgets",
            "QtWebChannel",
            "QtWebSockets",
            "QtOpenGL",
            "QtOpenGLWidgets",
            "QtSql",
            "QtTest",
            "QtDesigner",
            "QtHelp",
            "QtUiTools",
            "QtXml",
            "QtConcurrent",
            "QtLabsStyleKit",
            "QtCharts",
            "QtDataVisualization",
            "QtGraphs",
            "QtBluetooth",
            "QtPositioning",
            "QtSerialPort",
        )
    ),
]

# Qt plugins a widgets program on a desktop or laptop never loads (embedded-device platforms, VNC, PDF
# rendering, networking, QML), and the Qt libraries only they need; matched anywhere in a bundle path.
EXCLUDED_QT_FILES = (
    "plugins/platforms/libqeglfs",
    "plugins/platforms/libqlinuxfb",
    "plugins/platforms/libqvnc",
    "plugins/platforms/libqvkkhrdisplay",
    "plugins/platforms/libqminimalegl",
    "plugins/egldeviceintegrations/",
    "plugins/generic/",
    "plugins/networkinformation/",
    "plugins/tls/",
    "plugins/qmltooling/",
    "plugins/sqldrivers/",
    "plugins/designer/",
    "plugins/vectorimageformats/",
    "plugins/imageformats/libqpdf",
    "plugins/imageformats/qpdf",
    "libQt6Network.",
    "Qt6Network.dll",
    "libQt6EglFs",
    "libQt6EglFSDeviceIntegration",
    "libQt6Pdf.",
    "Qt6Pdf.dll",
)


def _parts(destination: str) -> tuple[str, ...]:
    return PurePath(destination.replace("\\", "/")).parts


def keeps_babel_locale(filename: str) -> bool:
    """A CLDR file of Babel's ``locale-data``: ``root`` and the seven languages with their variants."""
    stem = PurePath(filename).stem
    return stem == "root" or stem.split("_")[0] in LANGUAGES


def keeps_qt_translation(filename: str) -> bool:
    """A Qt ``.qm`` file: only ``qt_``/``qtbase_`` catalogs of the languages Qt translates."""
    catalog, _, language = PurePath(filename).stem.partition("_")
    return catalog in QT_TRANSLATION_CATALOGS and language in QT_TRANSLATION_LANGUAGES


def keeps(destination: str) -> bool:
    """Whether a collected file (its path inside the bundle) belongs in Platform Desk's bundle."""
    parts = _parts(destination)
    path = "/".join(parts)
    if parts[:2] == ("resources", "docs"):  # the README's pictures of the documents, not for the program
        return False
    if parts[:2] == ("babel", "locale-data") and path.endswith(".dat"):
        return keeps_babel_locale(parts[-1])
    if parts[:1] == ("PySide6",) and "translations" in parts and path.endswith(".qm"):  # Qt/translations on Linux
        return keeps_qt_translation(parts[-1])
    return not any(excluded in path for excluded in EXCLUDED_QT_FILES)


def filter_toc(toc):
    """The entries of a PyInstaller TOC (``(destination, source, typecode)``) that ``keeps``; prints what it drops."""
    kept, dropped = [], []
    for entry in toc:
        (kept if keeps(entry[0]) and "__pycache__" not in entry[0] else dropped).append(entry)
    size = sum(os.path.getsize(entry[1]) for entry in dropped if os.path.isfile(entry[1]))
    print(f"bundle_rules: dropped {len(dropped)} of {len(toc)} files, {size / 2**20:.1f} MiB")
    return kept
