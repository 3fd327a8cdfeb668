#!/usr/bin/env python3
"""The honest peer: what a partner's data person would write instead of kiva-drafts.

A pandas script for the flat export layout of samples/flat/ (and of
`examples/synth.rs --shape flat`): one row per installment, per member for group
loans; `;`-separated UTF-8 with a BOM, a title row and a blank line above the header,
amounts with a space for thousands ("150 000"), dates dd/mm/yyyy, a totals row at the
end. It does the same job as

    kiva-drafts convert FILE.csv --template templates/flat.toml --out DIR

read the CSV with the right decimal and date handling, group rows into loans, take
each member once (by client code) with her amount, sum the installments per due date,
and write one loan_draft JSON per loan. It does not do what a careful tool must (no
row accounting, no checks against Kiva's rules, no error per cell, no summary or
review page, no streaming), so it is a lower bound on the work, which is the point:
`scripts/bench.sh` runs it side by side with `convert` and reports the ratio and both
peak memories.

    python3 -m venv /tmp/pandasvenv && /tmp/pandasvenv/bin/pip install pandas
    /tmp/pandasvenv/bin/python scripts/peer_pandas.py export.csv out_dir
"""

import json
import os
import sys

import pandas as pd

LOAN = "N° Prêt"
GROUP = "Nom du groupe"
CLIENT = "Code client"


def header_row(path: str) -> int:
    """Lines above the header (title rows, blank lines): the first line naming the key."""
    with open(path, encoding="utf-8-sig") as f:
        for n, line in enumerate(f):
            if line.startswith(LOAN):
                return n
    raise SystemExit(f"{path}: no header line starting with '{LOAN}'")


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit("usage: peer_pandas.py EXPORT.csv OUT_DIR")
    path, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    df = pd.read_csv(
        path,
        sep=";",
        encoding="utf-8-sig",
        skiprows=header_row(path),
        decimal=",",
        thousands=" ",
        dtype={LOAN: str, CLIENT: str, GROUP: str},
        keep_default_na=False,
        na_values={"Montant": [""], "Capital": [""], "Intérêts": [""]},
    )
    # The totals row and anything without a loan number or client.
    df = df[(df[LOAN] != "") & (df[CLIENT] != "")]
    for column in ("Date de décaissement", "Date d'échéance"):
        df[column] = pd.to_datetime(df[column], format="%d/%m/%Y").dt.strftime("%Y-%m-%d")
    for key, rows in df.groupby(LOAN, sort=False):
        members = rows.drop_duplicates(CLIENT)
        schedule = (
            rows.groupby("Date d'échéance", sort=True)[["Capital", "Intérêts"]].sum().reset_index()
        )
        purposes = list(dict.fromkeys(members["Objet du prêt"]))
        draft = {
            "currency": "XOF",
            "disburse_time": rows["Date de décaissement"].iloc[0],
            "loanuse": "; ".join(purposes),
        }
        if len(members) > 1:
            draft["group_name"] = rows[GROUP].iloc[0]
            draft["internal_client_id"] = ", ".join(members[CLIENT])
            draft["internal_loan_id"] = key
            draft["not_pictured"] = [False] * len(members)
        draft["entreps"] = [
            {
                "first_name": m["Prénom"],
                "last_name": m["Nom"],
                "gender": "female" if m["Genre"] == "Femme" else "male",
                "client_id": m[CLIENT],
                "amount": int(m["Montant"]),
            }
            for m in members.to_dict("records")
        ]
        draft["schedule"] = [
            {"date": d, "principal": int(p), "interest": int(i)}
            for d, p, i in schedule.itertuples(index=False)
        ]
        with open(os.path.join(out, f"{key}.json"), "w", encoding="utf-8") as f:
            json.dump(draft, f, ensure_ascii=False, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
