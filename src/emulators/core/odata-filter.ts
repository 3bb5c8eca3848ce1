/**
 * OData `$filter` parser and evaluator for the emulators, written from docs/protocols.md §2.3.
 *
 * Two dialects share one grammar and differ where the services differ:
 * - `dataverse`: string comparisons and string functions are case-insensitive, `% _ [] [^]` act as
 *   wildcards inside contains/startswith/endswith, `Microsoft.Dynamics.CRM.*` query functions
 *   (In, NotIn, Between, NotBetween, Null, NotNull, On, OnOrAfter, OnOrBefore), lambda any/all.
 * - `bc`: `or` across two different fields is refused, lambda any/all are silently ignored (true),
 *   nested function calls and `in (...)` are refused (API v2.0 is schema version 2.0), enums are
 *   compared as caption strings (plain strings here), string comparisons are exact.
 *
 * Property names are not validated here: the evaluator treats a missing property as null, and
 * `referencedProperties` lets a module check names against its own table definition.
 */

export type FilterDialect = 'dataverse' | 'bc';

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type LiteralType = 'string' | 'number' | 'boolean' | 'null' | 'guid' | 'date' | 'datetime';

export type FilterNode =
  | { type: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { type: 'not'; operand: FilterNode }
  | { type: 'compare'; op: ComparisonOperator; left: FilterNode; right: FilterNode }
  | { type: 'property'; path: string }
  | { type: 'literal'; literalType: LiteralType; value: string | number | boolean | null }
  /** Standard OData functions: contains, startswith, endswith, tolower, toupper, trim, length, indexof, substring, concat. */
  | { type: 'call'; name: string; args: FilterNode[] }
  /** Dataverse query functions (`Microsoft.Dynamics.CRM.In(PropertyName='x',PropertyValues=['a','b'])`). */
  | { type: 'crmFunction'; name: string; property: string; values: string[] }
  /** `path/any(v: predicate)` / `path/all(v: predicate)`; predicate absent for `path/any()`. */
  | { type: 'lambda'; quantifier: 'any' | 'all'; path: string; variable?: string; predicate?: FilterNode };

export class FilterSyntaxError extends Error {
  /** 0-based character offset in the filter text where the problem was found. */
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.name = 'FilterSyntaxError';
    this.position = position;
  }
}

/** BC's wording when `or` spans two fields (dev-itpro/webservices/odata-known-limitations.md). */
export const BC_OR_DISTINCT_FIELDS_MESSAGE =
  "An error occurred while processing this request. The 'OR' operator is not supported on distinct fields on an OData filter.";

// ---------------------------------------------------------------------------------------------
// Tokenizer

type TokenKind = 'string' | 'number' | 'guid' | 'date' | 'datetime' | 'identifier' | 'punct' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
  /** Parsed value for literals. */
  value?: string | number;
  pos: number;
}

