"""perfdash: the page list, grouped. Nothing else lives here."""

import streamlit as st

from perfdash.app import ui

pages = {
    "": [
        # The start page ("/") only sends each person on to their own first page; every real page
        # keeps its own address (/overview …), which the start page could not.
        st.Page(
            "pages/home.py", title="首页", icon=":material/home:", url_path="home", default=True, visibility="hidden"
        ),
    ],
    "看板": [
        st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", url_path="overview"),
        st.Page("pages/indicators.py", title="按指标", icon=":material/account_tree:", url_path="indicators"),
        st.Page("pages/sections.py", title="按科室", icon=":material/groups:", url_path="sections"),
        st.Page("pages/people.py", title="按领导/责任人", icon=":material/person_search:", url_path="people"),
        st.Page("pages/target.py", title="目标详情", icon=":material/target:", url_path="target"),
    ],
    "分析": [
        st.Page("pages/heatmap.py", title="截止热力图", icon=":material/grid_on:", url_path="heatmap"),
        st.Page("pages/trend.py", title="完成趋势", icon=":material/trending_up:", url_path="trend"),
        st.Page("pages/scoring.py", title="评分模拟", icon=":material/calculate:", url_path="scoring"),
        st.Page("pages/forecast.py", title="年终预测", icon=":material/query_stats:", url_path="forecast"),
        st.Page("pages/kpis.py", title="量化指标", icon=":material/pin:", url_path="kpis"),
    ],
    "督办": [
        st.Page(
            "pages/supervision.py", title="督办与催报", icon=":material/notifications_active:", url_path="supervision"
        ),
    ],
    "大屏": [
        st.Page("pages/meeting.py", title="周会大屏", icon=":material/tv:", url_path="meeting"),
    ],
    "填报": [
        st.Page("pages/report.py", title="进度填报", icon=":material/edit_note:", url_path="report"),
    ],
    "年终评估": [
        st.Page("pages/self_assessment.py", title="科室自评", icon=":material/fact_check:", url_path="self-assessment"),
        st.Page("pages/evaluation.py", title="综合评估", icon=":material/workspace_premium:", url_path="evaluation"),
    ],
    "管理": [
        st.Page("pages/plans.py", title="方案管理", icon=":material/upload_file:", url_path="plans"),
        st.Page("pages/admin.py", title="账户与审计", icon=":material/admin_panel_settings:", url_path="admin"),
        st.Page("pages/account.py", title="我的账户", icon=":material/person:", url_path="account"),
    ],
}

ui.run(st.navigation(pages))
