"""Other bureaus' 绩效目标考评表 built by code, in the layouts they use, as Word files and three as
Excel workbooks, each with its truth: per target the text, points, deadline, sections, persons,
leaders, its indicator cell, the numbering it is written with and its row. Read by
tests/test_plan_foreign.py.

A layout is its table, one row a line, cells between " | ":
  * …        a target row (its truth is read from its cells by the layout's columns)
  = …        a heading written across the whole table
  text@3     a cell spanning three columns; ^ continues the vertical merge of the cell above
  a=>b       the cell shows a and means b (a deadline phrase and its ISO date, 100分=>100, a cell
             of sections and the sections it names); a deadline without => must be "N月底前"
  date:ISO   (Excel) a date cell; \\n a line break in the cell
A line starting with spaces and "|" continues the row above (the lines stay short)."""

from __future__ import annotations

import calendar
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from docx import Document
from openpyxl import Workbook

from tests.plan_variants import add_table

YEAR = 2026
MERGE = "^"


@dataclass
class Layout:
    """One bureau's 考评表: its table (rows of (text, columns spanned) cells), the lines above it,
    and the truth of each target. ``exact``: a reader can reasonably read every field exactly;
    ``refusable``: refusing it, saying what to do, is a right answer too."""

    name: str
    kind: str  # docx | xlsx
    unit: str
    title: str
    before: list[str]
    rows: list[list[tuple[str, int]]] = field(default_factory=list)
    truth: list[dict] = field(default_factory=list)
    exact: bool = True
    refusable: bool = False
    sheet: str = "Sheet1"

    def where(self, index: int) -> str:
        """Row ``index`` of the table as the reader names it (in Excel: the sheet's row)."""
        return f"第{index + (len(self.before) if self.kind == 'xlsx' else 0)}行"

    def data(self) -> bytes:
        return _docx(self) if self.kind == "docx" else _xlsx(self)


LAYOUTS: dict[str, Layout] = {}


def shown(cell: str) -> str:
    return cell.split("=>")[0].replace("\\n", "\n").removeprefix("date:")


def meant(cell: str) -> str:
    return cell.split("=>")[-1].removeprefix("date:")


def _deadline(cell: str) -> str:
    if "=>" in cell or cell.startswith("date:"):
        return meant(cell)
    m = re.fullmatch(r"(\d{1,2})月底前", cell)
    assert m, f"write the ISO date of {cell!r} after =>"
    month = int(m[1])
    return date(YEAR, month, calendar.monthrange(YEAR, month)[1]).isoformat()


def _names(cell: str) -> list[str]:
    return [n for n in re.split(r"、|\\n", meant(cell)) if n]


def layout(table: str) -> None:
    """Register a layout written as its first line "name | unit | columns | options" (columns: the
    fields of a target row in column order — no, text, points, due, sec, co, per, lead; any other
    name is a column not compared; options: xlsx, sheet=NAME, year_first, title_in_table,
    inexact, refusable), then its table."""
    meta, _, table = table.strip("\n").partition("\n")
    name, unit, cols, *rest = [part.strip() for part in meta.split("|")]
    opts = rest[0].split() if rest else []
    keys = cols.split()
    kind = "xlsx" if "xlsx" in opts else "docx"
    title = f"{YEAR}年度{unit}绩效目标考评表" if "year_first" in opts else f"{unit}{YEAR}年度绩效目标考评表"
    before = ["附件2"] if "title_in_table" in opts else ["附件1" if kind == "xlsx" else "附件", title]
    out = Layout(name, kind, unit, title, before, exact="inexact" not in opts, refusable="refusable" in opts)
    out.sheet = next((o.removeprefix("sheet=") for o in opts if o.startswith("sheet=")), out.sheet)
    lines: list[str] = []
    for line in table.split("\n"):
        if re.match(r"\s+\|", line):
            lines[-1] += line.strip()
        else:
            lines.append(line.replace("TITLE", title))
    indicator = ("", 0)  # the indicator cell over the targets, and which it is
    for line in lines:
        target, heading = line.startswith("* "), line.startswith("= ")
        texts = [c.strip() for c in line.removeprefix("* ").removeprefix("= ").split("|")]
        if heading:
            out.rows.append([(texts[0], len(keys))])
            continue
        cells = [(c.rsplit("@", 1)[0], int(c.rsplit("@", 1)[1])) if re.search(r"@\d+$", c) else (c, 1) for c in texts]
        cells += [("", 1)] * (len(keys) - sum(span for _, span in cells))
        out.rows.append(cells)
        if target:
            v = dict(zip(keys, texts, strict=True))
            out.truth.append(
                {
                    "number": shown(v["no"]) if "no" in v else "",
                    "text": shown(v["text"]),
                    "points": float(meant(v["points"])),
                    "deadline": _deadline(v["due"]),
                    "sections": _names(v["sec"]) + _names(v.get("co", "")),
                    "persons": _names(v.get("per", "")),
                    "leaders": _names(v.get("lead", "")),
                    "row": len(out.rows),
                }
            )
            if "ind" in v:
                indicator = indicator if v["ind"] == MERGE else (v["ind"], indicator[1] + 1)
                out.truth[-1] |= {"indicator": indicator[0], "indicator_run": indicator[1]}
    LAYOUTS[name] = out


