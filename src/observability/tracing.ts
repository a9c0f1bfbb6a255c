/**
 * OpenTelemetry tracing through @temporalio/interceptors-opentelemetry (the SDK's own version):
 * off by default, on when OTEL_EXPORTER_OTLP_ENDPOINT is set. One trace follows a handoff from the
 * starter's `StartWorkflow` through `RunWorkflow:botHandoff` to each `StartActivity:*` /
 * `RunActivity:*`. Workflow spans are made inside the sandbox and leave it through the `exporter`
 * sink, which does not run during replay, so replaying a history exports nothing and stays
 * deterministic.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DiagLogLevel, ROOT_CONTEXT, context as otelContext, diag, propagation, trace, type Context, type ContextManager, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import { z } from 'zod';
import { envError, isHttpUrl, readEnv } from '../config/env';
import { silentLogger, type Logger } from '../log';

/** The module the worker bundles into the workflow sandbox (its `interceptors` export). */
export const WORKFLOW_TRACING_INTERCEPTORS = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** What the worker and the client need to trace; see the WIRING notes in the report. */
export interface HandoffTracing {
  tracer: Tracer;
  /** WorkerOptions.interceptors: the workflow module, the activity interceptors, the activities' client. */
  workerInterceptors: WorkerInterceptors;
  /** `new Client({ interceptors })` in the starter (and anything else that starts handoffs). */
  clientInterceptors: ClientInterceptors;
  /** WorkerOptions.sinks: carries the workflow's spans out of the sandbox. */
  sinks: InjectedSinks<OpenTelemetrySinks>;
  /** For a pre-built bundle: `bundleWorkflowCode({ workflowInterceptorModules })`. */
  workflowInterceptorModules: string[];
  /** Flush the spans still buffered and release the global OpenTelemetry registrations. */
  shutdown(): Promise<void>;
}

/** Options of {@link createTracing}. */
export interface CreateTracingOptions {
  /** `service.name` of the spans (OTEL_SERVICE_NAME, else cxone-handoff). */
  serviceName: string;
  /** Where spans go: a BatchSpanProcessor over the OTLP exporter, or a test's in-memory one. */
  spanProcessor: SpanProcessor;
  logger?: Logger;
}

/**
 * OpenTelemetry's context API needs a context manager to follow async calls; the official one
 * lives in a package this project does not depend on, and this is all of it that the
 * interceptors use.
 */
class AsyncLocalStorageContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#storage.run(context, () => fn.apply(thisArg, args));
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the bound function needs both its own `this` and the manager
    const manager = this;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => fn.apply(this, args));
    } as unknown as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.#storage.disable();
    return this;
  }
}

/**
 * Register a tracer provider (global: the interceptors propagate context through the global
 * propagator, W3C trace context) and build the interceptors and sink around it.
 */
export function createTracing({ serviceName, spanProcessor, logger = silentLogger }: CreateTracingOptions): HandoffTracing {
  const log = logger.child({ component: 'tracing' });
  // Exporter failures (collector down) are warnings in our log, not crashes or console noise.
  diag.setLogger(
    {
      error: (message, ...args) => log.warn(`opentelemetry: ${message}`, args.length ? { details: args.map(String) } : undefined),
      warn: (message) => log.warn(`opentelemetry: ${message}`),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    DiagLogLevel.WARN,
  );
  const resource = Resource.default().merge(new Resource({ 'service.name': serviceName }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager() });
  const tracer = provider.getTracer('cxone-handoff');
  const options = { tracer };
  const clientInterceptors: ClientInterceptors = { workflow: [new OpenTelemetryWorkflowClientInterceptor(options)] };
  let stopped = false;
  return {
    tracer,
    workerInterceptors: {
      client: { workflow: [new OpenTelemetryWorkflowClientInterceptor(options)] },
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, options), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
      workflowModules: [WORKFLOW_TRACING_INTERCEPTORS],
    },
    clientInterceptors,
    sinks: { exporter: makeWorkflowExporter(spanProcessor, resource) },
    workflowInterceptorModules: [WORKFLOW_TRACING_INTERCEPTORS],
    async shutdown() {
      if (stopped) return;
      stopped = true;
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
        propagation.disable();
        otelContext.disable();
        diag.disable();
      }
    },
  };
}

// The endpoints are never echoed: a query string or user info could hold a collector key.
const TracingEnv = z.object({
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().optional().describe('the http(s) URL of an OTLP/HTTP traces endpoint, e.g. http://localhost:4318/v1/traces'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().optional().describe('the http(s) URL of an OTLP/HTTP collector, e.g. http://localhost:4318'),
  OTEL_SERVICE_NAME: z.string().optional().describe('the service name on the spans'),
});

function tracesUrl(e: z.output<typeof TracingEnv>): string | undefined {
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  return e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`);
}

/** The OTLP/HTTP traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, else the endpoint + /v1/traces. */
export function otlpTracesUrl(env: NodeJS.ProcessEnv): string | undefined {
  return tracesUrl(readEnv(TracingEnv, env));
}

/**
 * Tracing as the environment asks: undefined (off) unless OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; then spans go over OTLP/HTTP in batches.
 * OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER and friends are read by OpenTelemetry itself.
 */
export function tracingFromEnv(env: NodeJS.ProcessEnv = process.env, logger: Logger = silentLogger, defaultServiceName = 'cxone-handoff'): HandoffTracing | undefined {
  const e = readEnv(TracingEnv, env);
  const url = tracesUrl(e);
  if (!url) return undefined;
  // Only the endpoint in use is checked: the other may serve another signal's exporter.
  const variable = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  if (!isHttpUrl(url)) throw envError(TracingEnv, variable, e[variable]);
  const parsed = new URL(url);
  const serviceName = e.OTEL_SERVICE_NAME ?? defaultServiceName;
  const tracing = createTracing({ serviceName, spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url })), logger });
  // Origin and path only: a query string or user info could hold a collector key.
  logger.info('tracing on', { otlpTracesUrl: parsed.origin + parsed.pathname, serviceName });
  return tracing;
}
