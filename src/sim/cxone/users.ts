/**
 * The users of the simulated tenant, in DFO's user shape: the API user the access keys log in
 * as, the virtual agent (bot) and the human agents of each skill.
 */
import type { CxoneSkillState, DfoUser } from './types';

/** The API user every access key logs in as: `userId` of the tokens, author of outbound messages. */
export const SIM_API_USER: DfoUser = {
  id: 4600101,
  incontactId: '11eb0a40-0000-4000-8000-00000000a001',
  firstName: 'Handoff',
  surname: 'Service',
  emailAddress: 'handoff-api@sim.example',
  loginUsername: 'handoff-api@sim.example',
  isBotUser: false,
  isSurveyUser: false,
};

/** The virtual agent that owns a contact until it is routed to a skill. */
export const SIM_BOT_USER: DfoUser = {
  id: 4600102,
  incontactId: '11eb0a40-0000-4000-8000-00000000b0b1',
  firstName: 'Virtual',
  surname: 'Agent',
  emailAddress: 'virtual.agent@sim.example',
  loginUsername: 'virtual.agent@sim.example',
  isBotUser: true,
  isSurveyUser: false,
};

/** A human agent for messages `POST /_sim/contacts` attributes to "an agent". */
export const SIM_AGENT_USER: DfoUser = {
  id: 4600103,
  incontactId: '11eb0a40-0000-4000-8000-00000000a9e1',
  firstName: 'Ava',
  surname: 'Agent',
  emailAddress: 'ava.agent@sim.example',
  loginUsername: 'ava.agent@sim.example',
  isBotUser: false,
  isSurveyUser: false,
};

const AGENT_FIRST_NAMES = ['Ava', 'Ben', 'Chloe', 'Dev', 'Elena', 'Felix', 'Grace', 'Hugo'];

/** The human agents of a skill, one per available agent (Ava Agent first); stable ids per skill. */
export function skillAgents(skill: Pick<CxoneSkillState, 'skillId' | 'agentsAvailable'>): DfoUser[] {
  return Array.from({ length: skill.agentsAvailable }, (_, k) => {
    const id = skill.skillId * 100 + k + 1;
    const firstName = AGENT_FIRST_NAMES[k % AGENT_FIRST_NAMES.length] ?? 'Agent';
    const login = `${firstName.toLowerCase()}.agent.${id}@sim.example`;
    return {
      id,
      incontactId: `00000000-0000-4000-a000-${String(id).padStart(12, '0')}`,
      firstName,
      surname: 'Agent',
      emailAddress: login,
      loginUsername: login,
      isBotUser: false,
      isSurveyUser: false,
    };
  });
}
