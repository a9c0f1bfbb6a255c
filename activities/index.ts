/**
 * `createActivities(deps)`: every activity the workflows call, bound to one CXone client. The
 * worker registers the returned object; workflows get its type through `proxyActivities`.
 */
import { createCallbackActivities } from './callback';
import { createContextActivities } from './context';
import type { ActivityDeps } from './deps';
import { createGuestActivities } from './guest';
import { createHistoryActivities } from './history';
import { createHoldActivities } from './hold';
import { createMessageActivities } from './messages';
import { createMetricActivities } from './metrics';
import { createQueueActivities } from './queue';
import { createReconcileActivities } from './reconcile';
import { createTransferActivities } from './transfer';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createHistoryActivities(deps),
    ...createContextActivities(deps),
    ...createTransferActivities(deps),
    ...createHoldActivities(deps),
    ...createMessageActivities(deps),
    ...createQueueActivities(deps),
    ...createMetricActivities(deps),
    ...createGuestActivities(deps),
    ...createReconcileActivities(deps),
    ...createCallbackActivities(deps),
  };
}

export type HandoffActivities = ReturnType<typeof createActivities>;
export type { ActivityDeps, HandoffSettings } from './deps';
