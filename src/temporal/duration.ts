/** Durations as operators write them: `90s`, `30m`, `24h`, `7d`, or plain seconds. */

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds of a duration, or null when it is not one (zero and negatives included). */
export function parseDurationSeconds(text: string): number | null {
  const m = /^(\d+)(s|m|h|d)?$/.exec(text.trim());
  if (!m) return null;
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] ?? 's']!;
  return seconds > 0 ? seconds : null;
}
