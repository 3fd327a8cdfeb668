#!/usr/bin/env python3
"""Generate the realistic MIS sample exports under ``samples/``.

The outputs are committed; this script is NOT needed to build or test
kiva-drafts. Re-run it only to regenerate the samples after changing it.

Requirements (Python >= 3.9):

    python3 -m venv /tmp/samplesvenv
    /tmp/samplesvenv/bin/pip install openpyxl xlwt odfpy
    # optional, only to read the .xls back when checking: xlrd
    /tmp/samplesvenv/bin/python scripts/make_samples.py [--out samples]

Determinism: there is no randomness; every schedule is computed with
``decimal`` (equal principal, truncated to the currency's minor unit, the
remainder in the last installment; interest = outstanding balance * periodic
rate, rounded half-up; jlg/ uses flat interest and puts one member's remainder
on her first installment), so principals always sum exactly to the amount.
Workbook containers (xlsx/ods are zip files) are rewritten with fixed entry
timestamps and fixed document-property dates, so every run produces the
same bytes (given the same openpyxl/odfpy/xlwt and zlib versions).

Files written (see samples/README.md for the exact layouts):

    per-loan/loans.csv, per-loan/schedule.csv, per-loan/loans.xlsx
    es/prestamos.csv, es/cronograma.csv                 (cp1252, ';', CRLF)
    per-borrower/borrowers.csv, per-borrower/schedule.csv,
    per-borrower/borrowers.xlsx
    flat/echeancier.csv (UTF-8 BOM, ';'), flat/echeancier.xlsx,
    flat/echeancier.ods
    wide/emprestimos.csv, wide/emprestimos.xlsx, wide/emprestimos.xls
    jlg/repayments.csv, jlg/repayments.xlsx, jlg/repayments.xls,
    jlg/repayments.ods                                  (flat interest, see README)
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Callable, List, Optional, Sequence

D = Decimal
CENT = D("0.01")
UNIT = D("1")

# Fixed timestamp used for every zip entry and document property.
FIXED_STAMP = (2026, 11, 2, 8, 14, 0)
FIXED_DT = dt.datetime(*FIXED_STAMP)


# --------------------------------------------------------------------------
# Schedules
# --------------------------------------------------------------------------


@dataclass
class Installment:
    number: int
    due: dt.date
    principal: Decimal
    interest: Decimal


def add_months(d: dt.date, k: int) -> dt.date:
    """Same day k months later, clamped to the month's last day."""
    y, m = divmod(d.month - 1 + k, 12)
    y += d.year
    m += 1
    last = calendar.monthrange(y, m)[1]
    return dt.date(y, m, min(d.day, last))


def due_dates(disbursed: dt.date, n: int, every: str) -> List[dt.date]:
    if every == "monthly":
        return [add_months(disbursed, i) for i in range(1, n + 1)]
    if every == "biweekly":
        return [disbursed + dt.timedelta(days=14 * i) for i in range(1, n + 1)]
    if every == "weekly":
        return [disbursed + dt.timedelta(days=7 * i) for i in range(1, n + 1)]
    raise ValueError(every)


def schedule(
    amount: Decimal,
    n: int,
    rate: Decimal,
    disbursed: dt.date,
    every: str,
    minor: Decimal,
) -> List[Installment]:
    """Equal principal (remainder in the last installment), declining-balance
    interest rounded half-up to the currency's minor unit."""
    assert amount == amount.quantize(minor), amount
    base = (amount / n).quantize(minor, rounding=ROUND_DOWN)
    out: List[Installment] = []
    balance = amount
    for i, due in enumerate(due_dates(disbursed, n, every), start=1):
        principal = base if i < n else balance
        interest = (balance * rate).quantize(minor, rounding=ROUND_HALF_UP)
        out.append(Installment(i, due, principal, interest))
        balance -= principal
    assert balance == 0
    assert sum(x.principal for x in out) == amount
    assert all(x.due > disbursed for x in out)
    return out


# --------------------------------------------------------------------------
# Number / date formatting for CSV text
# --------------------------------------------------------------------------


def fmt_num(
    value: Decimal, decimals: int, thousands: str = "", decimal_sep: str = "."
) -> str:
    q = D(1).scaleb(-decimals)
    value = value.quantize(q, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    text = f"{abs(value):.{decimals}f}"
    int_part, _, frac = text.partition(".")
    if thousands:
        groups = []
        while len(int_part) > 3:
            groups.insert(0, int_part[-3:])
            int_part = int_part[:-3]
        groups.insert(0, int_part)
        int_part = thousands.join(groups)
    return sign + int_part + (decimal_sep + frac if decimals else "")


def dmy(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July",
             "August", "September", "October", "November", "December"]


def d_month_y(d: dt.date) -> str:
    """Fineract's default ``dd MMMM yyyy`` in English (``05 March 2026``),
    independent of the process locale."""
    return f"{d.day:02d} {MONTHS_EN[d.month - 1]} {d.year}"


def iso(d: dt.date) -> str:
    return d.isoformat()


def write_csv(
    path: str,
    rows: Sequence[Sequence[str]],
    delimiter: str = ",",
    encoding: str = "utf-8",
    newline: str = "\n",
) -> None:
    buf = io.StringIO()
    w = csv.writer(
        buf, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_MINIMAL
    )
    for r in rows:
        w.writerow(r)
    data = buf.getvalue().encode(encoding)  # 'utf-8-sig' adds the BOM
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# --------------------------------------------------------------------------
# Deterministic zip containers (xlsx / ods)
# --------------------------------------------------------------------------


def normalize_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and fixed document dates."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            content = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                stamp = FIXED_DT.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + stamp + rb"\g<2>",
                    content,
                )
            zi = zipfile.ZipInfo(info.filename, FIXED_STAMP)
            zi.compress_type = info.compress_type
            zi.create_system = 3
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, content)
    return out.getvalue()


