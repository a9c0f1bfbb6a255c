/**
 * Decrypt a fetched workflow history in place, so code that reads histories with the default
 * payload converter (the doctor's pure `buildTimeline`) works the same with encryption on.
 * `fetchHistory()` returns the history as the server stores it — encoded — and the SDK offers no
 * public helper to decode a whole history, hence this walk.
 */
import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Slot = { holder: Record<string | number, unknown>; key: string | number };

/** Structurally a Payload: `metadata` a map of bytes, `data` bytes (or absent). */
function isPayload(v: Record<string, unknown>): v is Payload & Record<string, unknown> {
  const { metadata, data } = v;
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata) || metadata instanceof Uint8Array) return false;
  if (data !== undefined && data !== null && !(data instanceof Uint8Array)) return false;
  return Object.values(metadata).every((m) => m instanceof Uint8Array);
}

function collect(node: unknown, payloads: Slot[], failures: Array<Record<string, unknown>>, depth: number): void {
  if (depth > 64 || !node || typeof node !== 'object' || node instanceof Uint8Array) return;
  const holder = node as Record<string | number, unknown>;
  if (!Array.isArray(node) && holder.encodedAttributes) failures.push(holder as Record<string, unknown>);
  for (const key of Array.isArray(node) ? node.keys() : Object.keys(node)) {
    const child = holder[key];
    if (!child || typeof child !== 'object' || child instanceof Uint8Array) continue;
    if (!Array.isArray(child) && isPayload(child as Record<string, unknown>)) payloads.push({ holder, key });
    else collect(child, payloads, failures, depth + 1);
  }
}

/**
 * Run every payload of `events` through `codecs` (last codec first, as the SDK decodes) and put
 * failures' encoded message and stack trace back where readers expect them. Payloads the codecs
 * do not recognise (written before encryption was on, search attributes) come back unchanged.
 */
export async function decodeHistoryPayloads(events: HistoryEvent[], codecs: readonly PayloadCodec[]): Promise<void> {
  if (codecs.length === 0) return;
  const slots: Slot[] = [];
  const failures: Array<Record<string, unknown>> = [];
  collect(events, slots, failures, 0);
  let payloads = slots.map((s) => s.holder[s.key] as Payload);
  for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
  slots.forEach((s, i) => (s.holder[s.key] = payloads[i]));
  for (const f of failures) {
    try {
      const attrs = defaultPayloadConverter.fromPayload(f.encodedAttributes as Payload) as { message?: unknown; stack_trace?: unknown } | null;
      if (typeof attrs?.message === 'string') f.message = attrs.message;
      if (typeof attrs?.stack_trace === 'string') f.stackTrace = attrs.stack_trace;
    } catch {
      // Still encrypted (no key) or not the SDK's schema: leave the placeholder message.
    }
  }
}
