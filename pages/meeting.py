"""周会大屏: the self-running projector view of this week's state and changes."""

import contextlib

import streamlit as st
from streamlit.errors import StreamlitAPIException

from perfdash.app import actions, meeting_view, reads, ui
from perfdash.core import fmt, settings
from perfdash.present import exports, meeting, screen

ctx = meeting_view.setup()
theme = screen.theme_name(st.query_params.get("theme"))
seconds = meeting.parse_seconds(st.query_params.get("every"))
st.html(screen.css(theme))
st.html(screen.phone_note(*meeting_view.phone_link()))  # shown instead of the slides on a narrow window

WEEK_COLS = {"code": "编号", "target": "年度工作目标", "lead_section": "牵头科室"}
MOVED_COLS = {**WEEK_COLS, "completion_pct_before": "上周", "completion_pct": "本周"}
LIST_COLS = {**WEEK_COLS, "lead_person": "责任人", "lag_status": "状态"}
DUE_COLS = {**WEEK_COLS, "lead_person": "责任人", "deadline": "完成时限", "completion_pct": "完成率"}
LATE_COLS = {**WEEK_COLS, "completion_pct": "完成率", "expected_pct": "序时进度"}


def pages(slide: meeting.Slide) -> int:
    """How many pages a slide takes: long rankings go on over several pages of the rotation."""
    t = slide.tables
    if slide.key == "ranking":
        return screen.page_count(len(t["sections"]), screen.BAR_ROWS)
    if slide.key == "heatmap" and slide.numbers.get("mode") == "run_up":
        return screen.page_count(len(t["run_up"]), screen.RUN_UP_ROWS)
    if slide.key == "heatmap":
        return screen.page_count(
            reads.due_matrix(ctx, ctx.plan_id, ctx.as_of, ctx.year)["section"].nunique(), screen.HEAT_ROWS
        )
    if slide.key == "leaders":
        return screen.page_count(len(t["leaders"]), screen.BAR_ROWS)
    if slide.key == "decisions":
        return screen.page_count(len(t["items"]), meeting.DECISION_ROWS)
    if slide.key == "coordination":
        return screen.page_count(len(t["asked"]), meeting.COORDINATION_ROWS)
    return 1


NAME_CHARS = 34  # characters of names a line in half the slide's width holds
NAME_LINES = 3  # 本期未报送科室 takes at most this many lines; the rest is 等，另有 N 个


