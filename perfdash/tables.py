"""Display tables: DataFrame in, DataFrame with Chinese headers and formatted values out."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from perfdash import fmt


def upload_errors(errors: Sequence[object]) -> pd.DataFrame:
    """Upload problems as rows: file, row, column, problem."""
    return pd.DataFrame(
        {
            "文件": [e.file for e in errors],
            "行": [e.row if e.row is not None else "" for e in errors],
            "列": [e.column or "" for e in errors],
            "问题": [e.message for e in errors],
        }
    ).astype({"行": str})


def changes(diff: pd.DataFrame) -> pd.DataFrame:
    """A batch's changes: target, from → to."""
    return pd.DataFrame(
        {
            "编号": diff["code"],
            "年度工作目标": diff["target"].str.slice(0, 40),
            "填报日期": [fmt.day(d) for d in diff["report_date"]],
            "完成率变化": [
                f"{fmt.pct(a)} → {fmt.pct(b)}" for a, b in zip(diff["old_pct"], diff["new_pct"], strict=True)
            ],
            "状态变化": [
                f"{a} → {b}" if a != b else b for a, b in zip(diff["old_status"], diff["new_status"], strict=True)
            ],
            "说明": diff["note"],
            "有变化": diff["changed"],
        }
    )


def report_log(log: pd.DataFrame) -> pd.DataFrame:
    """Progress reports, newest first."""
    return pd.DataFrame(
        {
            "编号": log["code"],
            "填报日期": [fmt.day(d) for d in log["report_date"]],
            "完成率": [fmt.pct(x) for x in log["completion_pct"]],
            "状态": log["status"],
            "说明": log["note"],
            "填报人": log["reporter"],
            "记录时间": [str(t)[:19] for t in log["recorded_at"]],
        }
    )


def target_history(history: pd.DataFrame) -> pd.DataFrame:
    """One target's timeline as a table, oldest first."""
    return pd.DataFrame(
        {
            "填报日期": [fmt.day(d) for d in history["report_date"]],
            "完成率": [fmt.pct(x) for x in history["completion_pct"]],
            "序时进度": [fmt.pct(x) for x in history["expected_pct"]],
            "状态": history["status"],
            "说明": history["note"],
            "填报人": history["reporter"],
            "记录时间": [str(t)[:19] for t in history["recorded_at"]],
            "演示数据": history["is_demo"],
        }
    )