def _docx(lay: Layout) -> bytes:
    document = Document()
    for line in lay.before:
        document.add_paragraph(line)
    rows, above = [], {}  # grid column → the cell starting there in the row above
    for cells in lay.rows:
        row, starts, col = [], {}, 0
        for text, span in cells:
            if text == MERGE:
                first = above[col]
                first[2] = first[2] or "restart"
                row.append(["", first[1], "continue"])
                starts[col] = first
            else:
                row.append([shown(text), span, None])
                starts[col] = row[-1]
            col += row[-1][1]
        rows.append(row)
        above = starts
    add_table(document, rows)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _value(text: str) -> object:
    """A cell's value in Excel: a number as a number, date:ISO as a date, anything else as text."""
    if text.startswith("date:"):
        return datetime.fromisoformat(meant(text))
    value = shown(text)
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value) if "." in value else int(value)
    return value or None


def _xlsx(lay: Layout) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = lay.sheet
    width = max(sum(span for _, span in r) for r in lay.rows)
    for n, line in enumerate(lay.before, start=1):
        ws.cell(n, 1, line)
        if len(line) > 6:
            ws.merge_cells(start_row=n, start_column=1, end_row=n, end_column=width)
    merges: dict[tuple[int, int], list[int]] = {}  # first cell → [last row, last column]
    anchor: dict[int, tuple[int, int]] = {}  # column → the first cell of the range in it
    for i, cells in enumerate(lay.rows):
        r, col = len(lay.before) + i + 1, 1
        for text, span in cells:
            if text == MERGE:
                merges[anchor[col]][0] = r
                col = merges[anchor[col]][1] + 1
                continue
            ws.cell(r, col, _value(text))
            merges[(r, col)] = [r, col + span - 1]
            anchor[col] = (r, col)
            col += span
    for (r, c), (last_row, last_col) in merges.items():
        if (last_row, last_col) != (r, c):
            ws.merge_cells(start_row=r, start_column=c, end_row=last_row, end_column=last_col)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------
# The layouts

H7 = "编号 | 年度工作目标 | 分值 | 完成时限 | 责任科室 | 责任人 | 分管领导"
C7 = "no text points due sec per lead"

layout("""
letters | 某某市卫生健康委员会 | no text points std due sec per lead
编号 | 考核内容 | 分值 | 评分标准 | 完成时限 | 责任科室 | 责任人 | 分管领导
A | 党的建设 | 20
* A1 | 落实全面从严治党主体责任，党组会专题研究党建工作不少于4次 | 8 | 每少1次扣2分 | 12月底前 | 办公室 | 陈丽 | 王建国
* A2 | 开展党纪学习教育，组织全体党员集中学习12次以上 | 6 | 每少1次扣0.5分 | 11月底前 | 人事科 | 林峰 | 王建国
* A3 | 加强意识形态工作，每半年分析研判1次 | 6 | | 6月底前、12月底前=>2026-12-31 | 办公室 | 陈丽 | 王建国
B | 卫生健康业务 | 60
* B1 | 完成基本公共卫生服务项目绩效评价，65岁以上老年人健康管理率达到62% | 15 | | 12月底前 | 基层卫生科 | 黄海 | 张明
* B2 | 推进紧密型县域医共体建设，完成2个县域医共体评估 | 15 | | 9月底前 | 医政医管科 | 吴敏 | 张明
* B3 | 做好传染病防控，法定传染病报告及时率达到100% | 15 | | 全年=>2026-12-31 | 疾病预防控制科 | 郑强 | 李红
* B4 | 开展爱国卫生运动，创建省级卫生乡镇3个 | 15 | | 10月底前 | 爱卫办 | 刘洋 | 李红
C | 依法行政 | 20
* C1 | 办理人大代表建议、政协提案，按时办结率100% | 10 | | 8月底前 | 办公室、法规科 | 陈丽、周杰 | 王建国
* C2 | 推进“双随机、一公开”监管，抽查事项覆盖率100% | 10 | | 12月底前 | 综合监督科 | 孙悦 | 李红
""")

