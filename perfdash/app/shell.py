"""What every page adds to Streamlit's own frame: styles for phones, and Chinese for the few words
Streamlit and its widgets (the file uploader, the date picker, the page menu) print in English
and offer no setting for. The words are replaced in the page as Streamlit draws them; the list
is below, and the README says what remains."""

from __future__ import annotations

import json

import streamlit as st

# Streamlit's and BaseWeb's English, as it appears in the page → what a person here reads.
WORDS: dict[str, str] = {
    "View less": "收起",
    "Skip to main content": "跳到正文",
    "Drag and drop file here": "将文件拖到此处",
    "Drag and drop files here": "将文件拖到此处",
    "Browse files": "选择文件",
    "Upload": "上传",
    "Choose an option": "请选择",
    "Choose options": "请选择",
    "No options to select": "没有可选项",
    "No results": "没有匹配项",
    "Clear all": "全部清除",
    "Close": "关闭",
    "Running...": "正在运行…",
    "Stop": "停止",
    "Press Enter to apply": "按回车键确认",
    "Press Enter to submit form": "按回车键提交",
    "Select a date.": "请选择日期",
    "Previous month.": "上个月",
    "Next month.": "下个月",
}
MONTHS = [
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
]
# (pattern, replacement) for text with numbers in it; JavaScript regular expressions.
PATTERNS: list[tuple[str, str]] = [
    (r"^View (\d+) more$", "展开其余 $1 项"),
    (r"^Limit (\d+(?:\.\d+)?)\s*([KMG]B) per file(?: • (.*))?$", "单个文件不超过 $1 $2 · $3"),
    (r"^(\d+(?:\.\d+)?)\s*([KMG]B) per file(?: • (.*))?$", "单个文件不超过 $1 $2 · $3"),
]
WEEKDAYS = {"Su": "日", "Mo": "一", "Tu": "二", "We": "三", "Th": "四", "Fr": "五", "Sa": "六"}

PHONE_PX = 640  # Streamlit stacks columns below this width

STYLE = f"""<style>
/* The page's English that no setting removes is translated by the script below; this hides the
   moment before it runs. */
.st-key-pd-shell {{ display: none; }}
/* A target card (widgets.target_cards): the whole card is the link, its text wraps. */
[class*="st-key-card_"] [data-testid="stPageLink-NavLink"] {{ width: 100%; padding: 0.1rem 0.2rem; }}
[class*="st-key-card_"] [data-testid="stPageLink-NavLink"] span,
[class*="st-key-card_"] [data-testid="stPageLink-NavLink"] p {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; line-height: 1.55; }}
@media (max-width: {PHONE_PX}px) {{
  /* Headline numbers two to a row instead of one under the other. */
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"]) {{
    flex-flow: row wrap !important; gap: 0.5rem 0.75rem !important; }}
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"])
    > [data-testid="stColumn"] {{
    flex: 1 1 calc(50% - 0.75rem) !important; width: calc(50% - 0.75rem) !important;
    min-width: calc(50% - 0.75rem) !important; }}
  [data-testid="stMetricValue"] {{ font-size: 1.6rem; }}
  h1 {{ font-size: 1.7rem !important; }} h2 {{ font-size: 1.35rem !important; }} h3 {{ font-size: 1.15rem !important; }}
  [data-testid="stMainBlockContainer"] {{ padding-top: 3.5rem !important; }}
  /* No toolbars over a chart's legend or a table's header: a phone shows them on every tap. */
  .modebar-container, [data-testid="stElementToolbar"] {{ display: none !important; }}
  [data-testid="stMainBlockContainer"] {{ padding-left: 0.9rem !important; padding-right: 0.9rem !important; }}
}}
</style>"""


