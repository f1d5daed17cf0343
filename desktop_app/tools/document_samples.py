"""Render the first page of the demo's documents to PNG for the README: ``resources/docs/``.

``python -m desktop_app.tools.document_samples [OUTDIR] [--lang CODE ...]`` loads the demo record into a
temporary database and writes, for each language (Russian and Kazakh by default), the 2024 report, the
attendance sheet and the certificates of the first regional training as PDF, then page 1 of each as
``report-<lang>.png``, ``attendance-<lang>.png`` and ``certificate-<lang>.png``. Needs pypdfium2 (the
``test`` extra).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from desktop_app import i18n
from desktop_app.domain.schema import SECRETARIAT

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "resources" / "docs"
SCALE = 1.25  # 90 pixels per inch: an A4 page is 744 × 1052 pixels


def first_page_png(pdf: Path, png: Path, scale: float = SCALE) -> None:
    """Page 1 of ``pdf`` as a PNG, rendered by pdfium (not by Qt, which wrote it)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw
    from PySide6.QtGui import QImage

    document = pdfium.PdfDocument(str(pdf))
    try:
        bitmap = document[0].render(scale=scale, force_bitmap_format=raw.FPDFBitmap_BGRA)
        image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_ARGB32)
        if not image.save(str(png)):
            raise OSError(f"cannot write {png}")
    finally:
        document.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--lang", action="append", choices=i18n.LANGUAGES)
    args = parser.parse_args(argv)

    from sqlalchemy import text

    from desktop_app.domain.demo import load_public_record
    from desktop_app.domain.desk import Desk
    from desktop_app.reports.data import Period, compute
    from desktop_app.reports.pdf import write_pdf
    from desktop_app.reports.sheets import write_attendance_sheet, write_certificates

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        desk = Desk.create(Path(folder) / "demo.db", "UNODC", SECRETARIAT)
        try:
            load_public_record(desk)
            with desk.engine.connect() as connection:
                training = connection.execute(
                    text(
                        "SELECT id FROM events WHERE type = 'regional_training' AND deleted = 0 "
                        "ORDER BY start_date LIMIT 1"
                    )
                ).scalar()
            for language in args.lang or ["ru", "kk"]:
                i18n.set_language(language)
                for name, write in (
                    ("report", lambda path: write_pdf(compute(desk, Period.of(2024)), path)),
                    ("attendance", lambda path: write_attendance_sheet(desk, training, path)),
                    ("certificate", lambda path: write_certificates(desk, training, path)),
                ):
                    pdf = Path(folder) / f"{name}-{language}.pdf"
                    write(pdf)
                    first_page_png(pdf, args.out / f"{name}-{language}.png")
                    print(args.out / f"{name}-{language}.png")
        finally:
            desk.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
