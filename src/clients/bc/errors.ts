import { ApiError, AuthError, ConflictError, EntitySetMissingError, NotFoundError, ThrottledError, type BcsyncError } from '../../errors.js';
import { collectionEntitySet, oneLine, readServiceError, type ErrorAnswer } from '../service-error.js';

/**
 * The one place Business Central answers become error classes (docs/protocols.md §5.3). Codes are
 * `<Category>_<Name>`; messages end with a CorrelationId, which becomes the request id when no header has one.
 */

const NOT_FOUND_CODES = new Set(['Internal_RecordNotFound', 'Internal_CompanyNotFound']);

export function toBcError(answer: ErrorAnswer, action: string): BcsyncError {
  const { code, message, requestId } = readServiceError(answer);
  const status = answer.status;
  const said = message ? ` Business Central said: ${oneLine(message)}` : '';
  const tag = `${status}${code ? ` ${code}` : ''}`;

  if (status === 401) {
    return new AuthError(
      `Business Central refused the access token for ${action} (${tag}): register the app on the "Microsoft Entra Applications" page in Business Central and check the tenant and environment.${said}`,
      { status, serviceCode: code, requestId },
    );
  }
  if (status === 403) {
    return new AuthError(
      `Business Central denied ${action} (${tag}): give the Entra application permission sets that allow it.${said}`,
      { status, serviceCode: code, requestId },
    );
  }
  if (code === 'Internal_EntityWithSameKeyExists') {
    return new ConflictError(
      `Business Central refused ${action} because a record with this key already exists (${tag}): update it instead, or couple to it.${said}`,
      'bc',
      status,
      code,
      requestId,
    );
  }
  if (status === 409 || status === 412 || code === 'Request_EntityChanged') {
    return new ConflictError(
      `The record changed in Business Central since it was read (${tag}, ${action}): read it again and re-apply the change.${said}`,
      'bc',
      status,
      code,
      requestId,
    );
  }
  if (code === 'BadRequest_InvalidToken') {
    return new ApiError(
      `Business Central refused ${action} without a valid If-Match (${tag}): send the record's @odata.etag (or "*").${said}`,
      'bc',
      status,
      code,
      requestId,
    );
  }
  if (code === 'Internal_CompanyNotFound') {
    return new NotFoundError(
      `Business Central has no such company (${tag}, ${action}): check the company id in the profile.${said}`,
      'bc',
      status,
      code,
      requestId,
    );
  }
  const entitySet = collectionEntitySet(answer.url);
  if (status === 404 && (code === 'BadRequest_ResourceNotFound' || (entitySet !== undefined && !(code !== undefined && NOT_FOUND_CODES.has(code))))) {
    const name = entitySet ?? 'this endpoint';
    const custom = answer.url?.includes('/bcsync/integration/v1.0') === true;
    const fix = custom
      ? 'install the bcsync companion extension (bc-extension/README.md) in this environment, then run "bcsync doctor"'
      : 'check the environment name and the API version in the profile\'s Business Central URL';
    return new EntitySetMissingError(
      `Business Central has no entity set ${name} (${tag}, ${action}): the API endpoint does not exist here; ${fix}.${said}`,
      'bc',
      status,
      code,
      requestId,
      name,
    );
  }
  if (status === 404 || (code !== undefined && NOT_FOUND_CODES.has(code))) {
    return new NotFoundError(
      `Business Central found nothing for ${action} (${tag}): the record does not exist; check the id, or re-couple the record.${said}`,
      'bc',
      status,
      code,
      requestId,
    );
  }
  if (status === 413) {
    return new ApiError(
      `Business Central refused ${action} as too large (${tag}): lower the page size (at most 20,000) or the request size.${said}`,
      'bc',
      status,
      code,
      requestId,
    );
  }
  if (status === 429) {
    return new ThrottledError(
      `Business Central kept throttling ${action} through every retry and wait the profile allows (${tag}): the next run tries again; to wait longer, raise limits.maxThrottleWaitMinutes in the profile (default 30), or run when the service is less busy.${said}`,
      'bc',
      status,
      code,
      requestId,
    );
  }
  if (status >= 500 || status === 408) {
    return new ApiError(
      `Business Central failed on ${action} (${tag}): the service had a problem or timed out; run again later, with smaller batches if it persists.${said}`,
      'bc',
      status,
      code,
      requestId,
    );
  }
  return new ApiError(
    `Business Central rejected ${action} (${tag}): fix the data or the mapping the message names.${said}`,
    'bc',
    status,
    code,
    requestId,
  );
}
