#!/usr/bin/env python3
"""Reference repayment schedules for tests/amortize_reference.rs.

Run from anywhere:  python3 tests/reference/make_vectors.py
It rewrites every tests/reference/*.csv: one file per entry of VECTORS
below, plus random/terms.csv and random/schedules.csv (pseudo-random
terms from a fixed seed, so the output is reproducible byte for byte).

This is an independent implementation of the product rules written
straight from the textbook definitions, not a port of src/amortize/:

* Annuity payment (PMT):   PMT = P * i / (1 - (1 + i) ** -n)
  with i the periodic rate (annual rate / periods per year) and n the
  number of amortizing periods; for i = 0, PMT = P / n.
* Interest of a period (IPMT): outstanding balance * rate for the period.
  For flat loans the "balance" is always the original amount.
* The principal part (PPMT) is PMT - IPMT for annuities and P / n for the
  equal-principal and flat methods.

Arithmetic: every intermediate value is an exact rational number
(fractions.Fraction built from decimal.Decimal inputs), so nothing is
rounded until a value is rounded to the currency's minor unit.  That
rounding is half away from zero, decided on the exact remainder (so a true
midpoint such as 2.5 always goes up), and yields a decimal.Decimal with
exactly the minor unit's number of decimals.  The Rust code
works with 28-digit rust_decimal values, so agreement between the two is a
genuine cross-check, not an echo.

Date rules (from the product specification, re-implemented here with the
calendar module and by enumerating candidate dates rather than by index
arithmetic):

* first due date defaults to one period after disbursal, and the schedule is
  then anchored on the disbursal date;
* monthly / every-N-months: anchor day, clamped to the month's last day,
  always computed from the anchor (never from the previous clamped date);
* semi-monthly: days d and d + 15 of every month (clamped), where d is the
  anchor day if it is <= 15, else anchor day - 15;
* every-N-days: anchor + k * N days.

Day counts: "periodic" = 1 / periods per year (weekly 52, biweekly 26,
every-N-days 365/N, semi-monthly 24, monthly 12, every-N-months 12/N,
quarterly 4); "actual/365" = actual days / 365; "30/360" = 30E/360
(Eurobond basis, ISDA 2006 section 4.16(g), Excel DAYS360(..., TRUE)) / 360.
The first period runs from the disbursal date to the first due date.
"""

import calendar
import datetime as dt
import itertools
import random
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent


# ---------------------------------------------------------------- dates ---

def parse_frequency(text):
    named = {
        "weekly": ("days", 7),
        "biweekly": ("days", 14),
        "semi-monthly": ("semi", None),
        "monthly": ("months", 1),
        "quarterly": ("months", 3),
    }
    if text in named:
        return named[text]
    m = re.fullmatch(r"every-(\d+)-(days|months)", text)
    if not m:
        raise ValueError(f"unknown frequency {text!r}")
    return (m.group(2), int(m.group(1)))


def same_day_months_later(anchor, months):
    """anchor + `months` calendar months, day clamped to the month's end."""
    month_index = anchor.year * 12 + (anchor.month - 1) + months
    year, month0 = divmod(month_index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(anchor.day, last))


def semi_monthly_candidates(anchor):
    """All 'day d / day d+15' dates from the anchor's month on, in order."""
    d = anchor.day if anchor.day <= 15 else anchor.day - 15
    year, month = anchor.year, anchor.month
    while True:
        last = calendar.monthrange(year, month)[1]
        yield dt.date(year, month, min(d, last))
        yield dt.date(year, month, min(d + 15, last))
        month += 1
        if month == 13:
            year, month = year + 1, 1


