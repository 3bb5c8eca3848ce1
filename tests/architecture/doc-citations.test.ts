/**
 * Source comments cite the behaviour they implement as `docs/<file>.md §N.M`. A clone of the repository has
 * nothing but docs/ to look that up in, so every citation must name a file under docs/ and a `## N.M` heading
 * that exists there, and nothing may point at the specification folder outside the repository.
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function filesUnder(dir: string, pattern: RegExp): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...filesUnder(path, pattern));
    else if (pattern.test(entry.name)) files.push(path);
  }
  return files.sort();
}

/** Text blocks a citation lives in: comments (consecutive `//` lines are one block) and string literals. */
function textBlocks(fileName: string, text: string): { line: number; text: string }[] {
  if (fileName.endsWith('.md')) {
    const blocks: { line: number; text: string }[] = [];
    let line = 1;
    for (const paragraph of text.split(/\n\s*\n/)) {
      blocks.push({ line, text: paragraph });
      line += paragraph.split('\n').length + 1;
    }
    return blocks;
  }
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lineOf = (pos: number): number => source.getLineAndCharacterOfPosition(pos).line + 1;
  const comments = new Map<number, ts.CommentRange>();
  const strings: { pos: number; end: number }[] = [];
  const seen = new Set<number>();
  const visit = (node: ts.Node): void => {
    for (const pos of [node.getFullStart(), node.getEnd()]) {
      if (seen.has(pos)) continue;
      seen.add(pos);
      for (const range of [...(ts.getLeadingCommentRanges(text, pos) ?? []), ...(ts.getTrailingCommentRanges(text, pos) ?? [])]) {
        comments.set(range.pos, range);
      }
    }
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) strings.push({ pos: node.getStart(source), end: node.getEnd() });
    ts.forEachChild(node, visit);
  };
  visit(source);
  const blocks: { line: number; text: string; end: number; lineComment: boolean }[] = [];
  for (const range of [...comments.values()].sort((a, b) => a.pos - b.pos)) {
    const value = text.slice(range.pos, range.end);
    // Consecutive `//` lines that stand alone are one comment; one after code on its line is its own.
    const lineComment = range.kind === ts.SyntaxKind.SingleLineCommentTrivia && text.slice(text.lastIndexOf('\n', range.pos - 1) + 1, range.pos).trim() === '';
    const last = blocks[blocks.length - 1];
    if (lineComment && last?.lineComment && lineOf(range.pos) === lineOf(last.end) + 1) {
      last.text += `\n${value}`;
      last.end = range.end;
      continue;
    }
    blocks.push({ line: lineOf(range.pos), text: value, end: range.end, lineComment });
  }
  for (const { pos, end } of strings) blocks.push({ line: lineOf(pos), text: text.slice(pos, end), end, lineComment: false });
  return blocks.map(({ line, text: blockText }) => ({ line, text: blockText }));
}

interface Citation {
  /** The docs file (`integration.md`), or undefined when the § names no file under docs/. */
  file: string | undefined;
  /** `§5.2`: a numbered heading `## 5.2`. */
  section?: string;
  /** `"Idempotent creates"`: a heading or a bold term starting with it. */
  name?: string;
  /** `"The job" §3`: item 3 of the numbered list under that heading. */
  item?: string;
}

/**
 * The citations of one block: a `docs/<file>.md` reference names the file for the `§` marks after it in the
 * same block (`docs/protocols.md §2.2–§2.4, §7.2`); a quoted name right after the file names a heading or a
 * bold term (`docs/design.md "Idempotent creates"`), and a `§` right after that name an item of its numbered
 * list (`docs/design.md "The job" §3`). A `§` with no file before it, or after a file outside docs/, is
 * reported with `file: undefined`. Sections of other standards (`RFC 9110 §10.2.3`) are not ours to check.
 */
function citationsOf(text: string): Citation[] {
  const found: Citation[] = [];
  let file: string | undefined;
  let previous: { kind: 'file' | 'name' | 'other'; end: number; name?: string } = { kind: 'other', end: 0 };
  const token = /(RFC\s*\d+\s*§\s*[\d.]+)|(?:(\S*?)([\w-]+\.md))|"([^"\n]+)"|§\s*(\d+(?:\.\d+)*)/g;
  for (let m = token.exec(text); m; m = token.exec(text)) {
    const adjacent = text.slice(previous.end, m.index).trim() === '';
    const end = m.index + m[0].length;
    if (m[1]) {
      previous = { kind: 'other', end };
    } else if (m[3]) {
      file = m[2]?.endsWith('docs/') ? m[3] : undefined;
      previous = { kind: 'file', end };
    } else if (m[4] !== undefined) {
      if (previous.kind === 'file' && adjacent && file !== undefined) {
        found.push({ file, name: m[4] });
        previous = { kind: 'name', end, name: m[4] };
      } else {
        previous = { kind: 'other', end };
      }
    } else if (previous.kind === 'name' && adjacent) {
      found[found.length - 1] = { file, name: previous.name, item: m[5]! };
      previous = { kind: 'other', end };
    } else {
      found.push({ file, section: m[5]! });
      previous = { kind: 'other', end };
    }
  }
  return found;
}