layout("""
letter_numbers | 某某市市场监督管理局 | ind no text points due sec per lead
一级指标 | 序号 | 工作任务 | 分值 | 完成时间 | 责任处室 | 责任人 | 分管领导
* 质量安全监管（30分） | E1 | 开展食品安全抽检监测，完成抽检4000批次 | 10 | 11月底前 | 食品抽检处 | 许静 | 蔡文
* ^ | E2 | 完成特种设备隐患排查整治，重大隐患整改率100% | 10 | 12月底前 | 特种设备处 | 方伟 | 蔡文
* ^ | E3 | 开展重点工业产品质量监督抽查500批次 | 10 | 10月底前 | 质量监督处 | 谢敏 | 蔡文
* 营商环境（40分） | F11 | 推进经营主体登记便利化，企业开办时间压缩至1个工作日 | 10 | 6月底前 | 登记注册处 | 高远 | 洪涛
* ^ | F12 | 开展个体工商户分型分类精准帮扶 | 10 | 9月底前 | 登记注册处 | 高远 | 洪涛
* ^ | F21 | 完善企业信用风险分类管理，抽查结果公示率100% | 10 | 12月底前 | 信用监管处 | 邱明 | 洪涛
* ^ | F22 | 办理投诉举报，按时办结率98%以上 | 10 | 12月底前 | 消费者权益保护处 | 钟丽 | 洪涛
* 机关建设（30分） | G1 | 深化模范机关创建，开展主题党日12次 | 15 | 12月底前 | 机关党委 | 彭程 | 蔡文
* ^ | G2 | 完成年度政务信息公开和保密自查 | 15 | 11月底前 | 办公室 | 唐宁 | 洪涛
""")

layout("""
thousand | 某某市财政局 | no ind text points due sec per lead | year_first
编号 | 一级指标 | 年度工作目标 | 分值 | 完成时限 | 责任科室 | 责任人 | 分管领导
* 1-1-1 | 预算编制（300分） | 编制2027年市级部门预算并按时报送市人大
  | 100分=>100 | 2026年12月31日=>2026-12-31 | 预算科 | 罗斌 | 杨帆
* 1-1-2 | ^ | 全面实施预算绩效管理，重点项目绩效评价覆盖率100%
  | 120分=>120 | 2026年12月31日=>2026-12-31 | 绩效科 | 何琳 | 杨帆
* 1-1-3 | ^ | 完成2025年市级决算编制和审查 | 80分=>80 | 2026年6月30日=>2026-06-30 | 预算科 | 罗斌 | 杨帆
* 1-2-1 | 国库管理（300分） | 推进国库集中支付电子化改革 | 150分=>150 | 9月底前 | 国库科 | 蒋磊 | 郭峰
* 1-2-2 | ^ | 做好地方政府债券发行和还本付息 | 150分=>150 | 2026年12月31日=>2026-12-31 | 债务科 | 马骏 | 郭峰
* 2-1-1 | 政府采购（300分） | 规范政府采购活动，电子化采购率达到95%
  | 200分=>200 | 2026年12月31日=>2026-12-31 | 采购科 | 韩雪 | 郭峰
* 2-1-2 | ^ | 开展政府采购代理机构监督评价 | 100分=>100 | 10月底前 | 采购科 | 韩雪 | 郭峰
* 3-1-1 | 机关建设（100分） | 落实机关党建责任，创建“四强”党支部
  | 100分=>100 | 2026年12月31日=>2026-12-31 | 机关党委 | 曹颖 | 杨帆
""")

