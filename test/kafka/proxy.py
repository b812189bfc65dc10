#!/usr/bin/env python3
"""test/kafka/proxy.py - SASL and TLS in front of librdkafka's mock cluster.

The mock cluster of Debian's librdkafka (test/kafka/mock.c) speaks Kafka's
protocol in plaintext and knows no SASL.  This proxy listens on 127.0.0.1
(its port written to --port-file) and, for each client:

  - with --tls CERT KEY: terminates TLS (--client-ca CA: a client
    certificate signed by CA is required);
  - with --user NAME=PASSWORD: authenticates it as a Kafka broker does,
    before anything reaches the mock: ApiVersions (the mock's answer, with
    SaslHandshake and SaslAuthenticate added), SaslHandshake, then
    SaslAuthenticate with PLAIN or SCRAM-SHA-256 (RFC 5802, RFC 7677) --
    a wrong name or password is error 58, SASL_AUTHENTICATION_FAILED, and
    the connection is closed;
  - then relays bytes both ways between it and --upstream HOST:PORT (a
    broker of the mock).

Every authentication is counted in --stats-file (JSON: ok, failed).
"""

import argparse
import base64
import hashlib
import hmac
import os
import select
import socket
import ssl
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testserver import Counts, recv_exact, serve_forever  # noqa: E402

USERS = {}
MECHANISMS = ["PLAIN", "SCRAM-SHA-256"]
SCRAM_ITERATIONS = 4096
STATS = None
ARGS = None

API_SASL_HANDSHAKE = 17
API_VERSIONS = 18
API_SASL_AUTHENTICATE = 36
SASL_AUTHENTICATION_FAILED = 58
UNSUPPORTED_SASL_MECHANISM = 33


def count(what):
    STATS.update(lambda values: values.update({what: values[what] + 1}))


def read_frame(sock):
    size = struct.unpack(">i", recv_exact(sock, 4))[0]
    return recv_exact(sock, size)


def send_frame(sock, payload):
    sock.sendall(struct.pack(">i", len(payload)) + payload)


def request_header(frame):
    """api_key, api_version, correlation_id and the body of a request
    (header v1: these requests are not flexible in the versions we offer,
    but for ApiVersions v3+, whose header v2 ends in tagged fields)."""
    key, version, corr = struct.unpack(">hhi", frame[:8])
    n = struct.unpack(">h", frame[8:10])[0]
    pos = 10 + max(n, 0)
    if key == API_VERSIONS and version >= 3:
        pos += 1  # no tagged fields in librdkafka's header
    return key, version, corr, frame[pos:]


def uvarint(data, pos):
    value = shift = 0
    while True:
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def add_sasl_versions(body, version):
    """The mock's ApiVersions answer body, with SaslHandshake 0-1 and
    SaslAuthenticate 0-1 among the supported requests."""
    ours = {API_SASL_HANDSHAKE: (0, 1), API_SASL_AUTHENTICATE: (0, 1)}
    error = body[:2]
    if version >= 3:
        n, pos = uvarint(body, 2)
        n -= 1
        entries = []
        for _ in range(n):
            key, lo, hi = struct.unpack(">hhh", body[pos:pos + 6])
            assert body[pos + 6] == 0, "tagged fields in an ApiVersions entry"
            pos += 7
            if key not in ours:
                entries.append((key, lo, hi))
        entries += [(k, lo, hi) for k, (lo, hi) in ours.items()]
        assert len(entries) + 1 < 128
        return (error + bytes([len(entries) + 1])
                + b"".join(struct.pack(">hhh", *e) + b"\0" for e in entries) + body[pos:])
    n = struct.unpack(">i", body[2:6])[0]
    pos = 6
    entries = []
    for _ in range(n):
        key, lo, hi = struct.unpack(">hhh", body[pos:pos + 6])
        pos += 6
        if key not in ours:
            entries.append((key, lo, hi))
    entries += [(k, lo, hi) for k, (lo, hi) in ours.items()]
    return error + struct.pack(">i", len(entries)) + b"".join(struct.pack(">hhh", *e) for e in entries) + body[pos:]


def string(s):
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def authenticate_reply(corr, version, error, message, data):
    body = struct.pack(">ih", corr, error) + string(message) + struct.pack(">i", len(data)) + data
    if version >= 1:
        body += struct.pack(">q", 0)
    return body


class Refused(Exception):
    pass


def plain(data):
    parts = data.split(b"\0")
    if len(parts) != 3:
        raise Refused("Authentication failed: malformed PLAIN message")
    user, password = parts[1].decode(), parts[2].decode()
    want = USERS.get(user)
    if want is None or not hmac.compare_digest(want.encode(), password.encode()):
        raise Refused("Authentication failed: Invalid username or password")


