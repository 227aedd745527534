/**
 * Devo stores one event per line: a record that holds a line break (a CloudWatch Logs message with a stack trace)
 * keeps it as the two characters `\n` (and `\r`), so the message stays one line and nothing is lost.
 */
export function singleLine(text: string): string {
  if (text.indexOf("\n") < 0 && text.indexOf("\r") < 0) return text;
  return text.replace(/\r\n|\n|\r/g, (m) => (m === "\r\n" ? "\\r\\n" : m === "\n" ? "\\n" : "\\r"));
}
