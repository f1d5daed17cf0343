"""Build the Platform Desk installer: ``python build/build.py [--smoke] [--portable]``.

Compiles the translations, runs PyInstaller on ``build/platform_desk.spec`` into ``dist/PlatformDesk/``,
prints the folder's size, optionally runs the smoke test on the frozen program (``build/smoke.py``), and
packs the folder into ``dist/PlatformDesk-VERSION-SYSTEM-MACHINE[-portable].tar.gz`` (``.zip`` on Windows).
``--portable`` adds ``portable.txt`` beside the executable: the program then keeps its data in ``data/``
beside itself (a USB stick at a conference) instead of the user's data folder.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
DIST = PROJECT / "dist"
WORK = HERE / "work"
BUNDLE = DIST / "PlatformDesk"
SPEC = HERE / "platform_desk.spec"
CONSTRAINTS = HERE / "constraints.txt"

sys.path[:0] = [str(PROJECT), str(HERE)]

from desktop_app import __version__  # noqa: E402
from desktop_app.tools.catalogs import compile_all  # noqa: E402


def constraint_mismatches(constraints: Path = CONSTRAINTS) -> list[str]:
    """``name: installed X, pinned Y`` for each pinned distribution installed at another version.

    One file pins the build, the tests and the gates; a distribution not installed (pytest in a build-only
    environment) is not a mismatch: pip installs every dependency of the program."""
    from importlib.metadata import PackageNotFoundError, version

    wrong = []
    for line in constraints.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _sep, pinned = line.partition("==")
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue
        if installed != pinned:
            wrong.append(f"{name}: installed {installed}, pinned {pinned}")
    return wrong


def missing_drivers() -> list[str]:
    """The installer opens a secretariat's server database too (SPEC §6): its PostgreSQL driver must be there."""
    from importlib.util import find_spec

    return (
        [] if find_spec("psycopg") and find_spec("psycopg_binary") else ["psycopg: not installed (the postgres extra)"]
    )


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def run_pyinstaller() -> None:
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(DIST),
        "--workpath",
        str(WORK),
        str(SPEC),
    ]
    result = subprocess.run(command, cwd=PROJECT)
    if result.returncode != 0:
        raise SystemExit(f"build: PyInstaller failed (exit status {result.returncode})")


def add_licenses(bundle: Path) -> Path:
    """The full texts of the licences of what ships inside, in ``licenses/`` beside the executable (the
    program shows them from its resources too, in Help → About)."""
    target = bundle / "licenses"
    shutil.copytree(PROJECT / "resources" / "licenses", target, dirs_exist_ok=True)
    return target


def archive(portable: bool) -> Path:
    """Pack the folder as ``PlatformDesk/…`` inside a .tar.gz (a .zip on Windows)."""
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    name = f"PlatformDesk-{__version__}-{system}-{platform.machine().lower()}" + ("-portable" if portable else "")
    return Path(
        shutil.make_archive(
            str(DIST / name), "zip" if sys.platform == "win32" else "gztar", root_dir=DIST, base_dir=BUNDLE.name
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build dist/PlatformDesk/ and its archive with PyInstaller.")
    parser.add_argument("--smoke", action="store_true", help="run the smoke test on the frozen program before packing")
    parser.add_argument("--portable", action="store_true", help="keep the data beside the program (portable.txt)")
    args = parser.parse_args(argv)

    mismatches = constraint_mismatches() + missing_drivers()
    if mismatches:
        print(
            "build: the installed packages differ from build/constraints.txt; run\n"
            '  pip install -c build/constraints.txt -e ".[build,postgres]"\n' + "\n".join(mismatches),
            file=sys.stderr,
        )
        return 1
    started = time.monotonic()
    compile_all()
    print(f"build: compiled {len(list((PROJECT / 'translations').glob('*/LC_MESSAGES/*.mo')))} translation catalogs")
    run_pyinstaller()
    add_licenses(BUNDLE)
    if args.portable:
        (BUNDLE / "portable.txt").write_text(
            "Platform Desk keeps its data in the data folder beside this file. Delete this file to use "
            "the user's data folder instead.\n",
            encoding="utf-8",
        )
    print(
        f"build: {BUNDLE.relative_to(PROJECT)} is {folder_size(BUNDLE) / 2**20:.1f} MiB "
        f"({time.monotonic() - started:.0f} s)"
    )
    if args.smoke:
        from smoke import SmokeFailure, run_smoke

        try:
            run_smoke(BUNDLE, portable=args.portable)
        except SmokeFailure as failure:
            print(f"smoke test FAILED: {failure}", file=sys.stderr)
            return 1
    packed = archive(args.portable)
    print(
        f"build: {packed.relative_to(PROJECT)} is {packed.stat().st_size / 2**20:.1f} MiB "
        f"(total {time.monotonic() - started:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
