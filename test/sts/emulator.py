#!/usr/bin/env python3
"""test/sts/emulator.py - an STS and object-storage emulator for the tests.

Serves, on 127.0.0.1 and an ephemeral port (written to --port-file):

  POST /   AssumeRole and GetCallerIdentity of AWS STS (query API,
           Signature V4, XML answer), Alibaba Cloud STS (RPC, HMAC-SHA1,
           JSON) and Tencent Cloud STS (TC3-HMAC-SHA256, JSON), told apart
           by their parameters; the caller of keys ID is the user "u-ID" of
           the provider's account (ACCOUNTS).
  GET|HEAD|PUT|POST|DELETE /<bucket>[/<key>] with an Authorization header
           the object APIs of S3 (Signature V4, payload hash checked), OSS
           (signature version 1) and COS (q-sign-algorithm=sha1), path-style:
           put, get (with Range), head, delete, list (marker), multipart
           upload (initiate, part, complete, abort); the buckets are those
           given with --bucket, others are NoSuchBucket.  Temporary keys
           must come with their token and expire.  Objects are files under
           --data-dir.
  GET|HEAD|PUT|DELETE /<bucket>/<key>?...  without one
           presigned URLs of S3 (Signature V4 query) and OSS (signature
           version 1), answered with a line naming the object.
  POST /oidc/v1/token, POST [<prefix>]/v1/oauth/tokens
           OAuth client-credentials grants of Databricks (client in HTTP
           Basic) and of an Iceberg REST catalog (client_id, client_secret
           in the form), for the clients given with --client ID=SECRET:
           a fresh Bearer token, or 401 invalid_client.
  GET  /api/2.1/unity-catalog/catalogs, GET [<prefix>]/v1/config[?warehouse=W]
           with a token issued above or given with --token (a personal
           access token): two catalogs, or the warehouse's configuration;
           401 otherwise.
  POST /_control   JSON settings: {"roles": {ARN: EXTERNAL_ID}, "mode": ...,
           "expires_in": seconds, "slow": seconds, "faults": {...}}
           faults of the object APIs: "fail_next": N requests answered
           "fail_status" (503) with "fail_code" (SlowDown); "cut_get_after":
           bytes after which the next GET's connection is closed;
           "part_delay": seconds each part upload waits; "get_delay":
           seconds each GET waits between pieces of a megabyte;
           "oauth_delay": seconds an OAuth token grant waits.
  GET  /_stats     JSON counts of AssumeRole calls per provider (and of
           GetCallerIdentity calls, "identity"), the last
           request's session name and duration, object requests by kind
           and multipart uploads begun, completed, aborted and open.

Every signature is recomputed here from the request as received, with
Python's own hmac and hashlib, and the keys given by --key ID=SECRET (the
source connections' keys) or issued by an earlier AssumeRole (for presigned
URLs).  The RoleArn must be a registered role and the ExternalId its own.

Modes: ok, deny (403, AccessDenied), error500, slow (answers after "slow"
seconds), garbage (200, not XML/JSON), badbytes (403 with a message of a
control character and bytes that are not UTF-8), truncated (200, half an answer),
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
import re
import secrets
import sys
import tempfile
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
    "buckets": set(),
    "data_dir": None,
    "objects": {},         # (bucket, key) -> {"file", "etag", "size", "ctype", "mtime"}
    "uploads": {},         # upload id -> {"bucket", "key", "parts": {n: (file, etag)}, "ctype"}
    "faults": {},
    "requests": {},        # object API requests by provider and kind
    "multipart": {"begun": 0, "completed": 0, "aborted": 0},
    "expiry": {},          # issued key id -> expiry time
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


ACCOUNTS = {"aws": "123456789012", "aliyun": "1234567890123456", "tencent": "100000000001"}


def caller(provider, key_id):
    """The account, ARN and user id of the owner of keys key_id."""
    account = ACCOUNTS[provider]
    user = "u-" + key_id
    arn = {"aws": "arn:aws:iam::%s:user/%s",
           "aliyun": "acs:ram::%s:user/%s",
           "tencent": "qcs::cam::uin/%s:uin/%s"}[provider] % (account, user)
    return account, arn, "ID" + key_id.upper()


def assumed_arn(provider, role_arn, session):
    """The ARN of a session of role_arn, as the provider names it."""
    head, _, role = role_arn.rpartition(":role/")
    if provider == "aws":
        return "%s:assumed-role/%s/%s" % (head.replace(":iam:", ":sts:"), role, session)
    return "%s:role/%s/%s" % (head, role, session)


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
        STATE["expiry"][key_id] = expires
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
    if form.get("Action") == "GetCallerIdentity" and form.get("Version") == "2011-06-15":
        if set(form) != {"Action", "Version"}:
            raise Reject(400, "InvalidParameter", "GetCallerIdentity takes no parameters")
        account, arn, user_id = caller("aws", key_id)
        return 200, "text/xml", (
            '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            "<GetCallerIdentityResult><Arn>%s</Arn><UserId>%s</UserId><Account>%s</Account>"
            "</GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId>"
            "</ResponseMetadata></GetCallerIdentityResponse>" % (arn, user_id, account))
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
        "</AssumeRoleResponse>" % (assumed_arn("aws", form["RoleArn"], form["RoleSessionName"]),
                                   form["RoleSessionName"], kid, secret, token,
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
    if form.get("Format") != "JSON" or not form.get("SignatureNonce"):
        raise Reject(400, "InvalidParameter", "not a JSON call with a nonce")
    if form.get("Action") == "GetCallerIdentity":
        if "RoleArn" in form:
            raise Reject(400, "InvalidParameter", "GetCallerIdentity takes no RoleArn")
        account, arn, user_id = caller("aliyun", form["AccessKeyId"])
        return 200, "application/json", json.dumps({
            "RequestId": "r-1", "IdentityType": "RAMUser", "AccountId": account,
            "PrincipalId": user_id, "UserId": user_id, "Arn": arn})
    if form.get("Action") != "AssumeRole":
        raise Reject(400, "InvalidParameter", "not AssumeRole")
    check_role(form.get("RoleArn"), form.get("ExternalId"), form.get("RoleSessionName"),
               form.get("DurationSeconds", "3600"))
    kid, secret, token, exp = issue("aliyun", form["RoleSessionName"], form.get("DurationSeconds"))
    return 200, "application/json", json.dumps({
        "RequestId": "r-1",
        "AssumedRoleUser": {"Arn": assumed_arn("aliyun", form["RoleArn"], form["RoleSessionName"]),
                            "AssumedRoleId": "3:" + form["RoleSessionName"]},
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
    if h.get("X-TC-Version") != "2018-08-13" or not h.get("X-TC-Region"):
        raise Reject(200, "InvalidParameter", "no version or region")
    if h.get("X-TC-Action") == "GetCallerIdentity":
        if json.loads(body) != {}:
            raise Reject(200, "InvalidParameter", "GetCallerIdentity takes no parameters")
        account, arn, user_id = caller("tencent", key_id)
        return 200, "application/json", json.dumps({"Response": {
            "Type": "CAMUser", "AccountId": account, "UserId": user_id, "PrincipalId": user_id,
            "Arn": arn, "RequestId": "r-1"}})
    if h.get("X-TC-Action") != "AssumeRole":
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


def cos_signature(secret_key, q, method, path, params, headers):
    """The COS signature (q-sign-algorithm=sha1) of a request: q holds the
    q-key-time and q-sign-time, params and headers map names to values."""
    sign_key = hmac.new(secret_key.encode(), q["q-key-time"].encode(), hashlib.sha1).hexdigest()
    pairs = lambda d: "&".join("%s=%s" % (enc(k.lower()), enc(d[k])) for k in sorted(d, key=lambda k: enc(k.lower())))
    http = "%s\n%s\n%s\n%s\n" % (method.lower(), path, pairs(params), pairs(headers))
    to_sign = "sha1\n%s\n%s\n" % (q["q-sign-time"], hashlib.sha1(http.encode()).hexdigest())
    return hmac.new(sign_key.encode(), to_sign.encode(), hashlib.sha1).hexdigest()


def verify_cos(url, secret_id, secret_key):
    parsed = urllib.parse.urlsplit(url)
    q = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
    if q["q-ak"] != secret_id or q["q-sign-algorithm"] != "sha1" or q["q-header-list"] != "host":
        return False
    start, end = (int(x) for x in q["q-key-time"].split(";"))
    if not start <= time.time() <= end:
        return False
    want = cos_signature(secret_key, q, "get", urllib.parse.unquote(parsed.path), {}, {"host": parsed.netloc})
    return hmac.compare_digest(want, q["q-signature"])



# ---------------------------------------------------------- object APIs
SUB_RESOURCES_OSS = {"acl", "append", "delete", "partNumber", "position", "security-token",
                     "uploadId", "uploads", "versionId"}


def raw_query_pairs(query):
    """The query's name/value pairs, decoded, in order; a bare name has ''."""
    pairs = []
    for part in query.split("&") if query else []:
        name, _, value = part.partition("=")
        pairs.append((urllib.parse.unquote(name), urllib.parse.unquote(value)))
    return pairs


