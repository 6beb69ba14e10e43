"""Fetch a supplier's feed file: from a local path (a file, or the newest matching file of a folder),
over SFTP (asyncssh) or HTTP(S) (httpx, with ETag / If-Modified-Since).

A folder (local or SFTP) yields its newest file (by modification time) whose name matches the
pattern: the source's last part when it holds ``*``, ``?`` or ``[``, else ``*.csv`` and ``*.xlsx``.
When that file is the one read last time (same name and content), there is nothing new
(:class:`NoNewFile`). Every failure to reach or read the source is :class:`FetchFailed`.
"""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import posixpath
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import httpx

from truecount.domain.feeds import within

if TYPE_CHECKING:
    import asyncssh

MAX_BYTES = 50 * 1024 * 1024
TIMEOUT_S = 30.0
DEFAULT_PATTERNS = ("*.csv", "*.xlsx")


class FetchFailed(Exception):
    """The source could not be reached or read; the message says why (never a secret)."""


class NotModified(Exception):
    """HTTP 304: the file is the one read last time."""


class NoNewFile(Exception):
    """The folder's newest matching file is the one read last time (or the folder has none)."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A file read: its name, bytes and what identifies it next time (``seen``: name and digest;
    HTTP validators; SFTP: the server's host key as pinned)."""

    name: str
    content: bytes
    seen: str
    etag: str | None = None
    last_modified: str | None = None
    host_key: str | None = None


@dataclass(frozen=True, slots=True)
class Credentials:
    password: str | None = None
    private_key: str | None = None


def _seen(name: str, content: bytes) -> str:
    return f"{name} sha256:{hashlib.sha256(content).hexdigest()}"


def _split_pattern(path: str, is_dir: bool) -> tuple[str, tuple[str, ...] | None]:
    """(folder, patterns) for a folder or a glob; (path, None) for one file."""
    head, tail = posixpath.split(path.rstrip("/") if is_dir else path)
    if any(c in tail for c in "*?["):
        return head, (tail,)
    return (path, DEFAULT_PATTERNS) if is_dir else (path, None)


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(name.lower(), p.lower()) for p in patterns)


def fetch_path(source: str, last_seen: str | None, folders: list[str]) -> Fetched:
    """A local file, or the newest matching file of a local folder; the file read must resolve (links
    followed) inside ``folders`` (resolved absolute paths)."""
    where, patterns = _split_pattern(source, Path(source).is_dir())
    if patterns is None:
        return _read_local(Path(where), folders)
    folder = Path(where)
    if not folder.is_dir():
        raise FetchFailed(f"{where} is not a folder")
    found = [p for p in folder.iterdir() if p.is_file() and _matches(p.name, patterns)]
    if not found:
        raise NoNewFile(f"no file matching {', '.join(patterns)} in {where}")
    newest = max(found, key=lambda p: (p.stat().st_mtime_ns, p.name))
    fetched = _read_local(newest, folders)
    if fetched.seen == last_seen:
        raise NoNewFile(f"{newest.name} was read already")
    return fetched


def _read_local(path: Path, folders: list[str]) -> Fetched:
    if not within(str(path.resolve()), folders):
        raise FetchFailed(f"{path} is outside the folders feeds may read")
    try:
        if path.stat().st_size > MAX_BYTES:
            raise FetchFailed(f"{path.name} is larger than {MAX_BYTES} bytes")
        content = path.read_bytes()
    except FileNotFoundError:
        raise FetchFailed(f"{path} does not exist") from None
    except OSError as bad:
        raise FetchFailed(f"{path} cannot be read: {bad.strerror or bad}") from None
    return Fetched(path.name, content, _seen(path.name, content))


def fetch_http(url: str, creds: Credentials, etag: str | None, last_modified: str | None) -> Fetched:
    """GET the URL, with the validators of the last file read (a 304 is :class:`NotModified`)."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    parts = urlsplit(url)
    auth = (unquote(parts.username or ""), creds.password) if creds.password is not None else None
    try:
        with httpx.Client(timeout=TIMEOUT_S, follow_redirects=True) as client:
            answer = client.get(url, headers=headers, auth=auth)
    except httpx.HTTPError as bad:
        raise FetchFailed(f"{parts.hostname} could not be reached: {type(bad).__name__}") from None
    if answer.status_code == 304:
        raise NotModified("the server says the file is unchanged (304)")
    if answer.status_code != 200:
        raise FetchFailed(f"the server answered {answer.status_code} {answer.reason_phrase}")
    if len(answer.content) > MAX_BYTES:
        raise FetchFailed(f"the file is larger than {MAX_BYTES} bytes")
    name = posixpath.basename(parts.path) or parts.hostname or "feed"
    return Fetched(
        name, answer.content, _seen(name, answer.content), answer.headers.get("etag"),
        answer.headers.get("last-modified"),
    )  # fmt: skip


def fetch_sftp(url: str, creds: Credentials, host_key: str | None, last_seen: str | None) -> Fetched:
    """A file, or the newest matching file of a folder, over SFTP. The server's host key is pinned at
    the first connection (``host_key`` None) and must match it ever after."""
    import asyncssh  # for cost: only an SFTP feed loads it (half a second of start-up otherwise)

    try:
        return asyncio.run(_sftp(url, creds, host_key, last_seen))
    except (OSError, asyncssh.Error) as bad:
        reason = getattr(bad, "reason", "") or getattr(bad, "strerror", "") or type(bad).__name__
        raise FetchFailed(f"sftp: {reason}") from None


async def _sftp(url: str, creds: Credentials, host_key: str | None, last_seen: str | None) -> Fetched:
    import asyncssh

    parts = urlsplit(url)
    keys = [asyncssh.import_private_key(creds.private_key)] if creds.private_key else []
    pinned: tuple[list[asyncssh.SSHKey], list[asyncssh.SSHKey], list[asyncssh.SSHKey]] | None = (
        ([asyncssh.import_public_key(host_key)], [], []) if host_key else None
    )
    async with asyncssh.connect(
        parts.hostname or "", port=parts.port or 22, username=unquote(parts.username or ""),
        password=creds.password, client_keys=keys, known_hosts=pinned, agent_path=None, connect_timeout=TIMEOUT_S,
    ) as conn:  # fmt: skip
        server_key = conn.get_server_host_key()
        shown_key = server_key.export_public_key().decode().strip() if server_key is not None else None
        async with conn.start_sftp_client() as sftp:
            path = unquote(parts.path)
            where, patterns = _split_pattern(path, await sftp.isdir(path))
            if patterns is not None:
                found = [
                    e for e in await sftp.readdir(where)
                    if e.attrs.permissions is not None and stat.S_ISREG(e.attrs.permissions)
                    and _matches(str(e.filename), patterns)
                ]  # fmt: skip
                if not found:
                    raise NoNewFile(f"no file matching {', '.join(patterns)} in {where}")
                newest = max(found, key=lambda e: (e.attrs.mtime or 0, str(e.filename)))
                path = posixpath.join(where, str(newest.filename))
            if ((await sftp.stat(path)).size or 0) > MAX_BYTES:
                raise FetchFailed(f"{posixpath.basename(path)} is larger than {MAX_BYTES} bytes")
            async with sftp.open(path, "rb") as remote:
                data = await remote.read()
    content = data.encode() if isinstance(data, str) else bytes(data)
    name = posixpath.basename(path)
    fetched = Fetched(name, content, _seen(name, content), host_key=shown_key)
    if patterns is not None and fetched.seen == last_seen:
        raise NoNewFile(f"{name} was read already")
    return fetched