const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z_])/;
// A `+` offset that arrived un-encoded in a query string has been decoded to a space; accept it as `+`.
const DATETIME_RE =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+\- ]\d{2}:\d{2})(?![0-9A-Za-z_])/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?![0-9A-Za-z_:T-])/;
const NUMBER_RE = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?(?![0-9A-Za-z_])/;
const IDENT_RE = /^[A-Za-z_$@][A-Za-z0-9_.$@]*(?:\/[A-Za-z_$@][A-Za-z0-9_.$@]*)*/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      i++;
      continue;
    }
    const rest = text.slice(i);
    if (ch === "'" || ch === '"') {
      // Single quotes are OData's; double quotes appear in the Dataverse docs' PropertyValues arrays.
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= text.length) throw new FilterSyntaxError(syntaxMessage(text, i, 'unterminated string literal'), i);
        const c = text[j]!;
        if (c === ch) {
          if (text[j + 1] === ch) {
            value += ch;
            j += 2;
            continue;
          }
          break;
        }
        value += c;
        j++;
      }
      tokens.push({ kind: 'string', text: text.slice(i, j + 1), value, pos: i });
      i = j + 1;
      continue;
    }
    let m = GUID_RE.exec(rest);
    if (m) {
      tokens.push({ kind: 'guid', text: m[0], value: m[0].toLowerCase(), pos: i });
      i += m[0].length;
      continue;
    }
    m = DATETIME_RE.exec(rest);
    if (m) {
      const raw = m[0].replace(/ (\d{2}:\d{2})$/, '+$1');
      tokens.push({ kind: 'datetime', text: m[0], value: raw, pos: i });
      i += m[0].length;
      continue;
    }
    m = DATE_RE.exec(rest);
    if (m) {
      tokens.push({ kind: 'date', text: m[0], value: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = NUMBER_RE.exec(rest);
    if (m) {
      const numeric = Number(m[0].replace(/[mMdDfFlL]$/, ''));
      tokens.push({ kind: 'number', text: m[0], value: numeric, pos: i });
      i += m[0].length;
      continue;
    }
    // Legacy typed literal `guid'…'`.
    const typed = /^guid'([0-9a-fA-F-]{36})'/.exec(rest);
    if (typed) {
      tokens.push({ kind: 'guid', text: typed[0], value: typed[1]!.toLowerCase(), pos: i });
      i += typed[0].length;
      continue;
    }
    m = IDENT_RE.exec(rest);
    if (m) {
      tokens.push({ kind: 'identifier', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if ('(),=[]:'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch, pos: i });
      i++;
      continue;
    }
    throw new FilterSyntaxError(syntaxMessage(text, i, `unexpected character '${ch}'`), i);
  }
  tokens.push({ kind: 'end', text: '', pos: text.length });
  return tokens;
}

function syntaxMessage(text: string, pos: number, detail: string): string {
  return `Syntax error at position ${pos} in '${text}': ${detail}.`;
}

// ---------------------------------------------------------------------------------------------
// Parser (recursive descent: or < and < not < comparison < primary)

const COMPARISON_OPS: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const ARITHMETIC_OPS: ReadonlySet<string> = new Set(['add', 'sub', 'mul', 'div', 'mod', 'has']);
const KEYWORDS: ReadonlySet<string> = new Set([...COMPARISON_OPS, ...ARITHMETIC_OPS, 'and', 'or', 'not', 'in']);

/** Function name -> allowed argument counts. */
const STANDARD_FUNCTIONS: Readonly<Record<string, readonly number[]>> = {
  contains: [2],
  startswith: [2],
  endswith: [2],
  tolower: [1],
  toupper: [1],
  trim: [1],
  length: [1],
  indexof: [2],
  substring: [2, 3],
  concat: [2],
};

/** Dataverse query functions that take (PropertyName, PropertyValue[s]). */
const CRM_FUNCTIONS: Readonly<Record<string, 'none' | 'one' | 'list' | 'two'>> = {
  in: 'list',
  notin: 'list',
  between: 'two',
  notbetween: 'two',
  null: 'none',
  notnull: 'none',
  on: 'one',
  onorafter: 'one',
  onorbefore: 'one',
  equal: 'one',
  notequal: 'one',
};

class Parser {
  private index = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
    private readonly dialect: FilterDialect,
  ) {}

  parse(): FilterNode {
    if (this.peek().kind === 'end') throw this.error('the filter expression is empty', this.peek().pos);
    const node = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'end') throw this.error(`unexpected '${next.text}'`, next.pos);
    return node;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.index < this.tokens.length - 1) this.index++;
    return t;
  }

  private isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'identifier' && t.text.toLowerCase() === word;
  }

  private expectPunct(ch: string): Token {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== ch) {
      throw this.error(`expected '${ch}' but found '${t.text || 'end of expression'}'`, t.pos);
    }
    return t;
  }

  private error(detail: string, pos: number): FilterSyntaxError {
    return new FilterSyntaxError(syntaxMessage(this.text, pos, detail), pos);
  }

  private parseOr(): FilterNode {
    let left = this.parseAnd();
    while (this.isKeyword('or')) {
      const opTok = this.next();
      const right = this.parseAnd();
      left = { type: 'or', left, right };
      if (this.dialect === 'bc') {
        const fields = new Set(referencedProperties(left).map((p) => p.toLowerCase()));
        if (fields.size > 1) throw new FilterSyntaxError(BC_OR_DISTINCT_FIELDS_MESSAGE, opTok.pos);
      }
    }
    return left;
  }

  private parseAnd(): FilterNode {
    let left = this.parseNot();
    while (this.isKeyword('and')) {
      this.next();
      const right = this.parseNot();
      left = { type: 'and', left, right };
    }
    return left;
  }

  private parseNot(): FilterNode {
    if (this.isKeyword('not')) {
      this.next();
      return { type: 'not', operand: this.parseNot() };
    }
    return this.parseComparison();
  }

  private parseComparison(): FilterNode {
    const left = this.parsePrimary(0);
    const t = this.peek();
    if (t.kind === 'identifier') {
      const word = t.text.toLowerCase();
      if (COMPARISON_OPS.has(word)) {
        this.next();
        const right = this.parsePrimary(0);
        return { type: 'compare', op: word as ComparisonOperator, left, right };
      }
      if (ARITHMETIC_OPS.has(word)) throw this.error(`the '${t.text}' operator is not supported`, t.pos);
      if (word === 'in') {
        throw this.error(
          this.dialect === 'bc'
            ? "the 'in' operator needs $schemaversion=2.1; API v2.0 uses schema version 2.0"
            : "the 'in' operator is not supported; use Microsoft.Dynamics.CRM.In",
          t.pos,
        );
      }
    }
    return left;
  }

  /** depth: how many function calls enclose this operand (BC refuses nesting). */
  private parsePrimary(depth: number): FilterNode {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return { type: 'literal', literalType: 'string', value: t.value as string };
      case 'number':
        return { type: 'literal', literalType: 'number', value: t.value as number };
      case 'guid':
        return { type: 'literal', literalType: 'guid', value: t.value as string };
      case 'date':
        return { type: 'literal', literalType: 'date', value: t.value as string };
      case 'datetime':
        return { type: 'literal', literalType: 'datetime', value: t.value as string };
      case 'punct':
        if (t.text === '(') {
          const inner = this.parseOr();
          this.expectPunct(')');
          return inner;
        }
        throw this.error(`unexpected '${t.text}'`, t.pos);
      case 'end':
        throw this.error('the expression ends too early', t.pos);
      case 'identifier':
        return this.parseIdentifier(t, depth);
    }
  }

  private parseIdentifier(t: Token, depth: number): FilterNode {
    const lower = t.text.toLowerCase();
    if (lower === 'true' || lower === 'false') return { type: 'literal', literalType: 'boolean', value: lower === 'true' };
    if (lower === 'null') return { type: 'literal', literalType: 'null', value: null };
    if (KEYWORDS.has(lower)) throw this.error(`unexpected '${t.text}'`, t.pos);
    const following = this.peek();
    const isCall = following.kind === 'punct' && following.text === '(';
    if (!isCall) return { type: 'property', path: t.text };

    const lambda = /^(.*)\/(any|all)$/i.exec(t.text);
    if (lambda) return this.parseLambda(t, lambda[1]!, lambda[2]!.toLowerCase() as 'any' | 'all');

    if (lower.startsWith('microsoft.dynamics.crm.')) {
      if (this.dialect !== 'dataverse') throw this.error(`unknown function '${t.text}'`, t.pos);
      return this.parseCrmFunction(t, lower.slice('microsoft.dynamics.crm.'.length));
    }
    const arity = STANDARD_FUNCTIONS[lower];
    if (!arity) throw this.error(`unknown function '${t.text}'`, t.pos);
    if (this.dialect === 'bc' && depth > 0) {
      throw this.error(`nested function calls ('${t.text}' inside another function) need $schemaversion=2.1`, t.pos);
    }
    this.expectPunct('(');
    const args: FilterNode[] = [];
    if (!(this.peek().kind === 'punct' && this.peek().text === ')')) {
      args.push(this.parseFunctionArg(depth + 1));
      while (this.peek().kind === 'punct' && this.peek().text === ',') {
        this.next();
        args.push(this.parseFunctionArg(depth + 1));
      }
    }
    this.expectPunct(')');
    if (!arity.includes(args.length)) {
      throw this.error(`function '${t.text}' takes ${arity.join(' or ')} arguments, got ${args.length}`, t.pos);
    }
    return { type: 'call', name: lower, args };
  }

  private parseFunctionArg(depth: number): FilterNode {
    // Arguments are operands, not predicates; parentheses group a nested operand.
    const t = this.peek();
    if (t.kind === 'punct' && t.text === '(') {
      this.next();
      const inner = this.parsePrimary(depth);
      this.expectPunct(')');
      return inner;
    }
    return this.parsePrimary(depth);
  }

  private parseLambda(t: Token, path: string, quantifier: 'any' | 'all'): FilterNode {
    this.expectPunct('(');
    if (this.peek().kind === 'punct' && this.peek().text === ')') {
      this.next();
      if (quantifier === 'all') throw this.error("'all' needs a lambda expression", t.pos);
      return { type: 'lambda', quantifier, path };
    }
    const variable = this.next();
    if (variable.kind !== 'identifier' || variable.text.includes('/')) {
      throw this.error('expected a lambda variable name', variable.pos);
    }
    this.expectPunct(':');
    const predicate = this.parseOr();
    this.expectPunct(')');
    return { type: 'lambda', quantifier, path, variable: variable.text, predicate };
  }

  private parseCrmFunction(t: Token, name: string): FilterNode {
    const shape = CRM_FUNCTIONS[name];
    if (!shape) throw this.error(`unsupported query function '${t.text}'`, t.pos);
    this.expectPunct('(');
    let property: string | undefined;
    let values: string[] = [];
    for (;;) {
      const paramTok = this.next();
      if (paramTok.kind !== 'identifier') throw this.error('expected a parameter name', paramTok.pos);
      this.expectPunct('=');
      const param = paramTok.text.toLowerCase();
      if (param === 'propertyname') {
        const v = this.next();
        if (v.kind !== 'string') throw this.error('PropertyName must be a quoted string', v.pos);
        property = v.value as string;
      } else if (param === 'propertyvalue') {
        values = [this.literalText(this.next())];
      } else if (param === 'propertyvalues') {
        this.expectPunct('[');
        values = [];
        if (!(this.peek().kind === 'punct' && this.peek().text === ']')) {
          values.push(this.literalText(this.next()));
          while (this.peek().kind === 'punct' && this.peek().text === ',') {
            this.next();
            values.push(this.literalText(this.next()));
          }
        }
        this.expectPunct(']');
      } else {
        throw this.error(`unknown parameter '${paramTok.text}'`, paramTok.pos);
      }
      const sep = this.next();
      if (sep.kind === 'punct' && sep.text === ')') break;
      if (!(sep.kind === 'punct' && sep.text === ',')) throw this.error(`expected ',' or ')'`, sep.pos);
    }
    if (property === undefined) throw this.error(`'${t.text}' needs PropertyName`, t.pos);
    const expected = shape === 'none' ? 0 : shape === 'one' ? 1 : shape === 'two' ? 2 : -1;
    if ((expected >= 0 && values.length !== expected) || (expected < 0 && values.length === 0)) {
      throw this.error(`'${t.text}' got ${values.length} values`, t.pos);
    }
    return { type: 'crmFunction', name, property, values };
  }

  private literalText(tok: Token): string {
    if (tok.kind === 'string' || tok.kind === 'guid' || tok.kind === 'date' || tok.kind === 'datetime') {
      return String(tok.value);
    }
    if (tok.kind === 'number') return String(tok.value);
    throw this.error('expected a literal value', tok.pos);
  }
}

