/**
 * `new Date(text)`, with CloudTrail's own timestamp shape `YYYY-MM-DDTHH:MM:SSZ` read digit by digit: V8's general
 * date parser (a tokenizer and a keyword table) was a fifth of the instructions of reading a CloudTrail record once
 * the record itself was no longer parsed. Only values every engine reads the same way take the short path (day up to
 * 28, no 24:00, year from 100: `Date.UTC` maps years 0-99 to 1900-1999); anything else goes to `new Date`.
 */
export function parseIsoTime(text: string): Date {
  if (
    text.length === 20 &&
    text.charCodeAt(4) === 0x2d &&
    text.charCodeAt(7) === 0x2d &&
    text.charCodeAt(10) === 0x54 &&
    text.charCodeAt(13) === 0x3a &&
    text.charCodeAt(16) === 0x3a &&
    text.charCodeAt(19) === 0x5a
  ) {
    const year = digits(text, 0, 4);
    const month = digits(text, 5, 2);
    const day = digits(text, 8, 2);
    const hour = digits(text, 11, 2);
    const minute = digits(text, 14, 2);
    const second = digits(text, 17, 2);
    if (
      year >= 100 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= 28 &&
      hour >= 0 &&
      hour <= 23 &&
      minute >= 0 &&
      minute <= 59 &&
      second >= 0 &&
      second <= 59
    ) {
      return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    }
  }
  return new Date(text);
}

/** The decimal number written by `count` ASCII digits at `start`, or -1 if one of them is not a digit. */
function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}
