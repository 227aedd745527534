import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AwsCredentialIdentity } from "@smithy/types";
import { memoizeCredentials } from "../../../worker/aws/memoize-credentials.ts";

describe("memoizeCredentials", () => {
  it("asks the provider once per identity, again 5 minutes before it expires, once for concurrent callers", async () => {
    let now = 0;
    let calls = 0;
    const get = memoizeCredentials(
      async (): Promise<AwsCredentialIdentity> => {
        calls++;
        return { accessKeyId: `AKID${calls}`, secretAccessKey: "s", expiration: new Date(now + 3_600_000) };
      },
      { now: () => now },
    );
    const [a, b] = await Promise.all([get(), get()]);
    assert.equal(calls, 1);
    assert.equal(a, b);
    now = 3_600_000 - 5 * 60_000 - 1;
    assert.equal((await get()).accessKeyId, "AKID1", "still more than 5 minutes left");
    now += 2;
    assert.equal((await get()).accessKeyId, "AKID2", "refreshed inside the margin");
  });

  it("keeps no failure: the next caller asks again", async () => {
    let calls = 0;
    const get = memoizeCredentials(async () => {
      calls++;
      if (calls === 1) throw new Error("IMDS unreachable");
      return { accessKeyId: "AKID", secretAccessKey: "s" };
    });
    await assert.rejects(get(), /IMDS unreachable/);
    assert.equal((await get()).accessKeyId, "AKID");
    assert.equal((await get()).accessKeyId, "AKID");
    assert.equal(calls, 2, "an identity without expiry is kept");
  });
  it("keeps a still-valid identity when its refresh fails, reporting the failure, until it expires", async () => {
    let now = 0;
    let calls = 0;
    const failures: unknown[] = [];
    const get = memoizeCredentials(
      async () => {
        calls++;
        if (calls > 1) throw new Error("IMDS unreachable");
        return { accessKeyId: "AKID", secretAccessKey: "s", expiration: new Date(600_000) };
      },
      { now: () => now, onRefreshFailed: (error) => failures.push(error) },
    );
    await get();
    now = 400_000; // inside the 5-minute margin, still valid
    assert.equal((await get()).accessKeyId, "AKID");
    assert.equal(failures.length, 1);
    now = 600_000; // expired
    await assert.rejects(get(), /IMDS unreachable/);
    assert.equal(calls, 3);
  });
});