export function parseFilter(text: string, dialect: FilterDialect): FilterNode {
  return new Parser(text, tokenize(text), dialect).parse();
}

/** Property paths the filter reads (lambda paths included, lambda variables' members excluded). */
export function referencedProperties(node: FilterNode): string[] {
  const out = new Set<string>();
  const walk = (n: FilterNode, lambdaVars: ReadonlySet<string>): void => {
    switch (n.type) {
      case 'and':
      case 'or':
      case 'compare':
        walk(n.left, lambdaVars);
        walk(n.right, lambdaVars);
        return;
      case 'not':
        walk(n.operand, lambdaVars);
        return;
      case 'property': {
        const head = n.path.split('/')[0]!;
        if (!lambdaVars.has(head)) out.add(n.path);
        return;
      }
      case 'literal':
        return;
      case 'call':
        for (const a of n.args) walk(a, lambdaVars);
        return;
      case 'crmFunction':
        out.add(n.property);
        return;
      case 'lambda': {
        out.add(n.path);
        if (n.predicate) walk(n.predicate, n.variable ? new Set([...lambdaVars, n.variable]) : lambdaVars);
        return;
      }
    }
  };
  walk(node, new Set());
  return [...out];
}

// ---------------------------------------------------------------------------------------------
// Evaluator

