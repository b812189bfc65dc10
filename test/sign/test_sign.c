/*
 * test_sign.c - unit test of src/sign.c against the providers' published
 * signing examples, built as a frontend program against libpgcommon.
 *
 *   make test-sign
 *
 * Each case is an input and signature taken from the provider's
 * documentation (the page is named with the case); the signer must
 * reproduce it exactly.
 */
#include "postgres_fe.h"

#include "sign.h"

static int	failures = 0;
static int	checks = 0;

static void
expect(const char *what, const char *got, const char *want)
{
	checks++;
	if (strcmp(got, want) != 0)
	{
		failures++;
		printf("FAIL %s\n  got:  %s\n  want: %s\n", what, got, want);
	}
}

static void
expect_contains(const char *what, const char *got, const char *want)
{
	checks++;
	if (strstr(got, want) == NULL)
	{
		failures++;
		printf("FAIL %s\n  got:  %s\n  lacks: %s\n", what, got, want);
	}
}

/* The example keys of the AWS documentation. */
static const ConnSigV4 aws_example = {
	"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	"us-east-1", "s3", "20130524T000000Z"
};

/*
 * Amazon S3 API Reference, "Authenticating Requests: Using Query
 * Parameters (AWS Signature Version 4)": GET examplebucket/test.txt,
 * valid 86400 seconds.
 */
static void
test_s3_presign(void)
{
	char	   *url = ConnS3PresignUrl(&aws_example, NULL, "GET", "https",
									   "examplebucket.s3.amazonaws.com", "/test.txt", 86400);

	expect("S3 presigned URL (AWS example)", url,
		   "https://examplebucket.s3.amazonaws.com/test.txt"
		   "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
		   "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
		   "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
		   "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");

	/* a session token is signed, in its sorted place */
	url = ConnS3PresignUrl(&aws_example, "tok/en+=", "GET", "https",
						   "examplebucket.s3.amazonaws.com", "/a b/c.txt", 60);
	expect_contains("S3 presign: token encoded and sorted", url,
					"&X-Amz-Expires=60&X-Amz-Security-Token=tok%2Fen%2B%3D&X-Amz-SignedHeaders=host");
	expect_contains("S3 presign: path encoded, slashes kept", url,
					"amazonaws.com/a%20b/c.txt?");
}

/*
 * Amazon S3 API Reference, "Signature Calculations for the Authorization
 * Header: Transferring Payload in a Single Chunk", example GET Object with
 * a Range header.
 */
