/**
 * What the guest reads: the fallback actions and their messages (from the failure catalogue,
 * src/cxone/failures.ts), the hold message and the periodic hold update. Pure data and lookups.
 */
export { FALLBACK_MESSAGES, FallbackAction, fallbackFor, type FallbackActionName } from '../src/cxone/failures';

/** The hold message sent once the transfer is accepted. */
export const HOLD_MESSAGE = 'You are being connected to a specialist. Please wait.';

/**
 * The periodic update to a waiting guest: position and expected wait when the queue check knows
 * them, a plain reassurance otherwise.
 */
export function holdUpdateMessage(info: { position?: number; estimatedWaitSeconds?: number } = {}): string {
  const parts: string[] = [];
  if (info.position !== undefined) parts.push(info.position <= 1 ? 'You are next in the queue.' : `You are number ${info.position} in the queue.`);
  if (info.estimatedWaitSeconds !== undefined) {
    const minutes = Math.max(1, Math.round(info.estimatedWaitSeconds / 60));
    parts.push(`The expected wait is about ${minutes} minute${minutes === 1 ? '' : 's'}.`);
  }
  return ['Thank you for waiting, a specialist will be with you shortly.', ...parts].join(' ');
}