type Value = string | number | boolean | null | unknown[] | Record<string, unknown>;

interface EvalContext {
  record: Record<string, unknown>;
  dialect: FilterDialect;
  /** Lambda variable bindings. */
  scope: ReadonlyMap<string, unknown>;
}

/** No lambda variable bound (lambdas copy the scope they extend; nothing writes to it). */
const NO_SCOPE: ReadonlyMap<string, unknown> = new Map();

export function evaluateFilter(node: FilterNode, record: Record<string, unknown>, dialect: FilterDialect): boolean {
  return truthy(evaluate(node, { record, dialect, scope: NO_SCOPE }));
}

function truthy(v: Value): boolean {
  return v === true;
}

function resolvePath(path: string, ctx: EvalContext): Value {
  if (path.indexOf('/') < 0) {
    // One segment (most filters, on every row): no split.
    const v = ctx.scope.size > 0 && ctx.scope.has(path) ? ctx.scope.get(path) : ctx.record[path];
    return v === undefined ? null : (v as Value);
  }
  const segments = path.split('/');
  let current: unknown;
  const head = segments[0]!;
  if (ctx.scope.has(head)) {
    current = ctx.scope.get(head);
    segments.shift();
  } else {
    current = ctx.record;
  }
  for (const segment of segments) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return null;
    current = (current as Record<string, unknown>)[segment];
  }
  return current === undefined ? null : (current as Value);
}

