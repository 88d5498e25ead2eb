"""量化指标 in use: each target's commitments (reviewed by the office, else extracted from its
text), the actuals reported against them, and the completion they give."""

from __future__ import annotations

from datetime import date

import pandas as pd

from perfdash.db.database import Database
from perfdash.plan import kpis

SOURCE_DIRECT, SOURCE_KPI = "填报", "量化指标"
COLUMNS = ["code", "seq", "value", "unit", "comparator", "subject", "phrase", "reviewed"]


def effective(store: Database, plan_id: int, codes: list[str] | None = None) -> pd.DataFrame:
    """Every target's commitments in force: the office's reviewed list where there is one, else
    what is extracted from the target's text (so an amended plan re-extracts by itself)."""
    texts = store.query("SELECT code, target_text FROM targets WHERE plan_id = $p ORDER BY seq", {"p": plan_id})
    if codes is not None:
        texts = texts[texts["code"].isin(codes)]
    reviewed = store.query(
        "SELECT code, seq, value, unit, comparator, subject, phrase FROM kpi_reviews WHERE plan_id = $p "
        "ORDER BY code, seq",
        {"p": plan_id},
    )
    done = set(reviewed["code"])
    rows = [r | {"reviewed": True} for r in reviewed.to_dict("records") if r["code"] in set(texts["code"])]
    for code, text in zip(texts["code"], texts["target_text"], strict=True):
        if code in done:
            continue
        for n, k in enumerate(kpis.extract(code, text), start=1):
            rows.append(
                {
                    "code": code,
                    "seq": n,
                    "value": k.value,
                    "unit": k.unit,
                    "comparator": k.comparator,
                    "subject": k.subject,
                    "phrase": k.phrase,
                    "reviewed": False,
                }
            )
    order = {c: i for i, c in enumerate(texts["code"])}
    df = pd.DataFrame(rows, columns=COLUMNS)
    return df.assign(_o=df["code"].map(order)).sort_values(["_o", "seq"]).drop(columns="_o").reset_index(drop=True)


def uses_kpis(store: Database, plan_id: int, code: str) -> bool:
    """Whether the office set a target's completion to come from its commitments."""
    return bool(
        store.scalar(
            "SELECT count(*) FROM completion_modes WHERE plan_id = $p AND code = $c AND mode = 'kpi'",
            {"p": plan_id, "c": code},
        )
    )


def with_actuals(store: Database, plan_id: int, as_of: date, codes: list[str] | None = None) -> pd.DataFrame:
    """The commitments in force with the latest actual reported by ``as_of`` and the share met."""
    mine = effective(store, plan_id, codes)
    latest = store.query(
        "SELECT code, phrase, arg_max(actual, (report_date, recorded_at)) AS actual, max(report_date) AS reported "
        "FROM kpi_actuals WHERE plan_id = $p AND report_date <= $a GROUP BY code, phrase",
        {"p": plan_id, "a": as_of},
    )
    out = mine.merge(latest, on=["code", "phrase"], how="left")
    out["met"] = [
        None if pd.isna(a) else kpis.kpi_completion([(v, float(a), c)])
        for v, a, c in zip(out["value"], out["actual"], out["comparator"], strict=True)
    ]
    return out


def completions(store: Database, plan_id: int, as_of: date, method: str = "mean_capped") -> dict[str, float]:
    """Completion % from commitments, for the targets whose completion is set to come from them
    and that have at least one actual."""
    modes = store.query("SELECT code FROM completion_modes WHERE plan_id = $p AND mode = 'kpi'", {"p": plan_id})
    codes = list(modes["code"])
    if not codes:
        return {}
    table = with_actuals(store, plan_id, as_of, codes)
    out = {}
    for code, part in table.groupby("code"):
        value = kpis.kpi_completion(
            [
                (v, None if pd.isna(a) else float(a), c)
                for v, a, c in zip(part["value"], part["actual"], part["comparator"], strict=True)
            ],
            method,
        )
        if value is not None:
            out[str(code)] = round(float(value), 1)
    return out
