/**
 * Profile `cxone`: the paths of NICE CXone's published APIs (shared/CXONE-API.md §7) that the
 * handoff calls. The client resolves them here and the simulator (`handoff sim --profile cxone`)
 * serves them from here, so the two can never drift apart.
 *
 * Bases, each discovered at run time (never static configuration):
 *   issuer — `CXONE_ISSUER` (https://cxone.niceincontact.com): OpenID discovery and the token endpoint
 *   iss    — the `iss` claim of the id token: `cxone-configuration` (the tenant's API host)
 *   dfo    — Digital Engagement: `CXONE_DFO_BASE_URL`, default `{api_endpoint}/dfo/3.0`
 *   acd    — ACD / Admin / Real-time: `{api_endpoint}/inContactAPI/services/{CXONE_ACD_API_VERSION}`
 */
import type { EndpointSpec } from '../endpoints';

/** Every call the `cxone` profile makes. */
export type CxoneEndpointName =
  | 'discovery'
  | 'tenantConfiguration'
  | 'token'
  | 'getContact'
  | 'listContactMessages'
  | 'customFieldDefinitions'
  | 'setCustomFields'
  | 'updateContact'
  | 'setRoutingQueue'
  | 'sendOutbound'
  | 'eventHubUrl'
  | 'eventHubSubscribe'
  | 'skillActivity'
  | 'queueCallback'
  | 'signal';

/** The `cxone` profile's endpoint table. `token` is a placeholder path: its URL comes from discovery. */
export const CXONE_ENDPOINTS: Record<CxoneEndpointName, EndpointSpec> = {
  discovery: { method: 'GET', base: 'issuer', path: '/.well-known/openid-configuration', seed: 'CXONE-API §1', timeout: 'token', mutating: false },
  tenantConfiguration: { method: 'GET', base: 'iss', path: '/.well-known/cxone-configuration', seed: 'CXONE-API §1', timeout: 'token', mutating: false },
  token: { method: 'POST', base: 'issuer', path: '/auth/token', seed: 'CXONE-API §1', timeout: 'token', mutating: false },
  getContact: { method: 'GET', base: 'dfo', path: '/contacts/{contactNumber}', seed: 'CXONE-API §2', timeout: 'read', mutating: false },
  listContactMessages: { method: 'GET', base: 'dfo', path: '/contacts/{contactNumber}/messages', seed: 'CXONE-API §2', timeout: 'read', mutating: false },
  customFieldDefinitions: { method: 'GET', base: 'dfo', path: '/contacts/custom-field-definitions', seed: 'CXONE-API §2', timeout: 'read', mutating: false },
  setCustomFields: { method: 'PUT', base: 'dfo', path: '/contacts/{contactNumber}/custom-fields', seed: 'CXONE-API §2', timeout: 'mutation', mutating: true },
  updateContact: { method: 'PUT', base: 'dfo', path: '/contacts/{contactNumber}', seed: 'CXONE-API §2', timeout: 'mutation', mutating: true },
  setRoutingQueue: { method: 'PUT', base: 'dfo', path: '/contacts/{contactNumber}/routing-queue', seed: 'CXONE-API §2', timeout: 'transfer', mutating: true },
  sendOutbound: { method: 'POST', base: 'dfo', path: '/channels/{channelId}/outbound', seed: 'CXONE-API §2', timeout: 'mutation', mutating: true },
  eventHubUrl: { method: 'GET', base: 'dfo', path: '/event-hub-url', seed: 'CXONE-API §2', timeout: 'read', mutating: false },
  eventHubSubscribe: { method: 'POST', base: 'dfo', path: '/event-hub-subscriptions', seed: 'CXONE-API §2', timeout: 'mutation', mutating: false },
  skillActivity: { method: 'GET', base: 'acd', path: '/skills/{skillId}/activity', seed: 'CXONE-API §3', timeout: 'read', mutating: false },
  queueCallback: { method: 'POST', base: 'acd', path: '/queuecallback', seed: 'CXONE-API §3', timeout: 'mutation', mutating: true },
  signal: { method: 'POST', base: 'acd', path: '/interactions/{contactId}/signal', seed: 'CXONE-API §3', timeout: 'mutation', mutating: true },
};
