"""The server's log without passwords: every log record of the process (perfdash's, Streamlit's,
uvicorn's, any library's) and every uncaught exception's traceback pass through
perfdash.core.redact before anyone writes them out. Streamlit's English notice about this
machine's public address is left out (nothing to act on).

Installed at the record factory rather than on handlers: Streamlit and uvicorn set up their own
handlers and formatters, some after we start; a record is made once, whoever handles it. The
traceback is formatted (and redacted) when the record is made, and formatters print that text
instead of formatting the exception again."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from perfdash.core.redact import redact

_INSTALLED = {"done": False}
_LOCK = threading.Lock()


def _redacted_record_factory(base: logging._LogRecordFactory):  # type: ignore[name-defined]
    def make(*args: object, **kwargs: object) -> logging.LogRecord:
        record = base(*args, **kwargs)
        _redact_message(record)
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    make.perfdash_redacts = True  # type: ignore[attr-defined]
    return make


def _redact_message(record: logging.LogRecord) -> None:
    """Hide secrets in a record's message. Its arguments stay arguments where they can (some
    formatters read them: uvicorn's access log unpacks them); a record whose secret is only hidden
    once formatted becomes its formatted, redacted text."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging itself will report it
        return
    clean = redact(message)
    if clean == message:
        return
    msg, args = record.msg, record.args
    try:
        if isinstance(args, tuple):
            record.args = tuple(a if isinstance(a, int | float) else redact(str(a)) for a in args)
        elif isinstance(args, dict):
            record.args = {k: v if isinstance(v, int | float) else redact(str(v)) for k, v in args.items()}
        record.msg = redact(str(msg))
        shown = record.getMessage()
    except Exception:  # the arguments did not survive becoming text (a %d of an object)
        shown = message
    if redact(shown) != shown:
        record.msg, record.args = clean, None


# Streamlit's English notice when it cannot learn this machine's public address (it asks
# checkip.amazonaws.com: for its welcome banner, which ``serve`` turns off, and when a page's
# origin differs from the address the request was sent to, as behind a proxy that rewrites Host).
# Nothing for the operator to do: the address is not needed, and the console stays Chinese.
_EXTERNAL_IP_LOGGER = "streamlit.net_util"
_EXTERNAL_IP_NOTICE = "Did not auto detect external IP"


def _not_the_external_ip_notice(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith(_EXTERNAL_IP_NOTICE)


def _print_redacted(kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
    sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb))))
    sys.stderr.flush()


def _excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    _print_redacted(kind, value, tb)


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    sys.stderr.write(f"Exception in thread {name}:\n")
    _print_redacted(args.exc_type, args.exc_value, args.exc_traceback)


def install() -> None:
    """Redact every log record and uncaught traceback of this process from now on, and leave out
    Streamlit's external-address notice (once)."""
    with _LOCK:
        if _INSTALLED["done"]:
            return
        factory = logging.getLogRecordFactory()
        if not getattr(factory, "perfdash_redacts", False):
            logging.setLogRecordFactory(_redacted_record_factory(factory))
        sys.excepthook = _excepthook
        threading.excepthook = _thread_excepthook
        logging.getLogger(_EXTERNAL_IP_LOGGER).addFilter(_not_the_external_ip_notice)
        _INSTALLED["done"] = True
