import { Chalk, type ChalkInstance } from 'chalk';
import ora, { type Ora } from 'ora';
import type { Io } from './io.js';

export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  /** false when --no-color was given. */
  color?: boolean;
}

export interface Column {
  key: string;
  header: string;
  align?: 'left' | 'right';
}

export interface Spinner {
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  stop(): void;
}

/**
 * stdout is for data (a table on a TTY, TSV when piped, JSON with --json); messages, warnings, spinners and
 * progress go to stderr, and spinners/colour only when stderr is a terminal.
 */
export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** Colours for stdout. */
  readonly c: ChalkInstance;
  /** Colours for stderr. */
  readonly ce: ChalkInstance;
  private readonly interactive: boolean;

  constructor(
    readonly io: Io,
    options: OutputOptions = {},
  ) {
    this.json = Boolean(options.json);
    this.quiet = Boolean(options.quiet);
    this.verbose = Boolean(options.verbose) && !this.quiet;
    const colorAllowed = options.color !== false && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
    this.c = new Chalk({ level: colorAllowed && io.stdoutIsTTY ? 1 : 0 });
    this.ce = new Chalk({ level: colorAllowed && io.stderrIsTTY ? 1 : 0 });
    this.interactive = io.stderrIsTTY && !this.quiet && !io.env.CI;
  }

  /** A JSON document on stdout (the --json contract). */
  writeJson(value: unknown): void {
    this.io.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }

  /** A line of data on stdout. */
  line(text = ''): void {
    this.io.stdout.write(text + '\n');
  }

  /** Rows as an aligned table on a terminal, TSV (with a header line) when piped. */
  table(rows: Record<string, unknown>[], columns: Column[]): void {
    const cell = (v: unknown): string =>
      v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (!this.io.stdoutIsTTY) {
      this.line(columns.map((col) => col.key).join('\t'));
      for (const row of rows) this.line(columns.map((col) => cell(row[col.key]).replace(/[\t\n]/g, ' ')).join('\t'));
      return;
    }
    const widths = columns.map((col) => Math.max(col.header.length, ...rows.map((r) => cell(r[col.key]).length)));
    const pad = (text: string, i: number) =>
      columns[i]!.align === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
    this.line(this.c.bold(columns.map((col, i) => pad(col.header, i)).join('  ').trimEnd()));
    for (const row of rows) this.line(columns.map((col, i) => pad(cell(row[col.key]), i)).join('  ').trimEnd());
  }

  /** A message for people, on stderr; silent with --quiet. */
  info(text: string): void {
    if (!this.quiet) this.io.stderr.write(text + '\n');
  }

  warn(text: string): void {
    this.io.stderr.write(this.ce.yellow('warning: ') + text + '\n');
  }

  debug(text: string): void {
    if (this.verbose) this.io.stderr.write(this.ce.dim(text) + '\n');
  }

  /** A spinner on a terminal; elsewhere only the final line is printed (and nothing with --quiet). */
  spinner(text: string): Spinner {
    if (!this.interactive) {
      return {
        update: () => undefined,
        succeed: (t) => this.info(t),
        fail: (t) => this.io.stderr.write(t + '\n'),
        stop: () => undefined,
      };
    }
    const s: Ora = ora({ text, stream: this.io.stderr as NodeJS.WritableStream, discardStdin: false }).start();
    return {
      update: (t) => {
        s.text = t;
      },
      succeed: (t) => void s.succeed(t),
      fail: (t) => void s.fail(t),
      stop: () => void s.stop(),
    };
  }
}
