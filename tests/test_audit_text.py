"""Audit values as sentences, and display tables without gaps."""

from __future__ import annotations

import json

import pandas as pd

from perfdash.present import audit_text, tables


def test_an_account_entry_reads_as_a_sentence():
    stored = json.dumps({"display_name": "李自坚", "role": "leader", "email": None, "units": ["泉州市教育局"]})
    assert audit_text.sentence(stored) == "姓名：李自坚；角色：领导；邮箱：无；所属单位：泉州市教育局"


def test_nested_values_booleans_channels_and_unknown_keys():
    assert audit_text.sentence(json.dumps({"closed": True, "note": "已办"})) == "已办结：是；说明：已办"
    assert audit_text.sentence(json.dumps({"actuals": {"rate": 95.0}})) == "实际值：其他 95"
    assert audit_text.sentence(json.dumps("email")) == "邮件"
    assert audit_text.sentence(json.dumps(2.5)) == "2.5"
    assert audit_text.sentence(None) == audit_text.sentence("") == ""
    assert audit_text.sentence(json.dumps({"text": "长" * 400})).endswith("…")


def test_an_audit_table_shows_no_json():
    frame = pd.DataFrame(
        {
            "logged_at": ["2025-11-21 10:00:00"],
            "actor": ["绩效办"],
            "action": ["创建账户"],
            "entity_key": ["l_0"],
            "old_value": [None],
            "new_value": [json.dumps({"display_name": "李自坚", "role": "leader"})],
        }
    )
    shown = tables.audit(frame)
    assert shown.loc[0, "新值"] == "姓名：李自坚；角色：领导"
    assert shown.loc[0, "原值"] == ""


def test_gaps_become_a_dash_and_percents_stay_percents():
    frame = pd.DataFrame({"科室": ["甲", "乙"], "完成率": [85.53, None], "得分": [2.5, float("nan")], "项": [3, 4]})
    shown = tables.without_gaps(frame, percent=["完成率"])
    assert shown["完成率"].tolist() == ["86%", "—"]
    assert shown["得分"].tolist() == ["2.5", "—"]
    assert shown["项"].tolist() == [3, 4]  # a column without gaps keeps its numbers
