#!/usr/bin/env python3
"""test/hms/metastore.py - a Hive metastore's get_all_databases() for the tests.

Listens on 127.0.0.1 (its port written to --port-file) and answers Thrift
calls in the strict binary protocol on a plain (unframed) socket, as a
metastore does by default.  The answer depends on --mode:

  ok           get_all_databases: the databases of --databases (a REPLY
               whose result struct holds field 0, a list of strings, with an
               unknown field before it that the client must skip); any
               other method: a TApplicationException (UNKNOWN_METHOD)
  meta         get_all_databases: a MetaException (field 1 of the result)
  unknown      every call: a TApplicationException (UNKNOWN_METHOD)
  framed       the answer of ok behind a frame length (a framed transport)
  close        reads the call and closes the connection
  silent       reads the call and never answers
  huge         a string longer than the client reads

Calls are counted in --stats-file (JSON: calls, methods).
"""

import argparse
import json
import os
import socket
import struct
import threading

T_STOP, T_I32, T_STRING, T_STRUCT, T_LIST = 0, 8, 11, 12, 15
VERSION_1 = 0x80010000
REPLY, EXCEPTION = 2, 3
ARGS = None
STATS = {"calls": 0, "methods": []}
LOCK = threading.Lock()


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def string(s):
    b = s.encode()
    return struct.pack(">i", len(b)) + b


def read_call(conn):
    version = struct.unpack(">I", recv_exact(conn, 4))[0]
    if version & 0xFFFF0000 != VERSION_1:
        raise EOFError
    name = recv_exact(conn, struct.unpack(">i", recv_exact(conn, 4))[0]).decode()
    seqid = struct.unpack(">i", recv_exact(conn, 4))[0]
    if recv_exact(conn, 1) != b"\0":  # get_all_databases has no arguments
        raise EOFError
    with LOCK:
        STATS["calls"] += 1
        STATS["methods"].append(name)
        if ARGS.stats_file:
            with open(ARGS.stats_file + ".tmp", "w") as f:
                json.dump(STATS, f)
            os.replace(ARGS.stats_file + ".tmp", ARGS.stats_file)
    return name, seqid


def header(kind, name, seqid):
    return struct.pack(">I", VERSION_1 | kind) + string(name) + struct.pack(">i", seqid)


def application_exception(name, seqid, message):
    return (header(EXCEPTION, name, seqid) + bytes([T_STRING]) + struct.pack(">h", 1) + string(message)
            + bytes([T_I32]) + struct.pack(">hi", 2, 1) + bytes([T_STOP]))


def answer(name, seqid):
    mode = ARGS.mode
    if mode == "unknown" or name != "get_all_databases":
        return application_exception(name, seqid, "Invalid method name: '%s'" % name)
    if mode == "meta":
        return (header(REPLY, name, seqid) + bytes([T_STRUCT]) + struct.pack(">h", 1)
                + bytes([T_STRING]) + struct.pack(">h", 1) + string("metastore database is down")
                + bytes([T_STOP]) + bytes([T_STOP]))
    if mode == "huge":
        return header(REPLY, name, seqid) + bytes([T_LIST]) + struct.pack(">h", 0) + bytes([T_STRING]) \
            + struct.pack(">i", 1) + struct.pack(">i", 64 * 1024 * 1024)
    names = ARGS.databases.split(",") if ARGS.databases else []
    body = (header(REPLY, name, seqid)
            # a field of a later version, which the client skips
            + bytes([T_STRUCT]) + struct.pack(">h", 7) + bytes([T_I32]) + struct.pack(">hi", 1, 42) + bytes([T_STOP])
            + bytes([T_LIST]) + struct.pack(">h", 0) + bytes([T_STRING]) + struct.pack(">i", len(names))
            + b"".join(string(n) for n in names) + bytes([T_STOP]))
    if mode == "framed":
        return struct.pack(">i", len(body)) + body
    return body


def serve(conn):
    try:
        name, seqid = read_call(conn)
        if ARGS.mode == "close":
            return
        if ARGS.mode == "silent":
            while conn.recv(1024):
                pass
            return
        conn.sendall(answer(name, seqid))
        while conn.recv(1024):
            pass
    except (EOFError, OSError):
        pass
    finally:
        conn.close()


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--mode", default="ok")
    p.add_argument("--databases", default="default")
    p.add_argument("--stats-file")
    ARGS = p.parse_args()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write(str(listener.getsockname()[1]))
    os.replace(ARGS.port_file + ".tmp", ARGS.port_file)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
