/**
 * The layer rules of docs/design.md ("Boundaries"), checked on the import graph of src/: a folder or a file
 * directly in src/ is a node, and type-only imports count, since they state a dependency too.
 */
import { describe, expect, test } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { cycles, describeEdge, importEdges, importsOf, type ImportEdge } from './import-graph.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** Nodes of src/ every layer below the commands stays away from. */
const UPPER = ['commands', 'app', 'main.ts', 'deps.ts', 'io'];

interface Rule {
  /** The importing node, or `*` for every node. */
  from: string;
  /** With `*`: nodes the rule does not apply to. */
  except?: string[];
  /** Nodes or packages it must not import (`node:*` = every Node built-in). */
  never?: string[];
  /** Or: the only nodes and packages it may import. */
  only?: string[];
  /** Imports of these nodes must be type-only. */
  typesOnlyFrom?: string[];
  why: string;
}

const RULES: Rule[] = [
  {
    from: 'engine',
    never: [...UPPER, 'clients', 'emulators', 'config', 'undici', 'node:http', 'node:https', 'node:net'],
    typesOnlyFrom: ['sides'],
    why: 'the engine knows nothing of HTTP: it sees a system only through the Side interface',
  },
  {
    from: 'processes',
    never: [...UPPER, 'clients', 'emulators', 'config', 'undici', 'node:http', 'node:https', 'node:net'],
    typesOnlyFrom: ['sides'],
    why: 'business processes add document logic on the Sides, mappings and state; the wiring hands them in',
  },
  {
    from: 'clients',
    never: [...UPPER, 'mapping', 'engine', 'state', 'sides', 'emulators', 'config'],
    why: 'clients know nothing of mappings, the engine or the state',
  },
  {
    from: 'emulators',
    never: [...UPPER, 'clients', 'engine', 'mapping', 'sides', 'state', 'config', 'undici'],
    why: 'emulators follow the documented protocol, never our client or our mappings',
  },
  {
    from: 'sides',
    never: [...UPPER, 'engine', 'emulators', 'state', 'config'],
    why: 'a Side is a view of one system over its client; the engine drives it, not the reverse',
  },
  {
    from: 'mapping',
    only: ['errors.ts', 'zod'],
    why: 'mappings are pure data and functions: no I/O, no other layer (error classes and zod are pure)',
  },
  {
    from: 'state',
    only: ['errors.ts', 'clock.ts', 'zod', 'write-file-atomic', 'proper-lockfile', 'node:*'],
    why: 'the state store stands on its own (see src/state/README.md)',
  },
  { from: 'util', only: ['node:*'], why: 'helpers without domain knowledge' },
  { from: 'errors.ts', only: [], why: 'the error classes are the leaf every layer may use' },
  { from: 'clock.ts', only: [], why: 'the clock is a leaf every layer may use' },
  {
    from: 'config',
    never: [...UPPER, 'clients', 'engine', 'sides', 'state', 'emulators'],
    why: 'profiles and paths are read by the wiring, they do not build anything',
  },
  { from: 'io', never: ['commands', 'app', 'main.ts', 'engine', 'clients', 'sides', 'state', 'emulators'], why: 'io is streams and formatting' },
  { from: 'app', never: ['commands', 'main.ts', 'io'], why: 'the wiring never prints and never calls a command' },
  {
    from: 'diagnostics',
    never: [...UPPER, 'engine', 'state', 'sides', 'emulators'],
    why: 'checks of a connection read through the clients and return data; they never print or run a sync',
  },
  { from: '*', never: ['main.ts'], why: 'main.ts alone maps outcomes to exit codes: commands return outcomes' },
  {
    from: '*',
    except: ['state'],
    never: ['write-file-atomic', 'proper-lockfile'],
    why: 'files of the state folder are written through src/state (atomic, mode 0600, locked)',
  },
];

/** Emulators may be started by these command files only (docs/design.md "Boundaries"). */
const EMULATOR_COMMANDS = /^commands\/(demo|sandbox)\//;

/**
 * Known violations other engineers are removing (issue 13, "wiring out of commands"). Each entry is one
 * (from, to) edge, optionally limited to files. The test fails when an entry no longer matches any import,
 * so delete it as soon as its edge is gone: this list only shrinks. A new violation is never added here.
 */
const KNOWN_VIOLATIONS: { from: string; to: string; files?: RegExp; why: string }[] = [];

const edges = importEdges(SRC);

