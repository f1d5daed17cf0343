"""The printed documents, opened with pdfium and pypdf as a reader would: the demo's 2024 report, an
attendance sheet and certificates in Russian, Kazakh and Tajik.

Checked mechanically: the page size, the margins from the text's bounding boxes, that no line of a
table cell ends inside a word, that table rows stay on one page, embedded fonts, four-digit years,
real spaces, the document language, no English template words, and the member states' own names.
"""

from __future__ import annotations

import re

import pytest

from desktop_app import i18n
from desktop_app.country_names import MEMBER_STATE_NAMES
from desktop_app.reports import layout, sheets

pdfium = pytest.importorskip("pypdfium2")

POINTS_PER_MM = 72 / 25.4
A4 = (210, 297)
LANGUAGES = ("ru", "kk", "tg")
# The English words of the documents' own text (a word that also occurs in the demo's data is skipped).
TEMPLATE_WORDS = {
    "report": [
        "Platform",
        "report",
        "Key",
        "figures",
        "Figure",
        "Number",
        "Events",
        "Start",
        "date",
        "Type",
        "Title",
        "Country",
        "Participants",
        "Women",
        "Men",
        "Experts",
        "Page",
        "of",
        "Follow-up",
        "actions",
        "International",
        "experts",
        "Bilateral",
        "meetings",
        "held",
        "events",
        "with",
    ],
    "sheet": [
        "Attendance",
        "sheet",
        "Full",
        "name",
        "Organization",
        "Position",
        "Gender",
        "Signature",
        "Page",
        "Male",
        "Female",
    ],
    "certificates": [
        "Certificate",
        "participation",
        "This",
        "is",
        "to",
        "certify",
        "that",
        "took",
        "part",
        "in",
        "Role",
        "Signature",
        "Full",
        "name",
        "Position",
        "Secretariat",
        "Regional",
        "Anti-Corruption",
        "Platform",
        "Central",
        "Asia",
        "No",
    ],
}
TWO_DIGIT_YEAR = re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2}\b(?![./-]?\d)")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from desktop_app.domain.demo import load_public_record
    from desktop_app.domain.desk import Desk

    path = tmp_path_factory.mktemp("documents") / "demo.db"
    desk = Desk.create(path, "secretariat", "secretariat")
    load_public_record(desk)
    yield desk
    desk.close()


@pytest.fixture(scope="module")
def documents(demo, tmp_path_factory):
    """language → {document → (path, the texts the layout wrapped, the data's words)}."""
    from sqlalchemy import text

    from desktop_app.reports.data import Period, compute
    from desktop_app.reports.pdf import write_pdf

    folder = tmp_path_factory.mktemp("pdf")
    with demo.engine.connect() as connection:
        training = connection.execute(
            text("SELECT id FROM events WHERE type = 'regional_training' AND deleted = 0 ORDER BY start_date LIMIT 1")
        ).scalar()
    data_words = set()
    for kind in ("event", "person"):
        for record in demo.list(kind):
            for value in record.values():
                if isinstance(value, str):
                    data_words.update(re.findall(r"[\w-]+", value))
    wrapped: list[str] = []
    original = layout.wrap

    def recording(text, *args, **kwargs):
        wrapped.append(text)
        return original(text, *args, **kwargs)

    made = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(layout, "wrap", recording)
        patch.setattr(sheets, "wrap", recording)
        for language in LANGUAGES:
            i18n.set_language(language)
            made[language] = {}
            for name, write in (
                ("report", lambda path: write_pdf(compute(demo, Period.of(2024)), path)),
                ("sheet", lambda path: sheets.write_attendance_sheet(demo, training, path)),
                ("certificates", lambda path: sheets.write_certificates(demo, training, path)),
            ):
                wrapped.clear()
                path = folder / f"{name}-{language}.pdf"
                write(path)
                made[language][name] = (path, list(wrapped), data_words)
    i18n.set_language("en")
    return made


def pages_of(path):
    """Each page as (width mm, height mm, text, character boxes in mm from the top-left corner)."""
    document = pdfium.PdfDocument(str(path))
    try:
        result = []
        for page in document:
            width, height = page.get_size()
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            boxes = []
            for index in range(textpage.count_chars()):
                if text[index : index + 1].isspace():
                    continue
                left, bottom, right, top = textpage.get_charbox(index)
                if right - left <= 0:
                    continue
                boxes.append(
                    (
                        left / POINTS_PER_MM,
                        (height - top) / POINTS_PER_MM,
                        right / POINTS_PER_MM,
                        (height - bottom) / POINTS_PER_MM,
                    )
                )
            result.append((width / POINTS_PER_MM, height / POINTS_PER_MM, text, boxes))
        return result
    finally:
        document.close()


PUNCTUATION = "«»“”„\"'()[],.;:!?"


def words_of(text: str) -> list[str]:
    """The words of ``text`` without the punctuation around them; a line broken after a hyphen
    (“whistle-⏎blower”, a break the language allows) is joined again."""
    text = re.sub(r"(?<=\w-)\s+(?=\w)", "", text)
    return [w for w in (word.strip(PUNCTUATION) for word in text.split()) if w]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name, landscape", [("report", False), ("sheet", True), ("certificates", True)])
