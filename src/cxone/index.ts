/**
 * Public surface of the CXone layer. Activities, the starter and `doctor` import from here;
 * workflows import only `./failures` (it has no I/O and is safe in the sandbox).
 */
export { TokenCache, DEFAULT_REFRESH_BEFORE_EXPIRY_MS, type TokenCacheOptions, type FetchedToken } from './auth';
export {
  CxoneClient,
  type CxoneClientOptions,
  type CallOptions,
  type MutationOptions,
  type FetchAllMessagesInput,
  type FetchAllMessagesResult,
} from './client';
export { cxoneConfigFromEnv, type CxoneConfig } from './config';
export { ConfigError } from '../config-error';
export { SEED_PROFILE, PROFILES, resolvePath, type EndpointName, type SeedEndpointName, type EndpointSpec, type EndpointProfile, type HttpMethod } from './endpoints';
export {
  CxoneAuthError,
  CxoneHttpError,
  CxoneNetworkError,
  CxoneSchemaError,
  BODY_EXCERPT_MAX,
  bodyExcerpt,
  parseRetryAfter,
  toApplicationFailure,
  type CxoneError,
  type CxoneCallContext,
  type CxoneSchemaIssue,
} from './errors';
export { CxoneFailure, NON_RETRYABLE_FAILURES, type CxoneFailureType, type CxoneFailureDetails } from './failures';
export { CxoneHttp, TIMEOUTS_MS, type CxoneHttpOptions, type CxoneHttpRequest, type CxoneResponseEvent, type TimeoutClass } from './http';
export * from './schemas';
