"""What the installer build and the benchmark table promise, checked without building anything."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from datetime import date
from pathlib import Path

import babel
import pytest
from babel import localedata

from desktop_app import i18n
from desktop_app.cli.main import build_parser
from tests.benchmarks.core import BenchmarkError, Figure, format_table, measure

BUILD = Path(__file__).resolve().parent.parent / "build"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BUILD / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bundle_rules = _load("bundle_rules")
smoke = _load("smoke")
CLDR = Path(babel.__file__).parent / "locale-data"


def test_the_bundle_keeps_the_cldr_data_of_exactly_the_seven_languages():
    kept = [path.name for path in CLDR.glob("*.dat") if bundle_rules.keeps(f"babel/locale-data/{path.name}")]
    assert {name.split("_")[0].removesuffix(".dat") for name in kept} == set(i18n.LANGUAGES) | {"root"}
    assert {
        "root.dat",
        "en.dat",
        "en_001.dat",
        "ru.dat",
        "kk.dat",
        "ky.dat",
        "uz.dat",
        "uz_Latn.dat",
        "tg.dat",
        "tk.dat",
    } <= set(kept)
    assert not bundle_rules.keeps("babel/locale-data/kea.dat")  # Kabuverdianu starts like Kazakh
    assert not bundle_rules.keeps("babel\\locale-data\\de.dat")
    assert sum((CLDR / name).stat().st_size for name in kept) < 4 * 2**20


def test_babel_formats_all_seven_languages_from_the_kept_files_alone(tmp_path):
    for path in CLDR.glob("*.dat"):
        if bundle_rules.keeps(f"babel/locale-data/{path.name}"):
            shutil.copy(path, tmp_path)
    original = localedata._dirname
    localedata._dirname = str(tmp_path)
    localedata.clear_caches()
    localedata.locale_identifiers.cache_clear()
    try:
        shown = {}
        for language in i18n.LANGUAGES:
            i18n.set_language(language)
            shown[language] = (
                i18n.format_date(date(2024, 10, 30)),
                i18n.format_number(1234.5),
                i18n.country_name("KZ"),
            )
    finally:
        localedata._dirname = original
        localedata.clear_caches()
        localedata.locale_identifiers.cache_clear()
    assert shown["en"] == ("30 October 2024", "1,234.5", "Kazakhstan")  # UN English: en-GB patterns
    assert shown["ru"][0] == "30 октября 2024\u202fг." and shown["ru"][2] == "Казахстан"
    assert len({names[2] for names in shown.values()}) >= 5  # the country's name in the languages' own words


@pytest.mark.parametrize(
    "path, kept",
    [
        ("PySide6/Qt/translations/qtbase_ru.qm", True),
        ("PySide6/Qt/translations/qt_kk.qm", True),
        ("PySide6/Qt/translations/qtbase_en.qm", True),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("PySide6/Qt/translations/qt_help_ru.qm", False),
        ("PySide6/Qt/translations/designer_ru.qm", False),
        ("PySide6\\translations\\qtbase_de.qm", False),
        ("PySide6\\translations\\qtbase_kk.qm", True),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqpdf.so", False),
        ("PySide6\\plugins\\imageformats\\qpdf.dll", False),
        ("PySide6\\plugins\\platforms\\qwindows.dll", True),
        ("PySide6/Qt/lib/libQt6Network.so.6", False),
        ("libQt6Network.so.6", False),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("resources/demo/platform_record.json", True),
        ("resources/logos/README.md", True),
        ("resources/docs/report-ru.png", False),
        ("resources/licenses/LGPL-3.0.txt", True),
        ("resources/licenses/DejaVu-fonts.txt", True),
        ("translations/kk/LC_MESSAGES/platform_desk.mo", True),
    ],
)
def test_the_bundle_drops_qt_files_a_widgets_program_never_loads(path, kept):
    assert bundle_rules.keeps(path) is kept


def test_filtering_a_toc_drops_caches_and_reports_what_it_dropped(tmp_path, capsys):
    source = tmp_path / "de.dat"
    source.write_bytes(b"x" * 2048)
    toc = [
        ("babel/locale-data/ru.dat", str(source), "DATA"),
        ("babel/locale-data/de.dat", str(source), "DATA"),
        ("desktop_app/storage/migrations/__pycache__/env.cpython-311.pyc", str(source), "DATA"),
    ]
    assert bundle_rules.filter_toc(toc) == toc[:1]
    assert "dropped 2 of 3 files" in capsys.readouterr().out


def test_the_smoke_test_finds_commands_in_the_help_text():
    help_text = build_parser().format_help()
    assert smoke.lists_command(help_text, "dump")
    assert not smoke.lists_command(help_text, "no-such-command")
    assert not smoke.lists_command("usage: platform-desk [--db PATH] {export}", "export")


def test_the_smoke_test_runs_the_program_without_the_developers_python(tmp_path):
    env = smoke.clean_environment(tmp_path)
    assert "PYTHONPATH" not in env and "VIRTUAL_ENV" not in env
    assert str(Path(sys.executable).parent) not in env["PATH"].split(":")
    assert env["QT_QPA_PLATFORM"] == "offscreen" and env["HOME"] == str(tmp_path)


def test_a_figure_compares_with_its_baseline_and_goals():
    within = Figure("GUI start-up", 1.5, "s", baseline=1.0, baseline_name="bare window", max_ratio=2)
    beyond = Figure("sync import", 5.0, "s", baseline=1.0, baseline_name="executemany", max_ratio=4)
    heavy = Figure("sync import: peak memory", 310, "MiB", max_value=300)
    plain = Figure("init", 2.0, "s", baseline=0.5, baseline_name="executemany")
    assert (within.ratio, within.met) == (1.5, True)
    assert (beyond.ratio, beyond.met) == (5.0, False)
    assert (heavy.ratio, heavy.met, heavy.goal) == (None, False, "≤ 300 MiB")
    assert (plain.ratio, plain.met, plain.goal) == (4.0, None, "—")
    assert Figure("x", 4.0, "s", baseline=1.0, max_ratio=4).met  # the goal itself is met


def test_the_table_shows_one_row_per_figure_with_ratio_and_verdict():
    table = format_table(
        [
            Figure("dump", 0.66, "s", baseline=0.05, baseline_name="sqlite3 SELECT"),
            Figure("sync export", 9.0, "s", baseline=2.0, baseline_name="executemany", max_ratio=4),
            Figure("peak memory", 120.0, "MiB", max_value=300),
        ]
    ).splitlines()
    assert table[0] == "| figure | value | baseline | ratio | goal | met? |"
    assert table[2] == "| dump | 0.66 s | 0.05 s (sqlite3 SELECT) | 13.20× | — | — |"
    assert table[3] == "| sync export | 9 s | 2 s (executemany) | 4.50× | ≤ 4× | **no** |"
    assert table[4] == "| peak memory | 120 MiB | — | — | ≤ 300 MiB | yes |"


def test_a_measured_command_reports_its_time_and_memory_or_why_it_failed():
    run = measure([sys.executable, "-c", "block = bytearray(64 * 2**20)"])
    assert run.seconds > 0 and run.peak_mib >= 64
    with pytest.raises(BenchmarkError, match="exit status 3.*ValueError: no such year"):
        measure([sys.executable, "-c", "import sys; print('ValueError: no such year', file=sys.stderr); sys.exit(3)"])


def test_the_installer_carries_the_full_text_of_every_licence(tmp_path):
    from desktop_app.ui.dialogs.about import COMPONENTS

    build = _load("build")
    folder = build.add_licenses(tmp_path)
    shipped = {path.name for path in folder.iterdir()}
    assert {file for _name, _licence, file in COMPONENTS} <= shipped
    assert {"LGPL-3.0.txt", "GPL-3.0.txt", "DejaVu-fonts.txt"} <= shipped


def test_one_version_source_read_by_the_package_metadata_and_the_build():
    from importlib.metadata import version

    import desktop_app

    project = (BUILD.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in project and 'attr = "desktop_app.__version__"' in project
    assert version("platform-desk") == desktop_app.__version__


def test_the_installer_is_built_from_the_pinned_versions(tmp_path):
    """build.py refuses an environment that differs from build/constraints.txt; CI installs with it."""
    build = _load("build")
    assert build.constraint_mismatches() == []
    pins = {
        line.split("==")[0].lower().replace("_", "-")
        for line in build.CONSTRAINTS.read_text().splitlines()
        if "==" in line
    }
    assert {"pyside6-essentials", "sqlalchemy", "sqlcipher3", "pyinstaller", "babel"} <= pins
    wrong = tmp_path / "constraints.txt"
    wrong.write_text("# a pin the environment does not have\nSQLAlchemy==0.0.1\nno-such-distribution==1.0\n")
    assert build.constraint_mismatches(wrong) == [f"SQLAlchemy: installed {version_of('SQLAlchemy')}, pinned 0.0.1"]
    assert "-c build/constraints.txt" in (BUILD.parent / ".ci" / "run").read_text(encoding="utf-8")


def version_of(name: str) -> str:
    from importlib.metadata import version

    return version(name)
