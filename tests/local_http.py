"""A real HTTP server on 127.0.0.1, in a thread of its own, for a test's `with` block: the
scaffolding the services' stand-ins share (notify_servers.Hooks, pagerduty_server.PagerDutyStub)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class LocalHTTP:
    """Serves `handler` on a free port once entered; `url` is where."""

    server: ThreadingHTTPServer
    thread: threading.Thread

    def listen(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