def object_error(status, code, message, resource=""):
    return status, "application/xml", (
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code><Message>%s</Message>"
        "<Resource>%s</Resource><RequestId>r-1</RequestId></Error>"
        % (code, xml_escape(message), xml_escape(resource)))


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def check_token(key_id, token):
    with LOCK:
        want = STATE["tokens"].get(key_id)
        expiry = STATE["expiry"].get(key_id)
    if want is None:
        return
    if token != want:
        raise Reject(403, "InvalidToken", "The provided token is malformed or otherwise invalid.")
    if expiry is not None and time.time() > expiry:
        raise Reject(400, "ExpiredToken", "The provided token has expired.")


def verify_aws(h, method, raw_path, query, body):
    auth = h.get("Authorization", "")
    parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    key_id, date, region, service, term = parts["Credential"].split("/")
    amz_date = h.get("X-Amz-Date", "")
    if service != "s3" or term != "aws4_request" or date != amz_date[:8]:
        raise Reject(403, "SignatureDoesNotMatch", "bad credential scope")
    check_time(datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())
    payload = h.get("X-Amz-Content-SHA256", "")
    if payload != "UNSIGNED-PAYLOAD" and payload != sha256_hex(body):
        raise Reject(400, "XAmzContentSHA256Mismatch", "The provided x-amz-content-sha256 header does not match what was computed.")
    signed = parts["SignedHeaders"].split(";")
    if "host" not in signed or "x-amz-content-sha256" not in signed:
        raise Reject(403, "SignatureDoesNotMatch", "host and x-amz-content-sha256 must be signed")
    canon_headers = "".join("%s:%s\n" % (x, " ".join(h.get(x, "").split())) for x in signed)
    canon_query = "&".join("%s=%s" % (enc(k), enc(v)) for k, v in sorted(raw_query_pairs(query)))
    canonical = "\n".join([method, raw_path, canon_query, canon_headers, ";".join(signed), payload])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, "/".join([date, region, service, term]),
                         sha256_hex(canonical.encode())])
    k = hmac256(("AWS4" + source_secret(key_id)).encode(), date)
    for part in (region, service, term):
        k = hmac256(k, part)
    if not hmac.compare_digest(hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest(), parts["Signature"]):
        raise Reject(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
    check_token(key_id, h.get("X-Amz-Security-Token"))


def verify_oss(h, method, bucket, key, query):
    key_id, _, sig = h.get("Authorization", "")[len("OSS "):].partition(":")
    date = h.get("Date", "")
    try:
        ts = datetime.datetime.strptime(date, "%a, %d %b %Y %H:%M:%S GMT").replace(
            tzinfo=datetime.timezone.utc).timestamp()
    except ValueError:
        raise Reject(403, "AccessDenied", "bad Date")
    check_time(ts)
    oss_headers = "".join("%s:%s\n" % (n, h[n].strip()) for n in sorted(
        x.lower() for x in h.keys() if x.lower().startswith("x-oss-")))
    subs = sorted((k, v) for k, v in raw_query_pairs(query) if k in SUB_RESOURCES_OSS)
    resource = "/%s/%s" % (bucket, key or "")
    if subs:
        resource += "?" + "&".join(k if v == "" else "%s=%s" % (k, v) for k, v in subs)
    to_sign = "%s\n%s\n%s\n%s\n%s%s" % (method, h.get("Content-MD5", ""), h.get("Content-Type", ""),
                                        date, oss_headers, resource)
    want = base64.b64encode(hmac.new(source_secret(key_id).encode(), to_sign.encode(),
                                     hashlib.sha1).digest()).decode()
    if not hmac.compare_digest(want, sig):
        raise Reject(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
    check_token(key_id, h.get("x-oss-security-token"))


def verify_cos_header(h, method, path, query):
    q = dict(urllib.parse.parse_qsl(h.get("Authorization", ""), keep_blank_values=True))
    key_id = q.get("q-ak", "")
    start, end = (int(x) for x in q["q-key-time"].split(";"))
    if not start - SKEW <= time.time() <= end:
        raise Reject(403, "RequestTimeTooSkewed", "the signature is not valid now")
    params = {k.lower(): v for k, v in raw_query_pairs(query)}
    param_names = [n for n in q["q-url-param-list"].split(";") if n]
    header_names = [urllib.parse.unquote(n) for n in q["q-header-list"].split(";") if n]
    if sorted(param_names) != sorted(enc(k) for k in params) or "host" not in header_names:
        raise Reject(403, "SignatureDoesNotMatch", "every parameter and the host must be signed")
    want = cos_signature(source_secret(key_id), q, method, urllib.parse.unquote(path), params,
                         {n: h.get(n, "").strip() for n in header_names})
    if not hmac.compare_digest(want, q.get("q-signature", "")):
        raise Reject(403, "SignatureDoesNotMatch", "The calculated signature does not match the signature you provided.")
    check_token(key_id, h.get("x-cos-security-token"))


def new_file():
    with LOCK:
        STATE["seq"] = STATE.get("seq", 0) + 1
        return os.path.join(STATE["data_dir"], "f%d" % STATE["seq"])


def fault(kind):
    """The fault to play for a request of this kind, if any."""
    with LOCK:
        f = STATE["faults"]
        if f.get("fail_next", 0) > 0:
            f["fail_next"] -= 1
            return ("fail", f.get("fail_status", 503), f.get("fail_code", "SlowDown"))
    return None


class ObjectAnswer(Exception):
    """A streamed answer: the handler sends the file itself."""
    def __init__(self, status, headers, path, start, length):
        super().__init__("object")
        self.status, self.headers, self.path, self.start, self.length = status, headers, path, start, length


def object_api(handler, body):
    h = handler.headers
    method = handler.command
    raw_path, _, query = handler.path.partition("?")
    path = urllib.parse.unquote(raw_path)
    bucket, _, key = path.lstrip("/").partition("/")
    auth = h.get("Authorization", "")
    provider = "aws" if auth.startswith("AWS4-HMAC-SHA256") else "aliyun" if auth.startswith("OSS ") else "tencent"
    params = dict(raw_query_pairs(query))
    kind = ("multipart-begin" if "uploads" in params else "multipart-part" if "partNumber" in params
            else "multipart-complete" if method == "POST" else "multipart-abort"
            if method == "DELETE" and "uploadId" in params else "list" if not key else method.lower())
    with LOCK:
        STATE["requests"].setdefault(provider, {}).setdefault(kind, 0)
        STATE["requests"][provider][kind] += 1
    if provider == "aws":
        verify_aws(h, method, raw_path, query, body)
    elif provider == "aliyun":
        verify_oss(h, method, bucket, key, query)
    else:
        verify_cos_header(h, method, raw_path, query)
    f = fault(kind)
    if f:
        raise Reject(f[1], f[2], "Please reduce your request rate.")
    if bucket not in STATE["buckets"]:
        raise Reject(404, "NoSuchBucket", "The specified bucket does not exist")

    if kind == "list":
        prefix, marker = params.get("prefix", ""), params.get("marker", "")
        max_keys = int(params.get("max-keys", "1000"))
        with LOCK:
            keys = sorted(k for b, k in STATE["objects"] if b == bucket and k.startswith(prefix) and k > marker)
            items = [(k, dict(STATE["objects"][(bucket, k)])) for k in keys[:max_keys]]
        out = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>%s</Name><Prefix>%s</Prefix>"
               "<Marker>%s</Marker><MaxKeys>%d</MaxKeys><IsTruncated>%s</IsTruncated>"
               % (bucket, xml_escape(prefix), xml_escape(marker), max_keys,
                  "true" if len(keys) > max_keys else "false")]
        for k, o in items:
            out.append("<Contents><Key>%s</Key><LastModified>%s</LastModified><ETag>&quot;%s&quot;</ETag>"
                       "<Size>%d</Size><StorageClass>STANDARD</StorageClass></Contents>"
                       % (xml_escape(k), iso(o["mtime"]).replace("Z", ".000Z"), o["etag"], o["size"]))
        out.append("</ListBucketResult>")
        return 200, "application/xml", "".join(out)

    if kind == "multipart-begin":
        upload_id = secrets.token_hex(16)
        with LOCK:
            STATE["uploads"][upload_id] = {"bucket": bucket, "key": key, "parts": {},
                                           "ctype": h.get("Content-Type", "")}
            STATE["multipart"]["begun"] += 1
        return 200, "application/xml", (
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><InitiateMultipartUploadResult><Bucket>%s</Bucket>"
            "<Key>%s</Key><UploadId>%s</UploadId></InitiateMultipartUploadResult>"
            % (bucket, xml_escape(key), upload_id))

    if "uploadId" in params:
        with LOCK:
            upload = STATE["uploads"].get(params["uploadId"])
        if upload is None or upload["bucket"] != bucket or upload["key"] != key:
            raise Reject(404, "NoSuchUpload", "The specified upload does not exist.")
        if kind == "multipart-part":
            delay = STATE["faults"].get("part_delay", 0)
            if delay:
                time.sleep(delay)
            fname = new_file()
            with open(fname, "wb") as out:
                out.write(body)
            etag = hashlib.md5(body).hexdigest()
            with LOCK:
                upload["parts"][int(params["partNumber"])] = (fname, etag, len(body))
            return 200, "text/plain", "", {"ETag": '"%s"' % etag}
        if kind == "multipart-abort":
            with LOCK:
                STATE["uploads"].pop(params["uploadId"], None)
                STATE["multipart"]["aborted"] += 1
            return 204, "text/plain", ""
        # complete: every part named, in order, with its ETag
        listed = [(int(n), e.strip('"')) for n, e in re.findall(
            r"<Part><PartNumber>(\d+)</PartNumber><ETag>([^<]*)</ETag></Part>", body.decode())]
        if not listed or [n for n, _ in listed] != list(range(1, len(listed) + 1)):
            raise Reject(400, "InvalidPartOrder", "The list of parts was not in ascending order.")
        for n, e in listed:
            part = upload["parts"].get(n)
            if part is None or part[1] != e.replace("&quot;", ""):
                raise Reject(400, "InvalidPart", "One or more of the specified parts could not be found.")
            if n < len(listed) and part[2] < 5 * 1024 * 1024 and provider == "aws":
                raise Reject(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size.")
        fname = new_file()
        md5s = b""
        size = 0
        with open(fname, "wb") as out:
            for n, _ in listed:
                with open(upload["parts"][n][0], "rb") as part:
                    data = part.read()
                out.write(data)
                md5s += hashlib.md5(data).digest()
                size += len(data)
        etag = "%s-%d" % (hashlib.md5(md5s).hexdigest(), len(listed))
        with LOCK:
            STATE["objects"][(bucket, key)] = {"file": fname, "etag": etag, "size": size,
                                               "ctype": upload["ctype"], "mtime": time.time()}
            STATE["uploads"].pop(params["uploadId"], None)
            STATE["multipart"]["completed"] += 1
        return 200, "application/xml", (
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CompleteMultipartUploadResult><Bucket>%s</Bucket>"
            "<Key>%s</Key><ETag>&quot;%s&quot;</ETag></CompleteMultipartUploadResult>"
            % (bucket, xml_escape(key), etag))

    if method == "PUT":
        fname = new_file()
        with open(fname, "wb") as out:
            out.write(body)
        etag = hashlib.md5(body).hexdigest()
        with LOCK:
            STATE["objects"][(bucket, key)] = {"file": fname, "etag": etag, "size": len(body),
                                               "ctype": h.get("Content-Type", ""), "mtime": time.time()}
        return 200, "text/plain", "", {"ETag": '"%s"' % etag}
    if method == "DELETE":
        with LOCK:
            STATE["objects"].pop((bucket, key), None)
        return 204, "text/plain", ""
    with LOCK:
        o = STATE["objects"].get((bucket, key))
    if o is None:
        raise Reject(404, "NoSuchKey", "The specified key does not exist.")
    headers = {"ETag": '"%s"' % o["etag"], "Content-Type": o["ctype"] or "application/octet-stream",
               "Last-Modified": datetime.datetime.fromtimestamp(o["mtime"], datetime.timezone.utc)
               .strftime("%a, %d %b %Y %H:%M:%S GMT"), "Accept-Ranges": "bytes"}
    start, length, status = 0, o["size"], 200
    rng = h.get("Range")
    if rng:
        m = re.match(r"bytes=(\d+)-$", rng)
        if not m or int(m.group(1)) >= o["size"]:
            raise Reject(416, "InvalidRange", "The requested range is not satisfiable")
        if h.get("If-Match") and h["If-Match"].strip('"') != o["etag"]:
            raise Reject(412, "PreconditionFailed", "At least one of the preconditions did not hold")
        start = int(m.group(1))
        length = o["size"] - start
        status = 206
        headers["Content-Range"] = "bytes %d-%d/%d" % (start, o["size"] - 1, o["size"])
    raise ObjectAnswer(status, headers, o["file"], start, length)

# --------------------------------------------------------------- OAuth
def oauth_token(h, body):
    """An OAuth client-credentials grant: (status, ctype, text)."""
    time.sleep(STATE["faults"].get("oauth_delay", 0))
    form = dict(urllib.parse.parse_qsl(body.decode()))
    client, secret = None, None
    auth = h.get("Authorization", "")
    if auth.startswith("Basic "):
        try:
            client, secret = base64.b64decode(auth[6:]).decode().split(":", 1)
        except Exception:
            pass
    else:
        client, secret = form.get("client_id"), form.get("client_secret")
    with LOCK:
        STATE["calls"]["oauth"] = STATE["calls"].get("oauth", 0) + 1
        known = client is not None and STATE["clients"].get(client) == secret
        if form.get("grant_type") != "client_credentials" or not known:
            return 401, "application/json", json.dumps(
                {"error": "invalid_client", "error_description": "Client authentication failed"})
        token = "tok-" + secrets.token_hex(16)
        STATE["oauth_tokens"].add(token)
    return 200, "application/json", json.dumps(
        {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": form.get("scope", "")})


def oauth_call(h, path):
    """A read-only catalog call with a Bearer token: (status, ctype, text)."""
    auth = h.get("Authorization", "")
    with LOCK:
        ok = auth.startswith("Bearer ") and auth[7:] in STATE["oauth_tokens"]
    if not ok:
        return 401, "application/json", json.dumps({"error_code": "UNAUTHENTICATED",
                                                    "message": "Invalid access token."})
    url = urllib.parse.urlsplit(path)
    if url.path == "/api/2.1/unity-catalog/catalogs":
        return 200, "application/json", json.dumps({"catalogs": [{"name": "main"}, {"name": "samples"}]})
    warehouse = dict(urllib.parse.parse_qsl(url.query)).get("warehouse")
    return 200, "application/json", json.dumps({"defaults": {"warehouse": warehouse} if warehouse else {},
                                                "overrides": {}})


# --------------------------------------------------------------- server
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("emulator: %s %s\n" % (self.command, self.path.split("?")[0]))

    def reply(self, status, ctype, text, headers=None):
        data = text if isinstance(text, bytes) else text.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_GET(self):
        if self.path.startswith("/api/2.1/unity-catalog/") or self.path.split("?")[0].endswith("/v1/config"):
            return self.reply(*oauth_call(self.headers, self.path))
        if self.path == "/_stats":
            with LOCK:
                return self.reply(200, "application/json", json.dumps(
                    {"calls": STATE["calls"], "last": STATE["last"], "objects_served": STATE["objects_served"],
                     "requests": STATE["requests"], "multipart": STATE["multipart"],
                     "open_uploads": len(STATE["uploads"])}))
        self.object(b"")

    do_HEAD = do_GET

    def do_PUT(self):
        self.object(self.body())

    def do_DELETE(self):
        self.object(b"")

    def object(self, body):
        if "Authorization" not in self.headers:
            try:
                return self.reply(*check_presigned(self))
            except Reject as r:
                return self.reply(*aws_error(r.status, r.code, r.message))
        try:
            self.reply(*object_api(self, body))
        except Reject as r:
            self.reply(*object_error(r.status, r.code, r.message, self.path.split("?")[0]))
        except ObjectAnswer as a:
            self.send_file(a)

    def send_file(self, a):
        self.send_response(a.status)
        for name, value in a.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(a.length))
        self.end_headers()
        if self.command == "HEAD":
            return
        cut = STATE["faults"].pop("cut_get_after", None)
        delay = STATE["faults"].get("get_delay", 0)
        sent = 0
        with open(a.path, "rb") as f:
            f.seek(a.start)
            while sent < a.length:
                chunk = f.read(min(1024 * 1024, a.length - sent))
                if cut is not None and sent + len(chunk) > cut:
                    self.wfile.write(chunk[: cut - sent])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.wfile.write(chunk)
                sent += len(chunk)
                if delay:
                    time.sleep(delay)

    def do_POST(self):
        body = self.body()
        auth = self.headers.get("Authorization", "")
        if auth.startswith("OSS ") or auth.startswith("q-sign-algorithm") or "/s3/aws4_request" in auth:
            return self.object(body)
        if self.path == "/oidc/v1/token" or self.path.endswith("/v1/oauth/tokens"):
            return self.reply(*oauth_token(self.headers, body))
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
        identity = (self.headers.get("X-TC-Action") == "GetCallerIdentity"
                    or b"Action=GetCallerIdentity" in body)
        with LOCK:
            counter = "identity" if identity else provider
            STATE["calls"][counter] = STATE["calls"].get(counter, 0) + 1
            mode, slow = STATE["mode"], STATE["slow"]
        if mode == "slow":
            time.sleep(slow)
        if mode == "deny":
            return self.reply(*error(403, "AccessDenied", "You are not authorized to assume this role"))
        if mode == "error500":
            return self.reply(*error(500, "InternalError", "We encountered an internal error"))
        if mode == "badbytes":
            text = error(403, "AccessDenied", "MARK")[2].encode()
            return self.reply(403, "text/xml", text.replace(b"MARK", b"bell\x07 \xff\xfe not UTF-8 \xe2\x82"))
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
    ap.add_argument("--bucket", action="append", default=[], help="a bucket of the object store")
    ap.add_argument("--data-dir", help="where objects are kept (default: a temporary directory)")
    ap.add_argument("--client", action="append", default=[], help="ID=SECRET of an OAuth client")
    ap.add_argument("--token", action="append", default=[], help="a personal access token")
    args = ap.parse_args()
    STATE["clients"] = dict(kv.split("=", 1) for kv in args.client)
    STATE["oauth_tokens"] = set(args.token)
    STATE["buckets"] = set(args.bucket)
    STATE["data_dir"] = args.data_dir or tempfile.mkdtemp(prefix="emulator-objects-")
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
