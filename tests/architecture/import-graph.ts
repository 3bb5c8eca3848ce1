/**
 * The import graph between the top-level parts of src/: a folder (`engine`) or a file directly in src/
 * (`main.ts`) is one node; a package (`undici`, `node:fs`) is a leaf. Read with the TypeScript parser, so
 * type-only imports, re-exports, `import('...')` calls and `import('...').T` types all count: each states a
 * dependency.
 */
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** Node of the importing file: `engine`, `main.ts`. */
  from: string;
  /** Node imported: a src node, or a package name (`undici`, `@inquirer/prompts`, `node:fs`). */
  to: string;
  /** The importing file, relative to src/ with `/`. */
  file: string;
  specifier: string;
  /** Only types are imported (`import type`, `export type`, every specifier `type`, `import('x').T`). */
  typeOnly: boolean;
  /** An `import('...')` call. */
  dynamic: boolean;
  /** `to` is a node of src/ rather than a package. */
  internal: boolean;
}

export function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (/\.(c|m)?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files.sort();
}

/** The node a path inside src/ belongs to. */
export function nodeOf(srcDir: string, path: string): string {
  const parts = relative(srcDir, path).split(sep);
  if (parts.length > 1) return parts[0]!;
  return parts[0]!.replace(/\.(c|m)?js$/, '.ts');
}

function packageOf(specifier: string): string {
  if (specifier.startsWith('node:')) return specifier.split('/')[0]!;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  return builtinModules.includes(name) ? `node:${name}` : name;
}

interface FoundImport {
  specifier: string;
  typeOnly: boolean;
  dynamic: boolean;
}

/** Every module specifier a source text imports, with whether only types come through it. */
export function importsOf(fileName: string, text: string): FoundImport[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: FoundImport[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      let typeOnly = false;
      if (clause) {
        const bindings = clause.namedBindings;
        typeOnly =
          clause.isTypeOnly ||
          (!clause.name &&
            bindings !== undefined &&
            ts.isNamedImports(bindings) &&
            bindings.elements.length > 0 &&
            bindings.elements.every((e) => e.isTypeOnly));
      }
      found.push({ specifier: node.moduleSpecifier.text, typeOnly, dynamic: false });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const typeOnly =
        node.isTypeOnly ||
        (clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly));
      found.push({ specifier: node.moduleSpecifier.text, typeOnly, dynamic: false });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push({ specifier: node.moduleReference.expression.text, typeOnly: node.isTypeOnly, dynamic: false });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push({ specifier: node.arguments[0].text, typeOnly: false, dynamic: true });
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true, dynamic: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every import of every source file under srcDir that crosses from one node to another. */
export function importEdges(srcDir: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const path of sourceFiles(srcDir)) {
    const from = nodeOf(srcDir, path);
    const file = relative(srcDir, path).split(sep).join('/');
    for (const found of importsOf(path, readFileSync(path, 'utf8'))) {
      const internal = found.specifier.startsWith('.');
      const target = internal ? resolve(dirname(path), found.specifier) : '';
      if (internal && relative(srcDir, target).startsWith('..')) {
        // Outside src/ (e.g. fixtures/): a leaf named by its path from the repository root.
        edges.push({ from, to: relative(resolve(srcDir, '..'), target).split(sep)[0]!, file, ...found, internal: false });
        continue;
      }
      const to = internal ? nodeOf(srcDir, target) : packageOf(found.specifier);
      if (to === from) continue;
      edges.push({ from, to, file, ...found, internal });
    }
  }
  return edges;
}

/** Strongly connected components with more than one node: each is a set of nodes that import each other. */
export function cycles(edges: Pick<ImportEdge, 'from' | 'to'>[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    if (!next.has(from)) next.set(from, new Set());
    if (!next.has(to)) next.set(to, new Set());
    next.get(from)!.add(to);
  }
  // Tarjan's algorithm.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) connect(v);
  return found;
}

/** One sample import per (from, to) edge, for messages: `commands/demo/demo.ts imports '../../main.js'`. */
export function describeEdge(edges: ImportEdge[], from: string, to: string): string {
  const sample = edges.filter((e) => e.from === from && e.to === to);
  const files = [...new Set(sample.map((e) => e.file))];
  return `${from} -> ${to} (${files.slice(0, 3).join(', ')}${files.length > 3 ? `, +${files.length - 3} more` : ''})`;
}
