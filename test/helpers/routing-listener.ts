/**
 * The starter's routing half on its own: a listener on the simulator's event stream that passes the
 * routing events (agent joined, guest left) to the running handoffs as signals, as the starter does
 * in production, and starts nothing — for test stacks that start their handoffs themselves.
 */
import type { HandoffStarter } from '../../src/starter/start-handoff';
import { StreamListener, type StreamListenerOptions } from '../../src/starter/stream';
import { routingEventOf } from '../../src/starter/trigger';
import { holdsWithin } from './until';

export type RoutingListenerOptions = Pick<StreamListenerOptions, 'url' | 'getToken' | 'logger' | 'onTokenRejected'> & {
  starter: Pick<HandoffStarter, 'notifyRouting'>;
};

/** Start it (reconnecting within 50-500 ms) and give it up to 5 s to connect; callers that need it connected check `status.connected`. */
export async function startRoutingListener({ starter, ...opts }: RoutingListenerOptions): Promise<StreamListener> {
  const listener = new StreamListener({
    ...opts,
    backoff: { baseMs: 50, maxMs: 500 },
    onEvent: async (event) => {
      const r = routingEventOf(event);
      if (r) await starter.notifyRouting(r, 'stream');
    },
  });
  listener.start();
  await holdsWithin(() => listener.status.connected, 5_000);
  return listener;
}