static void
test_sigv4_header(void)
{
	const char *canonical =
		"GET\n/test.txt\n\n"
		"host:examplebucket.s3.amazonaws.com\n"
		"range:bytes=0-9\n"
		"x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
		"x-amz-date:20130524T000000Z\n\n"
		"host;range;x-amz-content-sha256;x-amz-date\n"
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	char		empty[CONN_SHA256_HEX_SIZE];

	ConnSha256Hex("", 0, empty);
	expect("SHA-256 of the empty payload", empty,
		   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	expect("SigV4 scope", ConnSigV4Scope(&aws_example), "20130524/us-east-1/s3/aws4_request");
	expect("SigV4 header signature (AWS GET Object example)",
		   ConnSigV4Signature(&aws_example, canonical),
		   "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

/*
 * The same GET Object example, as the Authorization header that S3
 * requests carry (the signed headers sorted, the payload hash signed).
 */
static void
test_sigv4_authorization(void)
{
	const char *empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	ConnParam	headers[] = {
		{"host", "examplebucket.s3.amazonaws.com"},
		{"range", "bytes=0-9"},
		{"x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"x-amz-date", "20130524T000000Z"},
	};

	expect("SigV4 Authorization header (AWS GET Object example)",
		   ConnSigV4Authorization(&aws_example, "GET", "/test.txt", "", headers,
								  lengthof(headers), empty),
		   "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
		   "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
		   "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

/*
 * OSS signature version 1 is the construction of Amazon S3's Signature
 * Version 2, whose documented examples ("Signing and Authenticating REST
 * Requests": Object GET, Object PUT, List, Fetch of a sub-resource) check
 * it: base64 of HMAC-SHA1 over verb, MD5, type, date, resource.
 */
static void
test_oss_v1(void)
{
	const char *secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

	expect("OSS v1 signature (S3 v2 Object GET example)",
		   ConnOssSignature(secret, "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg"),
		   "bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
	expect("OSS v1 signature (S3 v2 Object PUT example)",
		   ConnOssSignature(secret, "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg"),
		   "MyyxeRY7whkBe+bq8fHCL/2kKUg=");
	expect("OSS v1 signature (S3 v2 List example)",
		   ConnOssSignature(secret, "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/"),
		   "htDYFYduRNen8P9ZfE/s9SuKy0U=");
}

/*
 * Alibaba Cloud ECS API, "Request signatures" example: DescribeRegions
 * with AccessKeyId testid and secret testsecret.
 */
static void
test_aliyun_rpc(void)
{
	ConnParam	params[] = {
		{"Timestamp", "2016-02-23T12:46:24Z"},
		{"Format", "XML"},
		{"AccessKeyId", "testid"},
		{"Action", "DescribeRegions"},
		{"SignatureMethod", "HMAC-SHA1"},
		{"SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
		{"Version", "2014-05-26"},
		{"SignatureVersion", "1.0"},
	};
	char	   *query = ConnCanonicalQuery(params, lengthof(params));

	expect("Aliyun canonical query", query,
		   "AccessKeyId=testid&Action=DescribeRegions&Format=XML&SignatureMethod=HMAC-SHA1"
		   "&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0"
		   "&Timestamp=2016-02-23T12%3A46%3A24Z&Version=2014-05-26");
	expect("Aliyun RPC signature (ECS example)",
		   ConnAliyunRpcSignature("testsecret", "GET", query),
		   "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
}

/*
 * Tencent Cloud API 3.0, "Signature v3" example: CVM DescribeInstances
 * at 1551113065 (2019-02-25); the documentation masks the example key
 * with asterisks, and its signature is computed with them.
 */
static void
test_tc3(void)
{
	const char *payload =
		"{\"Limit\": 1, \"Filters\": [{\"Values\": [\"\\u672a\\u547d\\u540d\"], \"Name\": \"instance-name\"}]}";
	char		hash[CONN_SHA256_HEX_SIZE];
	char	   *canonical;

	ConnSha256Hex(payload, strlen(payload), hash);
	expect("TC3 payload hash (CVM example)", hash,
		   "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064");
	canonical = psprintf("POST\n/\n\ncontent-type:application/json; charset=utf-8\n"
						 "host:cvm.tencentcloudapi.com\n\ncontent-type;host\n%s", hash);
	ConnSha256Hex(canonical, strlen(canonical), hash);
	expect("TC3 canonical request hash (CVM example)", hash,
		   "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031");
	expect("TC3 signature (CVM example)",
		   ConnTc3Signature("Gu5t9xGARNpq86cd98joQYCN3*******", "cvm", "2019-02-25",
							"1551113065", canonical),
		   "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c");
}

/* Encoding rules shared by all three. */
static void
test_encoding(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	ConnUriEncode(&buf, "a b*c~d/e+f=\xe4\xb8\xad", false);
	expect("URI encoding", buf.data, "a%20b%2Ac~d%2Fe%2Bf%3D%E4%B8%AD");
	resetStringInfo(&buf);
	ConnUriEncode(&buf, "dir/sub dir/x", true);
	expect("URI encoding keeping slashes", buf.data, "dir/sub%20dir/x");
}

int
main(void)
{
	test_encoding();
	test_s3_presign();
	test_sigv4_header();
	test_sigv4_authorization();
	test_oss_v1();
	test_aliyun_rpc();
	test_tc3();
	printf("%d signing checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