def scram_keys(password, salt):
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return hashlib.sha256(client_key).digest(), server_key


def sasl(client):
    """Authenticate the client; True when it may go on."""
    mechanism = None
    scram = None
    while True:
        frame = read_frame(client)
        key, version, corr, body = request_header(frame)
        if key == API_VERSIONS:
            upstream = socket.create_connection(ARGS.upstream)
            try:
                send_frame(upstream, frame)
                answer = read_frame(upstream)
            finally:
                upstream.close()
            send_frame(client, answer[:4] + add_sasl_versions(answer[4:], version))
        elif key == API_SASL_HANDSHAKE:
            n = struct.unpack(">h", body[:2])[0]
            mechanism = body[2:2 + n].decode()
            ok = mechanism in MECHANISMS
            send_frame(client, struct.pack(">ih", corr, 0 if ok else UNSUPPORTED_SASL_MECHANISM)
                       + struct.pack(">i", len(MECHANISMS)) + b"".join(string(m) for m in MECHANISMS))
            if not ok:
                return False
        elif key == API_SASL_AUTHENTICATE and mechanism:
            n = struct.unpack(">i", body[:4])[0]
            data = body[4:4 + n]
            try:
                if mechanism == "PLAIN":
                    plain(data)
                    reply = b""
                elif scram is None:
                    bare = data.decode().split(",", 2)[2]
                    attrs = dict(a.split("=", 1) for a in bare.split(","))
                    password = USERS.get(attrs["n"])
                    salt = os.urandom(16)
                    nonce = attrs["r"] + base64.b64encode(os.urandom(18)).decode()
                    first = "r=%s,s=%s,i=%d" % (nonce, base64.b64encode(salt).decode(), SCRAM_ITERATIONS)
                    scram = {"bare": bare, "first": first, "nonce": nonce,
                             "keys": scram_keys(password, salt) if password is not None else None}
                    send_frame(client, authenticate_reply(corr, version, 0, None, first.encode()))
                    continue
                else:
                    final = data.decode()
                    without_proof, _, proof = final.rpartition(",p=")
                    attrs = dict(a.split("=", 1) for a in without_proof.split(","))
                    # as Kafka's brokers check it: librdkafka puts its own
                    # nonce in front of the server's whole nonce
                    if not attrs.get("r", "").endswith(scram["nonce"]) or scram["keys"] is None:
                        raise Refused("Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256")
                    stored_key, server_key = scram["keys"]
                    message = ",".join([scram["bare"], scram["first"], without_proof]).encode()
                    signature = hmac.new(stored_key, message, hashlib.sha256).digest()
                    client_key = bytes(a ^ b for a, b in zip(base64.b64decode(proof), signature))
                    if not hmac.compare_digest(hashlib.sha256(client_key).digest(), stored_key):
                        raise Refused("Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256")
                    reply = ("v=" + base64.b64encode(
                        hmac.new(server_key, message, hashlib.sha256).digest()).decode()).encode()
            except Refused as r:
                count("failed")
                send_frame(client, authenticate_reply(corr, version, SASL_AUTHENTICATION_FAILED, str(r), b""))
                return False
            count("ok")
            send_frame(client, authenticate_reply(corr, version, 0, None, reply))
            return True
        else:
            return False


def relay(client, upstream):
    socks = [client, upstream]
    while True:
        pending = isinstance(client, ssl.SSLSocket) and client.pending() > 0
        readable = [client] if pending else select.select(socks, [], [], 60)[0]
        if not readable:
            return
        for s in readable:
            data = s.recv(65536)
            if not data:
                return
            (upstream if s is client else client).sendall(data)


def serve(conn, context):
    client = conn
    upstream = None
    try:
        if context:
            client = context.wrap_socket(conn, server_side=True)
        if USERS and not sasl(client):
            return
        upstream = socket.create_connection(ARGS.upstream)
        relay(client, upstream)
    except (EOFError, OSError, ssl.SSLError, ValueError, KeyError, IndexError, struct.error):
        pass
    finally:
        for s in (client, upstream):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass


def main():
    global ARGS, STATS
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--upstream", required=True, help="HOST:PORT of a mock broker")
    p.add_argument("--user", action="append", default=[], help="NAME=PASSWORD")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--client-ca")
    p.add_argument("--stats-file")
    ARGS = p.parse_args()
    STATS = Counts(ARGS.stats_file, ok=0, failed=0)
    host, _, port = ARGS.upstream.rpartition(":")
    ARGS.upstream = (host, int(port))
    for u in ARGS.user:
        name, _, password = u.partition("=")
        USERS[name] = password
    context = None
    if ARGS.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*ARGS.tls)
        if ARGS.client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(ARGS.client_ca)
    serve_forever(ARGS.port_file, serve, context)


if __name__ == "__main__":
    main()
