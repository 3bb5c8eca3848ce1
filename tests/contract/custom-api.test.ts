import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { bcResources } from '../../src/clients/bc/resources/index.js';
import { COMPANION_EXTENSION_ID, COMPANION_EXTENSION_VERSION } from '../../src/clients/bc/resources/integrationInfo.js';
import { COMPANION_EXTENSION, RESOURCES } from '../../src/emulators/bc/resources.js';
import type { FieldDef } from '../../src/emulators/bc/schema.js';
import { defaultIntegrationOptions, defaultMappings } from '../../src/mapping/index.js';
import { EXTENSION_DIR, parsePage, readPages, type AlField, type AlPage } from './al-pages.js';

/**
 * Issue 8: the companion extension's AL pages, the emulator's custom-API schema and the client's custom resources
 * describe one API. Any difference in an entity set, a property, its type, length, options or editability, the
 * key, the page's access or its bound actions fails here; so does docs/custom-api.md when it lists other names.
 */

const pages = readPages();
const emulated = RESOURCES.filter((r) => r.api === 'custom');
const client = bcResources.filter((r) => r.custom);
const setOf = (p: AlPage): string => p.properties['EntitySetName']!;

/** The AL field as the emulator's FieldDef would say it. */
function expectedDef(f: AlField): Omit<FieldDef, 'caption'> {
  const t = f.type;
  const def: Omit<FieldDef, 'caption'> =
    t.kind === 'code' || t.kind === 'text' ? { type: t.kind, maxLength: t.length } : t.kind === 'enum' ? { type: 'enum', options: t.options } : { type: t.kind };
  return f.editable ? def : { ...def, readOnly: true };
}

function emulatorDef(def: FieldDef): Omit<FieldDef, 'caption'> {
  const { caption: _caption, ...rest } = def;
  const out: Omit<FieldDef, 'caption'> = { type: rest.type };
  if (rest.maxLength !== undefined) out.maxLength = rest.maxLength;
  if (rest.options !== undefined) out.options = [...rest.options];
  if (rest.readOnly) out.readOnly = true;
  return out;
}

/** What kind of JSON value the client's zod column accepts. */
function clientKind(schema: z.ZodType): 'string' | 'number' | 'integer' | 'boolean' | 'other' {
  let t: z.ZodType = schema;
  while (t instanceof z.ZodOptional || t instanceof z.ZodNullable) t = t.unwrap() as z.ZodType;
  if (t instanceof z.ZodString || t instanceof z.ZodGUID) return 'string';
  if (t instanceof z.ZodNumber) return t.isInt ? 'integer' : 'number';
  if (t instanceof z.ZodBoolean) return 'boolean';
  return 'other';
}

function alKind(f: AlField): 'string' | 'number' | 'integer' | 'boolean' {
  switch (f.type.kind) {
    case 'decimal':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    default:
      return 'string';
  }
}

describe('the AL pages themselves', () => {
  test.each(pages.map((p) => [p.file, p] as const))('%s: one object, the standard API page properties, SystemId key', (_file, page) => {
    expect(page.objectCount).toBe(1);
    expect(page.properties).toMatchObject({
      PageType: 'API',
      APIPublisher: 'bcsync',
      APIGroup: 'integration',
      APIVersion: 'v1.0',
      ODataKeyFields: 'SystemId',
      DelayedInsert: 'true',
    });
    expect(page.properties['EntityName']).toMatch(/^[a-z][A-Za-z]*$/);
    expect(page.fields[0]).toMatchObject({ name: 'id', source: 'Rec.SystemId', type: { kind: 'guid' } });
    expect(new Set(page.fields.map((f) => f.name)).size).toBe(page.fields.length);
  });

  test('pages bcsync creates through have an editable id and insert with Rec.Insert(true, true)', () => {
    const creatable = pages.filter((p) => p.access === 'full');
    expect(creatable.length).toBeGreaterThan(0);
    for (const p of creatable) {
      expect({ page: p.file, idEditable: p.fields[0]!.editable, insert: p.insertsWithSystemId }).toEqual({ page: p.file, idEditable: true, insert: true });
    }
    for (const p of pages.filter((x) => x.access !== 'full')) expect({ page: p.file, idEditable: p.fields[0]!.editable }).toEqual({ page: p.file, idEditable: false });
  });

  test('app.json: id, name, publisher, version, runtime/application range, idRanges covering every object', () => {
    const app = JSON.parse(fs.readFileSync(path.join(EXTENSION_DIR, 'app.json'), 'utf8')) as {
      id: string;
      name: string;
      publisher: string;
      version: string;
      runtime: string;
      application: string;
      idRanges: Array<{ from: number; to: number }>;
    };
    expect(app).toMatchObject({ id: COMPANION_EXTENSION.id, name: COMPANION_EXTENSION.name, publisher: COMPANION_EXTENSION.publisher, version: COMPANION_EXTENSION.version });
    expect([app.id, app.version]).toEqual([COMPANION_EXTENSION_ID, COMPANION_EXTENSION_VERSION]);
    expect(app.runtime).toMatch(/^\d+\.\d+$/);
    expect(app.application).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    for (const p of pages) expect(app.idRanges.some((r) => p.id >= r.from && p.id <= r.to)).toBe(true);
  });

  test('the permission set grants every page', () => {
    const text = fs.readFileSync(path.join(EXTENSION_DIR, 'src', 'BCSIntegration.PermissionSet.al'), 'utf8');
    for (const p of pages) expect(text).toContain(`page "${p.name}" = X`);
  });

  test('the parser refuses what it cannot read, so the contract cannot pass by skipping a field', () => {
    const bad = 'page 1 "X"\n{\n    PageType = API;\n\n    layout\n    {\n                field(name; Rec.Name)\n    }\n}\n';
    expect(() => parsePage('X.Page.al', bad)).toThrow(/without a type comment/);
  });
});

