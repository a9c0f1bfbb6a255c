/**
 * The lint rule that keeps workflows/ to sandbox-safe imports (scripts/eslint-sandbox-imports.mjs),
 * run through ESLint's Linter on the repository's real workflow paths.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const root = path.resolve(__dirname, '../../..');

async function lint(code: string, file = 'workflows/bot-handoff.ts'): Promise<string[]> {
  const { default: sandbox } = (await import(path.join(root, 'scripts/eslint-sandbox-imports.mjs'))) as { default: NonNullable<Linter.Config['plugins']>[string] };
  const linter = new Linter({ configType: 'flat', cwd: root });
  const messages = linter.verify(
    code,
    [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser as Linter.Parser }, plugins: { sandbox }, rules: { 'sandbox/sandbox-imports': 'error' } }],
    path.join(root, file),
  );
  return messages.map((m) => m.message);
}

describe('lint: workflows/ imports only sandbox-safe modules', () => {
  it('allows the workflow SDK, files under workflows/ and the failure catalogue', async () => {
    const code = [
      "import { proxyActivities } from '@temporalio/workflow';",
      "import { RetryState } from '@temporalio/common';",
      "import { msToNumber } from '@temporalio/common/lib/time';",
      "import { step } from './step';",
      "import { CxoneFailure } from '../src/cxone/failures';",
      "export { FallbackAction } from '../src/cxone/failures';",
    ].join('\n');
    assert.deepEqual(await lint(code), []);
    assert.deepEqual(await lint("import { READ_POLICY } from '../policies';\nimport { CxoneFailure } from '../../src/cxone/failures';", 'workflows/legacy/bot-handoff.ts'), []);
  });

  it('allows type-only imports from anywhere (they are erased)', async () => {
    const code = [
      "import type { HandoffActivities } from '../activities';",
      "import { type CreateGuestRequest } from '../src/cxone/schemas';",
      "import type { z } from 'zod';",
    ].join('\n');
    assert.deepEqual(await lint(code), []);
  });

  it('refuses the cxone index, activities, Node built-ins and I/O packages at run time', async () => {
    const cases: Array<[string, RegExp]> = [
      ["import { CxoneClient } from '../src/cxone';", /'\.\.\/src\/cxone' \(src\/cxone\) is outside workflows\//],
      ["import { activities } from '../activities';", /outside workflows\//],
      ["import { z } from 'zod';", /'zod' is not sandbox-safe/],
      ["import { request } from 'undici';", /'undici' is not sandbox-safe/],
      ["import { readFile } from 'node:fs/promises';", /'node:fs\/promises' is not sandbox-safe/],
      ["export * from '../src/cxone/schemas';", /outside workflows\//],
      ["const m = import('../src/log');", /outside workflows\//],
      ["import { type A, B } from '../src/cxone/schemas';", /outside workflows\//],
    ];
    for (const [code, expected] of cases) {
      const messages = await lint(code);
      assert.equal(messages.length, 1, `${code} → ${JSON.stringify(messages)}`);
      assert.match(messages[0]!, expected, code);
    }
  });

  it('does not apply its paths outside workflows/ (the rule is configured for workflows/**)', async () => {
    // The repository's config scopes the rule; this checks the config, not the rule.
    const config = (await import(path.join(root, 'eslint.config.mjs'))) as { default: Array<{ files?: string[]; rules?: Record<string, unknown> }> };
    const scoped = config.default.filter((c) => c.rules?.['sandbox/sandbox-imports']);
    assert.deepEqual(scoped.map((c) => c.files), [['workflows/**/*.ts']]);
  });
});