def schedule_dates(freq, disbursed, first_due, n):
    kind, step = parse_frequency(freq)
    if first_due is None:
        anchor, ks = disbursed, range(1, n + 1)
    else:
        anchor, ks = first_due, range(0, n)
    if kind == "days":
        return [anchor + dt.timedelta(days=k * step) for k in ks]
    if kind == "months":
        return [same_day_months_later(anchor, k * step) for k in ks]
    # semi-monthly: the anchor itself is one of the candidate dates
    on_or_after = (c for c in semi_monthly_candidates(anchor) if c >= anchor)
    return list(itertools.islice(on_or_after, ks.start, ks.start + n))


# ------------------------------------------------------------ day count ---

def periods_per_year(freq):
    kind, step = parse_frequency(freq)
    if (kind, step) == ("days", 7):      # weekly, also spelled every-7-days
        return Fraction(52)
    if (kind, step) == ("days", 14):     # biweekly
        return Fraction(26)
    if kind == "days":
        return Fraction(365, step)
    if kind == "semi":
        return Fraction(24)
    return Fraction(12, step)


def days_30e_360(start, end):
    d1 = min(start.day, 30)
    d2 = min(end.day, 30)
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)


def year_fraction(day_count, freq, start, end):
    if day_count == "periodic":
        return 1 / periods_per_year(freq)
    if day_count == "actual/365":
        return Fraction((end - start).days, 365)
    if day_count == "30/360":
        return Fraction(days_30e_360(start, end), 360)
    raise ValueError(day_count)


# ------------------------------------------------------------- schedule ---

def to_minor(x, minor_units):
    """Round an exact, non-negative Fraction half away from zero to
    `minor_units` decimals, returning a decimal.Decimal with exactly that
    many decimals.  The half-way test is done on the exact remainder, so an
    exact midpoint (e.g. 2.5 with 0 decimals) always goes up."""
    assert x >= 0
    scaled = x * 10 ** minor_units
    whole, remainder = divmod(scaled.numerator, scaled.denominator)
    if 2 * remainder >= scaled.denominator:
        whole += 1
    quantum = Decimal(1).scaleb(-minor_units)
    return Decimal(whole).scaleb(-minor_units).quantize(quantum, rounding=ROUND_HALF_UP)


def schedule(v):
    amount = Fraction(Decimal(v["amount"]))
    annual = Fraction(Decimal(v["rate"])) / 100
    n, grace, mu = v["n"], v["grace"], v["minor_units"]
    disbursed = dt.date.fromisoformat(v["disbursed"])
    first_due = dt.date.fromisoformat(v["first_due"]) if v["first_due"] else None
    dates = schedule_dates(v["frequency"], disbursed, first_due, n)
    starts = [disbursed] + dates[:-1]

    amortizing = n - grace
    method = v["method"]
    if method == "declining-balance":
        i = annual / periods_per_year(v["frequency"])
        if i == 0:
            payment = amount / amortizing
        else:
            payment = amount * i / (1 - (1 + i) ** -amortizing)   # textbook PMT
        payment = Fraction(to_minor(payment, mu))
    else:
        part = Fraction(to_minor(amount / amortizing, mu))

    rows = []
    balance = amount
    for k, (start, end) in enumerate(zip(starts, dates)):
        rate_k = annual * year_fraction(v["day_count"], v["frequency"], start, end)
        base = amount if method == "flat" else balance
        interest = Fraction(to_minor(base * rate_k, mu))
        if k < grace:
            principal = Fraction(0)
        elif k == n - 1:
            principal = balance                    # last one absorbs rounding
        elif method == "declining-balance":
            principal = min(max(payment - interest, Fraction(0)), balance)
        else:
            principal = min(part, balance)
        balance -= principal
        rows.append((end, to_minor(principal, mu), to_minor(interest, mu)))
    assert balance == 0
    assert sum(Fraction(p) for _, p, _ in rows) == amount
    return rows


# -------------------------------------------------------------- vectors ---

