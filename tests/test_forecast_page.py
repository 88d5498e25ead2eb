"""年终预测 through AppTest: leaders see the forecast without its technical settings; the office
finds draws, seed and the backtest (Brier score) in the 方法与可靠性 expander."""

from __future__ import annotations

from google.protobuf.json_format import MessageToJson
from streamlit.testing.v1 import AppTest

from perfdash.workflows import forecast
from tests.fixtures import signed_in

# The settings and the backtest; "模拟次数" itself stays as the histogram's y axis (simulations per bin).
TECHNICAL = ("随机种子", "Brier", "回测", "10,000 次", "10000")


def _text(node) -> str:
    """Every label and text under a node (an AppTest, or one block such as an expander), as shown."""
    parts = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(MessageToJson(proto, ensure_ascii=False))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(node.main if isinstance(node, AppTest) else node)
    return "\n".join(parts)


def test_a_leader_sees_the_forecast_without_the_method(db):
    at = signed_in("pages/forecast.py", "leader", "林长华").run()
    assert not at.exception, at.exception
    assert "预测总分" in [m.label for m in at.metric]
    assert at.get("plotly_chart")  # the distribution of the total
    shown = _text(at)
    assert "预测，非正式结果" in shown
    assert [word for word in TECHNICAL if word in shown] == []
    assert "方法与可靠性" not in [e.label for e in at.expander]
    assert not at.number_input and not at.toggle  # no 模拟次数 / 随机种子 inputs, no backtest switch


def test_the_office_finds_the_method_in_its_expander(db):
    at = signed_in("pages/forecast.py").run()
    assert not at.exception, at.exception
    method = next(e for e in at.expander if e.label == "方法与可靠性")
    assert at.number_input(key="fc_draws").value == forecast.DRAWS
    assert at.number_input(key="fc_seed").value == forecast.SEED
    inside = _text(method)
    assert "模拟次数" in inside and "随机种子" in inside and "Brier 分数" in inside
    # The forecast itself stands above the expander, outside it.
    assert method.get("metric") == [] and "预测总分" in [m.label for m in at.metric]
    at.toggle(key="fc_backtest").set_value(True).run()
    assert not at.exception, at.exception
    assert "等次概率的 Brier 分数" in [m.label for m in at.metric]


def test_leader_and_office_see_the_same_forecast(db):
    """The leader's page runs the fixed simulation the office's settings start from."""
    leader = signed_in("pages/forecast.py", "leader", "林长华").run()
    office = signed_in("pages/forecast.py").run()
    assert {m.label: m.value for m in leader.metric} == {
        m.label: m.value for m in office.metric if m.label.endswith(("预测总分", "的概率"))
    }
