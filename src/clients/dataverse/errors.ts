import { ApiError, AuthError, ConflictError, EntitySetMissingError, NotFoundError, ThrottledError, type BcsyncError } from '../../errors.js';
import { collectionEntitySet, oneLine, readServiceError, type ErrorAnswer } from '../service-error.js';

/**
 * The one place Dataverse answers become error classes (docs/protocols.md §5.1). `action` describes what we
 * tried, e.g. `PATCH accounts(…)`; the message's first line says what went wrong and what to do.
 */

const CONCURRENCY_VERSION_MISMATCH = '0x80060882';
const OBJECT_DOES_NOT_EXIST = '0x80040217';
/** DuplicateRecord, DuplicateRecordEntityKey. */
export const DUPLICATE_KEY_CODES: ReadonlySet<string> = new Set(['0x80040237', '0x80060892']);

export function toDataverseError(answer: ErrorAnswer, action: string): BcsyncError {
  const { code, message, requestId } = readServiceError(answer);
  const status = answer.status;
  const said = message ? ` Dataverse said: ${oneLine(message)}` : '';
  const tag = `${status}${code ? ` ${code}` : ''}`;
  switch (status) {
    case 401:
      return new AuthError(
        `Dataverse refused the access token for ${action} (${tag}): check that the app registration is an application user in this environment and that the Dataverse URL is right.${said}`,
        { status, serviceCode: code, requestId },
      );
    case 403:
      return new AuthError(
        `Dataverse denied ${action} (${tag}): give the application user a security role with the privileges for it.${said}`,
        { status, serviceCode: code, requestId },
      );
    case 404: {
      const entitySet = collectionEntitySet(answer.url);
      // ObjectDoesNotExist names a missing row (e.g. a bind target); anything else on a collection URL is a missing table.
      if (entitySet !== undefined && code !== OBJECT_DOES_NOT_EXIST) {
        return new EntitySetMissingError(
          `Dataverse has no table ${entitySet} (${tag}, ${action}): the entity set does not exist in this environment; install the solution that adds it or turn off the mapping that uses it.${said}`,
          'dataverse',
          status,
          code,
          requestId,
          entitySet,
        );
      }
      return new NotFoundError(
        `Dataverse found nothing for ${action} (${tag}): the record does not exist; check the id, or re-couple the record.${said}`,
        'dataverse',
        status,
        code,
        requestId,
      );
    }
    case 412: {
      const duplicate = (code !== undefined && DUPLICATE_KEY_CODES.has(code)) || /already exists/i.test(message ?? '');
      if (duplicate) {
        return new ConflictError(
          `Dataverse refused ${action} because a record with this key already exists (${tag}): update it instead, or couple to it.${said}`,
          'dataverse',
          status,
          code,
          requestId,
        );
      }
      return new ConflictError(
        `The record changed in Dataverse since it was read (${status} ${code ?? CONCURRENCY_VERSION_MISMATCH}, ${action}): read it again and re-apply the change.${said}`,
        'dataverse',
        status,
        code,
        requestId,
      );
    }
    case 413:
      return new ApiError(
        `Dataverse refused ${action} as too large (${tag}): lower the batch size or the page size.${said}`,
        'dataverse',
        status,
        code,
        requestId,
      );
    case 429:
      return new ThrottledError(
        `Dataverse kept throttling ${action} through every retry and wait the profile allows (${tag}): the next run tries again; to wait longer, raise limits.maxThrottleWaitMinutes in the profile (default 30), or run when the service is less busy.${said}`,
        'dataverse',
        status,
        code,
        requestId,
      );
    default:
      if (status >= 500) {
        return new ApiError(
          `Dataverse failed on ${action} (${tag}): the service had a problem; run again later.${said}`,
          'dataverse',
          status,
          code,
          requestId,
        );
      }
      return new ApiError(
        `Dataverse rejected ${action} (${tag}): fix the data or the mapping the message names.${said}`,
        'dataverse',
        status,
        code,
        requestId,
      );
  }
}
