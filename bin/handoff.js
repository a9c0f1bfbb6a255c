#!/usr/bin/env node
'use strict';
// The `handoff` command. TypeScript sources are loaded through tsx so `npx handoff` works right
// after `npm install`, with no build step to forget.
require('tsx/cjs/api').register();

require('../src/cli.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    if (typeof code === 'number') process.exitCode = code;
  })
  .catch((err) => {
    process.stderr.write(`handoff: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