def silent_sections() -> tuple[tuple[str, str, str, str], str, int]:
    """本期未报送: the open reporting period's sections without a report, counted and named as 总览
    and 督办与催报 name them: the tile, the HTML of the list, and the table rows that list takes."""
    period = ctx.open_period
    if period is None:
        tile = ("本期未报送", "—", "本年度的填报周期已全部关闭", "")
        return tile, screen.heading("本期未报送科室") + screen.names([], 0, "本年度的填报周期已全部关闭"), 3
    silent = reads.not_reported(ctx, ctx.plan_id, period.start, period.end)
    tile = ("本期未报送", f"{len(silent)} 个科室", f"{period.name} {period.days}", "warn" if len(silent) else "good")
    shown, more = meeting.silent_names(silent, NAME_CHARS * NAME_LINES)
    lines = max(1, -(-len("、".join(shown)) // NAME_CHARS))
    html = screen.heading(f"本期未报送科室（{period.name}）") + screen.names(shown, more, "本期各科室都已报送")
    return tile, html, -(-(13 + 8 * lines) // 10)  # a heading ≈ 1.3 table rows, a line of names ≈ 0.8


def body(slide: meeting.Slide, page: int) -> str:
    """One page of a slide as HTML, from its data."""
    n, t = slide.numbers, slide.tables
    if slide.key == "headline" and not n["reported"]:  # a new plan: counts, no score, no forecast, no red
        return screen.tiles(
            [
                ("进度", "尚无填报", "第一个填报周期关闭后显示完成率和预测", ""),
                ("年度工作目标", f"{n['targets']} 项", f"总分值 {fmt.score(n['possible'])}", ""),
            ]
        )
    if slide.key == "headline":
        probs = "，".join(f"{k} {fmt.pct(v * 100)}" for k, v in n["grade_probability"].items())
        trend = reads.weekly_trend(ctx, ctx.plan_id, ctx.year, ctx.as_of)
        overall = trend[trend["group"] == reads.ALL]  # the overall (全部) 完成率 and 序时进度, week by week
        return (
            screen.tiles(
                [
                    (
                        "预计年终得分",
                        fmt.score(n["projected_total"]),
                        f"预计等次：{n['projected_grade']}",
                        "",
                    ),
                    (
                        "加权完成率",
                        fmt.pct(n["completion_pct"]),
                        f"序时进度 {fmt.pct(n['expected_pct'])}",
                        screen.tone(n["completion_pct"], n["expected_pct"]),
                    ),
                    ("本周提升", f"{n['completion_change']:+.1f}", "个百分点", ""),
                ]
            )
            + screen.tiles(
                [
                    ("已完成", str(n["done"]), f"共 {n['targets']} 项", "good"),
                    ("正常推进", str(n["on_track"]), "落后序时不足10个百分点", ""),
                    ("滞后", str(n["late"]), "黄色、红色和逾期", "warn"),
                    ("其中逾期未完成", str(n["overdue"]), "已过完成时限", "bad"),
                ]
            )
            + screen.trend(overall, ctx.year, f"获评等次的概率：{probs}")
        )
    if slide.key == "week":
        rows = screen.TABLE_ROWS
        silent_tile, silent_list, silent_rows = silent_sections()
        finished, fell = screen.split((len(t["finished"]), len(t["fell_behind"])), rows - 4 - silent_rows)
        return screen.tiles(
            [
                ("本周有推进", f"{n['moved']} 项", "", "good"),
                ("本周完成", f"{n['finished']} 项", "", "good"),
                ("新增滞后", f"{n['fell_behind']} 项", "", "bad" if n["fell_behind"] else ""),
                silent_tile,
            ]
        ) + screen.row(
            screen.heading("推进最多")
            + screen.table(t["moved"], MOVED_COLS, limit=rows - 1, empty="本周没有目标有推进"),
            screen.heading("本周完成")
            + screen.table(t["finished"], LIST_COLS, limit=max(finished, 1), empty="本周没有新完成的目标")
            + screen.heading("新增滞后")
            + screen.table(t["fell_behind"], LIST_COLS, limit=max(fell, 1), empty="本周没有新增滞后目标")
            + silent_list,
        )
    if slide.key == "decisions":
        return (
            screen.tiles(meeting.decision_tiles(n))
            + screen.subtitle(
                f"{ctx.week.label}周例会确定的事项和领导批示，及此前确定、尚未办结或本期以来办结的；"
                f"状态截至{fmt.month_day(n['today'])}"
            )
            + meeting.decision_table(t["items"], page)
        )
    if slide.key == "coordination":
        return screen.subtitle(
            f"科室在{ctx.week.label}报送进度时标为“需协调”的目标（以本期最后一次报送为准），请分管领导协调"
        ) + meeting.coordination_table(t["asked"], page)
    if slide.key == "due":
        overdue, soon = screen.split((len(t["overdue"]), len(t["due_soon"])), screen.TABLE_ROWS)
        late = screen.late_targets(slides_by_key["heatmap"].tables["state"])
        return screen.row(
            screen.heading(f"逾期未完成（{n['overdue']} 项）")
            + screen.table(t["overdue"], DUE_COLS, limit=max(overdue, 1), empty="没有逾期未完成的目标")
            + screen.heading(
                f"{meeting.DUE_SOON_DAYS} 天内到期（至 {fmt.month_day(n['horizon'])}，{n['due_soon']} 项）"
            )
            + screen.table(
                t["due_soon"], DUE_COLS, limit=max(soon, 1), empty=f"{meeting.DUE_SOON_DAYS} 天内没有到期的未完成目标"
            ),
            screen.heading(f"滞后未逾期（{len(late)} 项，落后最多的在前）")
            + screen.table(late, LATE_COLS, limit=screen.TABLE_ROWS + 2, empty="没有滞后的目标"),
        )
    if slide.key == "ranking":
        return screen.bars(t["sections"], "section", "科室（牵头目标）", ("late", "滞后"), page)
    if slide.key == "heatmap" and n["mode"] == "run_up":
        when = fmt.month_day(n["deadline"])
        left = f"离{when}还有 {n['days_left']} 天" if n["days_left"] > 0 else f"已到{when}"
        done = f"；另有 {n['all_done']} 个科室的已全部完成" if n["all_done"] else ""
        return (
            screen.subtitle(
                f"{n['targets']} 项目标中 {n['in_month']} 项的完成时限在{n['month']}月，按月分布看不出先后："
                f"下表按科室（牵头与协作）列出{n['month']}月到期的目标，{left}{done}。"
            )
            + screen.run_up(t["run_up"], page)
            + '<div class="pd-legend">每周需推进：未完成目标离完成时限每周还需提高的完成率（百分点，各目标平均）；'
            "本周推进低于所需的标黄，有滞后的标红</div>"
        )
    if slide.key == "heatmap":
        return screen.heat(reads.due_matrix(ctx, ctx.plan_id, ctx.as_of, ctx.year), ctx.year, ctx.as_of, page) + (
            '<div class="pd-legend">格内为当月到期的目标数（牵头与协作）；红色越深，其中滞后（含逾期）的越多；'
            "虚线框为统计日所在月</div>"
        )
    g = t["leaders"]
    return screen.row(
        screen.bars(g, "leader", "分管领导", ("late", "滞后"), page),
        screen.table(
            g.iloc[page * screen.BAR_ROWS :],
            {"leader": "分管领导", "targets": "目标", "points": "分值", "late": "滞后"},
            limit=screen.BAR_ROWS,
        ),
    )


controls = st.container(key="pd_controls", horizontal=True)
# 记录决定事项 (a signed-in office user or leader only): its panel is drawn outside the rotating
# fragment below, so the rotation's ticks never redraw what is being typed.
meeting_view.capture(ctx, controls, actions.record_decision)
meeting_view.pause_button(controls, "meeting")
slides_by_key: dict[str, meeting.Slide] = {}


@st.fragment(run_every=seconds)
def show() -> None:
    if not ctx.still_allowed():  # token revoked, session ended: rerun the page, which now refuses
        st.rerun()
    # every tick; rebuilt after a write (a decision recorded, signed or answered included)
    slides = reads.slides(ctx, ctx.plan_id, ctx.year, ctx.week, ctx.as_of, ui.today())
    slides_by_key.update({s.key: s for s in slides})
    shown = [(s, p) for s in slides for p in range(pages(s))]
    index = meeting_view.rotate("meeting", len(shown), seconds)
    slide, page = shown[index]
    title = slide.title + (f"（{page + 1}/{pages(slide)}）" if pages(slide) > 1 else "")
    demo = f" · {settings.DEMO_LABEL}" if ctx.is_demo else ""
    top = screen.top_bar(title, f"{ctx.unit} · {ctx.week.label}{demo}", index, len(shown))
    st.html(screen.screen(top, body(slide, page), meeting_view.rotation_state("meeting", seconds)))


show()
controls.download_button(
    "下载周报",
    lambda: (
        exports.brief_xlsx(
            reads.slides(ctx, ctx.plan_id, ctx.year, ctx.week, ctx.as_of, ui.today()),
            ctx.unit,
            ctx.year,
            ctx.week,
            demo=ctx.is_demo,
        )
        if ctx.still_allowed()
        else b""
    ),
    file_name=f"周报_{ctx.unit}_{ctx.week.end.isoformat()}{'_演示数据' if ctx.is_demo else ''}.xlsx",
    key="meeting_brief",
    disabled=not slides_by_key["headline"].numbers["reported"],  # nothing reported yet: no brief to hand out
)
if ctx.token is None:  # opened by a signed-in person from the app (the kiosk token view has no way in)
    # Not when the page runs by itself, outside app.py's navigation (a smoke test).
    with contextlib.suppress(StreamlitAPIException):
        controls.page_link("pages/home.py", label="返回看板", icon=":material/arrow_back:")
