import assert from "node:assert/strict";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import { laceworkTag, paloAltoKeyLogType, umbrellaTag } from "../../../worker/formats/vendor-formats.ts";
import { read, tags } from "./read-helpers.ts";

// Devo tables of the vendor services, one case per documented mapping (docs/devo-compatibility.md gives the pages).
// Records are written here from the vendors' field definitions: Umbrella's CSV log formats, PAN-OS syslog fields
// (CSV, LEEF), Lacework export records.

describe("aws_sqs_cisco_umbrella: Devo's Cisco Umbrella folder → table map", () => {
  const dns =
    '"2024-03-01 10:00:00","Branch","Branch,Site B","10.0.2.15","203.0.113.9","Allowed","28 (AAAA)","NOERROR","mail.example.org.","Business Services","Site","Site",""';
  const cases: [folder: string, table: string][] = [
    ["dnslogs", "sig.cisco.umbrella.dns"],
    ["iplogs", "sig.cisco.umbrella.ip"],
    ["proxylogs", "sig.cisco.umbrella.proxy"],
    ["firewalllogs", "sig.cisco.umbrella.firewall"],
    ["cloudfirewalllogs", "sig.cisco.umbrella.firewall"],
    ["auditlogs", "sig.cisco.umbrella.audit"],
    ["intrusionlogs", "sig.cisco.umbrella.intrusion"],
    ["dlplogs", "sig.cisco.umbrella.dlp"],
  ];
  for (const [folder, table] of cases) {
    it(`${folder}/ → ${table}`, async () => {
      const key = `${folder}/2024-03-01/2024-03-01-10-00-q7zk.csv.gz`;
      assert.equal(umbrellaTag(key), table);
      const { events } = await read("aws_sqs_cisco_umbrella", zlib.gzipSync(`${dns}\n`), { key });
      assert.deepEqual(tags(events), [table]);
    });
  }

  it("finds the folder under a customer prefix or Cisco's organisation folder", () => {
    assert.equal(umbrellaTag("umbrella/iplogs/2024-03-01/2024-03-01-10-00-a1b2.csv.gz"), "sig.cisco.umbrella.ip");
    assert.equal(
      umbrellaTag("1234567_0f1e2d3c4b5a69788796a5b4c3d2e1f001234567/proxylogs/2024-03-01/x.csv.gz"),
      "sig.cisco.umbrella.proxy",
    );
  });

  it("sends anything else to sig.cisco.umbrella.dns, the service's table on Devo's SQS collector page", () => {
    assert.equal(umbrellaTag("2024-03-01-10-00-a1b2.csv.gz"), "sig.cisco.umbrella.dns");
    assert.equal(umbrellaTag("exports/2024-03-01/x.csv.gz"), "sig.cisco.umbrella.dns");
    // A folder name is looked up as data, never as a property of an object.
    assert.equal(umbrellaTag("constructor/2024-03-01/x.csv.gz"), "sig.cisco.umbrella.dns");
    // Only folders count: a file named like a folder does not.
    assert.equal(umbrellaTag("exports/proxylogs"), "sig.cisco.umbrella.dns");
  });
});

describe("aws_sqs_lacework: monitor.lacework.[agent].*", () => {
  const record = { START_TIME: "2024-03-01T10:00:00Z", MID: 17, HOSTNAME: "ip-10-0-1-12" };
  const agentTypes = [
    "applications",
    "connections",
    "dns_query",
    "interfaces",
    "machine_summary",
    "new_hashes",
    "package",
    "process_summary",
  ];
  for (const type of agentTypes) {
    it(`${type}/ and agent/${type}/ → monitor.lacework.agent.${type}`, async () => {
      const table = `monitor.lacework.agent.${type}`;
      assert.equal(laceworkTag(`${type}/2024/03/01/part-0000.json`), table);
      assert.equal(laceworkTag(`agent/${type}/2024/03/01/part-0000.json`), table);
      const { events } = await read("aws_sqs_lacework", `${JSON.stringify(record)}\n`, {
        key: `agent/${type}/2024/03/01/part-0000.json`,
      });
      assert.deepEqual(tags(events), [table]);
      assert.equal(events[0].time?.toISOString(), "2024-03-01T10:00:00.000Z");
    });
  }

  it("keeps other data types at the third level, and reads the folder case-insensitively", () => {
    assert.equal(laceworkTag("alerts/2024/03/01/part-0000.json"), "monitor.lacework.alerts");
    assert.equal(laceworkTag("Machine_Summary/2024/03/01/part-0000.json"), "monitor.lacework.agent.machine_summary");
    assert.equal(laceworkTag("agent/DNS_Query/part-0000.json"), "monitor.lacework.agent.dns_query");
  });

  it("tags a key without folders monitor.lacework.events", () => {
    assert.equal(laceworkTag("part-0000.json"), "monitor.lacework.events");
    assert.equal(laceworkTag("agent/part-0000.json"), "monitor.lacework.agent");
  });
});

