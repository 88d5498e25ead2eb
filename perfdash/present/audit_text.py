"""An audit entry's old and new values (stored as JSON) as a sentence a person reads: 姓名：李自坚；角色：领导."""

from __future__ import annotations

import json
import re

from perfdash.core.access import ROLE_LABELS
from perfdash.workflows.claims import STATES

# Every key the write path puts in an audit value, in the words of the pages.
KEY_LABELS: dict[str, str] = {
    "actual": "实际",
    "actuals": "实际值",
    "added": "新增",
    "base": "依据",
    "bytes": "字节数",
    "category": "目标类别",
    "changed": "修改",
    "check": "校验项",
    "claim_id": "核验编号",
    "closed": "已办结",
    "code": "编号",
    "completion_pct": "完成率",
    "coordinate": "需协调",
    "deadline": "完成时限",
    "disabled": "已停用",
    "display_name": "姓名",
    "due": "时限",
    "email": "邮箱",
    "error": "错误",
    "evidence_id": "材料编号",
    "expected": "应为",
    "file": "文件",
    "folder": "目录",
    "group": "目标组",
    "h": "小时",
    "indicator": "一级指标",
    "item": "清单项",
    "indicator_code": "指标编号",
    "indicator_points": "指标分值",
    "kind": "类型",
    "label": "用途",
    "leaders": "分管领导",
    "level": "等级",
    "locked": "已锁定",
    "measures": "措施",
    "message": "说明",
    "name": "名称",
    "note": "说明",
    "ok": "通过",
    "organization": "单位",
    "password_hash": "密码",
    "persons": "责任人",
    "phone": "电话",
    "points": "分值",
    "problems": "问题",
    "proposed_score": "自评得分",
    "removed": "删除",
    "report_date": "填报日期",
    "revoked": "已吊销",
    "role": "角色",
    "rules": "评分规则",
    "scope": "科室/领导",
    "section": "科室",
    "sections": "责任科室",
    "selected": "入选",
    "signed_by": "审签人",
    "source": "来源",
    "source_note": "出处",
    "state": "核验状态",
    "status": "状态",
    "subject": "对象",
    "summary": "小结",
    "target": "目标",
    "text": "内容",
    "title": "标题",
    "units": "所属单位",
    "values": "取值",
    "what": "督办事项",
    "withdrawn": "已撤回",
}
VALUE_LABELS: dict[str, str] = {
    **ROLE_LABELS,
    "email": "邮件",
    "webhook": "工作群",
    "dingtalk": "钉钉群",
    "wecom": "企业微信群",
    "direct": "直接填报",
    **STATES,  # a claim's state (核验)
}
_IDENT = re.compile(r"^[a-z][a-z_]*$")
MAX_CHARS = 300  # one cell: longer sentences end in …


def _value(value: object) -> str:
    if value is None:
        return "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "、".join(_value(v) for v in value) if value else "无"
    if isinstance(value, dict):
        return "，".join(f"{_key(k)} {_value(v)}" for k, v in value.items()) or "无"
    text = str(value)
    return VALUE_LABELS.get(text, text) if _IDENT.match(text) else text


def _key(key: str) -> str:
    return KEY_LABELS.get(key, key if not _IDENT.match(key) else "其他")


def sentence(stored: str | None) -> str:
    """The stored JSON of an audit value as 键：值；键：值 (empty when there is none)."""
    if stored is None or stored == "":
        return ""
    try:
        value = json.loads(stored)
    except ValueError:
        return stored
    if isinstance(value, dict):
        text = "；".join(f"{_key(k)}：{_value(v)}" for k, v in value.items()) or "无"
    else:
        text = _value(value)
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"
