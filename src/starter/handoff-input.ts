/**
 * The zod schema of `botHandoff`'s input. The starter validates every workflow input with it, so
 * the workflow can trust its typed input; the error lists every problem with its path.
 */
import { z } from 'zod';
import type { BotHandoffInput } from '../../workflows/definitions';

const HistoryEntrySchema = z.object({
  type: z.string(),
  author: z.string(),
  content: z.string(),
  timestamp: z.string(),
});

export const BotHandoffInputSchema = z.object({
  interactionId: z.string().min(1).max(200),
  conversationId: z.string().min(1).max(200),
  channel: z.string().min(1),
  trigger: z.object({
    kind: z.enum(['intent', 'low_confidence', 'user_request']),
    score: z.number().min(0).max(1).optional(),
  }),
  target: z.object({
    queueId: z.string().min(1),
    skillGroupId: z.string().min(1).optional(),
    priority: z.number().int().min(0).max(100).optional(),
  }),
  guest: z.record(z.string(), z.unknown()),
  history: z.array(HistoryEntrySchema).max(1000).optional(),
  options: z
    .object({
      retryAfterBudgetSeconds: z.number().int().min(0).max(3600).optional(),
      historyLimit: z.number().int().min(0).max(200).optional(),
      preflight: z.boolean().optional(),
    })
    .optional(),
}) satisfies z.ZodType<BotHandoffInput>;

/** One validation problem, as the webhook answers it. */
export interface InputIssue {
  path: string;
  message: string;
}

/** zod issues as `{path: 'a.b.0', message}`, every one of them. */
export function toIssues(error: z.ZodError): InputIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}