VECTORS = [
    dict(
        name="usd_1000_monthly_12pct_declining",
        why="textbook annuity: 1000 USD, 12 monthly payments, 12%/year "
            "(PMT 88.85, first interest 10.00, first principal 78.85)",
        amount="1000", rate="12", n=12, frequency="monthly",
        method="declining-balance", disbursed="2026-01-15", first_due=None,
        grace=0, day_count="periodic", minor_units=2,
    ),
    dict(
        name="ugx_1500000_monthly_30pct_declining",
        why="0-decimal currency (UGX) annuity",
        amount="1500000", rate="30", n=12, frequency="monthly",
        method="declining-balance", disbursed="2026-01-31", first_due=None,
        grace=0, day_count="periodic", minor_units=0,
    ),
    dict(
        name="ugx_1500000_weekly_30pct_flat",
        why="flat method, weekly, 0-decimal currency",
        amount="1500000", rate="30", n=16, frequency="weekly",
        method="flat", disbursed="2026-03-02", first_due=None,
        grace=0, day_count="periodic", minor_units=0,
    ),
    dict(
        name="pen_5000_biweekly_36pct_equal_principal",
        why="declining balance with equal principal, biweekly, PEN",
        amount="5000.00", rate="36", n=10, frequency="biweekly",
        method="declining-balance-equal-principal", disbursed="2026-02-10",
        first_due=None, grace=0, day_count="periodic", minor_units=2,
    ),
    dict(
        name="usd_2400_quarterly_18pct_grace2_declining",
        why="quarterly annuity with 2 interest-only installments, explicit first due date",
        amount="2400", rate="18", n=8, frequency="quarterly",
        method="declining-balance", disbursed="2025-11-20", first_due="2026-02-28",
        grace=2, day_count="periodic", minor_units=2,
    ),
    dict(
        name="kes_80000_monthly_24pct_actual365_declining",
        why="actual/365 with a short first period and month-end clamping (first due Jan 31)",
        amount="80000", rate="24", n=6, frequency="monthly",
        method="declining-balance", disbursed="2026-01-05", first_due="2026-01-31",
        grace=0, day_count="actual/365", minor_units=0,
    ),
    dict(
        name="usd_1200_semimonthly_20pct_30e360_equal_principal_grace1",
        why="semi-monthly dates, 30E/360 day count, equal principal, 1 grace installment",
        amount="1200.00", rate="20", n=8, frequency="semi-monthly",
        method="declining-balance-equal-principal", disbursed="2027-12-20",
        first_due="2028-01-31", grace=1, day_count="30/360", minor_units=2,
    ),
    dict(
        name="xof_250000_every10days_flat_actual365_grace2",
        why="every-N-days flat loan with actual/365 and grace",
        amount="250000", rate="27.5", n=9, frequency="every-10-days",
        method="flat", disbursed="2028-02-20", first_due=None,
        grace=2, day_count="actual/365", minor_units=0,
    ),
    dict(
        name="kwd_3000_every2months_9pct_declining",
        why="3-decimal currency (KWD), every-2-months annuity from a Feb 29 disbursal",
        amount="3000.125", rate="9", n=6, frequency="every-2-months",
        method="declining-balance", disbursed="2028-02-29", first_due=None,
        grace=0, day_count="periodic", minor_units=3,
    ),
    dict(
        name="usd_1000_monthly_0pct_declining",
        why="zero rate: no interest, equal principal via PMT = P/n",
        amount="1000.00", rate="0", n=7, frequency="monthly",
        method="declining-balance", disbursed="2026-05-31", first_due=None,
        grace=0, day_count="periodic", minor_units=2,
    ),
]

FIELDS = [
    ("amount", "amount"), ("annual_rate_percent", "rate"), ("installments", "n"),
    ("frequency", "frequency"), ("method", "method"), ("disbursed", "disbursed"),
    ("first_due", "first_due"), ("grace", "grace"), ("day_count", "day_count"),
    ("minor_units", "minor_units"),
]


