#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora, fuzz/seeds/<target>/, from the repository's
samples, templates and golden drafts (run from anywhere; it replaces fuzz/seeds/).

Each seed starts with the option bytes its harness reads first (see fuzz/src/*.rs):
the text reader's two (encoding, delimiter and header; records before streaming), the
workbook's one (extension, sheet, header; or an xlsx made around the sheet's XML),
the values' one (what is read). Templates and drafts are taken as they are.
"""

import hashlib
import io
import pathlib
import shutil
import struct
import zipfile

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
SEEDS = FUZZ / "seeds"


def write(target, data):
    folder = SEEDS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def files(*patterns):
    for pattern in patterns:
        yield from sorted(ROOT.glob(pattern))


def stored(path):
    """The zip at `path` again, its entries stored rather than deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        for info in source.infolist():
            copy.writestr(info.filename, source.read(info.filename))
    return out.getvalue()


def main():
    shutil.rmtree(SEEDS, ignore_errors=True)

    # Text reader: [options, records before streaming] + file.
    for path in files("samples/**/*.csv", "tests/fixtures/*.csv"):
        data = path.read_bytes()
        write("text_reader", b"\x00\x08" + data)
    text = (ROOT / "samples/es/prestamos.csv").read_text(encoding="cp1252")
    write("text_reader", b"\x00\x03" + b"\xff\xfe" + text.encode("utf-16-le"))
    write("text_reader", b"\x00\x03" + text.encode("utf-16-le"))
    write("text_reader", b"\x00\x02" + text.replace("\n", "\r\n").encode("cp1252"))
    write("text_reader", b"\x00\x01" + b"\xef\xbb\xbf" + text.encode("utf-8"))
    write("text_reader", b"\x41\x02" + text.replace(";", "\t").encode("utf-8"))
    write("text_reader", b'\x00\x01Title\r\n\r\na,"b\r\nc";d\r\r1;2\n')

    # Workbook: [options] + file; option 0xC0 makes an xlsx around sheet, styles, strings.
    extension = {".xlsx": 0, ".xls": 1, ".ods": 2, ".xlsb": 3}
    for path in files("samples/**/*.xlsx", "samples/**/*.xls", "samples/**/*.ods"):
        option = extension[path.suffix]
        write("workbook", bytes([option]) + path.read_bytes())
        # Uncompressed copies of the small ones, whose XML mutations can reach.
        if path.suffix in (".xlsx", ".ods") and len(stored(path)) < 64 * 1024:
            write("workbook", bytes([option | 0x04]) + stored(path))
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
                part = lambda name: z.read(name) if name in names else b""
                parts = (
                    part("xl/worksheets/sheet1.xml")
                    + b"\x00"
                    + part("xl/styles.xml")
                    + b"\x00"
                    + part("xl/sharedStrings.xml")
                )
                if len(parts) < 64 * 1024:
                    write("workbook", b"\xc0" + parts)

    # Template: the text.
    for path in files("templates/*.toml", "tests/fixtures/*.toml"):
        write("template", path.read_bytes())

    # Checker: the draft file.
    for path in files("tests/golden/**/*.json"):
        write("checker", path.read_bytes())
    write("checker", b'{"entreps": [{"amount": 1e400}], "schedule": [1, {"date": "x"}]')

    # Values: [mode] + text (or the bytes of a number).
    dates = [
        "dd/mm/yyyy\n15/01/2026",
        "mm/dd/yyyy\n01/15/2026",
        "d.m.yy\n5.3.26",
        "dd-mmm-yyyy\n15-Jan-2026",
        "dd mmmm yyyy\n15 janvier 2026",
        "d mmm. yyyy\n3 févr. 2026",
        "yyyy-mm-dd\n2026-01-15T00:00:00",
        "dd/mm/yyyy\n31/02/2026 10:30",
        "excel-serial\n45123",
    ]
    for text in dates:
        write("values", b"\x00" + text.encode())
    for text in ["2026-01-15", "15/01/2026", "01/15/2026 10:30:00", "2026-02-29"]:
        write("values", b"\x01" + text.encode())
    write("values", b"\x02" + struct.pack("<d", 45123.0))
    write("values", b"\x0245123.5")
    numbers = [
        (0x03, ",\n1,500,000"),
        (0x03, ",\n$ 1,200.50"),
        (0x03, ",\n(25.00)"),
        (0x03, ",\nUSh 500000"),
        (0x03, ",\n12 %"),
        (0x03, ",\n.5"),
        (0x0B, ".\n1.500,00"),
        (0x0B, ".\n150\u00a0000 FCFA"),
        (0x0B, ".\nS/ 2.345,5"),
        (0x1B, ". \n1 234 567,89-"),
        (0x13, "'\n1'234.5"),
    ]
    for mode, text in numbers:
        write("values", bytes([mode]) + text.encode())
    for number in [2000.4999999999998, 0.1 + 0.2, 1e20, -0.0, 1500000.0, 1e-10]:
        write("values", b"\x04" + struct.pack("<d", number))
    write("values", b"\x05" + struct.pack("<IIIB", 123456789, 0, 0, 4))
    write("values", b"\x05" + struct.pack("<IIIB", 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0x80 | 28))
    for text in ["Total", "Sous-total:", "Rosa Elena Quispe", "Quispe Mamani, Rosa", "oui", "UGX"]:
        write("values", b"\x06" + text.encode())
    write("values", b"\x07Due Date {n}\nDue Date 12")
    write("values", b"\x07Cuota {n} Fecha\ncuota  3  fecha")


if __name__ == "__main__":
    main()