def write_bytes(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# --------------------------------------------------------------------------
# Generic workbook cell model
# --------------------------------------------------------------------------
# A sheet is a list of rows; each cell is one of
#   None                 -> empty cell
#   str                  -> text cell (ids with leading zeros stay text)
#   dt.date              -> real date cell
#   Num(value, decimals) -> real number cell
#   Bold(str)            -> bold text (titles, headers)


@dataclass(frozen=True)
class Num:
    value: Decimal
    decimals: int


@dataclass(frozen=True)
class Bold:
    text: str


@dataclass
class Sheet:
    name: str
    rows: List[List[object]]
    date_format: str = "dd/mm/yyyy"
    widths: Sequence[float] = ()
    # merges: (row0, col0, row1, col1), 0-based inclusive
    merges: List[tuple] = field(default_factory=list)
    freeze: Optional[str] = None
    # ODS only: separators of the display text (<text:p>) of number cells;
    # the value itself is office:value.
    ods_thousands: str = "\u00a0"
    ods_decimal_sep: str = ","


def save_xlsx(path: str, sheets: Sequence[Sheet], creator: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = creator
    wb.properties.lastModifiedBy = creator
    wb.properties.created = FIXED_DT
    wb.properties.modified = FIXED_DT
    bold = Font(bold=True)
    for sh in sheets:
        ws = wb.create_sheet(sh.name)
        for r, row in enumerate(sh.rows, start=1):
            for c, v in enumerate(row, start=1):
                if v is None:
                    continue
                cell = ws.cell(row=r, column=c)
                if isinstance(v, Bold):
                    cell.value = v.text
                    cell.font = bold
                elif isinstance(v, Num):
                    cell.value = int(v.value) if v.decimals == 0 else float(v.value)
                    cell.number_format = "#,##0" if v.decimals == 0 else "#,##0.00"
                elif isinstance(v, dt.date):
                    cell.value = v
                    cell.number_format = sh.date_format
                elif isinstance(v, int):
                    cell.value = v
                elif isinstance(v, str):
                    cell.value = v
                    cell.number_format = "@"
                else:
                    raise TypeError(v)
        for (r0, c0, r1, c1) in sh.merges:
            ws.merge_cells(
                start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1
            )
            ws.cell(row=r0 + 1, column=c0 + 1).alignment = Alignment(horizontal="center")
        for i, wdt in enumerate(sh.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = wdt
        if sh.freeze:
            ws.freeze_panes = sh.freeze
    buf = io.BytesIO()
    wb.save(buf)
    write_bytes(path, normalize_zip(buf.getvalue()))


def save_xls(path: str, sheets: Sequence[Sheet]) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    st_bold = xlwt.easyxf("font: bold on")
    st_merge = xlwt.easyxf("font: bold on; align: horiz center")
    st_text = xlwt.easyxf(num_format_str="@")
    st_num0 = xlwt.easyxf(num_format_str="#,##0")
    st_num2 = xlwt.easyxf(num_format_str="#,##0.00")
    for sh in sheets:
        ws = wb.add_sheet(sh.name)
        st_date = xlwt.easyxf(num_format_str=sh.date_format)
        merged_origin = {(r0, c0): (r0, c0, r1, c1) for (r0, c0, r1, c1) in sh.merges}
        for r, row in enumerate(sh.rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if (r, c) in merged_origin:
                    r0, c0, r1, c1 = merged_origin[(r, c)]
                    text = v.text if isinstance(v, Bold) else v
                    ws.write_merge(r0, r1, c0, c1, text, st_merge)
                elif isinstance(v, Bold):
                    ws.write(r, c, v.text, st_bold)
                elif isinstance(v, Num):
                    if v.decimals == 0:
                        ws.write(r, c, int(v.value), st_num0)
                    else:
                        ws.write(r, c, float(v.value), st_num2)
                elif isinstance(v, dt.date):
                    ws.write(r, c, v, st_date)
                elif isinstance(v, int):
                    ws.write(r, c, v)
                elif isinstance(v, str):
                    ws.write(r, c, v, st_text)
                else:
                    raise TypeError(v)
        for i, wdt in enumerate(sh.widths):
            ws.col(i).width = int(wdt * 256)
    buf = io.BytesIO()
    wb.save(buf)
    write_bytes(path, buf.getvalue())


def save_ods(path: str, sheets: Sequence[Sheet]) -> None:
    from odf import number as onum
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableColumnProperties, TextProperties
    from odf.table import CoveredTableCell, Table, TableCell, TableColumn, TableRow
    from odf.text import P

    def para(text: str):
        # ODF collapses runs of spaces inside text:p; odfpy's teletype writes
        # them as <text:s text:c="n"/>. Plain text is written as before.
        if re.search(r"  |^ | $|[\t\n]", text):
            from odf import teletype

            p = P()
            teletype.addTextToElement(p, text)
            return p
        return P(text=text)

    doc = OpenDocumentSpreadsheet()

    date_style = onum.DateStyle(name="N_DMY")
    date_style.addElement(onum.Day(style="long"))
    date_style.addElement(onum.Text(text="/"))
    date_style.addElement(onum.Month(style="long"))
    date_style.addElement(onum.Text(text="/"))
    date_style.addElement(onum.Year(style="long"))
    doc.automaticstyles.addElement(date_style)

    num_styles = {}
    for dec in (0, 2):
        ns = onum.NumberStyle(name=f"N_G{dec}")
        ns.addElement(onum.Number(decimalplaces=dec, minintegerdigits=1, grouping="true"))
        doc.automaticstyles.addElement(ns)
        cs = Style(name=f"ce_num{dec}", family="table-cell", datastylename=f"N_G{dec}")
        doc.automaticstyles.addElement(cs)
        num_styles[dec] = cs
    ce_date = Style(name="ce_date", family="table-cell", datastylename="N_DMY")
    doc.automaticstyles.addElement(ce_date)
    ce_bold = Style(name="ce_bold", family="table-cell")
    ce_bold.addElement(TextProperties(fontweight="bold"))
    doc.automaticstyles.addElement(ce_bold)
    # date format -> (cell style, display text); the long-month style is only
    # added when a sheet uses it, so other documents keep their bytes.
    date_cells = {"dd/mm/yyyy": (ce_date, dmy)}
    if any(sh.date_format == "dd mmmm yyyy" for sh in sheets):
        ds = onum.DateStyle(name="N_DMMMMY")
        ds.addElement(onum.Day(style="long"))
        ds.addElement(onum.Text(text=" "))
        ds.addElement(onum.Month(style="long", textual="true"))
        ds.addElement(onum.Text(text=" "))
        ds.addElement(onum.Year(style="long"))
        doc.automaticstyles.addElement(ds)
        cs = Style(name="ce_date_long", family="table-cell", datastylename="N_DMMMMY")
        doc.automaticstyles.addElement(cs)
        date_cells["dd mmmm yyyy"] = (cs, d_month_y)

    col_styles = {}
    for sh in sheets:
        table = Table(name=sh.name)
        ncols = max(len(r) for r in sh.rows)
        for i in range(ncols):
            w = sh.widths[i] if i < len(sh.widths) else 10
            key = f"{w:.1f}"
            if key not in col_styles:
                cs = Style(name=f"co{len(col_styles) + 1}", family="table-column")
                cs.addElement(TableColumnProperties(columnwidth=f"{w * 0.19:.2f}cm"))
                doc.automaticstyles.addElement(cs)
                col_styles[key] = cs
            table.addElement(TableColumn(stylename=col_styles[key]))
        ce_day, date_text = date_cells[sh.date_format]
        merged_origin = {(r0, c0): (r0, c0, r1, c1) for (r0, c0, r1, c1) in sh.merges}
        # positions hidden by a merge are written as table:covered-table-cell
        covered = {(r, c) for (r0, c0, r1, c1) in sh.merges
                   for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - set(merged_origin)
        for r, row in enumerate(sh.rows):
            tr = TableRow()
            width = max([len(row)] + [c + 1 for (rr, c) in covered if rr == r])
            for c in range(width):
                v = row[c] if c < len(row) else None
                if (r, c) in covered:
                    assert v is None, (r, c, v)
                    tr.addElement(CoveredTableCell())
                    continue
                span = {}
                if (r, c) in merged_origin:
                    r0, c0, r1, c1 = merged_origin[(r, c)]
                    span = dict(numbercolumnsspanned=c1 - c0 + 1, numberrowsspanned=r1 - r0 + 1)
                if v is None:
                    tc = TableCell(**span)
                elif isinstance(v, Bold):
                    tc = TableCell(valuetype="string", stylename=ce_bold, **span)
                    tc.addElement(para(v.text))
                elif isinstance(v, Num):
                    text = fmt_num(v.value, v.decimals, thousands=sh.ods_thousands,
                                   decimal_sep=sh.ods_decimal_sep)
                    tc = TableCell(
                        valuetype="float",
                        value=str(v.value),
                        stylename=num_styles[v.decimals],
                        **span,
                    )
                    tc.addElement(P(text=text))
                elif isinstance(v, dt.date):
                    tc = TableCell(
                        valuetype="date", datevalue=v.isoformat(), stylename=ce_day, **span
                    )
                    tc.addElement(P(text=date_text(v)))
                elif isinstance(v, int):
                    tc = TableCell(valuetype="float", value=str(v), **span)
                    tc.addElement(P(text=str(v)))
                elif isinstance(v, str):
                    tc = TableCell(valuetype="string", **span)
                    tc.addElement(para(v))
                else:
                    raise TypeError(v)
                tr.addElement(tc)
            if width == 0:  # a table:table-row needs at least one cell
                tr.addElement(TableCell())
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.write(buf)
    write_bytes(path, normalize_zip(buf.getvalue()))


# --------------------------------------------------------------------------
# Shape 1 - per-loan + separate schedule (Fineract-like, USD, English)
# --------------------------------------------------------------------------


@dataclass
class Loan:
    loan_no: str
    client_id: str
    name: str
    gender: str
    amount: Decimal
    disbursed: dt.date
    purpose: str
    activity: str
    n: int
    sched: List[Installment] = field(default_factory=list)


USD_RATE = D("0.025")  # 2.5 % per month, declining balance

PER_LOAN = [
    Loan("000245", "C-10231", "Rosa Quispe", "F", D("1200.00"), dt.date(2026, 1, 15),
         "To buy fabric, thread and zippers to expand her tailoring workshop.",
         "Tailoring", 10),
    Loan("000251", "C-10244", "Juan Carlos Mamani", "M", D("850.50"), dt.date(2026, 2, 3),
         "To purchase fertilizer and improved potato seed for the next planting season.",
         "Agriculture", 8),
    Loan("000263", "C-10302", "María Fernanda Guamán", "F", D("1500.00"), dt.date(2026, 3, 20),
         "To stock her grocery store with rice, sugar, cooking oil and canned goods.",
         "Grocery Store", 12),
    Loan("000270", "C-10318", "José Luis Tacuri", "M", D("2000.00"), dt.date(2026, 4, 7),
         "To buy two heifers and build a small shelter to increase milk production.",
         "Cattle", 12),
    Loan("000288", "C-10355", "Ana Lucía Chicaiza", "F", D("675.25"), dt.date(2026, 5, 28),
         "To buy flour, eggs and baking trays for her home bakery.",
         "Food Production/Sales", 6),
    Loan("000294", "C-10361", "Carmen Rosa Yupanqui", "F", D("980.00"), dt.date(2026, 7, 31),
         "To buy shoes and clothing wholesale to resell at the Sunday market.",
         "Retail", 9),
]


def make_per_loan(out: str) -> None:
    for ln in PER_LOAN:
        ln.sched = schedule(ln.amount, ln.n, USD_RATE, ln.disbursed, "monthly", CENT)

    loan_hdr = ["Loan Account No", "Client ID", "Client Name", "Gender", "Loan Amount",
                "Currency", "Disbursement Date", "Loan Purpose", "Activity"]
    sched_hdr = ["Loan Account No", "Installment", "Due Date", "Principal Due", "Interest Due"]

    rows = [loan_hdr]
    for ln in PER_LOAN:
        rows.append([ln.loan_no, ln.client_id, ln.name, ln.gender, fmt_num(ln.amount, 2),
                     "USD", dmy(ln.disbursed), ln.purpose, ln.activity])
    write_csv(f"{out}/per-loan/loans.csv", rows)

    rows = [sched_hdr]
    for ln in PER_LOAN:
        for it in ln.sched:
            rows.append([ln.loan_no, str(it.number), dmy(it.due),
                         fmt_num(it.principal, 2), fmt_num(it.interest, 2)])
    write_csv(f"{out}/per-loan/schedule.csv", rows)

    loans_rows: List[List[object]] = [
        [Bold("Active loans - Kiva portfolio")],
        ["Exported 2026-11-02 08:14 by Fineract"],
        [],
        [Bold(h) for h in loan_hdr],
    ]
    for ln in PER_LOAN:
        loans_rows.append([ln.loan_no, ln.client_id, ln.name, ln.gender, Num(ln.amount, 2),
                           "USD", ln.disbursed, ln.purpose, ln.activity])
    loans_rows.append([Bold("Total"), None, None, None,
                       Num(sum(ln.amount for ln in PER_LOAN), 2)])
    sched_rows: List[List[object]] = [[Bold(h) for h in sched_hdr]]
    for ln in PER_LOAN:
        for it in ln.sched:
            sched_rows.append([ln.loan_no, it.number, it.due,
                               Num(it.principal, 2), Num(it.interest, 2)])
    save_xlsx(
        f"{out}/per-loan/loans.xlsx",
        [
            Sheet("Loans", loans_rows, "dd/mm/yyyy",
                  widths=[17, 11, 24, 8, 13, 9, 18, 70, 22]),
            Sheet("Schedule", sched_rows, "dd/mm/yyyy", widths=[17, 12, 12, 14, 14],
                  freeze="A2"),
        ],
        creator="Fineract",
    )


# --------------------------------------------------------------------------
# Shape 1 bis - Spanish cp1252 pair (Peru, PEN)
# --------------------------------------------------------------------------


@dataclass
class Prestamo:
    numero: str
    codigo: str
    nombres: str
    apellidos: str
    sexo: str
    monto: Decimal
    desembolso: dt.date
    destino: str
    n: int
    sched: List[Installment] = field(default_factory=list)


PEN_RATE = D("0.03")  # 3 % TEM

PRESTAMOS = [
    Prestamo("001184", "CL-004521", "María José", "Ibáñez Peña", "Mujer", D("1500.00"),
             dt.date(2026, 1, 12),
             "Compra de mercadería (arroz, azúcar y aceite) para su bodega en Villa El Salvador",
             10),
    Prestamo("001197", "CL-004533", "Jesús", "Nuñez Quispe", "Hombre", D("3200.00"),
             dt.date(2026, 2, 5),
             "Compra de un motor fuera de borda para su bote de pesca artesanal", 12),
    Prestamo("001203", "CL-004587", "Rosa Ángela", "Peña Huamán", "Mujer", D("850.00"),
             dt.date(2026, 3, 18),
             "Compra de insumos según Código de campaña AGR-12: semillas de quinua y abono orgánico",
             8),
    Prestamo("001215", "CL-004602", "Teófilo", "Condori Mamani", "Hombre", D("12450.75"),
             dt.date(2026, 4, 22),
             "Ampliación del galpón y compra de cuyes reproductores para su crianza", 12),
    Prestamo("001230", "CL-004619", "Lucía Inés", "Cárdenas Nuñez", "Mujer", D("2000.50"),
             dt.date(2026, 6, 30),
             "Compra de una máquina de coser industrial para su taller de confección", 8),
]


def pen(v: Decimal) -> str:
    return fmt_num(v, 2, thousands=".", decimal_sep=",")


def make_es(out: str) -> None:
    for p in PRESTAMOS:
        p.sched = schedule(p.monto, p.n, PEN_RATE, p.desembolso, "monthly", CENT)
    rows = [["Nº Préstamo", "Código Cliente", "Nombres", "Apellidos", "Sexo", "Monto",
             "Moneda", "Fecha de desembolso", "Destino del préstamo"]]
    for p in PRESTAMOS:
        rows.append([p.numero, p.codigo, p.nombres, p.apellidos, p.sexo, pen(p.monto),
                     "PEN", dmy(p.desembolso), p.destino])
    write_csv(f"{out}/es/prestamos.csv", rows, delimiter=";", encoding="cp1252",
              newline="\r\n")
    rows = [["Nº Préstamo", "Nº Cuota", "Fecha de vencimiento", "Capital", "Interés"]]
    for p in PRESTAMOS:
        for it in p.sched:
            rows.append([p.numero, str(it.number), dmy(it.due), pen(it.principal),
                         pen(it.interest)])
    write_csv(f"{out}/es/cronograma.csv", rows, delimiter=";", encoding="cp1252",
              newline="\r\n")


# --------------------------------------------------------------------------
# Shape 2 - one row per borrower with a group key (Uganda, UGX)
# --------------------------------------------------------------------------


@dataclass
class Borrower:
    group_id: str
    group_name: str
    client_no: str
    loan_no: str
    name: str
    sex: str
    amount: Decimal
    disbursed: dt.date
    purpose: str
    pictured: str
    sched: List[Installment] = field(default_factory=list)


UGX_GROUP_RATE = D("0.015")  # 1.5 % per fortnight
UGX_INDIV_RATE = D("0.03")  # 3 % per month

_G107 = ("G-0107", "Tusubira Women Group", dt.date(2026, 2, 10))
_G112 = ("G-0112", "Kwagala Market Vendors", dt.date(2026, 4, 14))
_G119 = ("G-0119", "Twekembe Farmers Group", dt.date(2026, 8, 25))
_IND = ("", "")


def _gm(g, client, loan, name, sex, amount, purpose, pictured):
    return Borrower(g[0], g[1], client, loan, name, sex, D(amount), g[2], purpose, pictured)


BORROWERS = [
    _gm(_G107, "004512", "L-558812", "Sarah Namugga", "F", "1500000",
        "To buy more second-hand clothes to sell at Owino market", "Yes"),
    _gm(_G107, "004519", "L-558813", "Grace Nakato", "F", "800000",
        "To buy matooke in bulk from Masaka for resale in Kampala", "No"),
    _gm(_G107, "004527", "L-558814", "Florence Nabirye", "F", "1200000",
        "To buy charcoal and cooking pans for her roadside food stall", "No"),
    _gm(_G112, "004603", "L-559120", "Aisha Nansubuga", "F", "2000000",
        "To stock her retail shop with sugar, soap and salt", "Yes"),
    _gm(_G112, "004611", "L-559121", "Mary Goretti Nakabugo", "F", "650000",
        "To buy tomatoes, onions and cabbages in bulk for her market stall", "No"),
    _gm(_G112, "004618", "L-559122", "Joseph Ssemakula", "M", "1750000",
        "To buy a second-hand sewing machine and fabric for his tailoring business", "No"),
    Borrower("", "", "003981", "L-559001", "Moses Okello", "M", D("3000000"),
             dt.date(2026, 5, 6),
             "To buy spare parts and tools for his motorcycle repair workshop", "Yes"),
    _gm(_G112, "004630", "L-559123", "Esther Namatovu", "F", "950000",
        "To buy fresh fish from Kasenyi landing site for resale", "No"),
    _gm(_G119, "004702", "L-560301", "Peter Mukasa", "M", "1100000",
        "To buy improved maize seed and fertilizer", "Yes"),
    _gm(_G119, "004708", "L-560302", "Rose Nalwanga", "F", "700000",
        "To buy coffee seedlings and manure", "No"),
    _gm(_G119, "004715", "L-560303", "Betty Nakimuli", "F", "1300000",
        "To buy piglets and feed", "No"),
    _gm(_G119, "004721", "L-560304", "Agnes Nantongo", "F", "550000",
        "To buy bean seed and hire labour for weeding", "No"),
    _gm(_G119, "004729", "L-560305", "Robert Kato", "M", "2250000",
        "To buy a cross-breed dairy cow", "No"),
    Borrower("", "", "004102", "L-560118", "Harriet Nabukenya", "F", D("1850000"),
             dt.date(2026, 10, 1),
             "To buy flour, sugar and a bigger oven for her bakery", "Yes"),
]


def ugx(v: Decimal) -> str:
    return fmt_num(v, 0, thousands=",")


def make_per_borrower(out: str) -> None:
    for b in BORROWERS:
        if b.group_id:
            b.sched = schedule(b.amount, 6, UGX_GROUP_RATE, b.disbursed, "biweekly", UNIT)
        else:
            b.sched = schedule(b.amount, 8, UGX_INDIV_RATE, b.disbursed, "monthly", UNIT)

    hdr = ["Group ID", "Group Name", "Client No", "Loan No", "Name", "Sex", "Amount (UGX)",
           "Disbursed", "Purpose", "Pictured"]
    shdr = ["Loan No", "Due Date", "Principal", "Interest"]

    rows = [hdr]
    for b in BORROWERS:
        rows.append([b.group_id, b.group_name, b.client_no, b.loan_no, b.name, b.sex,
                     ugx(b.amount), iso(b.disbursed), b.purpose, b.pictured])
    write_csv(f"{out}/per-borrower/borrowers.csv", rows)
    rows = [shdr]
    for b in BORROWERS:
        for it in b.sched:
            rows.append([b.loan_no, iso(it.due), ugx(it.principal), ugx(it.interest)])
    write_csv(f"{out}/per-borrower/schedule.csv", rows)

    brows: List[List[object]] = [[Bold("Group lending - loans to publish")], [],
                                 [Bold(h) for h in hdr]]
    for b in BORROWERS:
        brows.append([b.group_id or None, b.group_name or None, b.client_no, b.loan_no,
                      b.name, b.sex, Num(b.amount, 0), b.disbursed, b.purpose, b.pictured])
    srows: List[List[object]] = [[Bold(h) for h in shdr]]
    for b in BORROWERS:
        for it in b.sched:
            srows.append([b.loan_no, it.due, Num(it.principal, 0), Num(it.interest, 0)])
    save_xlsx(
        f"{out}/per-borrower/borrowers.xlsx",
        [
            Sheet("Borrowers", brows, "yyyy-mm-dd",
                  widths=[10, 24, 10, 11, 24, 6, 14, 12, 70, 9]),
            Sheet("Schedule", srows, "yyyy-mm-dd", widths=[11, 12, 12, 12], freeze="A2"),
        ],
        creator="Loan Performer",
    )


# --------------------------------------------------------------------------
# Shape 3 - flat, one row per installment per borrower (Senegal/Mali, XOF)
# --------------------------------------------------------------------------


@dataclass
class Membre:
    code: str
    prenom: str
    nom: str
    genre: str
    montant: Decimal
    objet: str
    sched: List[Installment] = field(default_factory=list)


@dataclass
class Pret:
    numero: str
    groupe: str  # "" for individual loans
    decaissement: dt.date
    n: int
    membres: List[Membre]


XOF_RATE = D("0.02")  # 2 % per month

PRETS = [
    Pret("000431", "", dt.date(2026, 1, 12), 8, [
        Membre("CL00872", "Aminata", "Diop", "Femme", D("450000"),
               "Achat de tissus wax pour la revente au marché Sandaga"),
    ]),
    Pret("000447", "", dt.date(2026, 3, 9), 10, [
        Membre("CL00915", "Ousmane", "Diallo", "Homme", D("1200000"),
               "Achat d'aliments et de vaccins pour son élevage de moutons"),
    ]),
    Pret("000458", "", dt.date(2026, 6, 16), 6, [
        Membre("CL01023", "Mariam", "Traoré", "Femme", D("325000"),
               "Achat de beurre de karité et d'emballages pour sa savonnerie"),
    ]),
    Pret("000462", "GIE Jappo Liggéey", dt.date(2026, 5, 4), 6, [
        Membre("CL01102", "Fatou", "Ndiaye", "Femme", D("200000"),
               "Achat de poisson fumé pour la revente au marché de Tilène"),
        Membre("CL01108", "Aïssatou", "Sow", "Femme", D("175000"),
               "Achat d'oignons et de tomates pour la revente"),
        Membre("CL01115", "Ndèye", "Fall", "Femme", D("250000"),
               "Achat de tissus et de fils pour son atelier de couture"),
    ]),
    Pret("000479", "Groupement Benkadi", dt.date(2026, 9, 21), 8, [
        Membre("CL01231", "Kadiatou", "Coulibaly", "Femme", D("300000"),
               "Achat de mil et de sorgho pour la revente"),
        Membre("CL01236", "Awa", "Keïta", "Femme", D("150000"),
               "Achat de farine, sucre et huile pour la vente de beignets"),
        Membre("CL01240", "Assétou", "Koné", "Femme", D("225000"),
               "Achat de beurre de karité pour la fabrication de savon"),
        Membre("CL01247", "Boubacar", "Diarra", "Homme", D("400000"),
               "Achat d'aliments pour son embouche ovine"),
    ]),
]


def xof(v: Decimal) -> str:
    return fmt_num(v, 0, thousands=" ")


def make_flat(out: str) -> None:
    for p in PRETS:
        for m in p.membres:
            m.sched = schedule(m.montant, p.n, XOF_RATE, p.decaissement, "monthly", UNIT)

    hdr = ["N° Prêt", "Nom du groupe", "Code client", "Prénom", "Nom", "Genre", "Montant",
           "Date de décaissement", "Objet du prêt", "N° échéance", "Date d'échéance",
           "Capital", "Intérêts"]
    # Row order: loan by loan; inside a group loan member by member; then
    # installment by installment.
    data = []
    for p in PRETS:
        for m in p.membres:
            for it in m.sched:
                data.append((p, m, it))
    tot_cap = sum(it.principal for _, _, it in data)
    tot_int = sum(it.interest for _, _, it in data)

    rows = [hdr]
    for p, m, it in data:
        rows.append([p.numero, p.groupe, m.code, m.prenom, m.nom, m.genre, xof(m.montant),
                     dmy(p.decaissement), m.objet, str(it.number), dmy(it.due),
                     xof(it.principal), xof(it.interest)])
    rows.append(["Total"] + [""] * 10 + [xof(tot_cap), xof(tot_int)])
    write_csv(f"{out}/flat/echeancier.csv", rows, delimiter=";", encoding="utf-8-sig",
              newline="\r\n")

    srows: List[List[object]] = [[Bold("Portefeuille à publier sur Kiva")], [],
                                 [Bold(h) for h in hdr]]
    for p, m, it in data:
        srows.append([p.numero, p.groupe or None, m.code, m.prenom, m.nom, m.genre,
                      Num(m.montant, 0), p.decaissement, m.objet, it.number, it.due,
                      Num(it.principal, 0), Num(it.interest, 0)])
    srows.append([Bold("Total")] + [None] * 10 + [Num(tot_cap, 0), Num(tot_int, 0)])
    sheet = Sheet("Échéancier", srows, "dd/mm/yyyy",
                  widths=[9, 20, 11, 10, 11, 8, 11, 19, 62, 11, 15, 10, 10], freeze="A4")
    save_xlsx(f"{out}/flat/echeancier.xlsx", [sheet], creator="Mambu")
    save_ods(f"{out}/flat/echeancier.ods", [sheet])


# --------------------------------------------------------------------------
# Shape 4 - wide installment columns, merged two-row header (Mozambique, MZN)
# --------------------------------------------------------------------------


@dataclass
class Emprestimo:
    numero: str
    codigo: str
    nome: str
    sexo: str
    valor: Decimal
    desembolso: dt.date
    finalidade: str
    n: int
    sched: List[Installment] = field(default_factory=list)


MZN_RATE = D("0.035")  # 3.5 % per month
MAX_INST = 6

EMPRESTIMOS = [
    Emprestimo("0012031", "CLI-3321", "Ana Maria Macuácua", "Feminino", D("25000.00"),
               dt.date(2026, 2, 8),
               "Compra de capulanas e roupa para revenda no mercado de Xipamanine", 6),
    Emprestimo("0012047", "CLI-3358", "Celeste Nhantumbo", "Feminino", D("18500.00"),
               dt.date(2026, 3, 16),
               "Compra de farinha, açúcar e óleo para a sua padaria caseira", 4),
    Emprestimo("0012052", "CLI-3362", "Fernando Sitoe", "Masculino", D("40000.00"),
               dt.date(2026, 4, 30),
               "Compra de redes e combustível para a pesca artesanal", 6),
    Emprestimo("0012068", "CLI-3390", "Joaquina Cossa", "Feminino", D("12750.50"),
               dt.date(2026, 6, 11),
               "Compra de sementes de hortícolas e regadores para a sua machamba", 5),
    Emprestimo("0012075", "CLI-3417", "Armando Tembe", "Masculino", D("32000.00"),
               dt.date(2026, 9, 2),
               "Compra de recargas de telemóvel e acessórios para a sua banca", 4),
]


def make_wide(out: str) -> None:
    for e in EMPRESTIMOS:
        e.sched = schedule(e.valor, e.n, MZN_RATE, e.desembolso, "monthly", CENT)

    loan_cols = ["Nº Empréstimo", "Código do cliente", "Nome do cliente", "Sexo",
                 "Valor do empréstimo", "Data de desembolso", "Finalidade"]
    nlc = len(loan_cols)
    upper: List[str] = [""] * nlc
    lower: List[str] = list(loan_cols)
    for k in range(1, MAX_INST + 1):
        upper += [f"Prestação {k}", "", ""]
        lower += ["Data", "Capital", "Juros"]

    tot_valor = sum(e.valor for e in EMPRESTIMOS)
    tot_cap = [sum((e.sched[k].principal for e in EMPRESTIMOS if k < e.n), D(0))
               for k in range(MAX_INST)]
    tot_jur = [sum((e.sched[k].interest for e in EMPRESTIMOS if k < e.n), D(0))
               for k in range(MAX_INST)]

    # CSV
    rows = [upper, lower]
    for e in EMPRESTIMOS:
        r = [e.numero, e.codigo, e.nome, e.sexo, fmt_num(e.valor, 2), dmy(e.desembolso),
             e.finalidade]
        for k in range(MAX_INST):
            if k < e.n:
                it = e.sched[k]
                r += [dmy(it.due), fmt_num(it.principal, 2), fmt_num(it.interest, 2)]
            else:
                r += ["", "", ""]
        rows.append(r)
    tot = ["Total geral", "", "", "", fmt_num(tot_valor, 2), "", ""]
    for k in range(MAX_INST):
        tot += ["", fmt_num(tot_cap[k], 2), fmt_num(tot_jur[k], 2)]
    rows.append(tot)
    write_csv(f"{out}/wide/emprestimos.csv", rows)

    # Workbooks
    srows: List[List[object]] = [[Bold("Carteira de empréstimos - Kiva")], []]
    srows.append([None] * nlc + [Bold(u) if u else None for u in upper[nlc:]])
    srows.append([Bold(h) for h in lower])
    for e in EMPRESTIMOS:
        r: List[object] = [e.numero, e.codigo, e.nome, e.sexo, Num(e.valor, 2),
                           e.desembolso, e.finalidade]
        for k in range(MAX_INST):
            if k < e.n:
                it = e.sched[k]
                r += [it.due, Num(it.principal, 2), Num(it.interest, 2)]
            else:
                r += [None, None, None]
        srows.append(r)
    t: List[object] = [Bold("Total geral"), None, None, None, Num(tot_valor, 2), None, None]
    for k in range(MAX_INST):
        t += [None, Num(tot_cap[k], 2), Num(tot_jur[k], 2)]
    srows.append(t)
    merges = [(2, nlc + 3 * k, 2, nlc + 3 * k + 2) for k in range(MAX_INST)]
    widths = [15, 16, 22, 11, 19, 18, 62] + [11, 10, 9] * MAX_INST
    sheet = Sheet("Carteira", srows, "dd/mm/yyyy", widths=widths, merges=merges)
    save_xlsx(f"{out}/wide/emprestimos.xlsx", [sheet], creator="SIGEF")
    save_xls(f"{out}/wide/emprestimos.xls", [sheet])


# --------------------------------------------------------------------------
# Shape 5 - Fineract/Mifos JLG repayment-schedule report (Kenya, KES)
# --------------------------------------------------------------------------
# One row per member (or individual borrower) per installment. In a JLG
# (joint liability group) loan every member has her own loan account; the
# group loan is the set of accounts sharing Group External Id and
# Disbursement Date. Interest is flat (a fixed share of the amount on every
# installment), unlike the declining-balance samples above.


def flat_schedule(
    amount: Decimal,
    n: int,
    rate: Decimal,
    disbursed: dt.date,
    every: str,
    minor: Decimal,
    remainder_first: bool = False,
) -> List[Installment]:
    """Equal principal truncated to the minor unit, the remainder on the last
    installment (or on the first one, Fineract's other option); flat interest
    amount * rate rounded half-up, the same on every installment."""
    assert amount == amount.quantize(minor), amount
    base = (amount / n).quantize(minor, rounding=ROUND_DOWN)
    rest = amount - base * (n - 1)
    interest = (amount * rate).quantize(minor, rounding=ROUND_HALF_UP)
    k = 1 if remainder_first else n
    out = [Installment(i, due, rest if i == k else base, interest)
           for i, due in enumerate(due_dates(disbursed, n, every), start=1)]
    assert sum(x.principal for x in out) == amount
    assert all(x.due > disbursed for x in out)
    return out


@dataclass
class JlgMember:
    account: str
    client_id: str
    name: str
    gender: str
    amount: Decimal
    purpose: str
    remainder_first: bool = False
    sched: List[Installment] = field(default_factory=list)


@dataclass
class JlgLoan:
    office: str
    group_id: str  # "" for individual loans
    group_name: str
    disbursed: dt.date
    n: int
    members: List[JlgMember]

    @property
    def product(self) -> str:
        return "Group Loan" if self.group_id else "Business Loan"


KES_GROUP_RATE = D("0.0125")  # 1.25 % of the amount per fortnight, flat
KES_INDIV_RATE = D("0.02")  # 2 % of the amount per month, flat
JLG_GROUP_N = 12  # fortnightly installments


def _jm(account, client, name, gender, amount, purpose, remainder_first=False):
    return JlgMember(account, client, name, gender, D(amount).quantize(CENT), purpose,
                     remainder_first)


def _jind(office, disbursed, n, account, client, name, gender, amount, purpose):
    return JlgLoan(office, "", "", disbursed, n,
                   [_jm(account, client, name, gender, amount, purpose)])


# Listed loan by loan; the report itself is sorted by Loan Account No.
JLG_LOANS = [
    JlgLoan("Nakuru", "GRP-0207", "Tumaini Women Group", dt.date(2026, 2, 10), JLG_GROUP_N, [
        _jm("000104201", "C-30412", "Wanjiku Njeri Kamau", "Female", "25000",
            "Mitumba clothes stock"),
        _jm("000104202", "C-30415", "Mary Wambui Mwangi", "Female", "18000",
            "Vegetable stall stock"),
        _jm("000104204", "C-30417", "Grace Wairimu Njoroge", "Female", "25000",
            "Dairy goat purchase", remainder_first=True),
        _jm("000104205", "C-30421", "Lucy Nyambura Ndungu", "Female", "13750",
            "Poultry feed and chicks"),
        _jm("000104206", "C-30426", "Peter Kamau Gitau", "Male", "32000",
            "Shoe repair tools"),
    ]),
    _jind("Nakuru", dt.date(2026, 1, 31), 9, "000104203", "C-28876",
          "Joseph Mwangi Kariuki", "Male", "85000", "Hardware shop stock"),
    JlgLoan("Kisumu", "GRP-0211", "Upendo Self Help Group", dt.date(2026, 3, 3), JLG_GROUP_N, [
        _jm("000104211", "C-30458", "Achieng Otieno", "Female", "20000",
            "Omena fish for resale"),
        _jm("000104212", "C-30461", "Mary Atieno Odhiambo", "Female", "15000",
            "Charcoal stock"),
        _jm("000104213", "C-30462", "Rose Adhiambo Okoth", "Female", "15000",
            "Tailoring fabric"),
        _jm("000104214", "C-30470", "Pamela Awino Ochieng", "Female", "22750",
            "Second-hand shoes stock"),
    ]),
    _jind("Kisumu", dt.date(2026, 3, 16), 6, "000104219", "C-29954",
          "Grace Akinyi Ouma", "Female", "65000", "Salon equipment and products"),
    JlgLoan("Nakuru", "GRP-0213", "Baraka Traders", dt.date(2026, 4, 2), JLG_GROUP_N, [
        _jm("000104225", "C-30512", "Jane Wanjiru Mbugua", "Female", "30000",
            "Cereals stock for resale"),
        _jm("000104226", "C-30514", "Esther Muthoni Kinyua", "Female", "12000",
            "Fruit kiosk stock"),
        _jm("000104227", "C-30519", "Samuel Kiprotich Langat", "Male", "40000",
            "Motorcycle spare parts"),
        _jm("000104228", "C-30523", "Ann Wangari Macharia", "Female", "18250",
            "Cooking gas refills"),
    ]),
    JlgLoan("Eldoret", "GRP-0216", "Jipe Moyo Women Group", dt.date(2026, 4, 16), JLG_GROUP_N, [
        _jm("000104231", "C-30540", "Sharon Chebet Korir", "Female", "16000",
            "Maize flour retail"),
        _jm("000104232", "C-30541", "Mercy Jeptoo Rotich", "Female", "20000",
            "Dairy cow feed"),
        _jm("000104233", "C-30547", "Nancy Cherono Kemboi", "Female", "10500",
            "Vegetable seeds and fertilizer"),
        _jm("000104235", "C-30552", "Janet Nafula Wafula", "Female", "26000",
            "Sewing machine"),
        _jm("000104236", "C-30553", "Caroline Jerop Cheruiyot", "Female", "17000",
            "Poultry house materials"),
    ]),
    _jind("Eldoret", dt.date(2026, 5, 5), 12, "000104234", "C-27801",
          "Faith Jepchirchir Kosgei", "Female", "120000", "Posho mill and maize stock"),
    JlgLoan("Nakuru", "GRP-0213", "Baraka Traders", dt.date(2026, 4, 30), JLG_GROUP_N, [
        _jm("000104240", "C-30571", "Lydia Njoki Gachanja", "Female", "15000",
            "Fresh produce stall"),
        _jm("000104241", "C-30574", "Margaret Wangui Muriuki", "Female", "21500",
            "Cosmetics shop stock"),
        _jm("000104242", "C-30578", "Tabitha Nyokabi Kimani", "Female", "15000",
            "Second-hand clothes stock"),
    ]),
    JlgLoan("Kisumu", "GRP-0218", "Nyota Fish Traders Group", dt.date(2026, 5, 12), JLG_GROUP_N, [
        _jm("000104247", "C-30602", "Beatrice Anyango Onyango", "Female", "24000",
            "Fresh tilapia for resale"),
        _jm("000104248", "C-30603", "Millicent Akoth Omondi", "Female", "17500",
            "Omena drying racks"),
        _jm("000104249", "C-30609", "Sarah Auma Oduor", "Female", "12250",
            "Cooler boxes and ice"),
        _jm("000104250", "C-30611", "George Ouma Okello", "Male", "35000",
            "Boat engine repairs"),
        _jm("000104251", "C-30615", "Florence Apiyo Wasonga", "Female", "19000",
            "Fish smoking kiln"),
    ]),
    _jind("Kisumu", dt.date(2026, 6, 18), 11, "000104253", "C-29317",
          "Daniel Otieno Owino", "Male", "47000", "Phone accessories shop stock"),
    JlgLoan("Eldoret", "GRP-0221", "Amani Dairy Farmers Group", dt.date(2026, 5, 26),
            JLG_GROUP_N, [
        _jm("000104256", "C-30648", "Gladys Jebet Kirui", "Female", "28000",
            "Dairy meal and mineral salts"),
        _jm("000104257", "C-30650", "Esther Chepkoech Ngetich", "Female", "14000",
            "Fodder and silage"),
        _jm("000104258", "C-30651", "David Kipchumba Sang", "Male", "30000",
            "Milk cans and cooler"),
        _jm("000104259", "C-30655", "Ruth Jelagat Bett", "Female", "14000",
            "Napier grass planting"),
        _jm("000104260", "C-30659", "Judith Chelangat Too", "Female", "19750",
            "Chaff cutter"),
        _jm("000104261", "C-30662", "Emily Jepchumba Tanui", "Female", "11000",
            "Calf pen construction"),
    ]),
    JlgLoan("Nakuru", "GRP-0224", "Neema Mama Mboga Group", dt.date(2026, 6, 9), JLG_GROUP_N, [
        _jm("000104266", "C-30690", "Susan Wanjiku Githinji", "Female", "12500",
            "Kale and tomatoes stock"),
        _jm("000104267", "C-30693", "Agnes Wangeci Maina", "Female", "16750",
            "Onions and potatoes stock"),
        _jm("000104268", "C-30697", "Catherine Waithera Njuguna", "Female", "12500",
            "Fruit stall stock"),
        _jm("000104269", "C-30698", "Joyce Chepngetich Keter", "Female", "23000",
            "Market stall rent and stock"),
        _jm("000104270", "C-30704", "Hannah Mumbi Wachira", "Female", "38000",
            "Wholesale cabbages transport"),
    ]),
]

JLG_HDR = ["Office", "Group Name", "Group External Id", "Client Id", "Client Name", "Gender",
           "Loan Account No", "Product", "Loan Purpose", "Currency", "Disbursement Date",
           "Principal Disbursed", "Installment No", "Due Date", "Principal Due",
           "Interest Due", "Total Due"]
JLG_TITLES = ["Umoja Microfinance Bank Ltd",
              "Loan Repayment Schedule Report - JLG and individual loans",
              "Office: All offices    Run on: 30 November 2026"]


def make_jlg(out: str) -> None:
    for ln in JLG_LOANS:
        for m in ln.members:
            if ln.group_id:
                m.sched = flat_schedule(m.amount, ln.n, KES_GROUP_RATE, ln.disbursed,
                                        "biweekly", CENT, m.remainder_first)
            else:
                m.sched = flat_schedule(m.amount, ln.n, KES_INDIV_RATE, ln.disbursed,
                                        "monthly", CENT)
    # Rows sorted by Loan Account No, then installment: individual accounts
    # fall between group members, and the second GRP-0213 cohort after GRP-0216.
    pairs = sorted(((ln, m) for ln in JLG_LOANS for m in ln.members),
                   key=lambda lm: lm[1].account)
    accounts = [m.account for _, m in pairs]
    assert len(set(accounts)) == len(accounts)
    data = [(ln, m, it) for ln, m in pairs for it in m.sched]
    tot_p = sum(it.principal for _, _, it in data)
    tot_i = sum(it.interest for _, _, it in data)
    ncol = len(JLG_HDR)

    def kes(v: Decimal) -> str:
        return fmt_num(v, 2)

    rows: List[List[str]] = [[t] for t in JLG_TITLES] + [[], JLG_HDR]
    for ln, m, it in data:
        rows.append([ln.office, ln.group_name, ln.group_id, m.client_id, m.name, m.gender,
                     m.account, ln.product, m.purpose, "KES", d_month_y(ln.disbursed),
                     kes(m.amount), str(it.number), d_month_y(it.due), kes(it.principal),
                     kes(it.interest), kes(it.principal + it.interest)])
    rows.append(["Total"] + [""] * (ncol - 4) + [kes(tot_p), kes(tot_i), kes(tot_p + tot_i)])
    write_csv(f"{out}/jlg/repayments.csv", rows)

    srows: List[List[object]] = [[Bold(t)] for t in JLG_TITLES]
    srows += [[], [Bold(h) for h in JLG_HDR]]
    for ln, m, it in data:
        srows.append([ln.office, ln.group_name or None, ln.group_id or None, m.client_id,
                      m.name, m.gender, m.account, ln.product, m.purpose, "KES",
                      ln.disbursed, Num(m.amount, 2), it.number, it.due,
                      Num(it.principal, 2), Num(it.interest, 2),
                      Num(it.principal + it.interest, 2)])
    srows.append([Bold("Total")] + [None] * (ncol - 4)
                 + [Num(tot_p, 2), Num(tot_i, 2), Num(tot_p + tot_i, 2)])
    sheet = Sheet("Repayment Schedule", srows, "dd mmmm yyyy",
                  widths=[10, 26, 17, 10, 27, 8, 16, 14, 30, 9, 18, 19, 14, 18, 14, 13, 12],
                  merges=[(r, 0, r, ncol - 1) for r in range(len(JLG_TITLES))],
                  ods_thousands=",", ods_decimal_sep=".")
    save_xlsx(f"{out}/jlg/repayments.xlsx", [sheet], creator="Fineract")
    save_xls(f"{out}/jlg/repayments.xls", [sheet])
    save_ods(f"{out}/jlg/repayments.ods", [sheet])


# --------------------------------------------------------------------------


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "samples"),
                    help="output folder (default: samples/ next to scripts/)")
    args = ap.parse_args()
    out = os.path.normpath(args.out)
    make_per_loan(out)
    make_es(out)
    make_per_borrower(out)
    make_flat(out)
    make_wide(out)
    make_jlg(out)
    print(f"samples written under {out}")


if __name__ == "__main__":
    main()
