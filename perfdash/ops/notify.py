"""Sending reminders: e-mail over SMTP and a chat-group webhook (企业微信 / 钉钉 style JSON)."""

from __future__ import annotations

import json
import smtplib
import urllib.request
from email.message import EmailMessage

from perfdash.core import settings

TIMEOUT_SECONDS = 10


class NotifyError(RuntimeError):
    """A reminder that could not be sent (message in Chinese)."""


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


def send_webhook(text: str, url: str | None = None) -> None:
    """A text message to the chat group's robot: POST {"msgtype": "text", "text": {"content": …}}."""
    url = url or settings.webhook_url()
    if not url:
        raise NotifyError("未配置群机器人地址（PERFDASH_WEBHOOK_URL），不能发送群消息")
    if not url.startswith(("http://", "https://")):
        raise NotifyError("群机器人地址应以 http:// 或 https:// 开头")
    payload = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        url, data=payload, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http(s) checked)
            answer = response.read()
    except OSError as exc:
        raise NotifyError(f"群消息发送失败：{exc}") from exc
    try:
        code = json.loads(answer or b"{}").get("errcode", 0)
    except ValueError:
        code = 0
    if code:
        raise NotifyError(f"群机器人拒收消息（errcode {code}）")
