"""A real SFTP server in the test process (asyncssh, on a free loopback port, in a thread of its own)
serving one folder, with a host key and a client key generated for the test."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh


@dataclass(frozen=True)
class Sftp:
    """The running server: its port, its host key (public, OpenSSH text) and a client's private key
    (OpenSSH text) it accepts for ``user``; ``password`` is accepted too."""

    port: int
    host_key: str
    client_key: str
    user: str
    password: str


class _Server(asyncssh.SSHServer):
    def __init__(self, password: str) -> None:
        self.password = password

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return password == self.password


@contextmanager
def sftp_server(root: Path, user: str = "acme", password: str = "pw-s3cret-9") -> Iterator[Sftp]:
    """Serve ``root`` (chrooted) over SFTP until the block ends."""
    host = asyncssh.generate_private_key("ssh-ed25519")
    client = asyncssh.generate_private_key("ssh-ed25519")
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def start() -> None:
        box["server"] = await asyncssh.listen(
            "127.0.0.1", 0, server_host_keys=[host],
            authorized_client_keys=asyncssh.import_authorized_keys(client.export_public_key().decode()),
            server_factory=lambda: _Server(password),
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root).encode()),
        )  # fmt: skip
        ready.set()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=serve, name="sftp-server", daemon=True)
    thread.start()
    assert ready.wait(30), "the SFTP server did not start"
    server = box["server"]
    port = int(server.sockets[0].getsockname()[1])
    try:
        yield Sftp(
            port, host.export_public_key().decode().strip(), client.export_private_key().decode(), user, password
        )
    finally:

        async def stop() -> None:
            server.close()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()