layout("""
three_levels | 某某县发展和改革局 | l1 l2 text points std sec due
一级指标 | 二级指标 | 三级指标 | 分值 | 评分标准 | 责任单位 | 完成时限
* 经济发展 | 项目投资 | 完成全年固定资产投资增长8% | 15 | 未完成按比例扣分 | 投资股 | 12月底前
* ^ | ^ | 新开工省市重点项目12个 | 15 | 每少1个扣1分 | 重点项目中心 | 9月底前
* ^ | 资金争取 | 争取中央预算内投资2亿元以上 | 10 | 按完成比例计分 | 投资股 | 11月底前
* 民生保障 | 粮食安全 | 完成粮食储备轮换任务 | 10 | 未完成不得分 | 粮食股 | 10月底前
* ^ | 价格监测 | 开展重要民生商品价格监测，按时报送率100% | 10 | 迟报一次扣1分 | 价格股 | 12月底前
* 绿色低碳 | 节能降碳 | 落实节能目标责任，完成能耗双控年度任务 | 20 | 未完成不得分 | 能源股 | 12月底前
* ^ | ^ | 组织开展全国节能宣传周活动 | 20 | 未开展不得分 | 能源股 | 6月底前
""")

layout("""
restart_numbering | 某某市司法局 | no ind text points due sec per lead
序号 | 考核指标 | 考核内容 | 分值 | 完成时限 | 责任科室 | 责任人 | 分管领导
= 一、核心业务（60分）
* 1 | 公共法律服务（30分） | 建成村居公共法律服务工作室全覆盖 | 15 | 9月底前 | 公共法律服务科 | 庄严 | 柯伟
* 2 | ^ | 办理法律援助案件1200件以上 | 15 | 12月底前 | 法律援助中心 | 施琴 | 柯伟
* 3 | 行政复议（30分） | 行政复议案件按期审结率100% | 15 | 12月底前 | 行政复议科 | 骆飞 | 苏楠
* 4 | ^ | 开展行政复议案件庭审20场 | 15 | 11月底前 | 行政复议科 | 骆飞 | 苏楠
= 二、机关建设（40分）
* 1 | 党的建设（20分） | 落实“第一议题”制度，全年集中学习24次 | 20 | 12月底前 | 办公室 | 温馨 | 柯伟
* 2 | 依法行政（20分） | 完成年度普法责任清单任务 | 10 | 11月底前 | 普法与依法治理科 | 卢宁 | 苏楠
* 3 | ^ | 规范性文件合法性审查率100% | 10 | 12月底前 | 法规科 | 龚平 | 苏楠
""")

layout(f"""
dotted_levels | 某某市生态环境局 | {C7}
编号 | 目标内容 | 分值 | 完成时限 | 责任科室 | 责任人 | 分管领导
1 | 污染防治攻坚 | 50
1.1 | 大气污染防治 | 25
* 1.1.1 | PM2.5年平均浓度控制在22微克/立方米以内 | 15 | 12月底前 | 大气环境科 | 叶青 | 章立
* 1.1.2 | 完成20家重点企业挥发性有机物治理 | 10 | 10月底前 | 大气环境科 | 叶青 | 章立
1.2 | 水污染防治 | 25
* 1.2.1 | 国省控断面水质优良比例达到100% | 15 | 12月底前 | 水生态环境科 | 潘越 | 章立
* 1.2.2 | 完成入河排污口整治120个 | 10 | 9月底前 | 水生态环境科 | 潘越 | 章立
2 | 生态环境执法 | 30
2.1 | 执法监管 | 30
* 2.1.1 | 开展“双随机”执法检查800家次 | 20 | 12月底前 | 执法支队 | 戴军 | 沈浩
* 2.1.2 | 办理信访投诉按期办结率100% | 10 | 12月底前 | 执法支队、办公室 | 戴军、范静 | 沈浩
3 | 机关效能 | 20
3.1 | 作风建设 | 20
* 3.1.1 | 开展作风建设专项整治，整改问题清零 | 20 | 6月底前 | 人事科 | 丁香 | 沈浩
""")

