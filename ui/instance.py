"""One window per library: a second launch hands over to the running app, which comes to the front.

The first instance listens on a local socket (a Unix socket or a Windows named pipe) named after the user and
the library file; a later launch that can connect to it asks it to show itself and exits.
"""
from __future__ import annotations

import getpass
import hashlib

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket


def server_name(db: str) -> str:
    digest = hashlib.sha1(f"{getpass.getuser()}|{db}".encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return f"photosearch-{digest}"


class SingleInstance(QObject):
    activated = Signal()

    def __init__(self, db: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(db)
        self.server: QLocalServer | None = None

    def hand_over(self, timeout_ms: int = 1000) -> bool:
        """True if another instance runs: it was told to come forward, and this one should exit."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(timeout_ms):
            return False
        socket.write(b"activate\n")
        socket.waitForBytesWritten(timeout_ms)
        socket.disconnectFromServer()
        return True

    def listen(self) -> bool:
        self.server = QLocalServer(self)
        if not self.server.listen(self.name):
            QLocalServer.removeServer(self.name)  # a stale socket left by a crash
            if not self.server.listen(self.name):
                return False
        self.server.newConnection.connect(self._connection)
        return True

    def _connection(self) -> None:
        while self.server is not None and (conn := self.server.nextPendingConnection()) is not None:
            conn.readyRead.connect(lambda c=conn: self._read(c))

    def _read(self, conn: QLocalSocket) -> None:
        if b"activate" in bytes(conn.readAll()):
            self.activated.emit()
        conn.disconnectFromServer()
