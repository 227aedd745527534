import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EMPTY_PAYLOAD_HASH, SigV4Signer, sha256Hex, uriEncode } from "../../../../worker/aws/wire/sigv4.ts";

// The examples of AWS's own documentation: the general reference's IAM ListUsers request and the S3 API
// reference's GET Object with a Range header. Their published signatures are the expected values.
describe("SigV4Signer", () => {
  it("signs the general reference's IAM example to its published signature", () => {
    const signer = new SigV4Signer({ region: "us-east-1", service: "iam" });
    const headers = signer.sign(
      {
        method: "GET",
        host: "iam.amazonaws.com",
        path: "/?Action=ListUsers&Version=2010-05-08",
        headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" },
        payloadHash: sha256Hex(""),
      },
      { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
      new Date("2015-08-30T12:36:00Z"),
    );
    assert.equal(
      headers.authorization,
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, " +
        "SignedHeaders=content-type;host;x-amz-date, " +
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
    );
    assert.equal(headers["x-amz-date"], "20150830T123600Z");
  });

  it("signs the S3 reference's GET Object example to its published signature", () => {
    const signer = new SigV4Signer({ region: "us-east-1", service: "s3" });
    const headers = signer.sign(
      {
        method: "GET",
        host: "examplebucket.s3.amazonaws.com",
        path: "/test.txt",
        headers: { range: "bytes=0-9", "x-amz-content-sha256": EMPTY_PAYLOAD_HASH },
        payloadHash: EMPTY_PAYLOAD_HASH,
      },
      { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
      new Date("2013-05-24T00:00:00Z"),
    );
    assert.equal(
      headers.authorization,
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
  });

  it("signs the session token and changes the key with the day", () => {
    const signer = new SigV4Signer({ region: "eu-west-1", service: "sqs" });
    const request = {
      method: "POST",
      host: "sqs.eu-west-1.amazonaws.com",
      path: "/",
      headers: {},
      payloadHash: sha256Hex("{}"),
    };
    const credentials = { accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "token" };
    const first = signer.sign(request, credentials, new Date("2026-11-23T23:59:59Z"));
    const next = signer.sign(request, credentials, new Date("2026-11-24T00:00:01Z"));
    assert.equal(first["x-amz-security-token"], "token");
    assert.match(first.authorization, /SignedHeaders=host;x-amz-date;x-amz-security-token,/);
    assert.match(next.authorization, /Credential=AKID\/20261124\/eu-west-1\/sqs\/aws4_request/);
    const again = signer.sign(request, credentials, new Date("2026-11-23T23:59:59Z"));
    assert.equal(again.authorization, first.authorization, "the cached key of a day signs as the first one did");
  });

  it("percent-encodes as SigV4 requires", () => {
    assert.equal(uriEncode("a b/c*d~e!f'(g)"), "a%20b%2Fc%2Ad~e%21f%27%28g%29");
  });
});
