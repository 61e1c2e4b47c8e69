"""A loopback TCP proxy between the kiosk and a server, that delays, throttles or cuts answers.

``FaultProxy(target_port)`` listens on 127.0.0.1 (a free port) and forwards each connection.
Set ``mode`` (any time; new connections take it):

* ``pass``: forward untouched;
* ``delay``: hold the server's answer for ``delay`` seconds before forwarding it;
* ``throttle``: forward the answer at ``rate`` bytes per second;
* ``cut``: forward ``cut_after`` bytes of the answer, then reset the connection; with
  ``cut_times`` = n only the first n connections are cut, later ones pass;
* ``stall``: accept and read the request, never answer;
* ``close``: stop listening altogether (connections are refused), like a server that is down.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from types import TracebackType


class FaultProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.mode = "pass"
        self.delay = 0.0
        self.rate = 1_000_000
        self.cut_after = 0
        self.cut_times: int | None = None
        self.connections = 0
        self.cuts = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.port = 0
        self.open()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def open(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        """Stop listening and drop every open connection."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            for s in self._sockets:
                with contextlib.suppress(OSError):
                    s.close()
            self._sockets.clear()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                cut = self.mode == "cut" and (self.cut_times is None or self.cuts < self.cut_times)
                if cut:
                    self.cuts += 1
            mode = "cut" if cut else ("pass" if self.mode == "cut" else self.mode)
            threading.Thread(target=self._serve, args=(client, mode), daemon=True).start()

    def _serve(self, client: socket.socket, mode: str) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=10)
        except OSError:
            client.close()
            return
        with self._lock:
            self._sockets += [client, upstream]
        if mode == "stall":
            threading.Thread(target=self._drain, args=(client,), daemon=True).start()
            return
        threading.Thread(target=self._pipe, args=(client, upstream, "pass"), daemon=True).start()
        self._pipe(upstream, client, mode)

    @staticmethod
    def _drain(sock: socket.socket) -> None:
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass

    def _pipe(self, src: socket.socket, dst: socket.socket, mode: str) -> None:
        sent = 0
        first = True
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if first and mode == "delay":
                    time.sleep(self.delay)
                first = False
                if mode == "cut":
                    room = self.cut_after - sent
                    if len(data) >= room:
                        dst.sendall(data[:room])
                        # RST rather than FIN: the client sees the connection break.
                        dst.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        # shutdown, not just close: the other direction's thread still holds
                        # the socket, and a close alone would leave the connection open.
                        with contextlib.suppress(OSError):
                            dst.shutdown(socket.SHUT_RDWR)
                        break
                if mode == "throttle":
                    for i in range(0, len(data), 4096):
                        dst.sendall(data[i : i + 4096])
                        time.sleep(4096 / self.rate)
                else:
                    dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.close()
