"""我的账户: who I am signed in as, and a new password."""

import streamlit as st

from perfdash.app import actions, ui
from perfdash.core import fmt

ctx = ui.page_setup("我的账户")
st.title("我的账户")
ui.flash()
st.markdown(f"当前用户：**{fmt.md(ctx.account.label)}**（用户名 {fmt.md(ctx.account.username)}）")
with st.form("change_password", clear_on_submit=True):
    old = st.text_input("原密码", type="password", key="own_old_password")
    new = st.text_input("新密码", type="password", key="own_new_password", help="至少 10 位")
    again = st.text_input("再次输入新密码", type="password", key="own_new_password_again")
    if st.form_submit_button("修改密码", type="primary"):
        if new != again:
            st.error("两次输入的新密码不一致")
        else:
            actions.save(
                lambda: actions.change_own_password(ctx, old, new),
                "密码已修改。",
                errors=(actions.AuthError, actions.StoreError),
            )