describe('AL pages = emulator custom-API schema = client custom resources', () => {
  test('the same entity sets, with the same entity names', () => {
    expect(pages.map(setOf).sort()).toEqual(emulated.map((r) => r.set).sort());
    expect(pages.map(setOf).sort()).toEqual(client.map((r) => r.entitySet).sort());
    for (const p of pages) expect(emulated.find((r) => r.set === setOf(p))?.entity).toBe(p.properties['EntityName']);
  });

  test.each(pages.map((p) => [setOf(p), p] as const))('%s: every property with the same type, length, options and editability', (set, page) => {
    const def = emulated.find((r) => r.set === set)!;
    expect(Object.keys(def.fields).sort()).toEqual(page.fields.map((f) => f.name).sort());
    for (const f of page.fields) {
      // The emulator marks id read-only (never PATCHed); whether a create may choose it is the page's access (above).
      if (f.name === 'id') continue;
      expect({ property: f.name, ...emulatorDef(def.fields[f.name]!) }).toEqual({ property: f.name, ...expectedDef(f) });
    }
  });

  test.each(pages.map((p) => [setOf(p), p] as const))('%s: the same access and bound actions', (set, page) => {
    const def = emulated.find((r) => r.set === set)!;
    const access = def.readOnly ? 'read' : def.singleton ? 'modify' : 'full';
    expect(access).toBe(page.access);
    expect([...(def.actions ?? [])].sort()).toEqual([...page.actions].sort());
  });

  test.each(pages.map((p) => [setOf(p), p] as const))('%s: the client reads every property with a matching JSON type', (set, page) => {
    const resource = client.find((r) => r.entitySet === set)!;
    const shape = (resource.schema as z.ZodObject).shape as Record<string, z.ZodType>;
    const columns = Object.keys(shape).filter((k) => !k.startsWith('@'));
    expect(columns.sort()).toEqual(page.fields.map((f) => f.name).sort());
    for (const f of page.fields) expect({ property: f.name, kind: clientKind(shape[f.name]!) }).toEqual({ property: f.name, kind: alKind(f) });
  });

  test('every default mapping that reads the custom API names an AL page and only its properties', () => {
    const all = [
      ...defaultMappings(defaultIntegrationOptions),
      ...defaultMappings({ ...defaultIntegrationOptions, unitGroups: false, pricing: 'groups' } as typeof defaultIntegrationOptions),
      ...defaultMappings({ ...defaultIntegrationOptions, orderSync: 'legacy' }),
    ].filter((m) => m.bc.api === 'custom');
    expect(all.length).toBeGreaterThan(0);
    for (const m of all) {
      const page = pages.find((p) => setOf(p) === m.bc.entitySet);
      expect({ mapping: m.name, page: page?.file }).toEqual({ mapping: m.name, page: expect.any(String) });
      const names = new Set(page!.fields.map((f) => f.name));
      expect({ mapping: m.name, unknown: m.bc.properties.filter((p) => !names.has(p)) }).toEqual({ mapping: m.name, unknown: [] });
    }
  });
});

describe('docs/custom-api.md', () => {
  const doc = fs.readFileSync(path.join(process.cwd(), 'docs', 'custom-api.md'), 'utf8');
  test.each(pages.map((p) => [setOf(p), p] as const))('%s: its row lists exactly the page\'s properties', (set, page) => {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${set}\` |`));
    expect(row).toBeDefined();
    const cells = row!.split('|').map((c) => c.trim());
    const listed = [...cells[2]!.matchAll(/`([A-Za-z][A-Za-z0-9]*)`/g)].map((m) => m[1]!);
    const expected = page.fields.map((f) => f.name).filter((n) => n !== 'id' && n !== 'lastModifiedDateTime');
    expect(listed).toEqual(expected);
  });

  test('no row for an entity set the extension does not have', () => {
    const sets = [...doc.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]!);
    expect(sets.sort()).toEqual(pages.map(setOf).sort());
  });
});
