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

    hostile()


# Damaged workbooks, as tests/hostile_inputs.rs builds them (small, to replay fast):
# an xls and an ods whose one stray cell stretches the sheet far past its data, an xlsb
# with a stray cell (read cell by cell), and an xlsx whose shared strings claim two
# billion strings.
def biff(typ, body):
    return struct.pack("<HH", typ, len(body)) + body


def xls(cells):
    """A BIFF8 workbook stream with one sheet, Loans, of `cells`, in an OLE file."""
    bof = lambda kind: biff(0x0809, struct.pack("<HH", 0x0600, kind) + bytes(12))
    sheet = lambda pos: biff(0x0085, struct.pack("<IBBBB", pos, 0, 0, 5, 0) + b"Loans")
    stream = bof(5) + sheet(len(bof(5)) + len(sheet(0)) + 4) + biff(0x000A, b"") + bof(0x10)
    stream += b"".join(cells) + biff(0x000A, b"")
    stream += bytes(max(0, 4096 - len(stream)))
    stream += bytes(-len(stream) % 512)
    sectors = len(stream) // 512
    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    header = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<109I", 0, *[free] * 108)
    fat = [0xFFFFFFFD, end] + list(range(3, sectors + 2)) + [end]
    fat += [free] * (128 - len(fat))

    def entry(name, kind, child, start, size):
        raw = (name + "\0").encode("utf-16-le")
        e = raw + bytes(64 - len(raw)) + struct.pack("<HBB3I", len(raw), kind, 1, free, free, child)
        return e + bytes(116 - len(e)) + struct.pack("<II", start, size) + bytes(4)

    directory = entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, free, 2, len(stream))
    return header + struct.pack("<128I", *fat) + directory + bytes(256) + stream


def label(row, col, text):
    raw = text.encode("utf-16-le")
    return biff(0x0204, struct.pack("<HHHHB", row, col, 0, len(raw) // 2, 1) + raw)


def brt(typ, body):
    def varint(n, most):
        out = b""
        for _ in range(most):
            out += bytes([(n & 0x7F) | (0x80 if n >= 0x80 else 0)])
            if n < 0x80:
                break
            n >>= 7
        return out

    return varint(typ, 2) + varint(len(body), 4) + body


def xlsb(cells):
    """An xlsb with one sheet, Loans, of (row, column, text) cells in order."""
    wide = lambda text: struct.pack("<I", len(text)) + text.encode("utf-16-le")
    rels = '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{}" Target="{}"/></Relationships>'
    book = brt(0x83, b"") + brt(0x8F, b"")
    book += brt(0x9C, struct.pack("<II", 0, 1) + wide("rId1") + wide("Loans"))
    book += brt(0x90, b"") + brt(0x84, b"")
    sheet = brt(0x81, b"") + brt(0x94, bytes(16)) + brt(0x91, b"")
    for row, col, text in cells:
        sheet += brt(0, struct.pack("<I", row)) + brt(6, struct.pack("<II", col, 0) + wide(text))
    sheet += brt(0x92, b"") + brt(0x82, b"")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name, data in [
            ("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>'),
            ("_rels/.rels", rels.format("officeDocument", "xl/workbook.bin")),
            ("xl/workbook.bin", book),
            ("xl/_rels/workbook.bin.rels", rels.format("worksheet", "worksheets/sheet1.bin")),
            ("xl/worksheets/sheet1.bin", sheet),
        ]:
            z.writestr(zipfile.ZipInfo(name), data)
    return out.getvalue()


def hostile():
    header = ["Loan", "First", "Last", "Sex", "Amount", "Currency", "Disbursed"]
    rows = [header, ["L1", "Ana", "Díaz", "F", "100", "USD", "15/01/2026"]]
    cells = [label(r, c, text) for r, row in enumerate(rows) for c, text in enumerate(row)]
    write("workbook", b"\x01" + xls(cells + [label(65535, 255, "stray")]))
    cells = [(r, c, text) for r, row in enumerate(rows) for c, text in enumerate(row)]
    write("workbook", b"\x03" + xlsb(cells + [(5000, 200, "stray")]))
    cell = lambda text: f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    table = "".join("<table:table-row>" + "".join(cell(t) for t in row) + "</table:table-row>" for row in rows)
    table += '<table:table-row table:number-rows-repeated="100000"><table:table-cell table:number-columns-repeated="40"/></table:table-row>'
    table += '<table:table-row><table:table-cell table:number-columns-repeated="39"/>' + cell("stray") + "</table:table-row>"
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        f'<office:body><office:spreadsheet><table:table table:name="Loans">{table}</table:table></office:spreadsheet></office:body></office:document-content>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(zipfile.ZipInfo("content.xml"), content)
    write("workbook", b"\x02" + out.getvalue())
    strings = b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="2000000000"><si><t>Loan</t></si></sst>'
    write("workbook", b"\xc0" + b"<worksheet/>\x00\x00" + strings)


if __name__ == "__main__":
    main()