const known = (e: ImportEdge): boolean =>
  KNOWN_VIOLATIONS.some((k) => k.from === e.from && k.to === e.to && (!k.files || k.files.test(e.file)));

function matches(pattern: string, to: string): boolean {
  return pattern === 'node:*' ? to.startsWith('node:') : pattern === to;
}

function violations(): string[] {
  const found = new Set<string>();
  for (const e of edges) {
    if (known(e)) continue;
    for (const rule of RULES) {
      if (rule.from === '*' ? rule.except?.includes(e.from) : rule.from !== e.from) continue;
      const broken =
        (rule.never?.some((p) => matches(p, e.to)) ?? false) ||
        (rule.only !== undefined && !rule.only.some((p) => matches(p, e.to))) ||
        ((rule.typesOnlyFrom?.includes(e.to) ?? false) && !e.typeOnly);
      if (broken) found.add(`${e.file} imports '${e.specifier}' (${e.from} -> ${e.to}${e.typeOnly ? ', types' : ''}): ${rule.why}`);
    }
    if (e.to === 'emulators' && e.from !== 'emulators' && e.from === 'commands' && !EMULATOR_COMMANDS.test(e.file)) {
      found.add(`${e.file} imports '${e.specifier}': only demo and sandbox start emulators`);
    }
  }
  return [...found].sort();
}

describe('import graph of src/', () => {
  test('the parser sees static, type-only, re-exported and dynamic imports', () => {
    const found = importsOf(
      'sample.ts',
      [
        "import type { A } from './a.js';",
        "import { type B, type C } from './b.js';",
        "import { D, type E } from './d.js';",
        "import F from 'undici';",
        "export { G } from './g.js';",
        "export type { H } from './h.js';",
        "type I = import('./i.js').I;",
        "async function j() { return import('../../main.js'); }",
      ].join('\n'),
    );
    expect(found).toEqual([
      { specifier: './a.js', typeOnly: true, dynamic: false },
      { specifier: './b.js', typeOnly: true, dynamic: false },
      { specifier: './d.js', typeOnly: false, dynamic: false },
      { specifier: 'undici', typeOnly: false, dynamic: false },
      { specifier: './g.js', typeOnly: false, dynamic: false },
      { specifier: './h.js', typeOnly: true, dynamic: false },
      { specifier: './i.js', typeOnly: true, dynamic: false },
      { specifier: '../../main.js', typeOnly: false, dynamic: true },
    ]);
  });

  test('the cycle finder reports folders that import each other, and only those', () => {
    expect(cycles([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'a' }, { from: 'c', to: 'd' }])).toEqual([['a', 'b', 'c']]);
    expect(cycles([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'a', to: 'c' }])).toEqual([]);
  });

  test('the graph covers every layer (a sanity check that the rules below see real imports)', () => {
    const nodes = new Set(edges.flatMap((e) => (e.internal ? [e.from, e.to] : [e.from])));
    for (const node of ['commands', 'engine', 'sides', 'clients', 'mapping', 'state', 'emulators', 'main.ts']) {
      expect([node, nodes.has(node)]).toEqual([node, true]);
    }
    const engineToSides = edges.filter((e) => e.from === 'engine' && e.to === 'sides');
    expect(engineToSides.length).toBeGreaterThan(0);
    expect(edges.some((e) => e.from === 'clients' && e.to === 'undici')).toBe(true);
  });

  test('no cycle between top-level folders (type-only imports included)', () => {
    const internal = edges.filter((e) => e.internal && !known(e));
    const found = cycles(internal).map((component) => {
      const inside = internal.filter((e) => component.includes(e.from) && component.includes(e.to));
      const pairs = [...new Set(inside.map((e) => `${e.from}\u0000${e.to}`))].map((p) => p.split('\u0000') as [string, string]);
      return `${component.join(' <-> ')}: ${pairs.map(([f, t]) => describeEdge(edges, f, t)).join('; ')}`;
    });
    expect(found).toEqual([]);
  });

  test('the layer rules of docs/design.md hold', () => {
    expect(violations()).toEqual([]);
  });

  test('every known violation still exists (remove entries whose import is gone, so the list only shrinks)', () => {
    const stale = KNOWN_VIOLATIONS.filter(
      (k) => !edges.some((e) => e.from === k.from && e.to === k.to && (!k.files || k.files.test(e.file))),
    ).map((k) => `${k.from} -> ${k.to}: ${k.why}`);
    expect(stale).toEqual([]);
  });
});
