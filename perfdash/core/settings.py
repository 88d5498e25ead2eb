"""Every setting of perfdash in one place: name, default, one-line help."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "PERFDASH_DB",
        "data/perfdash.duckdb",
        "DuckDB 数据库文件路径（相对路径以项目根目录为准）；或 postgresql://用户@主机/库名，"
        "以 PostgreSQL 为数据库，可运行多个看板进程",
    ),
    Setting(
        "PERFDASH_PLAN",
        "data/quanzhou_edu_2025_plan.txt",
        "首次启动时导入的方案文件（官方文本）",
    ),
    Setting("PERFDASH_DEMO_SEED", 2025, "演示进度数据的随机种子（同一种子得到同一份数据）"),
    Setting("PERFDASH_EVIDENCE_DIR", "", "迎评材料文件的目录（空则为数据库文件旁的 evidence/）"),
    Setting("LAG_YELLOW_PCT", 10.0, "落后序时进度达到该百分点数（含）即为黄色滞后"),
    Setting("LAG_RED_PCT", 30.0, "落后序时进度超过该百分点数即为红色滞后（逾期未完成亦为红色）"),
    Setting(
        "PERFDASH_SHOW_ERRORS",
        0,
        "1 = 页面出错时在浏览器中显示完整的错误（仅供开发和测试；默认只显示错误编号，详情写入服务器日志）",
    ),
)

# The bureau's fixed point structure (职能工作 70 = 重点工作 61 + 常规工作 9, 行政能力 20, …).
GROUP_POINTS: dict[str, float] = {
    "职能工作": 70,
    "行政能力": 20,
    "精神文明": 4,
    "平安建设": 4,
    "安全生产": 1,
    "消防安全": 1,
}
GROUPS: tuple[str, ...] = tuple(GROUP_POINTS)
CATEGORY_POINTS: dict[str, float] = {"重点工作目标": 61, "常规工作目标": 9}

# The longest text each kind of field takes, in characters: the same for the app's forms, uploads
# and the command line (the write path refuses anything longer; the editor and the ledger's
# 填报说明 state the same numbers).
TEXT_LIMITS: dict[str, int] = {
    "note": 500,  # 进展说明, a reason, a scenario's note
    "text": 1000,  # 督办事项, an answer, a closing note, an adjustment's reason, a 量化指标 phrase
    "summary": 2000,  # 自评小结, an innovation's description
    "report": 5000,  # 存在问题 / 改进措施 of the report
    "title": 100,  # titles and labels: an innovation, a milestone, a scenario, a meeting-screen token
    "name": 50,  # a person, an organisation, a category, a phone number, a display name
}

# Statuses a section may report (进度状态).
STATUSES: tuple[str, ...] = ("未开始", "推进中", "已完成", "有风险", "已暂停")

OFFICE = "绩效办"
DEMO_LABEL = "演示数据"


class SettingError(ValueError):
    """An environment variable whose value is not of its setting's type (message in Chinese,
    naming the variable)."""


_KINDS = {int: "整数（如 5）", float: "数字（如 8 或 0.5）", str: "文字"}


def _get(name: str) -> object:
    """A setting's value: the environment variable read as the type of its default, else the
    default. A value of the wrong type raises SettingError naming the variable, not a bare
    ValueError from int() or float()."""
    setting = next(s for s in SETTINGS if s.name == name)
    raw = os.environ.get(name)
    if raw is None:
        return setting.default
    kind = type(setting.default)
    try:
        return kind(raw.strip()) if kind is not str else raw
    except ValueError:
        raise SettingError(
            f"环境变量 {name} 的值“{raw[:40]}”不是{_KINDS.get(kind, kind.__name__)}：{setting.help}"
        ) from None


def _path(name: str) -> Path:
    path = Path(str(_get(name)))
    return path if path.is_absolute() else PROJECT_ROOT / path


def is_server_db(db: str | Path) -> bool:
    """Whether a database location names a PostgreSQL server (postgresql://…) rather than a file."""
    return str(db).startswith(("postgresql://", "postgres://"))


def db_path() -> Path | str:
    """The database: ``PERFDASH_DB`` if set, else data/perfdash.duckdb; a postgresql:// URL stays
    as it is."""
    raw = str(_get("PERFDASH_DB"))
    return raw if is_server_db(raw) else _path("PERFDASH_DB")


def shown_db(db: str | Path) -> str:
    """A database location as a console line may show it (a URL without its password)."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", str(db))


def _beside_db(db_file: str | Path, name: str) -> Path:
    # A PostgreSQL database has no folder of its own: the project's data/ folder (set the
    # directory explicitly when several machines serve the app).
    return PROJECT_ROOT / "data" / name if is_server_db(db_file) else Path(db_file).resolve().parent / name


def evidence_dir(db_file: str | Path) -> Path:
    """Where the evidence files (迎评材料) of a database live: PERFDASH_EVIDENCE_DIR, else an
    ``evidence/`` folder beside the database file (data/evidence for PostgreSQL)."""
    configured = os.environ.get("PERFDASH_EVIDENCE_DIR")
    return Path(configured) if configured else _beside_db(db_file, "evidence")


def evidence_file(db_file: str | Path, sha256: str, file_name: str) -> Path:
    """The evidence file of a content hash (evidence/ab/abcdef….pdf): files are kept by content."""
    return evidence_dir(db_file) / sha256[:2] / (sha256 + Path(file_name).suffix.lower())


def plan_path() -> Path:
    """The shipped plan document used to build a first database."""
    return _path("PERFDASH_PLAN")


def demo_seed() -> int:
    return int(_get("PERFDASH_DEMO_SEED"))  # type: ignore[arg-type]


def show_errors() -> bool:
    """Whether a failing page may show its traceback in the browser (development and tests only)."""
    return bool(int(_get("PERFDASH_SHOW_ERRORS")))  # type: ignore[call-overload]


def lag_thresholds() -> tuple[float, float]:
    """(yellow, red) lag thresholds in percentage points behind 序时进度."""
    return float(_get("LAG_YELLOW_PCT")), float(_get("LAG_RED_PCT"))  # type: ignore[arg-type]


# Login and sessions.
SETTINGS += (
    Setting(
        "PERFDASH_ADMIN_PASSWORD", "", "首次启动时创建的管理员（admin，绩效办）密码；不设则随机生成并只在控制台打印一次"
    ),
    Setting("SESSION_HOURS", 8.0, "登录后多少小时需重新登录"),
    Setting(
        "LOGIN_MAX_FAILURES",
        5,
        "同一用户名从同一来源（IP 地址，或曾在其上登录成功的浏览器）在锁定窗口内允许的失败次数；"
        "只限制失败的那个来源，别处照常登录",
    ),
    Setting("LOGIN_LOCK_MINUTES", 15.0, "失败次数达到上限后锁定的分钟数（也是计数的窗口）"),
    Setting(
        "LOGIN_SOURCE_MAX_FAILURES", 20, "同一来源（IP 地址）在锁定窗口内对所有用户名合计允许的失败次数（最先检查）"
    ),
    Setting(
        "LOGIN_ACCOUNT_MAX_FAILURES",
        50,
        "同一用户名在锁定窗口内从所有来源合计允许的失败次数；达到后只有曾在其上登录成功的浏览器可以登录，"
        "绩效办可在“账户与审计”页面解除",
    ),
    Setting("LOGIN_CONCURRENT_CHECKS", 0, "同时进行的密码校验数上限（每次约占 19 MiB 内存）；0 表示等于 CPU 核数"),
    Setting(
        "PERFDASH_COOKIE_SECRET",
        "",
        "签名登录 Cookie 的密钥；不设则首次启动时随机生成，保存在密钥目录（PERFDASH_SECRETS_DIR）的 cookie.key"
        "（删除该文件即令所有人重新登录）",
    ),
    Setting(
        "PERFDASH_SECRETS_DIR",
        "",
        "本机密钥（登录 Cookie 签名、备份签名）保存的目录，须在项目目录和备份目录之外；"
        "空则为 ~/.config/perfdash（或 $XDG_CONFIG_HOME/perfdash）",
    ),
    Setting(
        "PERFDASH_PUBLIC_URL",
        "",
        "大家打开看板用的地址（如 https://jx.example.gov.cn，多个用逗号分隔）：页面的 websocket 连接和登录 Cookie "
        "只接受来自这些地址的页面；空则只接受与所访问的地址（主机名和端口）完全相同的页面",
    ),
    Setting(
        "PERFDASH_TRUSTED_PROXIES",
        "",
        "可信的反向代理（IP 地址或网段，逗号分隔，如 127.0.0.1）：只有直接连来的是它们时，才按 X-Forwarded-For "
        "认定访问者地址（取最右边第一个不可信的地址）；空则从不采用 X-Forwarded-For",
    ),
)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256  # longer input is refused before any hashing


def session_hours() -> float:
    return float(_get("SESSION_HOURS"))  # type: ignore[arg-type]


def login_limits() -> tuple[int, float]:
    """(failures allowed, lock minutes)."""
    return int(_get("LOGIN_MAX_FAILURES")), float(_get("LOGIN_LOCK_MINUTES"))  # type: ignore[arg-type]


def source_max_failures() -> int:
    """Failures allowed from one source (IP address) across all accounts within the lock window."""
    return int(_get("LOGIN_SOURCE_MAX_FAILURES"))  # type: ignore[call-overload]


def account_max_failures() -> int:
    """Failures allowed for one user name from every source together within the lock window
    (browsers it signed in on before are exempt)."""
    return int(_get("LOGIN_ACCOUNT_MAX_FAILURES"))  # type: ignore[call-overload]


def public_origins() -> tuple[str, ...]:
    """The origins (scheme://host[:port]) people open the app at, as configured ('' entries dropped)."""
    return tuple(u.strip() for u in str(_get("PERFDASH_PUBLIC_URL")).split(",") if u.strip())


def trusted_proxies() -> tuple[str, ...]:
    """The reverse proxies (addresses or networks, as written) whose X-Forwarded-For is believed."""
    return tuple(p.strip() for p in str(_get("PERFDASH_TRUSTED_PROXIES")).split(",") if p.strip())


def concurrent_checks() -> int:
    """How many password checks may run at once (each holds argon2's memory while it runs)."""
    configured = int(_get("LOGIN_CONCURRENT_CHECKS"))  # type: ignore[call-overload]
    return configured if configured > 0 else max(os.cpu_count() or 2, 1)


def admin_password() -> str:
    return str(_get("PERFDASH_ADMIN_PASSWORD"))


def cookie_secret() -> str:
    """The configured key for signing the sign-in cookie ('' : a generated one in secrets_dir())."""
    return str(_get("PERFDASH_COOKIE_SECRET"))


def secrets_dir() -> Path:
    """Where this installation's own keys live (cookie signing, backup signing): never derived
    from the database's location, so no URL or password ends up in a file name, and outside the
    project and the backup folder, so a copied backup or checkout does not carry the key."""
    configured = str(_get("PERFDASH_SECRETS_DIR"))
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "perfdash"


# Reminders (催报) and supervision (督办).
SETTINGS += (
    Setting("PERFDASH_SMTP_HOST", "", "催报邮件的 SMTP 服务器（空则不能发邮件）"),
    Setting("PERFDASH_SMTP_PORT", 25, "SMTP 端口"),
    Setting("PERFDASH_SMTP_FROM", "perfdash@localhost", "催报邮件的发件人"),
    Setting("PERFDASH_SMTP_USER", "", "SMTP 用户名（需要登录时）"),
    Setting("PERFDASH_SMTP_PASSWORD", "", "SMTP 密码（需要登录时）"),
    Setting("PERFDASH_SMTP_STARTTLS", 0, "1 = 发送前启用 STARTTLS"),
    Setting("PERFDASH_WEBHOOK_URL", "", "工作群机器人的 Webhook 地址（企业微信或钉钉；空则不能发群消息）"),
    Setting(
        "PERFDASH_WEBHOOK_KIND",
        "",
        "群机器人的类型：wecom（企业微信）或 dingtalk（钉钉）；空则按地址判断"
        "（oapi.dingtalk.com 或设置了加签密钥即为钉钉）",
    ),
    Setting("PERFDASH_WEBHOOK_SECRET", "", "钉钉机器人“加签”的密钥（SEC 开头）；设置后每条消息带时间戳和签名"),
    Setting("ESCALATE_DAYS", 7, "督办逾期多少天后由橙色升为红色"),
)


def smtp_settings() -> dict[str, object]:
    """The SMTP settings for reminder e-mails."""
    return {
        "host": str(_get("PERFDASH_SMTP_HOST")),
        "port": int(_get("PERFDASH_SMTP_PORT")),  # type: ignore[call-overload]
        "sender": str(_get("PERFDASH_SMTP_FROM")),
        "user": str(_get("PERFDASH_SMTP_USER")),
        "password": str(_get("PERFDASH_SMTP_PASSWORD")),
        "starttls": bool(int(_get("PERFDASH_SMTP_STARTTLS"))),  # type: ignore[call-overload]
    }


def webhook_url() -> str:
    return str(_get("PERFDASH_WEBHOOK_URL"))


def webhook_kind() -> str:
    """wecom, dingtalk, or '' (tell by the address)."""
    return str(_get("PERFDASH_WEBHOOK_KIND")).strip().lower()


def webhook_secret() -> str:
    """The DingTalk robot's signing secret (加签), if it has one."""
    return str(_get("PERFDASH_WEBHOOK_SECRET")).strip()


def escalate_days() -> int:
    return int(_get("ESCALATE_DAYS"))  # type: ignore[call-overload]


# Backups while the app serves.
SETTINGS += (
    Setting("PERFDASH_BACKUP_DIR", "", "定时备份和页面备份保存的目录（空则为数据库文件旁的 backups/）"),
    Setting("PERFDASH_BACKUP_EVERY", 24.0, "看板运行时每隔多少小时自动备份一次（可为小数；0 = 不自动备份）"),
    Setting("PERFDASH_BACKUP_KEEP", 14, "备份目录中保留最近多少份定时备份（页面备份另计，也保留这么多份）"),
    Setting("PERFDASH_BACKUP_MAX_MB", 4096, "恢复或预览时，一个备份文件解压后允许的最大体积（MB）"),
)


def backup_dir(db_file: str | Path) -> Path:
    """Where scheduled and on-demand backups of a database go: PERFDASH_BACKUP_DIR, else a
    ``backups/`` folder beside the database file."""
    configured = str(_get("PERFDASH_BACKUP_DIR"))
    if not configured:
        return _beside_db(db_file, "backups")
    path = Path(configured)
    return path if path.is_absolute() else PROJECT_ROOT / path


def backup_every_hours() -> float:
    """Hours between scheduled backups (0: none)."""
    return max(float(_get("PERFDASH_BACKUP_EVERY")), 0.0)  # type: ignore[arg-type]


def backup_keep() -> int:
    """How many backups of each kind (scheduled, on demand) the backup folder keeps."""
    return max(int(_get("PERFDASH_BACKUP_KEEP")), 1)  # type: ignore[call-overload]


def backup_max_bytes() -> int:
    """The most a backup archive may unpack to."""
    return int(_get("PERFDASH_BACKUP_MAX_MB")) * (1 << 20)  # type: ignore[call-overload]


# Files people upload through the pages: Streamlit holds each in the server's memory while the
# page's uploader shows it. The largest single upload is server.maxUploadSize (.streamlit/config.toml,
# 20 MB: 迎评材料); a cap below that is raised to fit one such file (plus its multipart framing).
SETTINGS += (
    Setting(
        "PERFDASH_UPLOAD_SESSION_MB",
        60,
        "一个浏览器标签页（会话）同时暂存在服务器内存中的上传文件合计上限（MB）；超出的上传被拒绝（HTTP 413）。"
        "至少容纳一个最大尺寸的文件",
    ),
    Setting(
        "PERFDASH_UPLOAD_TOTAL_MB",
        400,
        "所有会话同时暂存的上传文件合计上限（MB）；超出的上传被拒绝（HTTP 413），服务器日志记一条警告",
    ),
    Setting(
        "PERFDASH_UPLOAD_UNUSED_SECONDS",
        300,
        "上传后已不在页面任何上传控件中的文件（换了页面或目标），多少秒后从服务器内存中清除",
    ),
)


def upload_caps_bytes() -> tuple[int, int]:
    """(per session, all sessions) bytes of uploaded files the server may hold at once."""
    mb = 1 << 20
    return int(_get("PERFDASH_UPLOAD_SESSION_MB")) * mb, int(_get("PERFDASH_UPLOAD_TOTAL_MB")) * mb  # type: ignore[call-overload]


def upload_unused_seconds() -> float:
    """How long a file no uploader on screen holds stays in memory after its upload."""
    return max(float(_get("PERFDASH_UPLOAD_UNUSED_SECONDS")), 0.0)  # type: ignore[arg-type]
