/**
 * Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; when on, spans leave over OTLP/HTTP,
 * the client interceptor puts W3C trace context in the workflow's headers, activities get
 * `RunActivity:<type>` spans, and every recorded history still replays with the workflow tracing
 * interceptors bundled in (exporting nothing: the sink does not run during replay).
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { MockActivityEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { ConfigError } from '../../../src/config-error';
import { createLogger } from '../../../src/log';
import { createTracing, otlpTracesUrl, tracingFromEnv, WORKFLOW_TRACING_INTERCEPTORS } from '../../../src/observability';
import { WORKFLOWS_PATH } from '../../../src/worker';
import { quietRuntime } from '../../helpers/temporal';

// The replay below creates the SDK Runtime: keep its worker-state lines out of the test output.
quietRuntime();

const HISTORIES_DIR = path.resolve(__dirname, '..', '..', 'replay', 'histories');

function inMemory() {
  const exporter = new InMemorySpanExporter();
  const tracing = createTracing({ serviceName: 'handoff-test', spanProcessor: new SimpleSpanProcessor(exporter) });
  return { exporter, tracing };
}

describe('tracingFromEnv', () => {
  it('is off by default', () => {
    assert.equal(tracingFromEnv({}), undefined);
    assert.equal(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }), undefined);
  });

  it('derives the OTLP/HTTP traces URL as OpenTelemetry does', () => {
    assert.equal(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), 'http://collector:4318/v1/traces');
    assert.equal(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }), 'http://collector:4318/v1/traces');
    assert.equal(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/custom' }), 'https://b/custom');
  });

  it('names the variable when the endpoint is not an http(s) URL', () => {
    for (const [variable, value] of [['OTEL_EXPORTER_OTLP_ENDPOINT', 'not a url'], ['OTEL_EXPORTER_OTLP_ENDPOINT', 'grpc://collector:4317'], ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'collector:4318']] as const) {
      assert.throws(
        () => tracingFromEnv({ [variable]: value }),
        (err: unknown) => err instanceof ConfigError && err.variable === variable,
      );
    }
  });

  it('exports spans over OTLP/HTTP to the collector at OTEL_EXPORTER_OTLP_ENDPOINT, with the service name', async () => {
    const received: { path: string; body: string }[] = [];
    const collector = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const lines: string[] = [];
    try {
      const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
      const tracing = tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'handoff-worker-test' }, createLogger({ write: (l) => lines.push(l) }));
      assert.ok(tracing);
      tracing.tracer.startSpan('probe-span').end();
      await tracing.shutdown();
      await tracing.shutdown();
      assert.equal(received.length, 1);
      assert.equal(received[0]?.path, '/v1/traces');
      assert.match(received[0]!.body, /"probe-span"/);
      assert.match(received[0]!.body, /"handoff-worker-test"/);
      assert.equal((JSON.parse(lines[0]!) as { msg: string }).msg, 'tracing on');
    } finally {
      await new Promise<void>((resolve) => collector.close(() => resolve()));
    }
  });
});

describe('createTracing interceptors', () => {
  it('the client interceptor opens StartWorkflow and puts its W3C trace context into the workflow headers', async () => {
    const { exporter, tracing } = inMemory();
    try {
      const interceptors = tracing.clientInterceptors.workflow;
      assert.ok(Array.isArray(interceptors) && interceptors[0]?.start);
      let headers: Record<string, unknown> = {};
      const input = { workflowType: 'botHandoff', headers: {}, options: { workflowId: 'handoff-int-1', taskQueue: 'q', args: [] } } as never;
      await interceptors[0].start(input, async (i) => {
        headers = (i as { headers: Record<string, unknown> }).headers;
        return 'run-1';
      });
      const [span] = exporter.getFinishedSpans();
      assert.equal(span?.name, 'StartWorkflow:botHandoff');
      assert.equal(span?.attributes.temporalWorkflowId, 'handoff-int-1');
      const carrier = defaultPayloadConverter.fromPayload<Record<string, string>>(headers['_tracer-data'] as never);
      assert.match(carrier.traceparent ?? '', new RegExp(`^00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01$`));
    } finally {
      await tracing.shutdown();
    }
  });

  it('the activity interceptor wraps each activity in RunActivity:<type> with the workflow id', async () => {
    const { exporter, tracing } = inMemory();
    try {
      const env = new MockActivityEnvironment({ activityType: 'transferToQueue', workflowExecution: { workflowId: 'handoff-int-2', runId: 'run-2' } }, { interceptors: tracing.workerInterceptors.activity });
      assert.equal(await env.run(async (x: number) => x + 1, 1), 2);
      const [span] = exporter.getFinishedSpans();
      assert.equal(span?.name, 'RunActivity:transferToQueue');
      assert.equal(span?.attributes.temporalWorkflowId, 'handoff-int-2');
      assert.deepEqual(tracing.workerInterceptors.workflowModules, [WORKFLOW_TRACING_INTERCEPTORS]);
    } finally {
      await tracing.shutdown();
    }
  });

  it('shutdown releases the global registrations (tracing can be set up again)', async () => {
    const { tracing } = inMemory();
    await tracing.shutdown();
    const carrier: Record<string, string> = {};
    const span = trace.getTracer('x').startSpan('after');
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    assert.deepEqual(carrier, {}, 'no propagator left behind');
    const again = inMemory();
    await again.tracing.shutdown();
  });
});

describe('replay with the workflow tracing interceptors bundled in', () => {
  it('replays every recorded history, exporting no span', async () => {
    const { exporter, tracing } = inMemory();
    try {
      const bundle = await bundleWorkflowCode({
        workflowsPath: WORKFLOWS_PATH,
        workflowInterceptorModules: tracing.workflowInterceptorModules,
        logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error } as never,
      });
      const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json')).sort();
      assert.ok(files.length >= 10, 'histories to replay');
      async function* histories() {
        for (const file of files) yield { workflowId: file, history: historyFromJSON(JSON.parse(await readFile(path.join(HISTORIES_DIR, file), 'utf8'))) };
      }
      const failed: string[] = [];
      let replayed = 0;
      for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, sinks: tracing.sinks, replayName: 'otel-replay' }, histories())) {
        replayed += 1;
        if (result.error) failed.push(`${result.workflowId}: ${String(result.error)}`);
      }
      assert.deepEqual(failed, []);
      assert.equal(replayed, files.length);
      assert.deepEqual(exporter.getFinishedSpans().map((s) => s.name), []);
    } finally {
      await tracing.shutdown();
    }
  });
});