function evaluate(node: FilterNode, ctx: EvalContext): Value {
  switch (node.type) {
    case 'and':
      return truthy(evaluate(node.left, ctx)) && truthy(evaluate(node.right, ctx));
    case 'or':
      return truthy(evaluate(node.left, ctx)) || truthy(evaluate(node.right, ctx));
    case 'not':
      return !truthy(evaluate(node.operand, ctx));
    case 'literal':
      return node.value;
    case 'property':
      return resolvePath(node.path, ctx);
    case 'compare':
      return compareNodes(node.op, node.left, node.right, ctx);
    case 'call':
      return callFunction(node.name, node.args, ctx);
    case 'crmFunction':
      return crmFunction(node.name, resolvePath(node.property, ctx), node.values, ctx);
    case 'lambda': {
      if (ctx.dialect === 'bc') return true; // BC ignores lambda filters altogether.
      const collection = resolvePath(node.path, ctx);
      const items = Array.isArray(collection) ? collection : [];
      if (!node.predicate || !node.variable) return items.length > 0;
      const test = (item: unknown): boolean => {
        const scope = new Map(ctx.scope);
        scope.set(node.variable!, item);
        return truthy(evaluate(node.predicate!, { ...ctx, scope }));
      };
      return node.quantifier === 'any' ? items.some(test) : items.every(test);
    }
  }
}