layout(f"""
lead_and_co | 某某区应急管理局 | {C7} | inexact
{H7}
= 一、业务工作（80分）
* 1-1-1 | 完成应急管理综合行政执法改革 | 30 | 6月底前
  | 牵头：办公室；配合：财务科、人事科=>办公室、财务科、人事科 | 邹华、江涛、石磊 | 黎明
* 1-1-2 | 修订区级突发事件总体应急预案 | 20 | 9月底前 | 规划科（牵头）、财务科=>规划科、财务科 | 袁野、江涛 | 黎明
* 1-2-1 | 开展危险化学品企业安全检查100家次 | 30 | 12月底前 | 危化科 | 白杨 | 金鑫
= 二、自身建设（20分）
* 2-1-1 | 落实党风廉政建设责任制 | 20 | 12月底前 | 办公室 | 邹华 | 黎明
""")

layout(f"""
deadline_words | 某某市文化和旅游局 | {C7}
编号 | 年度目标 | 分值 | 完成时间 | 责任科室 | 责任人 | 分管领导
= 一、文化旅游发展（70分）
* 1-1-1 | 接待游客人次同比增长10% | 15 | 2026年12月31日=>2026-12-31 | 产业发展科 | 毛毅 | 秦岭
* 1-1-2 | 举办文旅消费季活动 | 10 | 12月=>2026-12-31 | 市场管理科 | 严冬 | 秦岭
* 1-1-3 | 新增国家3A级以上旅游景区2个 | 15 | 第四季度=>2026-12-31 | 资源开发科 | 薛原 | 秦岭
* 1-2-1 | 开展文化惠民演出200场 | 10 | 全年=>2026-12-31 | 公共服务科 | 夏雨 | 任重
* 1-2-2 | 完成第四次全国文物普查实地调查 | 10 | 6月至12月=>2026-12-31 | 文物科 | 雷鸣 | 任重
* 1-2-3 | 完成市图书馆总分馆建设 | 10 | 第三季度=>2026-09-30 | 公共服务科 | 夏雨 | 任重
= 二、行业监管（30分）
* 2-1-1 | 开展文化市场安全生产检查 | 10 | 上半年=>2026-06-30 | 执法支队 | 邓超 | 任重
* 2-1-2 | 完成A级景区复核 | 10 | 9月=>2026-09-30 | 资源开发科 | 薛原 | 秦岭
* 2-1-3 | 开展导游等级考评 | 10 | 2026年6月30日=>2026-06-30 | 市场管理科 | 严冬 | 秦岭
""")

layout("""
extra_columns | 某某市住房和城乡建设局 | no ind text points std how sec due per lead proof score note
序号 | 考核项目 | 考核内容 | 分值 | 考核标准 | 考核方式 | 责任科室 | 完成时限 | 责任人
  | 分管领导 | 佐证材料 | 得分 | 备注
* 1-1 | 城市更新（35分） | 新开工改造城镇老旧小区45个 | 20 | 完成得满分 | 查阅资料
  | 城建科 | 10月底前 | 魏东 | 汪洋 | 文件、台账 | |
* 1-2 | ^ | 完成城市燃气管道老化更新改造80公里 | 15 | 完成得满分 | 查阅资料
  | 燃气科 | 12月底前 | 阎明 | 汪洋 | 文件、台账 | | 市委督办
* 2-1 | 住房保障（25分） | 筹集保障性租赁住房1500套 | 25 | 完成得满分 | 实地查看
  | 住房保障科 | 11月底前 | 熊伟 | 尹红 | 文件、台账 | |
* 3-1 | 安全监管（40分） | 开展建筑施工安全生产治本攻坚三年行动 | 20 | 完成得满分 | 查阅资料
  | 质安站 | 12月底前 | 甘霖 | 尹红 | 检查记录 | |
* 3-2 | ^ | 完成房屋安全隐患排查整治 | 20 | 完成得满分 | 查阅资料
  | 房管科 | 9月底前 | 汤圆 | 尹红 | 检查记录 | | 与街道联合
""")