interface DocIndex {
  numbered: Set<string>;
  /** Headings and bold terms, lower case, each with the numbered list items of its section. */
  named: { text: string; items: Set<string> }[];
}

function indexOf(docFile: string): DocIndex | undefined {
  const path = join(ROOT, 'docs', docFile);
  if (!existsSync(path)) return undefined;
  const index: DocIndex = { numbered: new Set(), named: [] };
  let section: { text: string; items: Set<string> } | undefined;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const heading = /^#+\s+(.*)$/.exec(line);
    if (heading) {
      const number = /^(\d+(?:\.\d+)*)\.?\s/.exec(heading[1]!);
      if (number) index.numbered.add(number[1]!);
      section = { text: heading[1]!.toLowerCase(), items: new Set() };
      index.named.push(section);
      continue;
    }
    const item = /^\s*(\d+)\.\s/.exec(line);
    if (item && section) section.items.add(item[1]!);
    for (const bold of line.matchAll(/\*\*([^*]+)\*\*/g)) index.named.push({ text: bold[1]!.toLowerCase(), items: new Set() });
  }
  return index;
}

function problemOf(citation: Citation, index: DocIndex | undefined): string | undefined {
  const { file, section, name, item } = citation;
  if (file === undefined) {
    return `§${section} names no file under docs/ (write "docs/integration.md §${section}" or "docs/protocols.md §${section}")`;
  }
  if (!index) return `docs/${file} does not exist`;
  if (section !== undefined) return index.numbered.has(section) ? undefined : `docs/${file} has no "## ${section}" heading`;
  const named = index.named.filter((n) => n.text.startsWith(name!.toLowerCase()));
  if (named.length === 0) return `docs/${file} has no heading or bold term "${name}"`;
  if (item !== undefined && !named.some((n) => n.items.has(item))) return `docs/${file} "${name}" has no item ${item}.`;
  return undefined;
}

describe('citations of docs/ in src/', () => {
  test('the citation reader attributes each § to the docs file before it, and flags the rest', () => {
    expect(citationsOf('(docs/protocols.md §2.2–§2.4, §7.2; docs/integration.md §8)')).toEqual([
      { file: 'protocols.md', section: '2.2' },
      { file: 'protocols.md', section: '2.4' },
      { file: 'protocols.md', section: '7.2' },
      { file: 'integration.md', section: '8' },
    ]);
    expect(citationsOf('spec §5.2 and RFC 9110 §10.2.3')).toEqual([{ file: undefined, section: '5.2' }]);
    expect(citationsOf('(docs/design.md "The job" §3; docs/design.md "Idempotent creates"), "quoted" §4')).toEqual([
      { file: 'design.md', name: 'The job', item: '3' },
      { file: 'design.md', name: 'Idempotent creates' },
      { file: 'design.md', section: '4' },
    ]);
    expect(problemOf({ file: 'design.md', name: 'The job', item: '3' }, indexOf('design.md'))).toBeUndefined();
    expect(problemOf({ file: 'design.md', name: 'The job', item: '9' }, indexOf('design.md'))).toMatch(/has no item 9/);
    expect(problemOf({ file: 'design.md', name: 'No such thing' }, indexOf('design.md'))).toMatch(/no heading or bold term/);
    expect(problemOf({ file: 'integration.md', section: '5.2' }, indexOf('integration.md'))).toBeUndefined();
    expect(problemOf({ file: 'integration.md', section: '99.1' }, indexOf('integration.md'))).toMatch(/no "## 99.1" heading/);
    expect(citationsOf('../shared/spec/protocols.md §2.6')).toEqual([{ file: undefined, section: '2.6' }]);
    expect(textBlocks('a.ts', '// one\n// two §1\nconst x = 1; // three\nconst s = "§4";').map((b) => b.text)).toEqual([
      '// one\n// two §1',
      '// three',
      '"§4"',
    ]);
  });

  test('every citation in src/ names a file under docs/ and a heading (or term) that exists there', () => {
    const files = filesUnder(join(ROOT, 'src'), /\.(ts|md)$/);
    expect(files.length).toBeGreaterThan(100);
    const indexes = new Map<string, DocIndex | undefined>();
    const problems: string[] = [];
    let checked = 0;
    for (const path of files) {
      const where = relative(ROOT, path).split(sep).join('/');
      const text = readFileSync(path, 'utf8');
      if (!text.includes('§') && !text.includes('docs/')) continue; // nothing cited
      for (const block of textBlocks(path, text)) {
        for (const citation of citationsOf(block.text)) {
          checked++;
          if (citation.file !== undefined && !indexes.has(citation.file)) indexes.set(citation.file, indexOf(citation.file));
          const problem = problemOf(citation, citation.file === undefined ? undefined : indexes.get(citation.file));
          if (problem) problems.push(`${where}:${block.line}: ${problem}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });

  test('nothing in src/, docs/ or the README points at the specification folder outside the repository', () => {
    const files = [...filesUnder(join(ROOT, 'src'), /./), ...filesUnder(join(ROOT, 'docs'), /./), join(ROOT, 'README.md')];
    const hits = files.flatMap((path) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${relative(ROOT, path).split(sep).join('/')}:${i + 1}` }))
        .filter(({ line }) => line.includes('shared/'))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(hits).toEqual([]);
  });
});
