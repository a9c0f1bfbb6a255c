#!/usr/bin/env node
'use strict';
// `npm test`: make sure the Temporal CLI exists (building it once, with progress, before any test
// starts a clock), then run every test file under test/ with Node's test runner through tsx.
// Usage: node scripts/run-tests.js [unit|workflows|replay|e2e ...] [file.test.ts ...]
//   no argument: every suite; suite names: every *.test.ts under test/<suite>/, subfolders included;
//   files (*.ts, relative to the current directory or absolute): only those, whatever suites are named.
// The Temporal CLI is located (or built) unless every file to run is under test/unit/.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const suites = ['unit', 'workflows', 'replay', 'e2e'];
const args = process.argv.slice(2);
const wanted = args.filter((a) => suites.includes(a));
const explicitFiles = args.filter((a) => a.endsWith('.ts')).map((a) => path.resolve(a));

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

const unitDir = path.join(root, 'test', 'unit') + path.sep;
const needsTemporal = files.some((f) => !f.startsWith(unitDir));
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
