/**
 * Dataverse errors as the Web API answers them: an HTTP status plus `{error:{code,message}}`,
 * where `code` is the platform's hex code (docs/protocols.md §5.1).
 */
export class DvError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DvError';
  }
}

export const DvCodes = {
  /** OData-level problems (bad query option, unknown property in $select/$filter, batch framing). */
  odata: '0x0',
  objectDoesNotExist: '0x80040217',
  duplicateRecord: '0x80040237',
  invalidArgument: '0x80040203',
  concurrencyVersionMismatch: '0x80060882',
  payloadError: '0x80048d19',
  validationError: '0x80044331',
  resourceNotFound: '0x8006088a',
  duplicateProductPriceLevel: '0x80043b08',
  expandRefOnCollection: '0x80060888',
  unauthorized: '0x80072560',
  rateLimited: '0x80072322',
  executionTimeLimited: '0x80072321',
  concurrencyLimited: '0x80072326',
  unavailable: '0x80040216',
  notSupported: '0x80040800',
} as const;

/**
 * The longest URL the service takes (docs/protocols.md §2.9): 32 KB as a request of its own, 64 KB as a request
 * inside a `$batch`, counted as characters of the whole URL (scheme, host, path and query).
 */
export const MAX_URL_LENGTH = 32_768;
export const MAX_URL_LENGTH_IN_BATCH = 65_536;

/**
 * A URL beyond the limit. Microsoft documents the limits, not the answer: the emulator answers HTTP's own
 * 414 URI Too Long, with the usual error body.
 */
export function urlTooLong(length: number, limit: number, inBatch: boolean): DvError {
  const where = inBatch ? 'a request inside a $batch' : 'a request';
  return new DvError(414, DvCodes.odata, `The request URL is too long: ${length} characters, and ${where} may have at most ${limit}.`);
}

export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** Wraps an OData payload problem the way the service does (entity set named, inner ODataException text kept). */
export function payloadError(entitySet: string, inner: string): DvError {
  return new DvError(
    400,
    DvCodes.payloadError,
    `Error identified in Payload provided by the user for Entity :'${entitySet}', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ----> InnerException : Microsoft.OData.ODataException: ${inner}`,
  );
}

export function unknownPropertyInPayload(entitySet: string, logicalName: string, property: string): DvError {
  return payloadError(
    entitySet,
    `The property '${property}' does not exist on type 'Microsoft.Dynamics.CRM.${logicalName}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
  );
}

export function unknownNavigationInPayload(entitySet: string, property: string): DvError {
  return payloadError(
    entitySet,
    `An undeclared property '${property}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`,
  );
}

export function propertyNotFound(logicalName: string, property: string): DvError {
  return new DvError(400, DvCodes.odata, `Could not find a property named '${property}' on type 'Microsoft.Dynamics.CRM.${logicalName}'.`);
}

export function recordNotFound(logicalName: string, id: string): DvError {
  return new DvError(404, DvCodes.objectDoesNotExist, `${logicalName} With Id = ${id} Does Not Exist`);
}

export function segmentNotFound(segment: string): DvError {
  return new DvError(404, DvCodes.resourceNotFound, `Resource not found for the segment '${segment}'.`);
}

export function badRequest(message: string, code: string = DvCodes.odata): DvError {
  return new DvError(400, code, message);
}

export function invalidArgument(message: string): DvError {
  return new DvError(400, DvCodes.invalidArgument, message);
}

export function validationError(message: string): DvError {
  return new DvError(400, DvCodes.validationError, `A validation error occurred.  ${message}`);
}