layout("""
subtotals | 某某县农业农村局 | no ind text points due sec per lead
编号 | 一级指标 | 工作目标 | 分值 | 完成时限 | 责任科室 | 责任人 | 分管领导
* 1-1-1 | 粮食生产（25分） | 粮食播种面积稳定在28万亩以上 | 15 | 10月底前 | 种植业股 | 武刚 | 乔木
* 1-1-2 | ^ | 建设高标准农田1.2万亩 | 10 | 12月底前 | 农田建设股 | 段峰 | 乔木
* 1-2-1 | 乡村振兴（35分） | 农村居民人均可支配收入增长7% | 15 | 12月底前 | 经管股 | 钱进 | 乔木
* 1-2-2 | ^ | 打造省级乡村振兴示范村5个 | 20 | 11月底前 | 乡村振兴股 | 孟凡 | 乔木
小计@3 | 60
* 2-1-1 | 农业安全（40分） | 农产品质量安全例行监测合格率98%以上 | 20 | 12月底前 | 质量安全股 | 陆川 | 万里
* 2-1-2 | ^ | 完成动物防疫强制免疫任务 | 20 | 6月底前 | 畜牧股 | 常青 | 万里
小计@3 | 40
总分@3 | 100
""")

layout(f"""
no_header | 某某县统计局 | {C7} | inexact refusable
* 1 | 按时完成月度统计报表报送 | 30 | 12月底前 | 综合股 | 葛亮 | 龙飞
* 2 | 完成第五次全国经济普查数据评估 | 40 | 9月底前 | 普查中心 | 欧阳 | 龙飞
* 3 | 开展统计法治宣传月活动 | 30 | 6月底前 | 法规股 | 贺敏 | 龙飞
""")

layout("""
two_header_rows | 某某市自然资源和规划局 | no text points due sec co lead
序号 | 工作目标 | 分值 | 完成时限 | 责任单位@2 | 分管领导
^ | ^ | ^ | ^ | 牵头单位 | 协办单位 | ^
= 一、资源保护（50分）
* 1 | 完成耕地保护目标任务，耕地保有量不低于下达任务 | 30 | 12月底前 | 耕保处 | | 毕胜
* 2 | 完成年度土地卫片执法图斑整改 | 20 | 11月底前 | 执法支队 | 耕保处 | 毕胜
= 二、规划管理（50分）
* 3 | 完成国土空间详细规划编制 | 25 | 12月底前 | 规划处 | 测绘院 | 祝融
* 4 | 建设项目用地审批平均时限压缩至15个工作日 | 25 | 9月底前 | 审批处 | | 祝融
""")

layout(f"""
title_row | 某某区人力资源和社会保障局 | {C7} | title_in_table
= TITLE
{H7}
* 1-1-1 | 城镇新增就业1.2万人 | 30 | 12月底前 | 就业科 | 霍达 | 季风
* 1-1-2 | 开展职业技能培训8000人次 | 20 | 11月底前 | 职业能力科 | 翁帆 | 季风
* 1-2-1 | 企业职工基本养老保险参保扩面3000人 | 30 | 12月底前 | 社保科 | 车辉 | 柏林
* 2-1-1 | 劳动人事争议仲裁结案率95%以上 | 20 | 12月底前 | 仲裁院 | 卓越 | 柏林
""")

layout("""
category_column | 某某市交通运输局 | cat no text points due sec per lead
类别 | 序号 | 年度目标 | 权重 | 时间节点 | 主责科室 | 科室责任人 | 分管副局长
* 个性指标（70分） | 1 | 完成交通固定资产投资50亿元 | 30 | 12月底前 | 规划科\\n建设科 | 陈立\\n黄文 | 谭军
* ^ | 2 | 建成农村公路300公里 | 20 | 11月底前 | 建设科 | 黄文 | 谭军
* ^ | 3 | 新开通城乡公交线路5条 | 20 | 9月底前 | 运输科 | 姚远 | 邵华
* 共性指标（30分） | 4 | 落实安全生产责任制，不发生较大以上事故 | 15 | 全年=>2026-12-31 | 安监科 | 安然 | 邵华
* ^ | 5 | 推进政务服务事项“一网通办” | 15 | 6月底前 | 审批科 | 崔巍 | 谭军
""")

layout(f"""
county_headers | 某某县林业局 | {C7}
编号 | 目标任务 | 分值 | 完成时限 | 责任股室 | 股室负责人 | 分管领导
* 1-1 | 完成植树造林1.5万亩 | 40 | 6月底前 | 造林股 | 杜鹃 | 林海
* 1-2 | 森林覆盖率保持在66%以上 | 20 | 12月底前 | 资源股 | 松涛 | 林海
* 2-1 | 森林火灾受害率控制在0.9‰以内 | 40 | 12月底前 | 防火办 | 枫叶 | 柳青
""")

