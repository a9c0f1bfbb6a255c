/**
 * The ACD endpoints (`/inContactAPI/services/vNN.0`, shared/CXONE-API.md §3): a skill's real-time
 * activity, agent states, queue callbacks and the signal that escalates a voice bot. Callbacks
 * and signals are recorded and never deduplicated. A request that does not accept JSON gets 406
 * with the text real clients report ("No known way to render data").
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isRecord, ok, type HandlerResult, type RequestContext } from '../http-util';
import type { CxoneSim } from './sim';
import type { CxoneSkillState } from './types';
import { skillAgents } from './users';
import { oauthReject } from './wire';
import type { DigitalContact } from './world';

/** Most agent states one page of `GET /agents/states` holds. */
export const MAX_TOP = 100;
/** The team every simulated agent belongs to. */
const TEAM_ID = 4600201;
/** CXone's media type of digital (chat) skills. */
const DIGITAL_MEDIA_TYPE = 9;

/** The 406 for a request whose `Accept` rules out JSON (a missing header included); `undefined` when fine. */
export function notAcceptable(headers: IncomingHttpHeaders): HandlerResult | undefined {
  const accepted = (headers.accept ?? '').split(',').map((part) => part.split(';')[0]?.trim().toLowerCase());
  if (accepted.some((type) => type === 'application/json' || type === '*/*' || type === 'application/*')) return undefined;
  return { status: 406, body: 'No known way to render data', contentType: 'text/plain; charset=utf-8' };
}

/** ACD handlers bound to one simulator. */
export function acdHandlers(cx: CxoneSim) {
  const intParam = (name: string, raw: string | null | undefined): number => {
    const n = Number(raw);
    return raw && /^\d+$/.test(raw) && Number.isSafeInteger(n) ? n : oauthReject(400, 'invalid_request', `${name} must be an integer (got ${JSON.stringify(raw ?? null)})`);
  };
  const mustFindSkill = (skillId: number): CxoneSkillState => cx.world.skills.get(skillId) ?? oauthReject(404, 'not_found', `skill ${skillId} not found`);

  return {
    /** `GET /skills/{skillId}/activity`. */
    skillActivity(ctx: RequestContext): HandlerResult {
      const skill = mustFindSkill(intParam('skillId', ctx.params.skillId));
      const waiting = cx.world.waitingIn(skill);
      const voiceQueued = cx.world.voiceQueuedOn(skill.skillId);
      const assigned = cx.world.assignedIn(skill);
      const agentsWorking = Math.min(skill.agentsAvailable, new Set(assigned.map((c) => c.contact.inboxAssigneeUser?.id)).size);
      const queueCount = waiting.length + voiceQueued.length;
      const earliest = waiting[0]?.routing.filter((r) => r.applied).at(-1)?.at ?? null;
      return ok({
        lastPollTime: new Date().toISOString(),
        skillActivity: [
          {
            skillId: skill.skillId,
            skillName: skill.name,
            agentsAvailable: skill.agentsAvailable,
            agentsLoggedIn: skill.agentsAvailable,
            agentsUnavailable: 0,
            agentsWorking,
            agentsACW: 0,
            agentsIdle: skill.agentsAvailable - agentsWorking,
            queueCount,
            skillQueueCount: queueCount,
            personalQueueCount: 0,
            earliestQueueTime: earliest,
            serviceLevel: 100,
            serviceLevelGoal: 80,
            contactsActive: queueCount + assigned.length,
            isActive: true,
            mediaTypeId: DIGITAL_MEDIA_TYPE,
          },
        ],
      });
    },

    /** `GET /agents/states?top=&skip=`: every skill's agents, `Available`, with the contacts they hold. */
    agentStates(ctx: RequestContext): HandlerResult {
      const top = Math.min(MAX_TOP, ctx.query.has('top') ? intParam('top', ctx.query.get('top')) : MAX_TOP);
      const skip = ctx.query.has('skip') ? intParam('skip', ctx.query.get('skip')) : 0;
      const held = new Map<number, DigitalContact[]>();
      for (const skill of cx.world.skills.values()) {
        for (const c of cx.world.assignedIn(skill)) {
          const id = c.contact.inboxAssigneeUser?.id ?? 0;
          held.set(id, [...(held.get(id) ?? []), c]);
        }
      }
      const states = [...cx.world.skills.values()].flatMap((skill) =>
        skillAgents(skill).map((agent) => {
          const contacts = held.get(agent.id) ?? [];
          return {
            agentId: agent.id,
            agentStateName: 'Available',
            skillId: skill.skillId,
            contactId: contacts.at(-1)?.contact.contactId ?? null,
            isACW: false,
            openContacts: contacts.length,
            teamId: TEAM_ID,
          };
        }),
      );
      return ok({ totalRecords: states.length, lastPollTime: new Date().toISOString(), agentStates: states.slice(skip, skip + top) });
    },

    /** `POST /queuecallback?phoneNumber=&skill=…`: parameters from the query string; 202, recorded. */
    queueCallback(ctx: RequestContext): HandlerResult {
      const phoneNumber = ctx.query.get('phoneNumber');
      if (!phoneNumber || !/^\+?\d{4,20}$/.test(phoneNumber)) oauthReject(400, 'invalid_request', `phoneNumber must be a phone number (got ${JSON.stringify(phoneNumber)})`);
      const skill = mustFindSkill(intParam('skill', ctx.query.get('skill'))).skillId;
      cx.world.callbacks.push({ phoneNumber, skill, at: new Date().toISOString(), parameters: Object.fromEntries(ctx.query) });
      return { status: 202 };
    },

    /**
     * `POST /interactions/{contactId}/signal`: `p1`…`p9` from the query string and a JSON body (the
     * body wins); 202, recorded. `p1=Escalate, p2=<skillId>` queues a voice contact on that skill.
     */
    signal(ctx: RequestContext): HandlerResult {
      const contactId = ctx.params.contactId ?? '';
      if (ctx.body !== undefined && !isRecord(ctx.body)) oauthReject(400, 'invalid_request', 'the body must be a JSON object of p1…p9');
      const params = { ...signalParams(Object.fromEntries(ctx.query)), ...signalParams(ctx.body ?? {}) };
      if (!cx.world.acdContactLive(contactId)) oauthReject(404, 'not_found', `contact ${contactId} not found or ended`);
      cx.world.signals.push({ contactId, params, at: new Date().toISOString() });
      const voice = cx.world.voiceContacts.get(contactId);
      const skillId = Number(params.p2);
      if (voice && params.p1 === 'Escalate' && Number.isInteger(skillId)) Object.assign(voice, { state: 'queued', skillId });
      cx.core.logger.info('sim signal', { contactId, p1: params.p1 });
      return { status: 202 };
    },
  };
}

/** The `p1`…`p9` of a query string or body as strings; `p10` and above are refused, other keys ignored. */
function signalParams(source: Record<string, unknown>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    const m = /^p(\d+)$/.exec(key);
    if (!m) continue;
    const n = Number(m[1]);
    if (n < 1 || n > 9) oauthReject(400, 'invalid_request', `${key}: a signal takes at most nine parameters, p1…p9`);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') oauthReject(400, 'invalid_request', `${key} must be a string`);
    params[key] = String(value);
  }
  return params;
}
