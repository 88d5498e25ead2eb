"""科室自评: each section self-assesses its targets with a summary and evidence; the 分管领导
signs off; a board shows who is done against the plan's 12月30日 deadline."""

from functools import partial

import streamlit as st

from perfdash.app import actions, reads, ui
from perfdash.core import fmt
from perfdash.present import tables
from perfdash.workflows import evaluation

ctx = ui.page_setup("科室自评")
actor = ctx.actor
st.title("科室自评")
ui.flash()
state = reads.target_state(ctx, ctx.plan_id, ctx.as_of, ctx.year)
done = reads.assessments(ctx, ctx.plan_id)
deadline = evaluation.self_assessment_deadline(reads.plan_calendar(ctx, ctx.plan_id), ctx.year)
locked = reads.locked(ctx, ctx.plan_id)
st.caption(
    f"按方案，各科室于 {fmt.month_day(deadline)}前将经分管领导审签的自评结果、自评小结和迎评材料送局绩效办。"
    + ("本年度已锁定，只有绩效办可以修改。" if locked else "")
)

st.subheader("自评进度")
status = evaluation.board(state, done)
st.dataframe(tables.evaluation_board(status), hide_index=True, width="stretch")
st.caption(f"已完成自评并审签的科室：{int(status['complete'].sum())} / {len(status)}")

by_code = done.set_index("code") if not done.empty else None
if actor.role == "leader":
    st.subheader(f"待我审签（{fmt.md(actor.name)}）")
    mine = state[state["leaders"].map(lambda names: actor.name in list(names))]
    waiting = [c for c in mine["code"] if by_code is not None and c in by_code.index]
    if not waiting:
        st.info("您分管的目标还没有提交自评。")
    for code in waiting:
        row = by_code.loc[code]
        with st.container(border=True):
            st.markdown(
                f"**{code}** 自评完成率 {fmt.pct(row['self_pct'])}，"
                f"自评得分 {fmt.score(row['proposed_score'], unit=True)}"
            )
            st.text(row["summary"])
            if isinstance(row["signed_by"], str) and row["signed_by"]:
                st.caption(f"已审签：{fmt.md(row['signed_by'])}")
            elif st.button("审签", key=f"sign_{code}"):
                actions.save(partial(actions.sign_self_assessment, ctx, code), f"已审签 {code}。")
    st.stop()

mine = state if actor.role == "office" else state[state["lead_section"] == actor.name]
if mine.empty:
    st.info("您没有牵头的目标。")
    st.stop()
st.subheader(
    "填写自评" + ("（绩效办可代任何科室填写）" if actor.role == "office" else f"（{fmt.md(actor.name)}牵头的目标）")
)
labels = {r.code: f"{r.code} {r.target[:30]}" for r in mine.itertuples()}
code = st.selectbox("目标", list(labels), format_func=labels.get, key="sa_code")
row = mine.set_index("code").loc[code]
prev = by_code.loc[code] if by_code is not None and code in by_code.index else None
st.markdown(
    f"分值 **{fmt.points(row['points'])}**，填报完成率 **{fmt.pct(row['completion_pct'])}**，"
    f"完成时限 {fmt.day(row['deadline'])}"
)
with st.form(f"self_assessment_{code}"):
    c1, c2 = st.columns(2)
    pct = c1.number_input(
        "自评完成率(%)",
        0.0,
        100.0,
        float(prev["self_pct"] if prev is not None else row["completion_pct"]),
        step=1.0,
        key=f"sa_pct_{code}",
    )
    score = c2.number_input(
        "自评得分",
        0.0,
        float(row["points"]),
        float(prev["proposed_score"] if prev is not None else round(row["points"] * row["completion_pct"] / 100, 2)),
        step=0.1,
        key=f"sa_score_{code}",
    )
    summary = st.text_area("自评小结", value=prev["summary"] if prev is not None else "", key=f"sa_summary_{code}")
    if st.form_submit_button("提交自评", type="primary"):
        actions.save(
            lambda: actions.submit_self_assessment(ctx, code, pct, score, summary),
            f"已提交 {code} 的自评（如已审签，需分管领导重新审签）。",
        )
if prev is not None:
    st.caption(
        f"上次提交：{prev['submitted_by']} · {str(prev['submitted_at'])[:16]}；"
        + (f"已由 {prev['signed_by']} 审签" if isinstance(prev["signed_by"], str) and prev["signed_by"] else "尚未审签")
    )

st.subheader("迎评材料")
st.caption(
    f"可上传 PDF、图片（PNG/JPG）、Word、Excel，单个文件不超过 {evaluation.MAX_EVIDENCE_BYTES // 1024 // 1024} MB。"
    "文件按内容校验值保存，只提供下载，不在网页中打开。"
)
upload = st.file_uploader("上传材料", type=[e.lstrip(".") for e in evaluation.EVIDENCE_TYPES], key=f"ev_{code}")
items = reads.evidence_checklist(ctx, ctx.plan_id, (code,))
item_titles = {int(r.seq): f"{n}. {r.title}（已有 {r.files} 份）" for n, r in enumerate(items.itertuples(), 1)}
item = st.selectbox(
    "归入佐证清单项",
    [None, *item_titles],
    format_func=lambda s: "暂不归类" if s is None else item_titles[s],
    key=f"ev_item_{code}",
    help="察访核验材料包按清单项给材料命名；清单在“核验与迎检”中查看，未归类的材料也可以在那里归类。",
)
if upload is not None and st.button("保存材料", key=f"ev_save_{code}"):
    actions.save(
        lambda: actions.store_item_evidence(ctx, code, item, upload.name, upload.getvalue()),
        f"已保存材料 {upload.name}。",
    )
files = reads.evidence_list(ctx, ctx.plan_id, code)
if files.empty:
    st.caption("该目标还没有材料。")
else:
    st.dataframe(tables.evidence(files), hide_index=True, width="stretch")
    pick = st.selectbox(
        "下载材料",
        list(files["evidence_id"]),
        format_func=dict(zip(files["evidence_id"], files["file_name"], strict=True)).get,
        key="ev_pick",
    )
    try:
        name, mime, data = reads.evidence_file(ctx, int(pick))
    except reads.StoreError as exc:
        st.error(fmt.md(str(exc)))
    else:
        st.download_button("下载", data, file_name=name, mime=mime, key="ev_download")