layout(f"""
cn_levels | 某某市水利局 | {C7}
序号 | 工作任务 | 分值 | 完成时限 | 责任科室 | 责任人 | 分管领导
一 | 水利建设 | 60
（一） | 水利工程建设 | 35
* 1 | 完成水利投资12亿元 | 20 | 12月底前 | 规划计划科 | 鲁平 | 田野
* 2 | 开工建设中型水库1座 | 15 | 10月底前 | 建设管理科 | 齐心 | 田野
（二） | 河湖管理 | 25
* 1 | 完成河湖“四乱”问题清理整治 | 15 | 9月底前 | 河湖管理科 | 岳峰 | 田野
* 2 | 开展河湖健康评价10条 | 10 | 11月底前 | 河湖管理科 | 岳峰 | 田野
二 | 机关建设 | 40
（一） | 党的建设 | 20
* 1 | 开展“三会一课”，党员参学率95%以上 | 20 | 12月底前 | 机关党委 | 封华 | 向东
（二） | 依法行政 | 20
* 1 | 办结水行政执法案件，结案率100% | 10 | 12月底前 | 政策法规科 | 包容 | 向东
* 2 | 完成水利普法宣传活动6场 | 10 | 8月底前 | 政策法规科 | 包容 | 向东
""")

layout("""
xlsx_restart | 某某市商务局 | no ind text points std due sec per | xlsx
序号 | 考评指标 | 考评内容 | 分值 | 考评标准 | 完成时间 | 责任科室 | 责任人
= 一、商贸流通（50分）
* 1 | 消费促进（35分） | 社会消费品零售总额增长6% | 20 | 按增幅计分 | date:2026-12-31 | 市场运行科 | 孔明
* 2 | ^ | 举办促消费活动30场 | 15 | 每少1场扣0.5分 | 11月底前 | 市场运行科 | 孔明
* 3 | 流通体系（15分） | 新建城市一刻钟便民生活圈4个 | 15 | 按完成比例计分 | date:2026-09-30 | 流通发展科 | 关羽
= 二、对外开放（50分）
* 1 | 外贸外资（50分） | 外贸进出口总额增长5% | 25 | 按增幅计分 | 12月底前 | 外贸科 | 张飞
* 2 | ^ | 实际使用外资3亿美元 | 25 | 按完成比例计分 | date:2026-12-31 | 外资科 | 赵云
""")

layout("""
xlsx_totals | 某某区城市管理局 | no ind text points due sec per lead | xlsx sheet=考评表
编号 | 指标名称 | 目标内容 | 分值 | 完成期限 | 责任部门 | 责任人 | 分管负责人
* 1-1 | 市容环卫（25分） | 城市道路机械化清扫率达到90% | 12.5 | 12月底前 | 环卫科 | 马良 | 吕方
* 1-2 | ^ | 完成生活垃圾分类示范小区20个 | 12.5 | 10月底前 | 环卫科 | 马良 | 吕方
小计@3 | 25
* 2-1 | 综合执法（75分） | 查处违法建设，存量违建清零 | 37.5 | 11月底前 | 执法大队 | 郝仁 | 吕方
* 2-2 | ^ | 开展占道经营专项整治 | 37.5 | 2026年5月31日=>2026-05-31 | 执法大队 | 郝仁 | 吕方
小计@3 | 75
合计@3 | 100
""")

layout("""
xlsx_two_headers | 某某市民政局 | no text points due sec co per | xlsx
编号 | 工作目标 | 分值 | 完成时限 | 责任科室@2 | 责任人
^ | ^ | ^ | ^ | 牵头科室 | 配合科室 | ^
1 | 基本民生保障 | 60
1.1 | 社会救助 | 60
* 1.1.1 | 城乡低保标准提高5% | 30 | 6月底前 | 社会救助科 | 财务科 | 苗苗、柯南
* 1.1.2 | 完成困难群众救助资金发放 | 30 | 12月底前 | 社会救助科 | | 苗苗
2 | 基层治理 | 40
2.1 | 社区建设 | 40
* 2.1.1 | 建成城乡社区综合服务设施20个 | 40 | 11月底前 | 基层政权科 | | 纪元
""")
