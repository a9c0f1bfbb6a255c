/**
 * Profile `cxone`'s in-memory world: digital (DFO) contacts with their messages and routing,
 * voice (ACD) contacts, skills with their routing queues, and what the ACD endpoints recorded.
 * Nothing here knows HTTP; the handlers in dfo.ts and acd.ts read and change it.
 */
import { randomUUID } from 'node:crypto';
import type {
  CallbackRecord,
  CxoneMessageInput,
  CxoneSkillState,
  DfoContact,
  DfoContactStatus,
  DfoIdentity,
  DfoMessage,
  DfoProficiency,
  DfoUser,
  RoutingRecord,
  SignalRecord,
  SubscriptionRecord,
  VoiceContactState,
} from './types';
import { SIM_AGENT_USER, SIM_BOT_USER } from './users';

/** The seven statuses of a DFO contact. */
export const DFO_STATUSES = ['new', 'open', 'pending', 'escalated', 'resolved', 'closed', 'trashed'] as const satisfies readonly DfoContactStatus[];

/** Statuses after which a contact can no longer be routed and its ACD contact has ended. */
export const TERMINAL_STATUSES: ReadonlySet<DfoContactStatus> = new Set<DfoContactStatus>(['resolved', 'closed', 'trashed']);

/** A digital contact and what the simulator keeps beside it. */
export interface DigitalContact {
  /** Exactly what `GET /contacts/{n}` returns, changed in place. */
  contact: DfoContact;
  messages: DfoMessage[];
  routing: RoutingRecord[];
  proficiency: DfoProficiency | null;
}

/** Input for `CxoneWorld.addDigitalContact`; absent ids are generated. */
export interface NewDigitalContact {
  contactNumber?: string;
  contactId?: string;
  interactionId?: string;
  channelId: string;
  threadIdOnExternalPlatform?: string;
  status: DfoContactStatus;
  inboxAssigneeUser: DfoUser | null;
  routingQueueId: string | null;
  endUser: DfoIdentity;
  messages: Array<Required<CxoneMessageInput>>;
}

