import assert from "node:assert/strict";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import { read, tags } from "./read-helpers.ts";

// Records written from the vendors' field definitions: Cloudflare Logpush http_requests/audit, Cisco Umbrella log
// formats (v5 DNS), CrowdStrike FDR events, Imperva CEF, Lacework, Palo Alto CSV, SentinelOne Deep Visibility.

describe("aws_sqs_cloudflare_logpush / _audit", () => {
  it("tags http requests and audit logs, reading the unix-nanosecond or RFC 3339 times", async () => {
    // Written as text: the nanosecond timestamp is beyond 2^53 and must reach Devo exactly as Cloudflare wrote it.
    const request =
      '{"ClientIP":"198.51.100.7","ClientRequestHost":"shop.example.com","EdgeStartTimestamp":1709287200123456789,"EdgeResponseStatus":200}';
    const http = await read("aws_sqs_cloudflare_logpush", zlib.gzipSync(`${request}\n`));
    assert.equal(http.events[0].message, request);
    assert.deepEqual(tags(http.events), ["cloud.cloudflare.logpush.http"]);
    assert.equal(http.events[0].time?.toISOString(), "2024-03-01T10:00:00.123Z");
    const audit = {
      ActionType: "update",
      ActorEmail: "admin@example.com",
      ResourceType: "zone",
      When: "2024-03-01T10:00:00Z",
      ID: "a1",
    };
    const result = await read("aws_sqs_cloudflare_audit", `${JSON.stringify(audit)}\n`);
    assert.deepEqual(tags(result.events), ["cloud.aws.cloudflare.audit"]);
    assert.equal(result.events[0].time?.toISOString(), "2024-03-01T10:00:00.000Z");
  });
});

describe("aws_sqs_cisco_umbrella", () => {
  const dns =
    '"2024-03-01 10:00:00","Office","Office,Site A","10.0.1.12","198.51.100.7","Allowed","1 (A)","NOERROR","shop.example.com.","Ecommerce/Shopping","Site","Site",""';
  it("sends each CSV line as written, tagged by the Umbrella folder of the key", async () => {
    const { events } = await read("aws_sqs_cisco_umbrella", zlib.gzipSync(`${dns}\n`), {
      key: "dnslogs/2024-03-01/2024-03-01-10-00-abcd.csv.gz",
    });
    assert.deepEqual(tags(events), ["sig.cisco.umbrella.dns"]);
    assert.equal(events[0].message, dns);
    assert.equal(events[0].time?.toISOString(), "2024-03-01T10:00:00.000Z");
    const proxy = await read("aws_sqs_cisco_umbrella", `${dns}\n`, { key: "123_abc/proxylogs/2024-03-01/x.csv.gz" });
    assert.deepEqual(tags(proxy.events), ["sig.cisco.umbrella.proxy"]);
  });
});

describe("aws_sqs_fdr", () => {
  it("gives one edr.crowdstrike.cannon event per FDR event, ids kept as written", async () => {
    const text =
      '{"event_simpleName":"ProcessRollup2","aid":"0123456789abcdef0123456789abcdef","TargetProcessId":"123456789012345678901","timestamp":"1709287200000","CommandLine":"C:\\\\Windows\\\\system32\\\\cmd.exe /c dir"}\n' +
      '{"event_simpleName":"DnsRequest","DomainName":"shop.example.com","timestamp":"1709287201000"}\n';
    const { events } = await read("aws_sqs_fdr", zlib.gzipSync(text), { key: "data/2024/03/01/part-00000.gz" });
    assert.deepEqual(tags(events), ["edr.crowdstrike.cannon", "edr.crowdstrike.cannon"]);
    assert.equal(events[0].message, text.split("\n")[0]);
    assert.equal(events[1].time?.getTime(), 1709287201000);
  });
});

describe("aws_sqs_incapsula", () => {
  it("sends CEF lines, leaves Imperva's file header out and skips other lines", async () => {
    const cef =
      "CEF:0|Incapsula|SIEMintegration|1|1|Normal|0| fileId=3412341160002518171 sourceServiceName=shop.example.com siteid=1509732 cs1=value\\=with equals start=1709287200000";
    const text = `accountId:1234|configId:5678|checksum:abc|format:CEF|startTime:1709287200|endTime:1709287260\n${cef}\nnot cef\n`;
    const { events, stats } = await read("aws_sqs_incapsula", text);
    assert.deepEqual(tags(events), ["cef0.imperva.incapsula"]);
    assert.equal(events[0].message, cef);
    assert.deepEqual(stats.ignored, { "Imperva file header line": 1 });
    assert.deepEqual(stats.skipReasons, { "not a CEF record": 1 });
  });
});

describe("aws_sqs_lacework / aws_sqs_palo_alto / aws_sqs_s1_funnel", () => {
  it("tags Lacework records by the data type folder of the key", async () => {
    const alert = { EVENT_TIME: "2024-03-01T10:00:00Z", ALERT_ID: 42, ALERT_TYPE: "NewExternalServerIp" };
    const { events } = await read("aws_sqs_lacework", `[${JSON.stringify(alert)}]`, {
      key: "alerts/2024/03/01/export.json",
    });
    assert.deepEqual(tags(events), ["monitor.lacework.alerts"]);
    assert.equal(events[0].message, JSON.stringify(alert));
  });

  it("tags Palo Alto logs by the key's log type, or the CSV type field", async () => {
    const traffic = "1,2024/03/01 10:00:00,012345678901,TRAFFIC,end,2560,2024/03/01 10:00:00,10.0.1.12,198.51.100.7";
    const byKey = await read("aws_sqs_palo_alto", `${traffic}\n`, { key: "threat_logs/2024/03/01/log.csv" });
    assert.deepEqual(tags(byKey.events), ["firewall.paloalto.threat"]);
    const byField = await read("aws_sqs_palo_alto", `${traffic}\n{"type":"SYSTEM","severity":"high"}\n`, {
      key: "pan.csv",
    });
    assert.deepEqual(tags(byField.events), ["firewall.paloalto.traffic", "firewall.paloalto.system.json"]);
  });

  it("tags SentinelOne funnel records edr.sentinelone.dv", async () => {
    const record = { "event.type": "Process Creation", "agent.uuid": "a1", timestamp: "2024-03-01T10:00:00.000Z" };
    const { events } = await read("aws_sqs_s1_funnel", `${JSON.stringify(record)}\n`);
    assert.deepEqual(tags(events), ["edr.sentinelone.dv"]);
    assert.equal(events[0].time?.toISOString(), "2024-03-01T10:00:00.000Z");
  });
});
