"""test/testserver.py - what the tests' small TCP servers share.

test/kafka/proxy.py and test/hms/metastore.py listen on 127.0.0.1 and an
ephemeral port, written to a port file once they accept connections, serve
each connection in a thread, and keep counts in a JSON file that the tests
read; these are the pieces.
"""

import json
import os
import socket
import threading


class Counts:
    """Counts kept in memory and, when path is given, in a JSON file."""

    def __init__(self, path, **initial):
        self.path = path
        self.values = dict(initial)
        self.lock = threading.Lock()

    def update(self, change):
        with self.lock:
            change(self.values)
            if self.path:
                write_atomically(self.path, json.dumps(self.values))


def write_atomically(path, text):
    """Write path whole, so that a reader never sees half of it."""
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def recv_exact(sock, n):
    """n bytes from sock; EOFError when it closes first."""
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def serve_forever(port_file, serve, *args):
    """Listen on 127.0.0.1, write the port to port_file, and run
    serve(connection, *args) in a thread for each connection."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    write_atomically(port_file, str(listener.getsockname()[1]))
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,) + args, daemon=True).start()
