"""perfdash: the page list. Which of them each role's menu shows, and in which order, is
perfdash.app.nav's; nothing else lives here."""

from perfdash.app import nav, ui

PAGES = [
    # The start page ("/") only sends each person on to their own first page; every real page
    # keeps its own address (/overview …), which the start page could not.
    nav.Page("pages/home.py", title="首页", icon=":material/home:", url_path="home", default=True),
    nav.Page("pages/mine.py", title="我的分管", icon=":material/assignment_ind:", url_path="mine"),
    nav.Page("pages/city.py", title="全市总览", icon=":material/location_city:", url_path="city"),
    nav.Page("pages/overview.py", title="总览", icon=":material/dashboard:", url_path="overview"),
    nav.Page("pages/indicators.py", title="按指标", icon=":material/account_tree:", url_path="indicators"),
    nav.Page("pages/sections.py", title="按科室", icon=":material/groups:", url_path="sections"),
    nav.Page("pages/people.py", title="按领导/责任人", icon=":material/person_search:", url_path="people"),
    nav.Page("pages/target.py", title="目标详情", icon=":material/target:", url_path="target"),
    nav.Page("pages/heatmap.py", title="截止热力图", icon=":material/grid_on:", url_path="heatmap"),
    nav.Page("pages/trend.py", title="完成趋势", icon=":material/trending_up:", url_path="trend"),
    nav.Page("pages/scoring.py", title="评分模拟", icon=":material/calculate:", url_path="scoring"),
    nav.Page("pages/forecast.py", title="年终预测", icon=":material/query_stats:", url_path="forecast"),
    nav.Page("pages/kpis.py", title="量化指标", icon=":material/pin:", url_path="kpis"),
    nav.Page(
        "pages/supervision.py", title="督办与催报", icon=":material/notifications_active:", url_path="supervision"
    ),
    nav.Page("pages/bulletins.py", title="督查通报", icon=":material/campaign:", url_path="bulletins"),
    nav.Page("pages/meeting.py", title="周会大屏", icon=":material/tv:", url_path="meeting"),
    nav.Page("pages/city_meeting.py", title="全市大屏", icon=":material/connected_tv:", url_path="city-meeting"),
    nav.Page("pages/progress.py", title="进度填报", icon=":material/edit_note:", url_path="progress"),
    nav.Page("pages/self_assessment.py", title="科室自评", icon=":material/fact_check:", url_path="self-assessment"),
    nav.Page("pages/evaluation.py", title="综合评估", icon=":material/workspace_premium:", url_path="evaluation"),
    nav.Page("pages/verification.py", title="核验与迎检", icon=":material/verified:", url_path="verification"),
    nav.Page("pages/assessment.py", title="科室考评", icon=":material/leaderboard:", url_path="assessment"),
    nav.Page("pages/plans.py", title="方案管理", icon=":material/upload_file:", url_path="plans"),
    nav.Page("pages/admin.py", title="账户与审计", icon=":material/admin_panel_settings:", url_path="admin"),
    nav.Page("pages/account.py", title="我的账户", icon=":material/person:", url_path="account"),
]

ui.run(nav.navigation(PAGES))
