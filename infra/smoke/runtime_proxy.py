"""Relays a function's Lambda runtime API calls to `cargo lambda watch`, giving each
invocation the deadline Lambda would give it.

    python infra/smoke/runtime_proxy.py UPSTREAM_PORT router=30

Why: the emulator answers `GET .../runtime/invocation/next` with the fixed header
`lambda-runtime-deadline-ms: 600000` (a time in January 1970), where Lambda sends the
invocation's deadline in Unix milliseconds (now + the function's timeout). The router stops
starting messages when its deadline is near, so under the emulator it would hand every
message back. Everything else is relayed unchanged. Prints `port=N` once listening.
"""

import http.client
import os
import select
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# SMOKE_PROXY_DEBUG=1: log each relayed call to stderr.
DEBUG = bool(os.environ.get("SMOKE_PROXY_DEBUG"))
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


def main() -> int:
    upstream = int(sys.argv[1])
    timeouts = {}
    for arg in sys.argv[2:]:
        name, seconds = arg.split("=", 1)
        timeouts[name] = int(seconds) * 1000

    class Relay(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet: the functions' own logs matter
            pass

        def caller_gone(self):
            ready, _, _ = select.select([self.connection], [], [], 0)
            if not ready:
                return False
            try:
                return self.connection.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                return True

        def read_body(self):
            # The runtime client streams responses (chunked); the emulator gets them whole.
            if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
                data = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return data
                    data += self.rfile.read(size)
                    self.rfile.readline()
            length = int(self.headers.get("content-length") or 0)
            return self.rfile.read(length) if length else None

        def relay(self):
            body = self.read_body()
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            conn = http.client.HTTPConnection("127.0.0.1", upstream, timeout=None)
            result = {}

            def call():
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    result["resp"], result["data"] = resp, resp.read()
                except OSError as e:
                    result["error"] = e

            worker = threading.Thread(target=call, daemon=True)
            worker.start()
            # A function process stopped while it waits for its next invocation must not
            # leave a poll behind that takes the next one: when the caller hangs up, hang
            # up upstream too, as the emulator sees when it is polled directly.
            while worker.is_alive():
                worker.join(0.05)
                if worker.is_alive() and self.caller_gone():
                    conn.close()
                    return
            conn.close()
            if "error" in result:
                self.send_error(502, str(result["error"]))
                return
            resp, data = result["resp"], result["data"]
            if DEBUG:
                print(self.command, self.path, resp.status, (body or b"")[:300], data[:300], file=sys.stderr, flush=True)
            self.send_response(resp.status)
            # /.rt/<function>/2018-06-01/runtime/invocation/next
            parts = self.path.split("/")
            deadline = None
            if self.path.endswith("/runtime/invocation/next") and resp.status == 200 and len(parts) > 2:
                timeout = timeouts.get(parts[2])
                if timeout is not None:
                    deadline = str(int(time.time() * 1000) + timeout)
            for k, v in resp.getheaders():
                if k.lower() in HOP_BY_HOP:
                    continue
                if deadline is not None and k.lower() == "lambda-runtime-deadline-ms":
                    v = deadline
                self.send_header(k, v)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = relay

    server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    server.daemon_threads = True
    print(f"port={server.server_address[1]}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