describe("aws_sqs_palo_alto: firewall.paloalto.[file-log_type]", () => {
  // PAN-OS CSV: FUTURE_USE, receive time, serial, type, subtype, …
  const csv = (type: string, subtype: string) =>
    `1,2024/03/01 10:00:00,013201001234,${type},${subtype},2561,2024/03/01 10:00:00,10.0.1.12,203.0.113.9`;
  const byType: [type: string, subtype: string, table: string][] = [
    ["TRAFFIC", "end", "firewall.paloalto.traffic"],
    ["THREAT", "vulnerability", "firewall.paloalto.threat"],
    ["THREAT", "url", "firewall.paloalto.url"],
    ["SYSTEM", "general", "firewall.paloalto.system"],
    ["CONFIG", "0", "firewall.paloalto.config"],
    ["HIPMATCH", "0", "firewall.paloalto.hipmatch"],
    ["USERID", "login", "firewall.paloalto.userid"],
    ["CORRELATION", "compromised-host", "firewall.paloalto.correlation"],
  ];
  for (const [type, subtype, table] of byType) {
    it(`a CSV ${type} log of subtype ${subtype} → ${table}`, async () => {
      const { events } = await read("aws_sqs_palo_alto", `${csv(type, subtype)}\n`, { key: "pan/2024/03/01/fw01.log" });
      assert.deepEqual(tags(events), [table]);
    });
  }

  const byKey: [key: string, type: string][] = [
    ["traffic/2024/03/01/fw01.csv", "traffic"],
    ["threat_logs/2024/03/01/fw01.csv", "threat"],
    ["panorama/url/2024/03/01/fw01.csv", "url"],
    ["logs/SYSTEM/fw01.csv", "system"],
    ["config-logs/fw01.csv", "config"],
    ["hip-match/fw01.csv", "hipmatch"],
    ["user_id/fw01.csv", "userid"],
    ["correlationlogs/fw01.csv", "correlation"],
    ["123456789012/us-east-1/ngfw-1/TRAFFIC.2024.03.01.10.json", "traffic"],
  ];
  for (const [key, type] of byKey) {
    it(`the key ${key} names the log type ${type}`, async () => {
      assert.equal(paloAltoKeyLogType(key), type);
      // The key wins over the record's type field.
      const { events } = await read("aws_sqs_palo_alto", `${csv("SYSTEM", "general")}\n`, { key });
      assert.deepEqual(tags(events), [`firewall.paloalto.${type}`]);
    });
  }

  it("finds no log type in a key that names none", () => {
    assert.equal(paloAltoKeyLogType("pan/2024/03/01/fw01.log"), undefined);
    assert.equal(paloAltoKeyLogType("filesystem/urls-export/fw01.log"), undefined);
  });

  it("adds Devo's .json level to JSON threat logs and .leef to LEEF logs", async () => {
    const json = '{"type":"THREAT","subtype":"spyware","src":"10.0.1.12","dst":"203.0.113.9","severity":"high"}';
    const leef =
      "<14>Mar  1 10:00:00 fw01 LEEF:1.0|Palo Alto Networks|PAN-OS Syslog Integration|10.1|allow|cat=TRAFFIC|src=10.0.1.12|dst=203.0.113.9";
    const { events } = await read("aws_sqs_palo_alto", `${json}\n${leef}\n`, { key: "pan/fw01.log" });
    assert.deepEqual(tags(events), ["firewall.paloalto.threat.json", "firewall.paloalto.traffic.leef"]);
    const keyed = await read("aws_sqs_palo_alto", `${leef}\n`, { key: "system/fw01.log" });
    assert.deepEqual(tags(keyed.events), ["firewall.paloalto.system.leef"]);
  });

  it("keeps PAN-OS types that Devo's page does not list, and says unknown when neither key nor record names one", async () => {
    const { events } = await read(
      "aws_sqs_palo_alto",
      `${csv("GLOBALPROTECT", "globalprotect")}\n${csv("DECRYPTION", "0")}\nnot,a,pan-os,log\n`,
      { key: "pan/fw01.log" },
    );
    assert.deepEqual(tags(events), [
      "firewall.paloalto.globalprotect",
      "firewall.paloalto.decryption",
      "firewall.paloalto.unknown",
    ]);
  });
});
