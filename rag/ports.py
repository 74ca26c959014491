"""Can the app listen on host:port? Checked before Gradio starts, so a taken port is one clear line."""

from __future__ import annotations

import errno
import socket

from .errors import InputError


def check_port(host: str, port: int) -> None:
    """Bind host:port for a moment (as the server will, with SO_REUSEADDR); raise InputError saying what to do."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror:
        raise InputError(_bad_host(host)) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise InputError(
                    f"Port {port} on {host} is already in use (another `rag serve`?). Stop that program, or pick "
                    "another port with --port or RAG_PORT."
                ) from None
            if exc.errno == errno.EACCES:
                raise InputError(
                    f"Port {port} needs administrator rights; pick a port above 1023 with --port."
                ) from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise InputError(_bad_host(host)) from None
            raise InputError(
                f"Cannot listen on {host}:{port} ({exc.strerror}); pick another --host or --port."
            ) from None


def _bad_host(host: str) -> str:
    return (
        f"Cannot listen on host {host!r}: it is not an address of this machine. Use 127.0.0.1 (this machine only) "
        "or 0.0.0.0 (every network) with --host or RAG_HOST."
    )