/** ISO time with whole seconds, as DFO's `createdAt` fields. */
export function isoSeconds(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The mutable world; a reset replaces it with a fresh one from fixtures.ts. */
export class CxoneWorld {
  readonly contacts = new Map<string, DigitalContact>();
  readonly voiceContacts = new Map<string, VoiceContactState>();
  readonly skills = new Map<number, CxoneSkillState>();
  readonly channels = new Set<string>();
  readonly callbacks: CallbackRecord[] = [];
  readonly signals: SignalRecord[] = [];
  readonly subscriptions: SubscriptionRecord[] = [];
  private nextContactNumber = 127035285502;
  private nextContactId = 600000123457;

  constructor(readonly customFieldIdents: readonly string[]) {}

  /** Add a digital contact (and its ACD contact id); the caller checked that given ids are free. */
  addDigitalContact(input: NewDigitalContact): DigitalContact {
    const id = input.contactNumber ?? String(this.nextContactNumber++);
    const contactId = input.contactId ?? String(this.nextContactId++);
    const endAt = Date.now();
    const createdAt = isoSeconds(endAt - (input.messages.length + 1) * 15_000);
    const contact: DfoContact = {
      id,
      contactId,
      interactionId: input.interactionId ?? randomUUID(),
      channelId: input.channelId,
      threadId: `${id}-thread`,
      threadIdOnExternalPlatform: input.threadIdOnExternalPlatform ?? `thread-${id}`,
      status: input.status,
      statusUpdatedAt: createdAt,
      createdAt,
      direction: 'inbound',
      routingQueueId: input.routingQueueId,
      routingQueuePriority: 0,
      inboxAssigneeUser: input.inboxAssigneeUser,
      customFields: [],
      endUser: { id: `enduser-${input.endUser.idOnExternalPlatform}`, identities: [{ ...input.endUser }] },
      recipients: [{ idOnExternalPlatform: input.endUser.idOnExternalPlatform, name: input.endUser.fullName, isPrimary: true, isPrivate: false }],
    };
    // Spread 15 s apart and ending now, so timestamps read like a real chat.
    const messages = input.messages.map((m, i) =>
      buildMessage(id, m.direction, m.text, authorOf(m.author, input.endUser), endAt - (input.messages.length - i) * 15_000, `${id}-m${i + 1}`),
    );
    const record: DigitalContact = { contact, messages, routing: [], proficiency: null };
    this.contacts.set(id, record);
    return record;
  }

  /** Add a voice contact, in `skillId` (or none). */
  addVoiceContact(skillId: number | null): VoiceContactState {
    const voice: VoiceContactState = { contactId: String(this.nextContactId++), interactionId: randomUUID(), state: 'active', skillId };
    this.voiceContacts.set(voice.contactId, voice);
    return voice;
  }

  /** The contact on a channel whose thread is `threadIdOnExternalPlatform`, if any. */
  byThread(channelId: string, threadIdOnExternalPlatform: string): DigitalContact | undefined {
    for (const c of this.contacts.values()) {
      if (c.contact.channelId === channelId && c.contact.threadIdOnExternalPlatform === threadIdOnExternalPlatform) return c;
    }
    return undefined;
  }

  /** The skill owning a routing queue, if any. */
  skillOfQueue(routingQueueId: string | null): CxoneSkillState | undefined {
    for (const s of this.skills.values()) if (s.routingQueueId === routingQueueId) return s;
    return undefined;
  }

  /** Digital contacts waiting in a skill's queue (routed there, nobody assigned, not ended), oldest routing first. */
  waitingIn(skill: CxoneSkillState): DigitalContact[] {
    const routedAt = (c: DigitalContact) => c.routing.filter((r) => r.applied).at(-1)?.at ?? c.contact.createdAt;
    return [...this.contacts.values()]
      .filter((c) => c.contact.routingQueueId === skill.routingQueueId && c.contact.inboxAssigneeUser === null && !TERMINAL_STATUSES.has(c.contact.status))
      .sort((a, b) => routedAt(a).localeCompare(routedAt(b)));
  }

  /** Digital contacts of a skill's queue a human agent holds (not ended). */
  assignedIn(skill: CxoneSkillState): DigitalContact[] {
    return [...this.contacts.values()].filter(
      (c) => c.contact.routingQueueId === skill.routingQueueId && isHuman(c.contact.inboxAssigneeUser) && !TERMINAL_STATUSES.has(c.contact.status),
    );
  }

  /** Voice contacts queued on a skill by an escalation signal. */
  voiceQueuedOn(skillId: number): VoiceContactState[] {
    return [...this.voiceContacts.values()].filter((v) => v.state === 'queued' && v.skillId === skillId);
  }

  /** Whether an ACD contact id names a contact still going (voice, or a digital contact's). */
  acdContactLive(contactId: string): boolean {
    const voice = this.voiceContacts.get(contactId);
    if (voice) return voice.state !== 'ended';
    for (const c of this.contacts.values()) if (c.contact.contactId === contactId) return !TERMINAL_STATUSES.has(c.contact.status);
    return false;
  }
}

/** Whether an inbox assignee is a human agent (not the bot, not nobody). */
export function isHuman(user: DfoUser | null): user is DfoUser {
  return user !== null && !user.isBotUser;
}

/** A TEXT message of a contact. */
export function buildMessage(contactNumber: string, direction: DfoMessage['direction'], text: string, author: DfoUser | DfoIdentity, at = Date.now(), id: string = randomUUID()): DfoMessage {
  return {
    id,
    direction,
    createdAtWithMilliseconds: new Date(at).toISOString(),
    messageContent: { type: 'TEXT', payload: { text } },
    ...('isBotUser' in author ? { authorUser: { ...author } } : { authorEndUserIdentity: { ...author } }),
    contactNumber,
  };
}

function authorOf(author: CxoneMessageInput['author'], endUser: DfoIdentity): DfoUser | DfoIdentity {
  if (author === 'customer') return endUser;
  return author === 'agent' ? SIM_AGENT_USER : SIM_BOT_USER;
}
