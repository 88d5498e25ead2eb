"""Sending reminders: e-mail over SMTP, and a chat group's robot: 企业微信 (WeCom) or 钉钉
(DingTalk, optionally signed: 加签), each @-mentioning people by their mobile number."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.parse
import urllib.request
from collections.abc import Sequence
from email.message import EmailMessage

from perfdash.core import settings

TIMEOUT_SECONDS = 10
ROBOTS = {"wecom": "企业微信群", "dingtalk": "钉钉群"}


class NotifyError(RuntimeError):
    """A reminder that could not be sent (message in Chinese)."""


def email_configured() -> bool:
    """Whether an SMTP server is set (PERFDASH_SMTP_HOST)."""
    return bool(settings.smtp_settings()["host"])


def robot_configured() -> bool:
    """Whether a chat robot is set (PERFDASH_WEBHOOK_URL)."""
    return bool(settings.webhook_url())


def send_email(to: list[str], subject: str, body: str) -> None:
    """One plain-text e-mail through the configured SMTP server."""
    cfg = settings.smtp_settings()
    if not cfg["host"]:
        raise NotifyError("未配置 SMTP 服务器（PERFDASH_SMTP_HOST），不能发送邮件")
    if not to:
        raise NotifyError("没有收件人：请先为科室设置邮箱")
    msg = EmailMessage()
    msg["From"] = str(cfg["sender"])
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg.set_content(body)
    try:
        with smtplib.SMTP(str(cfg["host"]), int(cfg["port"]), timeout=TIMEOUT_SECONDS) as smtp:  # type: ignore[call-overload]
            if cfg["starttls"]:
                smtp.starttls()
            if cfg["user"]:
                smtp.login(str(cfg["user"]), str(cfg["password"]))
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise NotifyError(f"邮件发送失败：{exc}") from exc


def robot_kind(url: str | None = None) -> str:
    """Which robot the chat group has: PERFDASH_WEBHOOK_KIND, else 钉钉 for a dingtalk.com address
    or a signing secret, else 企业微信 (the message format perfdash always used)."""
    kind = settings.webhook_kind()
    if kind in ROBOTS:
        return kind
    host = urllib.parse.urlsplit(url or settings.webhook_url()).hostname or ""
    return "dingtalk" if host.endswith("dingtalk.com") or settings.webhook_secret() else "wecom"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64 of HMAC-SHA256 over "timestamp\\nsecret" keyed by the secret."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The robot's address with ``timestamp`` (ms) and ``sign`` added as query parameters."""
    stamp = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    query = urllib.parse.urlencode({"timestamp": stamp, "sign": dingtalk_sign(secret, stamp)})
    return f"{url}{'&' if urllib.parse.urlsplit(url).query else '?'}{query}"


def robot_message(kind: str, text: str, mobiles: Sequence[str] = ()) -> dict:
    """The robot's text message, @-mentioning ``mobiles``. DingTalk notifies a number only when
    it is also written as @number in the text; WeCom takes the list alone."""
    mobiles = list(dict.fromkeys(m for m in mobiles if m))
    if kind == "dingtalk":
        content = text + ("\n" + " ".join(f"@{m}" for m in mobiles) if mobiles else "")
        return {"msgtype": "text", "text": {"content": content}, "at": {"atMobiles": mobiles, "isAtAll": False}}
    message: dict = {"msgtype": "text", "text": {"content": text}}
    if mobiles:
        message["text"]["mentioned_mobile_list"] = mobiles
    return message


def send_webhook(text: str, url: str | None = None, mobiles: Sequence[str] = ()) -> str:
    """A text message to the chat group's robot, @-mentioning ``mobiles``; signed when the robot
    is DingTalk's and a secret is set. Returns the robot's kind (wecom or dingtalk)."""
    url = url or settings.webhook_url()
    if not url:
        raise NotifyError("未配置群机器人地址（PERFDASH_WEBHOOK_URL），不能发送群消息")
    if not url.startswith(("http://", "https://")):
        raise NotifyError("群机器人地址应以 http:// 或 https:// 开头")
    kind = robot_kind(url)
    secret = settings.webhook_secret()
    target = signed_url(url, secret) if kind == "dingtalk" and secret else url
    payload = json.dumps(robot_message(kind, text, mobiles), ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        target, data=payload, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http(s) checked)
            answer = response.read()
    except OSError as exc:
        raise NotifyError(f"群消息发送失败：{exc}") from exc
    try:
        reply = json.loads(answer or b"{}")
    except ValueError:
        reply = {}
    code = reply.get("errcode", 0) if isinstance(reply, dict) else 0
    if code:
        raise NotifyError(f"{ROBOTS[kind]}机器人拒收消息（errcode {code}：{str(reply.get('errmsg', ''))[:100]}）")
    return kind
