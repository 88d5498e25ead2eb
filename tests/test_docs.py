"""Docs that cannot drift: the README's module map names every module of the package (and no
module that is gone), and every setting is documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

from perfdash.cli import docs
from perfdash.core.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def module_map() -> str:
    """The code block under the README's 代码结构 heading."""
    section = README.split("\n## 代码结构", 1)[1]
    return section.split("```", 2)[1]


def listed_paths(block: str) -> set[str]:
    """The files the map lists, as paths from the project root: a line's indentation (two spaces
    a level) puts it inside the folder listed above it; a line may name several files (a.py, b.py)."""
    folders: list[str] = []
    found: set[str] = set()
    for line in block.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        names = re.match(r"\s*([\w./-]+(?:,\s*[\w./-]+)*)", line)
        if names is None:
            continue
        del folders[depth:]
        for name in (n.strip() for n in names.group(1).split(",")):
            if name.endswith("/"):
                folders.append(name.rstrip("/"))
            else:
                found.add("/".join([*folders, name]))
    return found


def test_the_map_parser_reads_nesting():
    block = "app.py   x\nperfdash/\n  core/   y\n    a.py, b.py   z\n  c.py   w\ntests/   v\n"
    assert listed_paths(block) == {"app.py", "perfdash/core/a.py", "perfdash/core/b.py", "perfdash/c.py"}


def test_every_module_is_in_the_readme_map():
    listed = listed_paths(module_map())
    modules = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "perfdash").rglob("*.py")
        if p.name != "__init__.py" or p.read_text(encoding="utf-8").count("\n") > 40
    }
    assert sorted(modules - listed) == [], "modules missing from README 代码结构"
    gone = {p for p in listed if p.startswith("perfdash/") and not (ROOT / p).exists()}
    assert sorted(gone) == [], "README 代码结构 lists modules that no longer exist"


def test_every_setting_is_in_the_readme():
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in docs.settings_block(README)]
    assert missing == [], "settings not in README's settings table"
    assert docs.settings_block(README) == docs.render_settings(), "README 设置表已过时：运行 make docs 重新生成"
