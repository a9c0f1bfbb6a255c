/**
 * The starter's Prometheus metrics (served at GET /metrics): what came in, what was started, what
 * was a duplicate, what was rejected and why, how often the stream had to reconnect, and the
 * routing events (agent joined, interaction ended) passed on to running handoffs as signals, and
 * how IVR channel switches ended.
 */
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export interface StarterMetrics {
  registry: Registry;
  eventsReceived: Counter<'source'>;
  workflowsStarted: Counter<'source'>;
  duplicates: Counter<'source'>;
  rejections: Counter<'source' | 'reason'>;
  streamReconnects: Counter;
  /** kind: agent_joined | ended; result: delivered (signalled) | no_handoff (none running). */
  routingSignals: Counter<'kind' | 'result'>;
  /** IVR channel switches answered: result = success or the error reason (timeout, forbidden, …). */
  ivrSwitches: Counter<'result'>;
}

/** A fresh registry per starter (tests run several in one process). */
export function createStarterMetrics({ defaultMetrics = true }: { defaultMetrics?: boolean } = {}): StarterMetrics {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'handoff_starter_' });
  return {
    registry,
    eventsReceived: new Counter({ name: 'handoff_starter_events_received_total', help: 'Escalation events received, by source (stream, webhook, cognigy)', labelNames: ['source'], registers: [registry] }),
    workflowsStarted: new Counter({ name: 'handoff_starter_workflows_started_total', help: 'botHandoff workflows started, by source', labelNames: ['source'], registers: [registry] }),
    duplicates: new Counter({ name: 'handoff_starter_duplicates_total', help: 'Escalations for a handoff already running (signalled, not restarted)', labelNames: ['source'], registers: [registry] }),
    rejections: new Counter({ name: 'handoff_starter_rejections_total', help: 'Escalations rejected, by source and reason', labelNames: ['source', 'reason'], registers: [registry] }),
    streamReconnects: new Counter({ name: 'handoff_starter_stream_reconnects_total', help: 'Event stream reconnects', registers: [registry] }),
    routingSignals: new Counter({
      name: 'handoff_starter_routing_signals_total',
      help: 'Routing events (agent joined, interaction ended) passed to handoffs, by kind and result (delivered, no_handoff)',
      labelNames: ['kind', 'result'],
      registers: [registry],
    }),
    ivrSwitches: new Counter({
      name: 'handoff_starter_ivr_switches_total',
      help: 'IVR channel switches answered, by result (success or the error reason)',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}
