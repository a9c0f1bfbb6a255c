#!/usr/bin/env node
'use strict';
// `npm test`: make sure the Temporal CLI exists (building it once, with progress, before any test
// starts a clock), then run every test file under test/ with Node's test runner through tsx.
// Usage: node scripts/run-tests.js [unit|workflows|replay|e2e ...] [--only-file <path>]
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const suites = ['unit', 'workflows', 'replay', 'e2e'];
const args = process.argv.slice(2);
const wanted = args.filter((a) => suites.includes(a));
const explicitFiles = args.filter((a) => a.endsWith('.ts'));

function collect(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? collect(path.join(dir, e.name)) : e.name.endsWith('.test.ts') ? [path.join(dir, e.name)] : []))
    .sort();
}

const files = explicitFiles.length
  ? explicitFiles
  : (wanted.length ? wanted : suites).flatMap((s) => collect(path.join(root, 'test', s)));
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}

const needsTemporal = files.some((f) => !f.includes(`${path.sep}unit${path.sep}`));
if (needsTemporal) {
  const located = spawnSync(process.execPath, [path.join(root, 'bin', 'handoff.js'), 'temporal-path'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (located.status !== 0) {
    console.error('run-tests: could not locate or build the Temporal CLI (see above)');
    process.exit(1);
  }
  process.env.TEMPORAL_CLI_PATH = located.stdout.trim();
  console.error(`run-tests: Temporal CLI at ${process.env.TEMPORAL_CLI_PATH}`);
}

const nodeArgs = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files];
const result = spawnSync(process.execPath, nodeArgs, { stdio: 'inherit', cwd: root, env: process.env });
process.exit(result.status ?? 1);
