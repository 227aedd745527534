import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { read, service, tags } from "./read-helpers.ts";

const a = { type: "login", user: { name: "alice" }, ok: true };
const b = { type: "logout", user: { name: "bob" }, ok: false };

async function custom(
  fileFormat: unknown,
  text: string,
  extra: Record<string, unknown> = {},
  key = "app/2024/03/01/f.log",
) {
  return read("custom_service", text, {
    key,
    options: { file_format: fileFormat, routing_template: "my.app.[record-type]", ...extra },
  });
}

describe("custom_service", () => {
  it("reads each of Devo's processors", async () => {
    const cases: [unknown, string, string[]][] = [
      ["unseparated_json_processor", JSON.stringify(a) + JSON.stringify(b), ["login", "logout"]],
      ["separated_json_processor", `${JSON.stringify(a)}\n${JSON.stringify(b)}\n`, ["login", "logout"]],
      [
        "split_or_unseparated_processor",
        `${JSON.stringify(a)}${JSON.stringify(b)}\n${JSON.stringify(a)}\n`,
        ["login", "logout", "login"],
      ],
      ["single_json_object_processor", JSON.stringify(a, null, 2), ["login"]],
      [
        { type: "json_object_to_linesplit_processor", config: { key: "events" } },
        JSON.stringify({ meta: 1, events: [a, b] }),
        ["login", "logout"],
      ],
      ["json_array_processor", JSON.stringify([a, b]), ["login", "logout"]],
      [
        "json_line_arrays_processor",
        `${JSON.stringify([a])}\n${JSON.stringify([b, a])}\n`,
        ["login", "logout", "login"],
      ],
      [{ type: "line_split_processor", config: { json: true } }, `${JSON.stringify(b)}\n`, ["logout"]],
    ];
    for (const [format, text, types] of cases) {
      const { events, stats } = await custom(format, text);
      assert.deepEqual(
        tags(events),
        types.map((type) => `my.app.${type}`),
        JSON.stringify(format),
      );
      assert.equal(stats.skipped, 0, JSON.stringify(format));
    }
  });

  it("keeps text lines of access-log style processors and fills [file-…] from the key", async () => {
    const { events } = await custom(
      "aws_access_logs_processor",
      "line one\nline two\n",
      {
        routing_template: "my.logs.[file-env]",
        file_field_definitions: {
          env: [
            { operator: "split", on: "/", element: 1 },
            { operator: "replace", to_replace: "-", replace_with: "" },
          ],
        },
      },
      "logs/pro-d/x.log",
    );
    assert.deepEqual(tags(events), ["my.logs.prod", "my.logs.prod"]);
    assert.deepEqual(
      events.map((e) => e.message),
      ["line one", "line two"],
    );
  });

  it("maps record fields with record_field_mapping and writes unknown for missing ones", async () => {
    const { events } = await custom("separated_json_processor", `${JSON.stringify(a)}\n{"other":1}\n`, {
      routing_template: "my.app.[record-who]",
      record_field_mapping: { who: { keys: ["username", "user.name"] } },
    });
    assert.deepEqual(tags(events), ["my.app.alice", "my.app.unknown"]);
  });

  it("skips lines that are not JSON when the processor wants JSON", async () => {
    const { events, stats } = await custom("separated_json_processor", `${JSON.stringify(a)}\nplain text\n{"x":\n`);
    assert.equal(events.length, 1);
    assert.deepEqual(stats.skipReasons, { "invalid JSON": 2 });
  });

  it("validates its options: processor names, required routing_template, [file-…] definitions, unknown keys", () => {
    const schema = service("custom_service").options;
    assert.ok(schema.safeParse({ file_format: "json_array_processor", routing_template: "x.y" }).success);
    const problems = (options: unknown) => {
      const result = schema.safeParse(options);
      return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    };
    assert.match(problems({ file_format: "bluecoat", routing_template: "x" }).join(), /^file_format/);
    assert.match(problems({ file_format: "json_array_processor" }).join(), /^routing_template/);
    assert.match(
      problems({ file_format: "json_array_processor", routing_template: "a.[file-kind]" }).join(),
      /file_field_definitions\.kind/,
    );
    assert.match(
      problems({ file_format: "json_array_processor", routing_template: "a", colour: "red" }).join(),
      /colour/,
    );
  });
});

describe("routing_template on a built-in service", () => {
  it("replaces the service's tag", async () => {
    const { events } = await read("aws_sqs_waf", `${JSON.stringify({ timestamp: 1, action: "BLOCK" })}\n`, {
      options: { routing_template: "my.waf.[action]" },
    });
    assert.deepEqual(tags(events), ["my.waf.block"]);
  });
});
