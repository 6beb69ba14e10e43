"""`truecount serve`, a real process, keeps its memory while unauthenticated 20 MB bodies and failed
sign-ins arrive in parallel (8 + 16 at once), and answers a signed-in ``GET /api/v1/me`` meanwhile.

Before the body limit and the bounded password hashing, one 49 MB body took the server from 209 MB to
827 MB and 16 concurrent failed sign-ins (argon2, 64 MiB each) from 135 MB to 1.16 GB. Now a body is
refused 401 before it is read and at most ``password_hash_concurrency`` (2) hashes run at once. The
sign-in pause is lifted here (free failures: 1,000) so every attempt reaches the hash: what is measured
is the bound on hashing, not the throttle in front of it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.waits import until
from truecount.emulators.runner import free_port
from truecount.services.accounts import users as accounts
from truecount.services.bootstrap import init_database, merchant_scope, open_database

BODIES, SIGN_INS = 8, 16
BODY_BYTES = 20 * 1024 * 1024
#: Growth allowed over the warmed-up server: two hashes of 64 MiB at once and the bodies' first
#: chunks, with room to spare; the unbounded server grew by about 1 GB under the same load.
GROWTH_BOUND_MB = 300
#: /me waits its turn for the CPU behind two hashes; on this 2-core machine at load 15-20 it took up to
#: 3.8 s now and 12.3 s before (bodies parsed unauthenticated, every hash at once).
ME_LATENCY_BOUND_S = 10.0


def rss_mb(pid: int) -> float:
    """Resident memory of the process and its children (from /proc), in MiB."""
    total_kb = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
        total_kb += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return total_kb / 1024


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str, int]]:
    """``truecount serve`` on a fresh SQLite file: (base URL, a viewer's token, the server's pid)."""
    db = open_database(f"sqlite:///{tmp_path / 'truecount.db'}")
    init_database(db, "mem")
    scope = merchant_scope(db, "mem", "test")
    accounts.add_user(db, scope, "alice", "viewer", "right-password-1")
    token = accounts.create_token(db, scope, "alice")
    db.dispose()
    port = free_port()
    args = [str(Path(sys.executable).parent / "truecount"), "--db", db.url, "--merchant", "mem"]
    args += ["serve", "--port", str(port), "--no-worker"]
    env = {
        **os.environ,
        "TRUECOUNT_SECRET_KEY": "memory-test-secret-key-0123456789abcdef",
        "TRUECOUNT_SIGN_IN_FREE_FAILURES": "1000",
    }
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            until(lambda: process.poll() is not None or me(base, token)[0] == 200, "serve to answer", 60)
            assert process.poll() is None, log.read_text()[-3000:]
            yield base, token, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def me(base: str, token: str) -> tuple[int, float]:
    began = time.monotonic()
    try:
        status = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code
    except httpx.TransportError:
        status = 0
    return status, time.monotonic() - began


def large_body(base: str, chunked: bool) -> str:
    """A 20 MB JSON-typed body with no credentials: 401, or the connection closed before it was all sent."""
    content: bytes | Iterator[bytes] = b" " * BODY_BYTES
    if chunked:  # no Content-Length to trust: the server must stop reading by itself
        content = (b" " * 1_048_576 for _ in range(BODY_BYTES // 1_048_576))
    try:
        answer = httpx.post(
            f"{base}/api/v1/products", content=content, headers={"Content-Type": "application/json"}, timeout=60
        )
    except (httpx.WriteError, httpx.RemoteProtocolError, httpx.ReadError):
        return "closed early"
    return str(answer.status_code)


def failed_sign_in(base: str) -> str:
    with httpx.Client(base_url=base, timeout=60) as client:
        client.get("/login")
        form = {"csrf_token": client.cookies["truecount_login_csrf"], "merchant": "mem", "name": "alice"}
        answer = client.post("/login", data=form | {"password": "wrong-password"}, follow_redirects=False)
        return str(answer.status_code)


@pytest.mark.slow
def test_bodies_and_failed_sign_ins_in_parallel_leave_memory_bounded_and_me_answered(
    served: tuple[str, str, int],
) -> None:
    base, token, pid = served
    assert failed_sign_in(base) == "401" and large_body(base, chunked=False) in ("401", "closed early")  # warm up
    baseline = rss_mb(pid)
    outcomes: list[str] = []
    start = threading.Barrier(BODIES + SIGN_INS + 1)

    def attack(act: str, index: int) -> None:
        start.wait()
        outcomes.append(failed_sign_in(base) if act == "sign-in" else large_body(base, chunked=index % 2 == 1))

    threads = [threading.Thread(target=attack, args=("body", i)) for i in range(BODIES)]
    threads += [threading.Thread(target=attack, args=("sign-in", i)) for i in range(SIGN_INS)]
    for thread in threads:
        thread.start()

    def storm_on() -> bool:
        return any(t.is_alive() for t in threads)

    peak = baseline
    answered_meanwhile: list[tuple[int, float]] = []

    def sample() -> None:
        nonlocal peak
        while storm_on():
            peak = max(peak, rss_mb(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    start.wait()
    sampler.start()
    while storm_on():
        status, took = me(base, token)
        if storm_on():  # answered while attacks were still being served
            answered_meanwhile.append((status, took))
    for thread in (*threads, sampler):
        thread.join(timeout=120)
    peak = max(peak, rss_mb(pid))
    growth = peak - baseline
    slowest = max((took for _, took in answered_meanwhile), default=0.0)
    print(
        f"RSS {baseline:.0f} -> {peak:.0f} MiB (+{growth:.0f}); /me answered {len(answered_meanwhile)} times "
        f"meanwhile, slowest {slowest:.2f} s; outcomes {sorted(outcomes)}"
    )

    assert sorted(set(outcomes)) <= ["401", "closed early"] and len(outcomes) == BODIES + SIGN_INS, outcomes
    assert outcomes.count("401") >= SIGN_INS  # every failed sign-in was answered (after its hash)
    assert answered_meanwhile, "the attacks ended before /me was asked"
    assert {status for status, _ in answered_meanwhile} == {200}, answered_meanwhile
    assert slowest < ME_LATENCY_BOUND_S, answered_meanwhile
    assert growth < GROWTH_BOUND_MB, f"grew {growth:.0f} MiB (from {baseline:.0f} to {peak:.0f})"
