/**
 * Reads the companion extension's AL API pages (bc-extension/src/*.Page.al) the way the contract test needs them:
 * page properties, fields with their type (the comment after each field names the Base Application field's
 * type), editability, triggers and bound actions. Written for the plain, one-object-per-file style of that folder;
 * it is no AL compiler, so anything it cannot read is an error rather than a guess.
 */
import fs from 'node:fs';
import path from 'node:path';

export type AlType =
  | { kind: 'code' | 'text'; length: number }
  | { kind: 'decimal' | 'integer' | 'boolean' | 'date' | 'datetime' | 'guid' }
  | { kind: 'enum'; options: string[] };

export interface AlField {
  name: string;
  source: string;
  type: AlType;
  editable: boolean;
}

export interface AlPage {
  file: string;
  id: number;
  name: string;
  properties: Record<string, string>;
  fields: AlField[];
  /** Page-level access: `read` (Editable = false), `modify` (no insert or delete), `full`. */
  access: 'read' | 'modify' | 'full';
  /** `[ServiceEnabled]` procedures as OData names (`Release` → `release`). */
  actions: string[];
  insertsWithSystemId: boolean;
  /** Object declarations in the file (pages, codeunits, ...): one object per file. */
  objectCount: number;
}

export const EXTENSION_DIR = path.join(process.cwd(), 'bc-extension');

export function parseType(comment: string, where: string): AlType {
  const t = comment.trim();
  let m = /^(Code|Text)\[(\d+)\]$/.exec(t);
  if (m) return { kind: m[1] === 'Code' ? 'code' : 'text', length: Number(m[2]) };
  const simple: Record<string, AlType['kind']> = { Decimal: 'decimal', Integer: 'integer', Boolean: 'boolean', Date: 'date', DateTime: 'datetime', Guid: 'guid' };
  if (t in simple) return { kind: simple[t] } as AlType;
  m = /^(?:Enum "[^"]+"|Option): (.*)$/.exec(t);
  if (m) return { kind: 'enum', options: m[1]!.split(', ').map((o) => (o === '' ? ' ' : o)) };
  throw new Error(`${where}: cannot read the type comment "${comment}"`);
}

function unquote(value: string): string {
  return value.replace(/^'(.*)'$/, '$1');
}

export function parsePage(file: string, text: string): AlPage {
  const head = /^page (\d+) "([^"]+)"\s*$/m.exec(text);
  if (!head) throw new Error(`${file}: no page declaration`);
  const layoutAt = text.indexOf('\n    layout');
  if (layoutAt < 0) throw new Error(`${file}: no layout`);
  const properties: Record<string, string> = {};
  for (const m of text.slice(0, layoutAt).matchAll(/^ {4}(\w+) = (.+);$/gm)) properties[m[1]!] = unquote(m[2]!.trim());

  const fields: AlField[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*field\(("?)(\w+)\1; (.+?)\) \/\/ (.+)$/.exec(lines[i]!);
    if (!m) {
      if (/^\s*field\(/.test(lines[i]!)) throw new Error(`${file}:${i + 1}: a field without a type comment`);
      continue;
    }
    const indent = /^\s*/.exec(lines[i]!)![0];
    let editable = true;
    for (let j = i + 1; j < lines.length && lines[j] !== `${indent}}`; j++) if (lines[j]!.trim() === 'Editable = false;') editable = false;
    fields.push({ name: m[2]!, source: m[3]!, type: parseType(m[4]!, `${file}:${i + 1}`), editable });
  }
  const pageReadOnly = properties['Editable'] === 'false';
  if (pageReadOnly) for (const f of fields) f.editable = false;
  const noInsert = properties['InsertAllowed'] === 'false';
  const noDelete = properties['DeleteAllowed'] === 'false';
  const access = pageReadOnly || properties['ModifyAllowed'] === 'false' ? 'read' : noInsert && noDelete ? 'modify' : 'full';
  const actions = [...text.matchAll(/\[ServiceEnabled\]\s*(?:\[[^\]]+\]\s*)*procedure (\w+)\(/g)].map((m) => m[1]!.charAt(0).toLowerCase() + m[1]!.slice(1));
  const insertTrigger = /trigger OnInsertRecord\(BelowxRec: Boolean\): Boolean([\s\S]*?)\n {4}end;/.exec(text)?.[1] ?? '';
  return {
    file,
    id: Number(head[1]),
    name: head[2]!,
    properties,
    fields,
    access,
    actions,
    insertsWithSystemId: /Rec\.Insert\(true, true\);/.test(insertTrigger) && /exit\(false\);/.test(insertTrigger),
    objectCount: [...text.matchAll(/^(page|pageextension|table|tableextension|codeunit|query|permissionset|enum|report) \d+ /gm)].length,
  };
}

export function readPages(dir = path.join(EXTENSION_DIR, 'src')): AlPage[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.Page.al'))
    .sort()
    .map((f) => parsePage(f, fs.readFileSync(path.join(dir, f), 'utf8')));
}
