"""Is a server answering, and which loopback ports are free: the helpers every launcher,
the production profile, the benchmark and the tests share."""

from __future__ import annotations

import socket
import urllib.request
from typing import List


def responds(url: str, timeout: float = 2.0) -> bool:
    """Whether a GET of `url` answers 200 within `timeout` seconds."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return reply.status == 200
    except OSError:
        return False


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 2.0) -> bool:
    """Whether something accepts TCP connections on `host`:`port`."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_ports(count: int) -> List[int]:
    """`count` distinct free loopback ports (each socket is held open until all are known)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port() -> int:
    """One free loopback port."""
    return free_ports(1)[0]


def free_port_block(count: int, attempts: int = 50) -> int:
    """The first of `count` consecutive free loopback ports."""
    for _ in range(attempts):
        first = free_port()
        if first + count > 65535:
            continue
        sockets = []
        try:
            for port in range(first, first + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no {count} consecutive free ports found")
