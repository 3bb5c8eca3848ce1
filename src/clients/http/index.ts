export {
  HttpTransport,
  apiLabel,
  defaultIdempotent,
  defaultMaxInFlight,
  type AuthHook,
  type HttpMethod,
  type HttpRequest,
  type HttpResponse,
  type HttpTransportOptions,
  type QueryInput,
  type RequestEvent,
  type RequestKind,
  type StatusClass,
  type TransportStats,
} from './transport.js';
export {
  backoffDelay,
  classifyNetworkError,
  classifyStatus,
  defaultRetryPolicy,
  isRetryableStatus,
  parseRetryAfter,
  type NetworkVerdict,
  type ResponseVerdict,
  type RetryPolicy,
} from './retry.js';
export { MASK, maskBody, maskHeaders, maskKnownSecrets, maskUrl } from './mask.js';
export { Semaphore } from './semaphore.js';
export {
  JsonRequester,
  checkLimit,
  listArguments,
  type ClientConnectionOptions,
  type CollectionRead,
  type JsonRequest,
  type JsonRequesterOptions,
  type ListOptions,
} from './json-request.js';
