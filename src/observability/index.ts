/** Worker metrics (Prometheus), the metrics server, log context and tracing. */
export * from './log-context';
export * from './metrics-server';
export * from './tracing';
export * from './worker-metrics';
export * from './worker-observability';
