/**
 * The failure → fallback table (ARCHITECTURE.md), and the customer message of each action (the
 * reference tutorial's wording). Pure data and two lookups: the workflow decides, activities act.
 */
import { CxoneFailure, type CxoneFailureType } from '../src/cxone/failures';

export const FallbackAction = {
  SelfServiceMenu: 'offer_self_service_menu',
  GeneralQueue: 'route_to_general_queue',
  TerminateGracefully: 'terminate_session_gracefully',
  CallbackRequest: 'queue_callback_request',
  EscalateToAdmin: 'log_and_escalate_to_admin',
} as const;

export type FallbackActionName = (typeof FallbackAction)[keyof typeof FallbackAction];

/** What a failed transfer leads to. Conflict (409) is absent: it is a success (already transferred). */
const BY_FAILURE: Partial<Record<CxoneFailureType, FallbackActionName>> = {
  [CxoneFailure.BadRequest]: FallbackAction.SelfServiceMenu,
  [CxoneFailure.Forbidden]: FallbackAction.GeneralQueue,
  [CxoneFailure.NotFound]: FallbackAction.TerminateGracefully,
  [CxoneFailure.Unavailable]: FallbackAction.CallbackRequest,
  [CxoneFailure.RateLimited]: FallbackAction.CallbackRequest,
  [CxoneFailure.Unauthorized]: FallbackAction.EscalateToAdmin,
};

/** The fallback for a transfer failure type; anything unknown goes to an admin. */
export function fallbackFor(failureType: string | undefined): FallbackActionName {
  return (failureType && BY_FAILURE[failureType as CxoneFailureType]) || FallbackAction.EscalateToAdmin;
}

/**
 * What the guest is told. Escalation to an admin sends nothing: the cause is our configuration
 * (credentials, an unknown answer) and the guest's chat stays with the bot.
 */
export const FALLBACK_MESSAGES: Record<FallbackActionName, string | undefined> = {
  [FallbackAction.SelfServiceMenu]: 'I am unable to connect you to an agent. Would you like to explore self-service options instead?',
  [FallbackAction.GeneralQueue]: undefined, // the guest is transferred after all: the hold message goes out
  [FallbackAction.TerminateGracefully]: 'The requested service is currently unavailable. Please try again later.',
  [FallbackAction.CallbackRequest]:
    'Our support system is experiencing high volume. I will send you a callback link when an agent becomes available.',
  [FallbackAction.EscalateToAdmin]: undefined,
};

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
