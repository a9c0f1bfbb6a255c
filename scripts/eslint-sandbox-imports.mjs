// @ts-check
// An ESLint rule for workflows/: code there runs in Temporal's deterministic sandbox, bundled by
// webpack, so everything it imports at run time is bundled and run there too. Only these may be:
// the workflow SDK, other files under workflows/, and the sandbox-safe modules listed below (no
// imports of their own, no I/O). A type-only import is erased at compile time and is always fine:
// that is how workflows name the activities' and schemas' types.
import path from 'node:path';

/** Packages a workflow may import at run time. */
const SANDBOX_PACKAGES = ['@temporalio/workflow', '@temporalio/common'];

/** Files outside workflows/ that are sandbox-safe (relative to the repository root). */
const SANDBOX_SAFE_FILES = ['src/cxone/failures.ts'];

const root = path.resolve(import.meta.dirname, '..');
const workflowsDir = path.join(root, 'workflows');

/** Why an import is refused, or undefined when it is allowed. */
export function sandboxViolation(source, filename) {
  if (!source.startsWith('.')) {
    const allowed = SANDBOX_PACKAGES.some((p) => source === p || source.startsWith(`${p}/`));
    return allowed ? undefined : `'${source}' is not sandbox-safe: workflows/ may import only ${SANDBOX_PACKAGES.join(', ')}, files under workflows/ and ${SANDBOX_SAFE_FILES.join(', ')} (do I/O in an activity; use \`import type\` for types)`;
  }
  const target = path.resolve(path.dirname(filename), source);
  if (target === workflowsDir || target.startsWith(workflowsDir + path.sep)) return undefined;
  const relative = path.relative(root, target).split(path.sep).join('/');
  if (SANDBOX_SAFE_FILES.some((f) => f === relative || f === `${relative}.ts`)) return undefined;
  return `'${source}' (${relative}) is outside workflows/ and not on the sandbox-safe list (${SANDBOX_SAFE_FILES.join(', ')}): importing it bundles it and everything it imports into the workflow sandbox. Use \`import type\` for types, or move a pure definition into a sandbox-safe module and add it to scripts/eslint-sandbox-imports.mjs`;
}

/** @param {any} node an import/export declaration */
function typeOnly(node) {
  if (node.importKind === 'type' || node.exportKind === 'type') return true;
  const specifiers = node.specifiers ?? [];
  return specifiers.length > 0 && specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type');
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'workflows/ imports only sandbox-safe modules at run time' },
    schema: [],
  },
  create(context) {
    /** @param {any} node */
    const check = (node) => {
      if (!node.source || typeof node.source.value !== 'string' || typeOnly(node)) return;
      const message = sandboxViolation(node.source.value, context.filename);
      if (message) context.report({ node: node.source, message });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { 'sandbox-imports': rule } };
