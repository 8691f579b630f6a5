"""Runs the moto AWS emulator on loopback with DynamoDB requests serialized.

moto's DynamoDB backend takes no lock, so two concurrent conditional writes to one item can
both pass their condition (measured: 7 of 20 rounds of 50 concurrent capped increments
over-counted). Real DynamoDB is linearizable per item, and the storage tests rely on that,
so this wrapper runs every DynamoDB request (``X-Amz-Target: DynamoDB_...``) under one lock.
SQS and EventBridge stay concurrent so long polls do not block table traffic.

Usage: python server.py [--port N]   (port 0, the default, picks a free port)
Prints ``port=N`` on the first line of stdout once the server is listening.
"""

import argparse
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server


class SerializeDynamoDb:
    """WSGI middleware: one DynamoDB request at a time, everything else concurrent."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("DynamoDB_"):
            return self.app(environ, start_response)
        with self.lock:
            # The body is produced inside the lock too: moto builds the response eagerly,
            # but materializing it here keeps the guarantee independent of that detail.
            return list(self.app(environ, start_response))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    app = SerializeDynamoDb(DomainDispatcherApplication(create_backend_app))
    server = make_server(
        args.host,
        args.port,
        app,
        threaded=True,
        request_handler=MotoRequestHandler,
    )
    print(f"port={server.server_port}", flush=True)

    def stop(_signum, _frame):
        # shutdown() waits for serve_forever to return, so run it off the main thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
