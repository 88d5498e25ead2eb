"""When the server finished a script run for a browser page, read from the page's websocket."""

from __future__ import annotations

import contextlib
import time


class RunWatch:
    """When the server last finished a script run for one browser page, read from the page's
    websocket (Streamlit's script_finished message): splits a step into the server's part and
    the browser's drawing."""

    def __init__(self, page) -> None:
        self.started = self.finished = 0.0
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload: str | bytes) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, bytes | bytearray):
            msg = ForwardMsg()
            with contextlib.suppress(Exception):  # not every frame need be a ForwardMsg
                msg.ParseFromString(bytes(payload))
                if msg.WhichOneof("type") == "script_finished":
                    self.finished = time.monotonic()

    def mark(self) -> None:
        """The action starts now."""
        self.started = time.monotonic()

    def server_part(self) -> float | None:
        """Seconds from the last action to the server's last finished run, if it finished since."""
        return self.finished - self.started if self.finished > self.started else None
