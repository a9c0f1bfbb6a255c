/**
 * The `npm start -- --profile cxone` demo: escalations the way a CXone Studio script makes them
 * (its REST action posting to the webhook), against the simulator speaking NICE's published API —
 * escalations that reach an agent, Studio's automatic retries, a 429 without Retry-After, an
 * unknown skill, a skill without agents (a callback queued), a customer who leaves while waiting, a
 * voice call escalated by a signal to its script, and an agent assignment whose event is lost and
 * found by reading the contact. Same records and summary as the seed demo.
 */
import type { Client } from '@temporalio/client';
import type { ProfileCapabilities } from '../cxone/profile';
import type { SimControl } from '../sim/control-client';
import { handoffWorkflowId, type BotHandoffInput } from '../../workflows/definitions';
import { VOICE_KEY_PREFIX } from '../starter/escalation';
import { awaitHandoff, postWebhook, runWaves, untilWaiting, type DemoOptions } from './scenario';
import type { DemoRecord } from './summary';

export interface CxoneDemoOptions extends DemoOptions {
  /** The task queue, for the scenarios started directly (options no Studio body carries). */
  taskQueue: string;
  capabilities: ProfileCapabilities;
}

interface Scenario {
  name: string;
  via: 'studio' | 'workflow';
  skillId: number;
  /** Post the Studio body this many times (its REST action retries twice on failure). */
  posts?: number;
  /** A voice call (escalated by a signal to its script) instead of a digital contact. */
  voice?: boolean;
  /** Options for a direct start (via 'workflow'). */
  options?: BotHandoffInput['options'];
  /** Before the escalation, for this contact (its own paths only) or the simulator. */
  setup?: (control: SimControl, contactNumber: string) => Promise<unknown>;
  /** Once the handoff waits in queue. */
  whileWaiting?: (control: SimControl, contactNumber: string) => Promise<unknown>;
}

const TECH = 4120001;
const NIGHT = 4120003;

const CONCURRENT: Scenario[] = [
  ...Array.from({ length: 4 }, (_, i): Scenario => ({ name: `Studio escalation #${i + 1}`, via: 'studio', skillId: TECH })),
  { name: "Studio's retries (posted 3 times)", via: 'studio', skillId: TECH, posts: 3 },
  {
    name: '429 without Retry-After on the transfer',
    via: 'studio',
    skillId: TECH,
    setup: (control, n) => control.addFault({ method: 'PUT', path: `/dfo/3.0/contacts/${n}/routing-queue`, status: 429, times: 1 }),
  },
  { name: 'unknown skill (400)', via: 'studio', skillId: 999999 },
  { name: 'no agents on the skill → callback', via: 'workflow', skillId: NIGHT, options: { preflight: true } },
  { name: 'customer leaves while waiting', via: 'studio', skillId: NIGHT, whileWaiting: (control, n) => control.closeContact(n) },
  { name: 'voice call escalated by a signal', via: 'studio', skillId: TECH, voice: true },
];

/** One at a time: losing "the next events" of the hub must hit this handoff's only. */
const SEQUENTIAL: Scenario[] = [
  {
    name: 'agent event lost, found by polling',
    via: 'workflow',
    skillId: TECH,
    options: { holdUpdateIntervalSeconds: 4 },
    // Every event of this handoff's (queued, message added, agent assigned): it runs alone.
    setup: (control) => control.eventHub({ loseNext: 20 }),
  },
];

/** Every scenario of the cxone demo. */
export const CXONE_DEMO_SIZE = CONCURRENT.length + SEQUENTIAL.length;

export function runCxoneDemo(opts: CxoneDemoOptions): Promise<DemoRecord[]> {
  return runWaves({ concurrent: CONCURRENT, sequential: SEQUENTIAL, run: (s) => runOne(s, opts), afterEach: () => opts.control.eventHub({ loseNext: 0 }), onProgress: opts.onProgress });
}

async function runOne(s: Scenario, opts: CxoneDemoOptions): Promise<DemoRecord> {
  let contactNumber = '';
  try {
    const created = await opts.control.createContact(
      s.voice
        ? { channel: 'voice' }
        : {
            messages: [
              { direction: 'inbound', text: 'My router keeps dropping the connection' },
              { direction: 'outbound', text: 'Have you tried restarting it?' },
              { direction: 'inbound', text: 'Yes, twice. I want to talk to a person.' },
            ],
          },
    );
    // The handoff's key: the contact number, or for a voice call `voice-<ACD contact id>`.
    contactNumber = (s.voice ? `${VOICE_KEY_PREFIX}${created.contactId}` : created.contactNumber) ?? '';
    if (!contactNumber) throw new Error('the simulator made no contact');
    await s.setup?.(opts.control, contactNumber);
    if (s.via === 'studio') {
      const who = s.voice ? { channel: 'voice', contactId: created.contactId } : { contactNumber };
      await postWebhook(opts, { ...who, skillId: s.skillId, reason: 'user_request', botConfidence: 0.31, language: 'en-US', phoneNumber: '+15551234567' }, s.posts ?? 1);
    } else {
      await startDirect(opts.temporal, opts, contactNumber, s);
    }
    if (s.whileWaiting) {
      await untilWaiting(opts, contactNumber);
      await s.whileWaiting(opts.control, contactNumber);
    }
    const result = await awaitHandoff(opts, contactNumber);
    return { interactionId: contactNumber, via: s.via, scenario: s.name, outcome: result.outcome, fallbackAction: result.fallbackAction, latencyMs: result.latencyMs };
  } catch (err) {
    return { interactionId: contactNumber || '(no contact)', via: s.via, scenario: s.name, lost: (err as Error).message };
  }
}

/** What the starter would start for a Studio body, plus options no Studio body carries. */
function startDirect(temporal: Client, opts: CxoneDemoOptions, contactNumber: string, s: Scenario) {
  const input: BotHandoffInput = {
    interactionId: contactNumber,
    conversationId: contactNumber,
    channel: 'digital',
    trigger: { kind: 'user_request', score: 0.31 },
    target: { queueId: String(s.skillId) },
    guest: { source: 'demo', language: 'en-US', phoneNumber: '+15551234567' },
    capabilities: opts.capabilities,
    ...(s.options ? { options: s.options } : {}),
  };
  return temporal.workflow.start('botHandoff', { taskQueue: opts.taskQueue, workflowId: handoffWorkflowId(contactNumber), args: [input] });
}
