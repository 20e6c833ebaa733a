"""Local HTTP mirrors on 127.0.0.1 for the download tests: one that serves a directory,
one that misbehaves on purpose, and an address that refuses every connection."""

import socket
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class FaultyMirrorHandler(QuietHandler):
    """Serves a directory under /ok/, and misbehaves under the other prefixes:
    /404/ and /500/ answer with those codes, /html/ with a 200 HTML page,
    /truncated/ announces the full length but sends half, /corrupt/ flips a byte
    inside the gzip stream (a CRC error), /slow/ sends half, notes "half sent:
    <path>" in ``requests_seen``, and stalls until ``release`` is set (at the
    fixture's end) or a minute has passed."""

    requests_seen: list
    release: threading.Event

    def do_GET(self):
        self.requests_seen.append(self.path)
        prefix, _, name = self.path.lstrip("/").partition("/")
        path = Path(self.directory) / name
        if prefix == "404" or not path.is_file():
            return self.send_error(404)
        if prefix == "500":
            return self.send_error(500)
        body = path.read_bytes()
        sent = body
        if prefix == "html":
            body = sent = b"<!DOCTYPE html><html><body>Quota exceeded</body></html>"
        elif prefix == "truncated":
            sent = body[: len(body) // 2]
        elif prefix == "slow":  # half now, the rest much later: a hanging transfer
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.requests_seen.append(f"half sent: {self.path}")
            self.release.wait(timeout=60)
            return
        elif prefix == "corrupt":
            middle = len(body) // 2
            body = sent = body[:middle] + bytes([body[middle] ^ 0xFF]) + body[middle + 1 :]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(sent)


@contextmanager
def serving(handler):
    """A server of ``handler`` on a free port of 127.0.0.1, in a background thread: its
    base URL, without the trailing slash."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def unused_port_url() -> str:
    """A mirror that refuses every connection: a machine without network, for downloads."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"