/** What a literal on the other side says about how to compare. */
function literalTypeOf(node: FilterNode): LiteralType | undefined {
  return node.type === 'literal' ? node.literalType : undefined;
}

function compareNodes(op: ComparisonOperator, leftNode: FilterNode, rightNode: FilterNode, ctx: EvalContext): boolean {
  const left = evaluate(leftNode, ctx);
  const right = evaluate(rightNode, ctx);
  const hint = literalTypeOf(rightNode) ?? literalTypeOf(leftNode);
  return compareValues(op, left, right, hint, ctx.dialect);
}

function isTemporalHint(hint: LiteralType | undefined): boolean {
  return hint === 'date' || hint === 'datetime';
}

/** The last texts toInstant read and their instants: a filter compares every row with one literal, rows share times. */
const instantTexts: [string, string] = ['', ''];
const instantValues: [number | undefined, number | undefined] = [undefined, undefined];

/** Milliseconds since the epoch for ISO dates/date-times (date-only = UTC midnight); undefined otherwise. */
function toInstant(v: Value): number | undefined {
  if (typeof v !== 'string') return undefined;
  if (v === instantTexts[0] && v !== '') return instantValues[0];
  if (v === instantTexts[1] && v !== '') return instantValues[1];
  const ms = parseInstantText(v);
  instantTexts[1] = instantTexts[0];
  instantValues[1] = instantValues[0];
  instantTexts[0] = v;
  instantValues[0] = ms;
  return ms;
}

function parseInstantText(v: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}/.test(v)) return undefined;
  const ms = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
  return Number.isNaN(ms) ? undefined : ms;
}

function compareValues(
  op: ComparisonOperator,
  left: Value,
  right: Value,
  hint: LiteralType | undefined,
  dialect: FilterDialect,
): boolean {
  const leftNull = left === null || left === undefined;
  const rightNull = right === null || right === undefined;
  if (leftNull || rightNull) {
    // OData: null equals only null; ordering comparisons with null are false.
    if (op === 'eq') return leftNull && rightNull;
    if (op === 'ne') return leftNull !== rightNull;
    return false;
  }
  let order: number | undefined;
  if (isTemporalHint(hint)) {
    const a = toInstant(left);
    const b = toInstant(right);
    if (a !== undefined && b !== undefined) order = a - b;
  }
  if (order === undefined) {
    if (typeof left === 'number' && typeof right === 'number') {
      order = left - right;
    } else if (typeof left === 'boolean' && typeof right === 'boolean') {
      order = Number(left) - Number(right);
    } else if (typeof left === 'number' && typeof right === 'string' && right.trim() !== '' && !Number.isNaN(Number(right))) {
      order = left - Number(right);
    } else if (typeof right === 'number' && typeof left === 'string' && left.trim() !== '' && !Number.isNaN(Number(left))) {
      order = Number(left) - right;
    } else if (typeof left === 'string' && typeof right === 'string') {
      if (left === right) {
        // Equal texts are equal folded or not: a row's id compared with that same id needs no lower-casing.
        order = 0;
      } else {
        const fold = dialect === 'dataverse' || hint === 'guid';
        const a = fold ? left.toLowerCase() : left;
        const b = fold ? right.toLowerCase() : right;
        order = a < b ? -1 : a > b ? 1 : 0;
      }
    } else {
      // Mismatched types (e.g. a string against a boolean) never match.
      return op === 'ne';
    }
  }
  switch (op) {
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
    case 'gt':
      return order > 0;
    case 'ge':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
  }
}

