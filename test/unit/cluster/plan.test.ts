/**
 * The cluster's plan (src/cluster/plan.ts): ports that never collide, laid out from one base, and a
 * server configuration on PostgreSQL with the project's dynamic config.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CLUSTER_DB, CLUSTER_PARTS, clusterPorts, HISTORY_SHARDS, partPort, PORT_BASE_RANGE, portBaseProblem, SERVER_SERVICES, serverConfig } from '../../../src/cluster/plan';

function allPorts(base: number): number[] {
  const p = clusterPorts(base);
  return [p.postgres, ...Object.values(p.grpc), ...Object.values(p.membership), ...Object.values(p.serverMetrics), p.frontendHttp, p.simulator, ...p.workerMetrics, p.webhook, p.codec];
}

describe('cluster plan', () => {
  it("the default ports are Temporal's own and the product's defaults", () => {
    const p = clusterPorts();
    assert.deepEqual(p.grpc, { frontend: 7233, history: 7234, matching: 7235, worker: 7239 });
    assert.deepEqual(p.membership, { frontend: 6933, history: 6934, matching: 6935, worker: 6939 });
    assert.deepEqual([p.simulator, p.webhook, p.codec, ...p.workerMetrics, p.postgres], [8787, 8080, 8888, 9464, 9465, 15432]);
  });

  it('no two parts share a port, from any base it accepts; membership ports stay within a smallint', () => {
    for (const base of [PORT_BASE_RANGE.min, 7233, 17233, 27233, PORT_BASE_RANGE.max]) {
      assert.equal(portBaseProblem(base), undefined, String(base));
      assert.ok(Object.values(clusterPorts(base).membership).every((p) => p > 1023 && p <= 32767), `base ${base}`);
      const ports = allPorts(base);
      assert.equal(new Set(ports).size, ports.length, `base ${base}: ${ports.join(',')}`);
      assert.ok(ports.every((n) => n > 0 && n < 65536), `base ${base}`);
    }
    for (const bad of [PORT_BASE_RANGE.min - 1, PORT_BASE_RANGE.max + 1, 47233, 7233.5]) assert.match(portBaseProblem(bad) ?? '', /smallint/, String(bad));
  });

  it('each part listens on a port of its own (what up checks is free before it starts anything)', () => {
    const ports = clusterPorts();
    const listening = CLUSTER_PARTS.map((part) => partPort(ports, part));
    assert.equal(new Set(listening).size, CLUSTER_PARTS.length, listening.join(','));
    assert.deepEqual(Object.fromEntries(CLUSTER_PARTS.map((part) => [part, partPort(ports, part)])), {
      postgres: 15432,
      'temporal-history': 7234,
      'temporal-matching': 7235,
      'temporal-frontend': 7233,
      'temporal-worker': 6939,
      simulator: 8787,
      'worker-1': 9464,
      'worker-2': 9465,
      starter: 8080,
      'codec-server': 8888,
    });
  });

  it('every part is listed once, PostgreSQL first and the history service before the frontend', () => {
    assert.equal(new Set(CLUSTER_PARTS).size, CLUSTER_PARTS.length);
    assert.equal(CLUSTER_PARTS[0], 'postgres');
    assert.ok(CLUSTER_PARTS.indexOf('temporal-history') < CLUSTER_PARTS.indexOf('temporal-frontend'));
    assert.ok(CLUSTER_PARTS.indexOf('temporal-frontend') < CLUSTER_PARTS.indexOf('worker-1'));
  });

  it('the server configuration: PostgreSQL for both stores, every service on loopback, its own metrics port, the dynamic config file', () => {
    const ports = clusterPorts(27233);
    for (const service of SERVER_SERVICES) {
      const config = parse(serverConfig({ ports, service, dynamicConfigFile: '/x/deploy/temporal-dynamicconfig.yaml' }));
      assert.equal(config.persistence.numHistoryShards, HISTORY_SHARDS);
      const stores = config.persistence.datastores;
      assert.deepEqual(
        [stores[config.persistence.defaultStore].sql.databaseName, stores[config.persistence.visibilityStore].sql.databaseName],
        [CLUSTER_DB.databases.temporal, CLUSTER_DB.databases.visibility],
      );
      for (const store of Object.values(stores) as Array<{ sql: { pluginName: string; connectAddr: string } }>) {
        assert.equal(store.sql.pluginName, 'postgres12');
        assert.equal(store.sql.connectAddr, `127.0.0.1:${ports.postgres}`);
      }
      for (const s of SERVER_SERVICES) {
        assert.deepEqual([config.services[s].rpc.grpcPort, config.services[s].rpc.membershipPort, config.services[s].rpc.bindOnIP], [ports.grpc[s], ports.membership[s], '127.0.0.1']);
      }
      assert.equal(config.global.metrics.prometheus.listenAddress, `127.0.0.1:${ports.serverMetrics[service]}`);
      assert.equal(config.dynamicConfigClient.filepath, '/x/deploy/temporal-dynamicconfig.yaml');
      assert.equal(config.clusterMetadata.clusterInformation.active.rpcAddress, `127.0.0.1:${ports.grpc.frontend}`);
    }
  });
});
