import { Buffer } from "node:buffer";
import type {
  GetMetricDataCommandInput,
  GetMetricDataCommandOutput,
  ListMetricsCommandInput,
  Metric,
  MetricDataResult,
} from "@aws-sdk/client-cloudwatch";
import { awsError } from "./api-test-kit.ts";

/** A metric of the test account and the periods (ms) at which it has data. */
export interface FakeMetric {
  metric: Metric;
  hasData: (timestamp: number) => boolean;
}

export function ec2Metric(i: number, namespace = "AWS/EC2"): FakeMetric {
  return {
    metric: {
      Namespace: namespace,
      MetricName: i % 2 === 0 ? "CPUUtilization" : "NetworkIn",
      Dimensions: [
        { Name: "InstanceId", Value: `i-${String(i).padStart(17, "0")}` },
        ...(i % 3 === 0 ? [{ Name: "AutoScalingGroupName", Value: "web" }] : []),
      ],
    },
    // Some metrics report only every other period, one reports nothing.
    hasData: (timestamp) => i !== 5 && (i % 4 !== 1 || (timestamp / 60_000) % 2 === 0),
  };
}

/** The datapoint a metric has at a time for a statistic: derived from its identity, so tests can check it. */
export function datapointValue(metric: Metric, stat: string, timestamp: number): number {
  const text = `${JSON.stringify(metric)}|${stat}|${timestamp}`;
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) % 1_000_003;
  return hash / 100;
}

/** ListMetrics over the metrics, filtered by Namespace, `pageSize` per page (AWS: up to 500). */
export function fakeListMetrics(metrics: () => FakeMetric[], pageSize = 500) {
  return (input: ListMetricsCommandInput) => {
    const all = metrics()
      .map((m) => m.metric)
      .filter((m) => input.Namespace === undefined || m.Namespace === input.Namespace);
    const offset = input.NextToken !== undefined ? Number(Buffer.from(input.NextToken, "base64").toString()) : 0;
    const page = all.slice(offset, offset + pageSize);
    const more = offset + pageSize < all.length;
    return {
      Metrics: page,
      ...(more ? { NextToken: Buffer.from(String(offset + pageSize)).toString("base64") } : {}),
    };
  };
}

/**
 * GetMetricData over the metrics: one datapoint per period in [StartTime, EndTime) where the metric has data,
 * timestamps ascending (ScanBy TimestampAscending), paged every `maxDatapoints` datapoints across queries with
 * StatusCode PartialData on the queries cut short, as the API reference describes.
 */
export function fakeGetMetricData(metrics: () => FakeMetric[], maxDatapoints = 100_800) {
  return (input: GetMetricDataCommandInput): Partial<GetMetricDataCommandOutput> => {
    const queries = input.MetricDataQueries ?? [];
    if (queries.length > 500)
      throw awsError(
        "InvalidParameterValueException",
        "The collection MetricDataQueries must not have a size greater than 500.",
      );
    const start = input.StartTime!.getTime();
    const end = input.EndTime!.getTime();
    const points: { id: string; timestamp: number; value: number }[] = [];
    const byIdentity = new Map(metrics().map((m) => [JSON.stringify(m.metric), m]));
    for (const query of queries) {
      if (!/^[a-z][a-zA-Z0-9_]*$/.test(query.Id ?? ""))
        throw awsError("ValidationError", `Invalid metric data query id ${query.Id}`);
      const stat = query.MetricStat!;
      const known = byIdentity.get(JSON.stringify(stat.Metric));
      const periodMs = stat.Period! * 1000;
      for (let t = Math.ceil(start / periodMs) * periodMs; t < end; t += periodMs) {
        if (known?.hasData(t))
          points.push({ id: query.Id!, timestamp: t, value: datapointValue(stat.Metric!, stat.Stat!, t) });
      }
    }
    const offset = input.NextToken !== undefined ? Number(Buffer.from(input.NextToken, "base64").toString()) : 0;
    const page = points.slice(offset, offset + maxDatapoints);
    const more = offset + maxDatapoints < points.length;
    const byId = new Map<string, typeof page>();
    for (const p of page) byId.set(p.id, [...(byId.get(p.id) ?? []), p]);
    const results: MetricDataResult[] = queries.map((q) => {
      const mine = byId.get(q.Id!) ?? [];
      return {
        Id: q.Id,
        Label: q.MetricStat?.Metric?.MetricName,
        Timestamps: mine.map((p) => new Date(p.timestamp)),
        Values: mine.map((p) => p.value),
        StatusCode: more ? "PartialData" : "Complete",
      };
    });
    return {
      MetricDataResults: results,
      Messages: [],
      ...(more ? { NextToken: Buffer.from(String(offset + maxDatapoints)).toString("base64") } : {}),
    };
  };
}