def _script() -> str:
    words = dict(WORDS) | {m: f"{i}月" for i, m in enumerate(MONTHS, 1)}
    tables = {"WORDS": words, "PATTERNS": PATTERNS, "WEEKDAYS": WEEKDAYS, "MONTHS": MONTHS}
    data = json.dumps(tables, ensure_ascii=False)
    return """<script>
(() => {
  if (window.__perfdashZh) return;
  window.__perfdashZh = true;
  const {WORDS, PATTERNS, WEEKDAYS, MONTHS} = PERFDASH_WORDS;
  const monthYear = new RegExp("^(" + MONTHS.join("|") + ") (\\\\d{4})$");
  const patterns = PATTERNS.map(([p, r]) => [new RegExp(p), r]);
  function say(text, calendar) {
    const t = text.trim();
    if (!t) return null;
    if (WORDS[t] !== undefined) return text.replace(t, WORDS[t]);
    const my = t.match(monthYear);
    if (my) return `${my[2]}年${MONTHS.indexOf(my[1]) + 1}月`;
    if (calendar && WEEKDAYS[t] !== undefined) return WEEKDAYS[t];
    for (const [re, rep] of patterns) {
      if (re.test(t)) return t.replace(re, rep).replace(/ · $/, "");
    }
    return null;
  }
  function fixText(node) {
    const parent = node.parentElement;
    if (!parent || parent.closest("input, textarea, script, style, [contenteditable]")) return;
    const calendar = !!parent.closest('[data-baseweb="calendar"]');
    const said = say(node.nodeValue, calendar);
    if (said !== null && said !== node.nodeValue) node.nodeValue = said;
  }
  function fixAttrs(el) {
    for (const name of ["placeholder", "aria-label", "title"]) {
      const v = el.getAttribute && el.getAttribute(name);
      if (v) { const s = say(v, false); if (s !== null && s !== v) el.setAttribute(name, s); }
    }
  }
  function fix(root) {
    if (root.nodeType === 3) { fixText(root); return; }
    if (root.nodeType !== 1) return;
    fixAttrs(root);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    while (walker.nextNode()) {
      const n = walker.currentNode;
      if (n.nodeType === 3) fixText(n); else fixAttrs(n);
    }
  }
  fix(document.body);
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "characterData") fixText(r.target);
      else if (r.type === "attributes") fixAttrs(r.target);
      else r.addedNodes.forEach(fix);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true,
                             attributes: true, attributeFilter: ["placeholder", "aria-label", "title"]});
  // One screen, one history entry. Streamlit pushes an entry for the page and another for each
  // change of its query string (a page switch drops it, the page then writes its plan and date
  // back): a change of the query string alone replaces the entry of the screen it belongs to.
  // The new page's query string can arrive before Streamlit has moved the address to the new
  // page: it is then put on the new page's address (known from the link clicked), so it neither
  // overwrites the previous screen's entry nor adds one under the old address.
  let goingTo = null;
  document.addEventListener("click", (e) => {
    const link = e.target instanceof Element && e.target.closest("a[href]");
    if (!link) return;
    const to = new URL(link.href, location.href);
    if (to.origin === location.origin && to.pathname !== location.pathname) goingTo = to.pathname;
  }, true);
  const push = history.pushState.bind(history);
  const replace = history.replaceState.bind(history);
  const ours = (url) => url == null ? null : new URL(url, location.href);
  history.pushState = (state, title, url) => {
    const next = ours(url);
    if (!next || next.origin !== location.origin) return push(state, title, url);
    if (next.pathname !== location.pathname) {
      goingTo = null;
      return push(state, title, url);
    }
    if (goingTo) {
      next.pathname = goingTo;
      goingTo = null;
      return push(state, title, next.href);
    }
    return replace(state, title, url);
  };
  history.replaceState = (state, title, url) => {
    const next = ours(url);
    if (goingTo && next && next.origin === location.origin && next.pathname === location.pathname) {
      return history.pushState(state, title, url);  // the new page's query string, early
    }
    return replace(state, title, url);
  };
  // On a phone the open sidebar covers most of the screen, and Streamlit keeps it open from page
  // to page once a person opened it: close it when a choice is made in it (a plan, a date, a page).
  const phone = () => window.matchMedia("(max-width: 768px)").matches;
  const closeSidebar = () => {
    const open = document.querySelector('[data-testid="stSidebar"][data-collapsed="false"]');
    const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (open && button) button.click();
  };
  let choosing = false;  // a select box or date picker of the sidebar is open
  document.addEventListener("pointerdown", (e) => {
    if (!phone() || !(e.target instanceof Element)) return;
    const t = e.target;
    const pickers = '[data-testid="stSelectbox"], [data-baseweb="select"], [data-testid="stDateInput"]';
    if (t.closest('[data-testid="stSidebar"]') && t.closest(pickers)) {
      choosing = true;
    } else if (choosing && t.closest('[role="option"], [data-baseweb="calendar"] [role="gridcell"]')) {
      choosing = false;
      setTimeout(closeSidebar, 400);  // after the choice has reached the widget
    } else if (t.closest('[data-testid="stSidebarNav"] a')) {
      setTimeout(closeSidebar, 400);
    }
  }, true);
})();
</script>""".replace("PERFDASH_WORDS", data)


SCRIPT = _script()


def install(phone_styles: bool = True) -> None:
    """Add the styles and the Chinese words to this page (once per page run)."""
    if phone_styles:
        st.html(STYLE)
    with st.container(key="pd-shell"):
        st.html(SCRIPT, unsafe_allow_javascript=True)
