import { randomUUID } from 'node:crypto';

/**
 * A Business Central API error (docs/protocols.md §5.3): HTTP status, BC error code (`BadRequest_*`,
 * `Application_*`, `Internal_*`, `Request_*`, `Unknown`) and the message text without the correlation id.
 */
export class BcError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BcError';
  }
}

/** BC's error body: the message ends with two spaces, `CorrelationId:`, two spaces, a GUID and a full stop. */
export function bcErrorBody(code: string, message: string, correlationId: string = randomUUID()): { error: { code: string; message: string } } {
  return { error: { code, message: `${message}  CorrelationId:  ${correlationId}.` } };
}

// Constructors for the errors the emulator raises in several places, worded as BC words them.

export const errors = {
  missingIfMatch: (): BcError =>
    new BcError(
      400,
      'BadRequest_InvalidToken',
      'Could not validate the client concurrency token required by the service. Please provide a valid token in the client request.',
    ),
  entityChanged: (): BcError => new BcError(409, 'Request_EntityChanged', 'Another user has already changed the record.'),
  resourceNotFound: (segment: string): BcError =>
    new BcError(404, 'BadRequest_ResourceNotFound', `Resource not found for the segment '${segment}'.`),
  querySyntax: (detail?: string): BcError =>
    new BcError(400, 'BadRequest_NotFound', detail ? `Bad Request - Error in query syntax. ${detail}` : 'Bad Request - Error in query syntax.'),
  unknownProperty: (property: string, entity: string): BcError =>
    new BcError(400, 'BadRequest_NotFound', `Could not find a property named '${property}' on type 'Microsoft.NAV.${entity}'.`),
  methodNotAllowed: (method: string, target: string, kind: 'Entity' | 'Collection' = 'Entity'): BcError =>
    new BcError(
      405,
      'BadRequest_MethodNotAllowed',
      `'${method}' requests for '${target}' of EdmType '${kind}' are not allowed within Microsoft Dynamics NAV OData web services.`,
    ),
  recordNotFound: (caption: string, id: string): BcError =>
    new BcError(404, 'Internal_RecordNotFound', `The ${caption} does not exist. Identification fields and values: Id='${id}'`),
  duplicateKey: (caption: string, fields: string): BcError =>
    new BcError(409, 'Internal_EntityWithSameKeyExists', `The record in table ${caption} already exists. Identification fields and values: ${fields}`),
  dialog: (message: string): BcError => new BcError(400, 'Application_DialogException', message),
  /** An API page names its controls after the JSON properties (`Control 'taxAreaDisplayName' is read-only`). */
  readOnly: (control: string): BcError => new BcError(400, 'BadRequest_InvalidOperation', `Control '${control}' is read-only`),
  badBody: (message: string): BcError => new BcError(400, 'BadRequest', message),
  notAnOption: (value: string, options: readonly string[]): BcError =>
    new BcError(400, 'Application_EvaluateException', `'${value}' is not an option. The existing options are: ${options.join(',')}`),
  tooLong: (value: string, max: number): BcError =>
    new BcError(
      400,
      'Application_StringExceededLength',
      `The length of the string is ${value.length}, but it must be less than or equal to ${max} characters. Value: ${value}`,
    ),
  invalidGuid: (): BcError =>
    new BcError(
      400,
      'Application_InvalidGUID',
      'Invalid format of GUID string. The correct format of the GUID string is: CDEF7890-ABCD-0123-1234-567890ABCDEF where 0-9, A-F symbolizes hexadecimal digits.',
    ),
  tableRelation: (fieldCaption: string, tableCaption: string, value: string, relatedCaption: string): BcError =>
    new BcError(
      400,
      'Internal_InvalidTableRelation',
      `The field ${fieldCaption} of table ${tableCaption} contains a value (${value}) that cannot be found in the related table (${relatedCaption}).`,
    ),
  fieldValidation: (message: string): BcError => new BcError(400, 'Application_FieldValidationException', message),
} as const;
