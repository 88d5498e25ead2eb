"""Numeric commitments (量化指标): extraction rules, the hand-checked 2025 list, completion, and the kpis command.

Labelling rules for tests/data/expected_kpis_2025.json (written by reading all 61 target texts, before the
extractor was tuned):

1. A commitment is a number with a measure word (个 所 场 名 人 项 家 条 轮 人次 场次 元 …) or a percent that says
   how much the target must deliver or reach. A bare count with no comparator is a commitment with "=":
   "确认30所…新优校" is = 30 所.
2. Comparators: 不少于 / 至少 / 不低于 / 以上 / 达 / 达到 / 增加至 (and 余 / 多 as in 二十余场) are ">=";
   以内 / 不超过 / 以下 / 控制在 are "<="; everything else "=". 达100% is therefore ">= 100 %", while
   "100%全覆盖" and "“两个覆盖”100%" (no comparator word) are "= 100 %".
3. 万 / 亿 are expanded and dropped from the unit: 2万个 = 20000 个, 8.6万个 = 86000 个, 750万元 = 7500000 元.
4. Participant counts are commitments too: in "6所高校新增…充电设施410个" both 6 所 and 410 个 count, and
   "12所优质高中对口帮扶12所县域高中" has two 12 所. So do the sites of a task ("中考117个考点").
5. "每个县（市）至少有1所一级达标高中" is >= 1 所 (per county); the per-unit scope goes into the subject.
6. In a 、 list an item that is only a quantity keeps the comparator before the list:
   "建设至少3个智慧教育试点区、30所智慧校园试点校" is >= 3 个 and >= 30 所.
7. Chinese numerals count when they are quantities (两轮 = 2 轮), not in set phrases or names (八项规定, 一条龙,
   一件事, 五大行动计划, 新一轮, 一级达标高中).
8. Not commitments: years (2025年, 2025秋季), ordinals (第十八中学, 第二届, 第十五届, 第二附属小学, 首批), numbers
   inside quoted names (“5G+专递课堂”, “两个覆盖”, “两项督导”, “三清”), durations used as names (课间15分钟改革),
   hotline numbers (12345政务服务热线), page references (第3页), points marks （5分）, baselines (从5所…).
9. A range (3-5所, 200至300人次) is two commitments: >= the low end and <= the high end.
10. Named sites without a numeral ("建成投用泉州市实验小学大兴校区、…东海分校和…大兴园区") are not counted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfdash.plan import kpis, read_plan
from perfdash.plan.kpis import KPI_KEYS, Kpi, extract, extract_plan, kpi_completion, match, parse_cn_number

ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = ROOT / "data" / "quanzhou_edu_2025_plan.txt"
EXPECTED = json.loads((Path(__file__).parent / "data" / "expected_kpis_2025.json").read_text(encoding="utf-8"))
MIN_PRECISION = MIN_RECALL = 0.9

TEXT_1_1_3 = (
    "完善校园交通安全体系，完成我市473所中小学校园周边及内部道路交通安全设施提升、"
    "6所高校新增电动自行车充电设施410个、改造电动自行车充电设施591个。"
)


@pytest.fixture(scope="module")
def real_plan():
    return read_plan(PLAN_FILE)


def triples(text: str) -> list[tuple[float, str, str]]:
    return [(k.value, k.unit, k.comparator) for k in extract("x", text)]


# ---------------------------------------------------------------------------
# 1. Extraction rules, one table per rule

COMPARATOR_CASES = [
    ("开展不少于20场教育教学开放活动", [(20, "场", ">=")]),
    ("打造至少20个市级幼儿园教育发展共同体", [(20, "个", ">=")]),
    ("推动高校新增专业布点30个以上", [(30, "个", ">=")]),
    ("全市新增创建2所以上省级达标高中", [(2, "所", ">=")]),
    ("推动高校毕业生就业率不低于95%", [(95, "%", ">=")]),
    ("巩固义务教育残疾儿童入学率达100%", [(100, "%", ">=")]),
    ("普高计划总数增加至8.6万个", [(86_000, "个", ">=")]),
    ("办结时限不超过5个工作日", [(5, "个工作日", "<=")]),
    ("群众投诉率控制在3%以内", [(3, "%", "<=")]),
    ("平均每班学生数45人以下", [(45, "人", "<=")]),
    ("确认30所泉州市初中教育综合改革新优校", [(30, "所", "=")]),
    ("至少开展两轮实地检查", [(2, "轮", ">=")]),
    ("全年举办展演活动二十余场", [(20, "场", ">=")]),
    ("组织至少100人参加第二届教育局长读书班", [(100, "人", ">=")]),
]

WAN_CASES = [
    ("2025秋季全市建成投用中学学位2万个", [(20_000, "个", "=")]),
    ("培训人次不少于5万人次", [(50_000, "人次", ">=")]),
    ("安排市级财政配套资金750万元", [(7_500_000, "元", "=")]),
    ("新增投资1.5亿元", [(150_000_000, "元", "=")]),
    ("新增学位1,200个", [(1_200, "个", "=")]),
]

PERCENT_CASES = [
    ("落实义务教育免试就近入学和均衡编班100%全覆盖", [(100, "%", "=")]),
    ("持续巩固提升随迁子女公办小学就读比例在95%以上", [(95, "%", ">=")]),
    ("满意率不低于百分之九十五", [(95, "%", ">=")]),
    ("覆盖率达到９８．５％", [(98.5, "%", ">=")]),
    ("持续推进教育领域党组织“两个覆盖”100%", [(100, "%", "=")]),
]

SEVERAL_CASES = [
    (TEXT_1_1_3, [(473, "所", "="), (6, "所", "="), (410, "个", "="), (591, "个", "=")]),
    ("发布“海丝泉州 行走的思政课”6个主题16条研学线路", [(6, "个", "="), (16, "条", "=")]),
    ("巩固提升全市学前教育公办率在60%以上、普惠率在90%以上", [(60, "%", ">="), (90, "%", ">=")]),
    ("推动12所优质高中对口帮扶12所县域高中", [(12, "所", "="), (12, "所", "=")]),
    ("建设至少3个智慧教育试点区、30所智慧校园试点校", [(3, "个", ">="), (30, "所", ">=")]),
    ("做好中考117个考点、高考53个考点相关考务组织工作", [(117, "个", "="), (53, "个", "=")]),
    (
        "计划新建幼儿园3-5所，培训教师200至300人次",
        [(3, "所", ">="), (5, "所", "<="), (200, "人次", ">="), (300, "人次", "<=")],
    ),
    ("新建学校３０所，组织两场专题培训", [(30, "所", "="), (2, "场", "=")]),
]

NOT_COMMITMENTS = [
    "开展2025年“教育家精神伴我行”主题活动，公布2025年泉州市“教育世家”",
    "实施第十八中学校区修缮提升工程，指导泉州第十八中学组织学生参加中考",
    "组织参加第二届教育局长读书班暨第十五届凯辉校长读书班",
    "持续深化“5G+专递课堂”“名师课堂”建设，组建首批人工智能应用专家指导团队",
    "推动全市小学及独立初中校完成课间 15分钟改革",
    "提升12345政务服务热线群众诉求办理质量",
    "扎实推进深入贯彻中央八项规定精神学习教育，全面推进“三清”校园建设工作",
    "开展青少年体育人才“一条龙”贯通培养，全面推进教育入学“一件事”改革",
    "新增院校入选新一轮国家级“双高计划”建设单位，推动每个县（市）创建一级达标高中",
    "实施“加强新时代泉州市中小学科学教育工作五大行动计划”",
    "详见第3页，评分标准（5分）",
    "推进统一招生平台建设，进一步提升服务",
    "对县（市、区）开展“两项督导”网络评估",
]


@pytest.mark.parametrize(("text", "expected"), COMPARATOR_CASES, ids=[c[0] for c in COMPARATOR_CASES])
def test_comparators(text, expected):
    assert triples(text) == expected


@pytest.mark.parametrize(("text", "expected"), WAN_CASES, ids=[c[0] for c in WAN_CASES])
def test_wan_is_expanded(text, expected):
    assert triples(text) == expected


@pytest.mark.parametrize(("text", "expected"), PERCENT_CASES, ids=[c[0] for c in PERCENT_CASES])
def test_percentages(text, expected):
    assert triples(text) == expected


@pytest.mark.parametrize(("text", "expected"), SEVERAL_CASES, ids=[c[0][:20] for c in SEVERAL_CASES])
def test_several_numbers_in_one_sentence(text, expected):
    assert triples(text) == expected


@pytest.mark.parametrize("text", NOT_COMMITMENTS)
def test_numbers_that_are_not_commitments(text):
    assert extract("x", text) == []


def test_years_and_ordinals_left_out_next_to_real_commitments():
    text = "2025秋季全市建成投用中学学位2万个。支持泉州师范学院第二附属小学承办活动，新建校园足球场地22个。"
    assert triples(text) == [(20_000, "个", "="), (22, "个", "=")]


def test_each_county_at_least_one():
    [kpi] = extract("1-1-2", "推动每个县（市）至少有1所一级达标高中。")
    assert (kpi.value, kpi.unit, kpi.comparator) == (1, "所", ">=")
    assert kpi.subject == "一级达标高中（每个县（市））"
    assert kpi.phrase == "推动每个县（市）至少有1所一级达标高中"


def test_phrase_and_subject_of_1_1_3():
    rows = [(k.value, k.subject, k.phrase) for k in extract("1-1-3", TEXT_1_1_3)]
    assert rows[0] == (
        473,
        "中小学校园周边及内部道路交通安全设施提升",
        "完成我市473所中小学校园周边及内部道路交通安全设施提升",
    )
    assert rows[2] == (410, "电动自行车充电设施", "6所高校新增电动自行车充电设施410个")
    assert rows[3] == (591, "电动自行车充电设施", "改造电动自行车充电设施591个")


def test_numberless_list_item_stays_in_the_phrase():
    [kpi] = extract("1-8-1", "在全市范围新建、改扩建校园足球场地22个。")
    assert kpi.phrase == "在全市范围新建、改扩建校园足球场地22个"
    assert kpi.subject == "校园足球场地"


@pytest.mark.parametrize(
    ("text", "value"),
    [("两", 2), ("十", 10), ("十五", 15), ("二十", 20), ("一百二十", 120), ("三千", 3000), ("一二", None), ("", None)],
)
def test_parse_cn_number(text, value):
    assert parse_cn_number(text) == value


def test_as_dict_keys_and_whole_values():
    kpi = Kpi("1-1-1", 20000.0, "个", "=", "中学学位", "建成投用中学学位2万个")
    d = kpi.as_dict()
    assert list(d) == [*KPI_KEYS, "subject"]
    assert d["value"] == 20000 and isinstance(d["value"], int)
    assert Kpi("x", 98.5, "%", ">=", "", "").as_dict()["value"] == 98.5


# ---------------------------------------------------------------------------
# 2. The published 2025 document against the hand-checked list


def test_ground_truth_is_consistent(real_plan):
    texts = {t.code: t.target for t in real_plan.targets}
    assert len(EXPECTED["kpis"]) == 78
    for row in EXPECTED["kpis"]:
        assert row["phrase"] in texts[row["code"]], row
        assert row["comparator"] in kpis.COMPARATORS, row


def test_real_document_precision_and_recall(real_plan, capsys):
    found = extract_plan(real_plan)
    result = match(found, EXPECTED["kpis"])
    with capsys.disabled():
        print(
            f"\n量化指标提取：精确率 {result.precision:.1%}，召回率 {result.recall:.1%}"
            f"（人工标注 {result.expected} 项，提取 {result.found} 项，匹配 {result.matched} 项）"
        )
        for k in result.false_positives:
            print(f"  误报 {k.code} {k.comparator} {kpis._num(k.value)}{k.unit}：{k.phrase}")
        for k in result.misses:
            print(f"  漏报 {k['code']} {k['comparator']} {k['value']}{k['unit']}：{k['phrase']}")
    assert result.precision >= MIN_PRECISION
    assert result.recall >= MIN_RECALL


def test_match_is_a_multiset_and_normalises_units():
    expected = [
        {"code": "1-3-1", "value": 12, "unit": "所", "comparator": "="},
        {"code": "1-3-1", "value": 12, "unit": "所", "comparator": "="},
        {"code": "1-2-2", "value": 95, "unit": "％", "comparator": ">="},
    ]
    found = [Kpi("1-3-1", 12, "所", "=", "", ""), Kpi("1-2-2", 95, "%", ">=", "", ""), Kpi("9", 1, "个", "=", "", "")]
    result = match(found, expected)
    assert (result.matched, len(result.false_positives), len(result.misses)) == (2, 1, 1)
    assert result.precision == pytest.approx(2 / 3) and result.recall == pytest.approx(2 / 3)


# ---------------------------------------------------------------------------
# 3. Completion from actuals


def test_completion_mean_capped_and_min():
    # 473 of 473 schools (1), 205 of 410 charging points (0.5), 700 of 591 retrofits (capped at 1).
    pairs = [(473, 473, "="), (410, 205, "="), (591, 700, "=")]
    assert kpi_completion(pairs) == pytest.approx(250 / 3)
    assert kpi_completion(pairs, method="min") == pytest.approx(50)


def test_completion_at_most():
    # <= 5 days met with 4 (1), missed with 10 (5/10 = 0.5); >= 100 % reached 90 % (0.9): mean 0.8.
    assert kpi_completion([(5, 4, "<="), (5, 10, "<="), (100, 90, ">=")]) == pytest.approx(80)
    assert kpi_completion([(0, 3, "<=")]) == 0
    assert kpi_completion([(0, 0, "<=")]) == 100


def test_completion_from_kpis_and_unknown_actuals():
    kpi = Kpi("1-1-3", 473, "所", "=", "", "")
    assert kpi_completion([(kpi, 236.5)]) == pytest.approx(50)
    assert kpi_completion([(kpi, 236.5), (Kpi("1-1-3", 410, "个", "=", "", ""), None)]) == pytest.approx(50)
    assert kpi_completion([(kpi, None)]) is None
    assert kpi_completion([]) is None
    assert kpi_completion([(0, 0, ">=")]) == 100


def test_completion_rejects_unknown_method_and_comparator():
    with pytest.raises(ValueError, match="计算方法"):
        kpi_completion([(1, 1, "=")], method="median")
    with pytest.raises(ValueError, match="比较符"):
        kpi_completion([(1, 1, ">")])


# ---------------------------------------------------------------------------
# 4. The command line (python -m perfdash kpis PATH [--json])


def test_main_json(capsys):
    assert kpis.main([str(PLAN_FILE), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 78
    assert all(list(r) == list(KPI_KEYS) for r in rows)
    rows_113 = [(r["value"], r["unit"], r["comparator"]) for r in rows if r["code"] == "1-1-3"]
    assert rows_113 == [(473, "所", "="), (6, "所", "="), (410, "个", "="), (591, "个", "=")]
    assert all(isinstance(r["value"], int) for r in rows if r["code"] == "1-1-3")
    assert {
        "code": "1-1-1",
        "value": 20000,
        "unit": "个",
        "comparator": "=",
        "phrase": "2025秋季全市建成投用中学学位2万个",
    } in rows
    assert {
        "code": "1-11-2",
        "value": 95,
        "unit": "%",
        "comparator": ">=",
        "phrase": "推动高校毕业生就业率不低于95%",
    } in rows


def test_main_table(capsys):
    assert kpis.main([str(PLAN_FILE)]) == 0
    out = capsys.readouterr().out
    assert "61 项目标中 35 项含量化指标，共 78 项" in out
    assert "473所" in out and "≥ 95%" in out and "20,000个" in out


def test_main_missing_file(tmp_path, capsys):
    assert kpis.main([str(tmp_path / "nope.txt"), "--json"]) == 2
    captured = capsys.readouterr()
    assert "找不到方案文件" in captured.err
    assert captured.out == ""
