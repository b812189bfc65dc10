#!/usr/bin/env python3
"""test/hms/metastore.py - a Hive metastore's get_all_databases() for the tests.

Listens on 127.0.0.1 (its port written to --port-file) and answers Thrift
calls in the strict binary protocol on a plain (unframed) socket, as a
metastore does by default.  The answer depends on --mode:

  ok           get_all_databases: the databases of --databases (a REPLY
               whose result struct holds field 0, a list of strings, with
               fields of a later version around it -- a struct, a map of
               lists, a set -- that the client must skip); any other
               method: a TApplicationException (UNKNOWN_METHOD)
  drip         the answer of ok, one byte at a time
  many         20,000 databases (an answer of some 500 kB)
  toolong      50,000 databases of 30 bytes (more than the client reads)
  odd          databases whose names hold UTF-8, a control character and
               bytes that are not UTF-8
  meta         get_all_databases: a MetaException (field 1 of the result)
  unknown      every call: a TApplicationException (UNKNOWN_METHOD)
  empty        a REPLY whose result struct is empty
  seqid        the answer of ok to another sequence number
  sasl         what a SASL-only metastore answers a plain call: an ERROR
               status frame, then it closes
  close        reads the call and closes the connection
  huge         a string longer than the client reads

Calls are counted in --stats-file (JSON: calls, methods, and closed: the
calls after which the client closed its connection).
"""

import argparse
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testserver import Counts, recv_exact, serve_forever  # noqa: E402

T_STOP, T_I32, T_I64, T_STRING, T_STRUCT, T_MAP, T_SET, T_LIST = 0, 8, 10, 11, 12, 13, 14, 15
VERSION_1 = 0x80010000
REPLY, EXCEPTION = 2, 3
ARGS = None
STATS = None


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
    def count(values):
        values["calls"] += 1
        values["methods"].append(name)
    STATS.update(count)
    return name, seqid


def header(kind, name, seqid):
    return struct.pack(">I", VERSION_1 | kind) + string(name) + struct.pack(">i", seqid)


def application_exception(name, seqid, message):
    return (header(EXCEPTION, name, seqid) + bytes([T_STRING]) + struct.pack(">h", 1) + string(message)
            + bytes([T_I32]) + struct.pack(">hi", 2, 1) + bytes([T_STOP]))


def reply(name, seqid, names, extra=True):
    later = (bytes([T_STRUCT]) + struct.pack(">h", 7) + bytes([T_I32]) + struct.pack(">hi", 1, 42) + bytes([T_STOP])
             + bytes([T_MAP]) + struct.pack(">h", 8) + bytes([T_STRING, T_LIST]) + struct.pack(">i", 1)
             + string("k") + bytes([T_I32]) + struct.pack(">iii", 2, 7, 9)
             + bytes([T_SET]) + struct.pack(">h", 9) + bytes([T_I64]) + struct.pack(">iq", 1, 5))
    return (header(REPLY, name, seqid) + (later if extra else b"")
            + bytes([T_LIST]) + struct.pack(">h", 0) + bytes([T_STRING]) + struct.pack(">i", len(names))
            + b"".join(struct.pack(">i", len(n)) + n for n in names) + bytes([T_STOP]))


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
    if mode == "empty":
        return header(REPLY, name, seqid) + bytes([T_STOP])
    if mode == "sasl":
        message = b"Invalid status -128"
        return bytes([4]) + struct.pack(">i", len(message)) + message
    if mode == "many":
        return reply(name, seqid, [b"db_%05d" % i for i in range(20000)], extra=False)
    if mode == "toolong":
        return reply(name, seqid, [b"database_with_a_long_name_%04d" % (i % 10000) for i in range(50000)], extra=False)
    if mode == "odd":
        return reply(name, seqid, ["café".encode(), b"bell\x07", b"\xff\xfe"])
    names = [n.encode() for n in ARGS.databases.split(",")] if ARGS.databases else []
    return reply(name, seqid + (1 if mode == "seqid" else 0), names)


def closed(conn):
    """Wait for the client to close its connection, and count it."""
    while conn.recv(1024):
        pass
    STATS.update(lambda values: values.update(closed=values["closed"] + 1))


def serve(conn):
    try:
        name, seqid = read_call(conn)
        if ARGS.mode in ("close", "sasl"):
            if ARGS.mode == "sasl":
                conn.sendall(answer(name, seqid))
            return
        data = answer(name, seqid)
        if ARGS.mode == "drip":
            for i in range(len(data)):
                conn.sendall(data[i:i + 1])
                time.sleep(0.001)
        else:
            conn.sendall(data)
        closed(conn)
    except (EOFError, OSError):
        pass
    finally:
        conn.close()


def main():
    global ARGS, STATS
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--mode", default="ok")
    p.add_argument("--databases", default="default")
    p.add_argument("--stats-file")
    ARGS = p.parse_args()
    STATS = Counts(ARGS.stats_file, calls=0, methods=[], closed=0)
    serve_forever(ARGS.port_file, serve)


if __name__ == "__main__":
    main()
