/**
 * One event on its way to Devo. `message` is exactly what Devo stores: the original line for line formats,
 * compact JSON of one record for JSON formats. It never contains a raw newline (outputs still guard against one).
 */
export interface DevoEvent {
  /** Devo tag (table), e.g. `cloud.aws.cloudtrail.iam`. */
  tag: string;
  message: string;
  /** Event time when the format carries one; outputs stamp the send time otherwise. */
  time?: Date;
}
