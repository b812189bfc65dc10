#!/usr/bin/env python3
"""test/sts/emulator.py - an STS and object-storage emulator for the tests.

Serves, on 127.0.0.1 and an ephemeral port (written to --port-file):

  POST /   AssumeRole of AWS STS (query API, Signature V4, XML answer),
           Alibaba Cloud STS (RPC, HMAC-SHA1, JSON) and Tencent Cloud STS
           (TC3-HMAC-SHA256, JSON), told apart by their parameters.
  GET|HEAD|PUT|DELETE /<bucket>/<key>?...
           an object store that accepts S3 (Signature V4 query) and OSS
           (signature version 1) presigned URLs.
  POST /_control   JSON settings: {"roles": {ARN: EXTERNAL_ID}, "mode": ...,
           "expires_in": seconds, "slow": seconds}
  GET  /_stats     JSON counts of AssumeRole calls per provider, and the
           last request's session name and duration.

Every signature is recomputed here from the request as received, with
Python's own hmac and hashlib, and the keys given by --key ID=SECRET (the
source connections' keys) or issued by an earlier AssumeRole (for presigned
URLs).  The RoleArn must be a registered role and the ExternalId its own.

Modes: ok, deny (403, AccessDenied), error500, slow (answers after "slow"
seconds), garbage (200, not XML/JSON), truncated (200, half an answer),
expired (credentials that expired an hour ago).

Also, as commands: emulator.py verify-cos URL SECRET_ID SECRET_KEY checks a
COS presigned URL offline (exit 0 when the signature is right); emulator.py
trust BASE_URL ROLE_ARN EXTERNAL_ID registers a role's trust; emulator.py
fetch URL prints the status and body of a GET (the demo uses these two).
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {
    "keys": {},            # access key id -> secret (sources and issued)
    "tokens": {},          # issued key id -> token
    "roles": {},           # role ARN -> external id
    "mode": "ok",
    "expires_in": 3600,
    "slow": 10,
    "calls": {"aws": 0, "aliyun": 0, "tencent": 0},
    "last": {},
    "objects_served": 0,
}
LOCK = threading.Lock()
SKEW = 300


def enc(s):
    """RFC 3986 percent-encoding, as all three providers sign."""
    return urllib.parse.quote(s, safe="-_.~")


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def hmac256(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Reject(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def check_role(arn, external_id, session, duration):
    with LOCK:
        want = STATE["roles"].get(arn)
    if want is None:
        raise Reject(404, "NoSuchEntity", "role %s does not exist" % arn)
    if external_id != want:
        raise Reject(403, "AccessDenied", "ExternalId does not match the trust policy")
    if not session or not 2 <= len(session) <= 64:
        raise Reject(400, "InvalidParameter", "bad RoleSessionName")
    if not duration.isdigit() or not 900 <= int(duration) <= 43200:
        raise Reject(400, "InvalidParameter", "bad DurationSeconds")


def issue(provider, session, duration):
    key_id = {"aws": "ASIA", "aliyun": "STS.", "tencent": "AKIDtmp"}[provider] + secrets.token_hex(8).upper()
    secret = secrets.token_urlsafe(30)
    token = secrets.token_urlsafe(60)
    with LOCK:
        mode = STATE["mode"]
        expires = time.time() + (-3600 if mode == "expired" else STATE["expires_in"])
        STATE["keys"][key_id] = secret
        STATE["tokens"][key_id] = token
        STATE["last"] = {"provider": provider, "session": session, "duration": duration,
                         "key_id": key_id}
    return key_id, secret, token, iso(expires)


def source_secret(key_id):
    with LOCK:
        secret = STATE["keys"].get(key_id)
    if secret is None:
        raise Reject(403, "InvalidAccessKeyId", "unknown access key %s" % key_id)
    return secret


def check_time(ts):
    if abs(time.time() - ts) > SKEW:
        raise Reject(403, "RequestExpired", "request time stamp too far from now")


# --------------------------------------------------------------- AWS
def aws_assume(handler, body):
    form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
    auth = handler.headers.get("Authorization", "")
    amz_date = handler.headers.get("X-Amz-Date", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        raise Reject(403, "MissingAuthenticationToken", "no Signature V4")
    parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    key_id, date, region, service, term = parts["Credential"].split("/")
    if service != "sts" or term != "aws4_request" or date != amz_date[:8]:
        raise Reject(403, "SignatureDoesNotMatch", "bad credential scope")
    check_time(datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())
    signed = parts["SignedHeaders"].split(";")
    if "host" not in signed:
        raise Reject(403, "SignatureDoesNotMatch", "host is not signed")
    canon_headers = "".join("%s:%s\n" % (h, " ".join(handler.headers.get(h, "").split())) for h in signed)
    path, _, query = handler.path.partition("?")
    canonical = "\n".join(["POST", path, query, canon_headers, ";".join(signed), sha256_hex(body)])
    scope = "/".join([date, region, service, term])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, sha256_hex(canonical.encode())])
    k = hmac256(("AWS4" + source_secret(key_id)).encode(), date)
    for part in (region, service, term):
        k = hmac256(k, part)
    if not hmac.compare_digest(hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest(), parts["Signature"]):
        raise Reject(403, "SignatureDoesNotMatch", "The request signature we calculated does not match")
    if form.get("Action") != "AssumeRole" or form.get("Version") != "2011-06-15":
        raise Reject(400, "InvalidAction", "not AssumeRole")
    check_role(form.get("RoleArn"), form.get("ExternalId"), form.get("RoleSessionName"),
               form.get("DurationSeconds", "3600"))
    kid, secret, token, exp = issue("aws", form["RoleSessionName"], form.get("DurationSeconds"))
    return 200, "text/xml", (
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
        "<AssumedRoleUser><Arn>%s</Arn><AssumedRoleId>AROA:%s</AssumedRoleId></AssumedRoleUser>"
        "<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
        "<SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>"
        "</AssumeRoleResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
        "</AssumeRoleResponse>" % (form["RoleArn"], form["RoleSessionName"], kid, secret, token,
                                   exp.replace("Z", ".000Z")))


def aws_error(status, code, message):
    return status, "text/xml", (
        "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
        "<RequestId>r-1</RequestId></ErrorResponse>" % (code, message.replace("&", "&amp;").replace("<", "&lt;")))


# ------------------------------------------------------------ Alibaba
def aliyun_assume(handler, body):
    form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
    sig = form.pop("Signature", None)
    if sig is None or form.get("SignatureMethod") != "HMAC-SHA1" or form.get("SignatureVersion") != "1.0":
        raise Reject(400, "MissingSignature", "no HMAC-SHA1 signature")
    canonical = "&".join("%s=%s" % (enc(k), enc(v)) for k, v in sorted(form.items()))
    to_sign = "POST&%2F&" + enc(canonical)
    secret = source_secret(form.get("AccessKeyId", ""))
    want = base64.b64encode(hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode()
    if not hmac.compare_digest(want, sig):
        raise Reject(400, "SignatureDoesNotMatch",
                     "Specified signature is not matched with our calculation. server string to sign is:" + to_sign)
    check_time(datetime.datetime.strptime(form.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())
    if form.get("Action") != "AssumeRole" or form.get("Format") != "JSON" or not form.get("SignatureNonce"):
        raise Reject(400, "InvalidParameter", "not a JSON AssumeRole with a nonce")
    check_role(form.get("RoleArn"), form.get("ExternalId"), form.get("RoleSessionName"),
               form.get("DurationSeconds", "3600"))
    kid, secret, token, exp = issue("aliyun", form["RoleSessionName"], form.get("DurationSeconds"))
    return 200, "application/json", json.dumps({
        "RequestId": "r-1",
        "AssumedRoleUser": {"Arn": form["RoleArn"], "AssumedRoleId": "3:" + form["RoleSessionName"]},
        "Credentials": {"AccessKeyId": kid, "AccessKeySecret": secret, "SecurityToken": token,
                        "Expiration": exp}})


def aliyun_error(status, code, message):
    return status, "application/json", json.dumps(
        {"RequestId": "r-1", "HostId": "sts.aliyuncs.com", "Code": code, "Message": message})


# ------------------------------------------------------------ Tencent
def tencent_assume(handler, body):
    h = handler.headers
    auth = h.get("Authorization", "")
    if not auth.startswith("TC3-HMAC-SHA256 "):
        raise Reject(200, "AuthFailure.SignatureFailure", "no TC3 signature")
    parts = dict(p.strip().split("=", 1) for p in auth[len("TC3-HMAC-SHA256 "):].split(","))
    key_id, date, service, term = parts["Credential"].split("/")
    ts = int(h.get("X-TC-Timestamp", "0"))
    try:
        check_time(ts)
    except Reject:
        raise Reject(200, "AuthFailure.SignatureExpire", "signature expired")
    if service != "sts" or term != "tc3_request" or date != iso(ts)[:10]:
        raise Reject(200, "AuthFailure.SignatureFailure", "bad credential scope")
    signed = parts["SignedHeaders"].split(";")
    canon_headers = "".join("%s:%s\n" % (x, h.get(x, "").strip().lower()) for x in signed)
    path, _, query = handler.path.partition("?")
    canonical = "\n".join(["POST", path, query, canon_headers, ";".join(signed), sha256_hex(body)])
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(ts), "%s/%s/%s" % (date, service, term),
                         sha256_hex(canonical.encode())])
    k = hmac256(("TC3" + source_secret(key_id)).encode(), date)
    k = hmac256(k, service)
    k = hmac256(k, term)
    if not hmac.compare_digest(hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest(), parts["Signature"]):
        raise Reject(200, "AuthFailure.SignatureFailure", "The provided credentials could not be validated")
    if h.get("X-TC-Action") != "AssumeRole" or h.get("X-TC-Version") != "2018-08-13" or not h.get("X-TC-Region"):
        raise Reject(200, "InvalidAction", "not AssumeRole")
    req = json.loads(body)
    check_role(req.get("RoleArn"), req.get("ExternalId"), req.get("RoleSessionName"),
               str(req.get("DurationSeconds", 3600)))
    kid, secret, token, exp = issue("tencent", req["RoleSessionName"], str(req.get("DurationSeconds")))
    expired_time = int(datetime.datetime.strptime(exp, "%Y-%m-%dT%H:%M:%SZ")
                       .replace(tzinfo=datetime.timezone.utc).timestamp())
    return 200, "application/json", json.dumps({"Response": {
        "Credentials": {"Token": token, "TmpSecretId": kid, "TmpSecretKey": secret},
        "ExpiredTime": expired_time, "Expiration": exp, "RequestId": "r-1"}})


def tencent_error(status, code, message):
    return status, "application/json", json.dumps(
        {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "r-1"}})


PROVIDERS = {
    "aws": (aws_assume, aws_error),
    "aliyun": (aliyun_assume, aliyun_error),
    "tencent": (tencent_assume, tencent_error),
}


# ------------------------------------------------------- presigned URLs
def check_presigned(handler):
    path, _, query = handler.path.partition("?")
    q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    method = handler.command
    if "X-Amz-Signature" in q:
        cred = q["X-Amz-Credential"].split("/")
        key_id, date, region = cred[0], cred[1], cred[2]
        secret = source_secret(key_id)
        if key_id in STATE["tokens"] and q.get("X-Amz-Security-Token") != STATE["tokens"][key_id]:
            raise Reject(403, "InvalidToken", "wrong security token")
        start = datetime.datetime.strptime(q["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        if time.time() > start + int(q["X-Amz-Expires"]):
            raise Reject(403, "AccessDenied", "Request has expired")
        rest = sorted((k, v) for k, v in q.items() if k != "X-Amz-Signature")
        canonical_query = "&".join("%s=%s" % (enc(k), enc(v)) for k, v in rest)
        canonical = "\n".join([method, path, canonical_query, "host:%s\n" % handler.headers["Host"],
                               "host", "UNSIGNED-PAYLOAD"])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", q["X-Amz-Date"], "/".join(cred[1:]),
                             sha256_hex(canonical.encode())])
        k = hmac256(("AWS4" + secret).encode(), date)
        for part in (region, "s3", "aws4_request"):
            k = hmac256(k, part)
        if not hmac.compare_digest(hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest(),
                                   q["X-Amz-Signature"]):
            raise Reject(403, "SignatureDoesNotMatch", "presigned URL signature mismatch")
    elif "OSSAccessKeyId" in q:
        secret = source_secret(q["OSSAccessKeyId"])
        if q["OSSAccessKeyId"] in STATE["tokens"] and q.get("security-token") != STATE["tokens"][q["OSSAccessKeyId"]]:
            raise Reject(403, "InvalidSecurityToken", "wrong security token")
        if time.time() > int(q["Expires"]):
            raise Reject(403, "AccessDenied", "Request has expired")
        resource = urllib.parse.unquote(path)
        if "security-token" in q:
            resource += "?security-token=" + q["security-token"]
        to_sign = "%s\n\n\n%s\n%s" % (method, q["Expires"], resource)
        want = base64.b64encode(hmac.new(secret.encode(), to_sign.encode(), hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(want, q["Signature"]):
            raise Reject(403, "SignatureDoesNotMatch", "presigned URL signature mismatch")
    else:
        raise Reject(403, "AccessDenied", "anonymous access")
    with LOCK:
        STATE["objects_served"] += 1
    return 200, "text/plain", "object %s\n" % urllib.parse.unquote(path)


def verify_cos(url, secret_id, secret_key):
    parsed = urllib.parse.urlsplit(url)
    q = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
    if q["q-ak"] != secret_id or q["q-sign-algorithm"] != "sha1" or q["q-header-list"] != "host":
        return False
    start, end = (int(x) for x in q["q-key-time"].split(";"))
    if not start <= time.time() <= end:
        return False
    sign_key = hmac.new(secret_key.encode(), q["q-key-time"].encode(), hashlib.sha1).hexdigest()
    http = "get\n%s\n\nhost=%s\n" % (urllib.parse.unquote(parsed.path), enc(parsed.netloc))
    to_sign = "sha1\n%s\n%s\n" % (q["q-sign-time"], hashlib.sha1(http.encode()).hexdigest())
    want = hmac.new(sign_key.encode(), to_sign.encode(), hashlib.sha1).hexdigest()
    return hmac.compare_digest(want, q["q-signature"])


# --------------------------------------------------------------- server
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("emulator: %s %s\n" % (self.command, self.path.split("?")[0]))

    def reply(self, status, ctype, text):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_GET(self):
        if self.path == "/_stats":
            with LOCK:
                return self.reply(200, "application/json", json.dumps(
                    {"calls": STATE["calls"], "last": STATE["last"], "objects_served": STATE["objects_served"]}))
        self.object()

    do_HEAD = do_GET

    def do_PUT(self):
        self.body()
        self.object()

    def do_DELETE(self):
        self.object()

    def object(self):
        try:
            self.reply(*check_presigned(self))
        except Reject as r:
            self.reply(*aws_error(r.status, r.code, r.message))

    def do_POST(self):
        body = self.body()
        if self.path == "/_control":
            settings = json.loads(body)
            with LOCK:
                STATE["roles"].update(settings.pop("roles", {}))
                STATE.update(settings)
            return self.reply(200, "application/json", "{}")
        if self.headers.get("X-TC-Action"):
            provider = "tencent"
        elif b"Version=2015-04-01" in body:
            provider = "aliyun"
        else:
            provider = "aws"
        assume, error = PROVIDERS[provider]
        with LOCK:
            STATE["calls"][provider] += 1
            mode, slow = STATE["mode"], STATE["slow"]
        if mode == "slow":
            time.sleep(slow)
        if mode == "deny":
            return self.reply(*error(403, "AccessDenied", "You are not authorized to assume this role"))
        if mode == "error500":
            return self.reply(*error(500, "InternalError", "We encountered an internal error"))
        if mode == "garbage":
            return self.reply(200, "text/html", "<html>\x01 proxy says hello {not json")
        try:
            status, ctype, text = assume(self, body)
        except Reject as r:
            status, ctype, text = error(r.status, r.code, r.message)
        if mode == "truncated" and status == 200:
            text = text[: len(text) // 2]
        self.reply(status, ctype, text)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "trust":
        # emulator.py trust BASE_URL ROLE_ARN EXTERNAL_ID: the role's trust policy
        req = urllib.request.Request(sys.argv[2] + "/_control", method="POST",
                                     data=json.dumps({"roles": {sys.argv[3]: sys.argv[4]}}).encode())
        urllib.request.urlopen(req).read()
        print("role %s now trusts external id %s" % (sys.argv[3], sys.argv[4]))
        return
    if len(sys.argv) == 3 and sys.argv[1] == "fetch":
        # emulator.py fetch URL: GET it, print the status and the body
        try:
            with urllib.request.urlopen(sys.argv[2]) as r:
                print(r.status, r.read().decode().strip())
        except urllib.error.HTTPError as e:
            print(e.code, e.read().decode().strip())
        return
    if len(sys.argv) == 5 and sys.argv[1] == "verify-cos":
        ok = verify_cos(sys.argv[2], sys.argv[3], sys.argv[4])
        print("COS signature ok" if ok else "COS signature WRONG")
        sys.exit(0 if ok else 1)
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--key", action="append", default=[], help="ID=SECRET of a source connection")
    args = ap.parse_args()
    for kv in args.key:
        k, v = kv.split("=", 1)
        STATE["keys"][k] = v
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
