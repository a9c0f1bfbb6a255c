/**
 * Child process of workflow-bundle.ts: bundles workflows/ with the given options and writes the
 * code to the file named by argv[2]. Run apart so webpack never loads into a worker process.
 */
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';

async function main(): Promise<void> {
  const [outFile, json] = process.argv.slice(2);
  if (!outFile || !json) throw new Error('usage: bundle-child <out file> <options json>');
  const opts = JSON.parse(json) as { workflowsPath: string; workflowInterceptorModules?: string[]; failureConverterPath?: string; payloadConverterPath?: string };
  const quiet = { trace() {}, debug() {}, info() {}, warn: (m: string) => process.stderr.write(`${m}\n`), error: (m: string) => process.stderr.write(`${m}\n`) };
  const { code } = await bundleWorkflowCode({ ...opts, logger: quiet as never });
  await writeFile(outFile, code);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