function asText(v: Value): string | null {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** Dataverse honours SQL LIKE wildcards inside string functions. */
function likeToRegexSource(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '%') out += '[\\s\\S]*';
    else if (c === '_') out += '[\\s\\S]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}

function stringMatch(kind: 'contains' | 'startswith' | 'endswith', haystack: string, needle: string, dialect: FilterDialect): boolean {
  if (dialect === 'bc') {
    if (kind === 'contains') return haystack.includes(needle);
    if (kind === 'startswith') return haystack.startsWith(needle);
    return haystack.endsWith(needle);
  }
  const source = likeToRegexSource(needle);
  const anchored = kind === 'contains' ? source : kind === 'startswith' ? `^${source}` : `${source}$`;
  return new RegExp(anchored, 'i').test(haystack);
}

function callFunction(name: string, argNodes: FilterNode[], ctx: EvalContext): Value {
  const args = argNodes.map((a) => evaluate(a, ctx));
  switch (name) {
    case 'contains':
    case 'startswith':
    case 'endswith': {
      const haystack = asText(args[0] ?? null);
      const needle = asText(args[1] ?? null);
      if (haystack === null || needle === null) return false;
      return stringMatch(name, haystack, needle, ctx.dialect);
    }
    case 'tolower': {
      const s = asText(args[0] ?? null);
      return s === null ? null : s.toLowerCase();
    }
    case 'toupper': {
      const s = asText(args[0] ?? null);
      return s === null ? null : s.toUpperCase();
    }
    case 'trim': {
      const s = asText(args[0] ?? null);
      return s === null ? null : s.trim();
    }
    case 'length': {
      const s = asText(args[0] ?? null);
      return s === null ? null : s.length;
    }
    case 'indexof': {
      const s = asText(args[0] ?? null);
      const sub = asText(args[1] ?? null);
      if (s === null || sub === null) return null;
      return ctx.dialect === 'dataverse' ? s.toLowerCase().indexOf(sub.toLowerCase()) : s.indexOf(sub);
    }
    case 'substring': {
      const s = asText(args[0] ?? null);
      const start = args[1];
      const len = args[2];
      if (s === null || typeof start !== 'number') return null;
      return typeof len === 'number' ? s.substr(start, len) : s.substring(start);
    }
    case 'concat': {
      const a = asText(args[0] ?? null);
      const b = asText(args[1] ?? null);
      if (a === null || b === null) return null;
      return a + b;
    }
    default:
      return null;
  }
}

function crmFunction(name: string, value: Value, values: string[], ctx: EvalContext): boolean {
  const eq = (v: string): boolean => compareValues('eq', value, coerceLike(value, v), hintFor(v), ctx.dialect);
  switch (name) {
    case 'in':
      return values.some(eq);
    case 'notin':
      return value !== null && !values.some(eq);
    case 'equal':
      return eq(values[0]!);
    case 'notequal':
      return value !== null && !eq(values[0]!);
    case 'null':
      return value === null;
    case 'notnull':
      return value !== null;
    case 'between':
    case 'notbetween': {
      const lo = values[0]!;
      const hi = values[1]!;
      const inside =
        compareValues('ge', value, coerceLike(value, lo), hintFor(lo), ctx.dialect) &&
        compareValues('le', value, coerceLike(value, hi), hintFor(hi), ctx.dialect);
      return name === 'between' ? inside : value !== null && !inside;
    }
    case 'on':
    case 'onorafter':
    case 'onorbefore': {
      // Date-granular: compare the record's UTC date with the given date.
      const day = toInstant(value);
      const target = toInstant(values[0]!.slice(0, 10));
      if (day === undefined || target === undefined) return false;
      const recordDay = Math.floor(day / 86_400_000);
      const targetDay = Math.floor(target / 86_400_000);
      if (name === 'on') return recordDay === targetDay;
      return name === 'onorafter' ? recordDay >= targetDay : recordDay <= targetDay;
    }
    default:
      return false;
  }
}

/** Query-function values arrive as strings; compare them as the record value's type. */
function coerceLike(recordValue: Value, text: string): Value {
  if (typeof recordValue === 'number' && text.trim() !== '' && !Number.isNaN(Number(text))) return Number(text);
  if (typeof recordValue === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

function hintFor(text: string): LiteralType | undefined {
  if (GUID_RE.test(text)) return 'guid';
  if (DATETIME_RE.test(text)) return 'datetime';
  if (DATE_RE.test(text)) return 'date';
  return undefined;
}