def write(v):
    rows = schedule(v)
    lines = [
        "# Reference schedule produced by tests/reference/make_vectors.py",
        "# (independent Python implementation: exact fractions, decimal ROUND_HALF_UP).",
        f"# Purpose: {v['why']}",
    ]
    for key, src in FIELDS:
        value = v[src]
        lines.append(f"# {key}: {'none' if value is None else value}")
    lines.append("date,principal,interest")
    for date, principal, interest in rows:
        lines.append(f"{date.isoformat()},{principal},{interest}")
    path = OUT_DIR / f"{v['name']}.csv"
    path.write_text("\n".join(lines) + "\n")
    print(f"wrote {path.name}: {len(rows)} installments")


# --------------------------------------------------------- random cases ---

RANDOM_SEED = 20260115
RANDOM_COUNT = 150
RANDOM_DIR = OUT_DIR / "random"


def random_terms(rng, case):
    """Pseudo-random valid terms (fixed seed, so the file is reproducible)."""
    minor_units = rng.choice([0, 0, 2, 2, 3])
    # 0.001 .. 10,000,000 in the currency's minor unit
    amount = Decimal(rng.randint(1, 10 ** (7 + minor_units))).scaleb(-minor_units)
    n = rng.randint(1, 36)
    frequency = rng.choice([
        "weekly", "biweekly", "every-10-days", "every-28-days", "semi-monthly",
        "monthly", "every-2-months", "quarterly", "every-6-months",
    ])
    disbursed = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 3 * 366))
    # bias towards month ends, where the date rules are interesting
    if rng.random() < 0.3:
        last = calendar.monthrange(disbursed.year, disbursed.month)[1]
        disbursed = disbursed.replace(day=rng.randint(max(1, last - 3), last))
    first_due = None
    if rng.random() < 0.5:
        first_due = disbursed + dt.timedelta(days=rng.randint(1, 75))
    return dict(
        name=f"case{case:03}",
        amount=str(amount),
        rate=str(rng.choice([Decimal(0), Decimal(rng.randint(0, 6000)).scaleb(-2),
                             Decimal(rng.randint(0, 60))])),
        n=n,
        frequency=frequency,
        method=rng.choice(["declining-balance", "declining-balance-equal-principal", "flat"]),
        disbursed=disbursed.isoformat(),
        first_due=first_due.isoformat() if first_due else None,
        grace=rng.choice([0, 0, rng.randint(0, n - 1)]),
        day_count=rng.choice(["periodic", "actual/365", "30/360"]),
        minor_units=minor_units,
    )


def write_random():
    rng = random.Random(RANDOM_SEED)
    keys = [key for key, _ in FIELDS]
    header = [
        "# Pseudo-random reference schedules produced by tests/reference/make_vectors.py",
        f"# (random.Random({RANDOM_SEED}), {RANDOM_COUNT} cases; same independent Python",
        "# implementation as the other CSVs). terms.csv has one line per case,",
        "# schedules.csv one line per installment (k counts from 1).",
    ]
    terms_lines = header + ["case," + ",".join(keys)]
    schedule_lines = header + ["case,k,date,principal,interest"]
    for case in range(RANDOM_COUNT):
        v = random_terms(rng, case)
        values = ["none" if v[src] is None else str(v[src]) for _, src in FIELDS]
        terms_lines.append(",".join([v["name"], *values]))
        for k, (date, principal, interest) in enumerate(schedule(v), start=1):
            schedule_lines.append(f"{v['name']},{k},{date.isoformat()},{principal},{interest}")
    RANDOM_DIR.mkdir(exist_ok=True)
    (RANDOM_DIR / "terms.csv").write_text("\n".join(terms_lines) + "\n")
    (RANDOM_DIR / "schedules.csv").write_text("\n".join(schedule_lines) + "\n")
    print(f"wrote random/: {RANDOM_COUNT} cases, {len(schedule_lines) - len(header) - 1} installments")


if __name__ == "__main__":
    for vector in VECTORS:
        write(vector)
    write_random()