def test_pages_are_a4_with_margins_of_15_to_20_mm(documents, language, name, landscape):
    path, _wrapped, _data = documents[language][name]
    for width, height, _text, boxes in pages_of(path):
        assert (round(width), round(height)) == (A4[::-1] if landscape else A4)
        assert boxes, "every page has text"
        left = min(b[0] for b in boxes)
        top = min(b[1] for b in boxes)
        right = width - max(b[2] for b in boxes)
        bottom = height - max(b[3] for b in boxes)
        assert min(left, top, right, bottom) >= 14.5, (left, top, right, bottom)
        if name != "certificates":  # text starts at the margin (a certificate is centred inside its border)
            assert left <= 20 and top <= 20, (left, top)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ["report", "sheet", "certificates"])
def test_no_line_ends_inside_a_word(documents, language, name):
    """Every word pdfium extracts is a whole word of a text the layout wrapped, never a piece of one."""
    path, wrapped, _data = documents[language][name]
    known = {word for text in wrapped for word in words_of(text)}
    pieces = []
    for _width, _height, text, _boxes in pages_of(path):
        for word in words_of(text):
            if word in known or not re.search(r"[^\W\d_]", word) or word.endswith("…"):  # numbers: chart values
                continue
            if any(whole != word and (whole.startswith(word) or whole.endswith(word)) for whole in known):
                pieces.append(word)
    assert not pieces, pieces[:10]


@pytest.mark.parametrize("language", LANGUAGES)
def test_table_rows_stay_on_one_page(documents, demo, language):
    path, _wrapped, _data = documents[language]["report"]
    pages = [set(words_of(text)) for _w, _h, text, _b in pages_of(path)]
    titles = [
        e.get(f"title@{language}") or e["title"]
        for e in demo.list("event")
        if e["start_date"].startswith("2024") and e["status"] == "held"
    ]
    split = [t for t in titles if not any(set(words_of(t)) <= page for page in pages)]
    assert not split, split[:3]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ["report", "sheet", "certificates"])
def test_fonts_embedded_language_set_spaces_real(documents, language, name):
    from pypdf import PdfReader

    path, _wrapped, _data = documents[language][name]
    reader = PdfReader(path)
    assert reader.trailer["/Root"]["/Lang"] == language
    assert reader.pdf_header == "%PDF-1.4" and "/OutputIntents" in reader.trailer["/Root"]
    assert re.search(r"pdfaid:part[>=\"']+1", reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()), (
        "declared PDF/A-1b as Qt writes it"
    )
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)[
                "/FontDescriptor"
            ]
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
        text = page.extract_text()
        assert "\t" not in text and " " in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ["report", "sheet", "certificates"])
def test_years_have_four_digits_and_no_english_template_words(documents, language, name):
    path, _wrapped, data_words = documents[language][name]
    text = " ".join(text for _w, _h, text, _b in pages_of(path))
    assert "2024" in text
    assert not TWO_DIGIT_YEAR.findall(text)
    words = set(re.findall(r"[\w-]+", text))
    english = [w for w in TEMPLATE_WORDS[name] if w in words and w not in data_words]
    assert not english, english


@pytest.mark.parametrize("language", LANGUAGES)
def test_member_states_are_named_as_they_name_themselves(documents, language):
    path, _wrapped, _data = documents[language]["report"]
    text = " ".join(text for _w, _h, text, _b in pages_of(path))
    for code in ("KZ", "KG", "TJ", "TM", "UZ"):
        assert MEMBER_STATE_NAMES[language][code] in text, code
    assert "Киргизия" not in text


def test_certificates_carry_number_role_and_signature_fields(documents, demo):
    path, _wrapped, _data = documents["ru"]["certificates"]
    pages = pages_of(path)
    first = " ".join(pages[0][2].split())
    assert "СЕРТИФИКАТ УЧАСТИЯ" in first and "Настоящим удостоверяется" in first
    assert re.search(r"Сертификат № 2024-[0-9A-F]{8}", first)
    assert "Подпись" in first and "УНП ООН" in first, "the organizer in Russian (organizer@ru)"
    numbers = {re.search(r"№ (\S+)", " ".join(page[2].split())).group(1) for page in pages}
    assert len(numbers) == len(pages), "each certificate has its own number"


def test_logos_in_resources_are_drawn_in_the_certificate_corners(demo, documents, tmp_path, monkeypatch):
    from pypdf import PdfReader
    from PySide6.QtGui import QColor, QImage

    def coloured(name):
        image = QImage(60, 60, QImage.Format.Format_RGB32)
        image.fill(QColor("#009edb"))
        return image

    training = next(
        e["id"] for e in sorted(demo.list("event"), key=lambda e: e["start_date"]) if e["type"] == "regional_training"
    )
    monkeypatch.setattr(sheets, "logo", coloured)
    sheets.write_certificates(demo, training, tmp_path / "c.pdf")
    page = PdfReader(tmp_path / "c.pdf").pages[0]
    images = [x for x in page["/Resources"].get("/XObject", {}).values() if x.get_object()["/Subtype"] == "/Image"]
    assert images, "both logos drawn"
