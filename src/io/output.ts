import fs from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { Chalk, type ChalkInstance } from 'chalk';
import ora, { type Ora } from 'ora';
import { systemClock, type Clock } from '../clock.js';
import type { Io } from './io.js';

/** How progress shows on stderr: a spinner, periodic plain lines, NDJSON events, or not at all. */
export type ProgressMode = 'auto' | 'plain' | 'json' | 'none';
export const PROGRESS_MODES: readonly ProgressMode[] = ['auto', 'plain', 'json', 'none'];

/** Periodic plain progress lines (not on a terminal) come at most this often per task, phase changes aside. */
export const PLAIN_PROGRESS_INTERVAL_MS = 10_000;

export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  /** false when --no-color was given. */
  color?: boolean;
  /** Default auto: a spinner on a terminal, plain lines elsewhere, NDJSON with --json. */
  progress?: ProgressMode;
  /** Append every message (not data) to this file too, without colours (--log-file). */
  logFile?: string;
  clock?: Clock;
}

/** A structured progress step, for NDJSON readers (`--progress json`). */
export interface ProgressData {
  task?: string;
  phase?: string;
  done?: number;
  total?: number;
}

export interface Column {
  key: string;
  header: string;
  align?: 'left' | 'right';
}

export interface Spinner {
  update(text: string, data?: ProgressData): void;
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
  readonly stdoutColors: ChalkInstance;
  /** Colours for stderr. */
  readonly stderrColors: ChalkInstance;
  /** The progress mode in effect ('auto' resolved). */
  readonly progress: 'spinner' | Exclude<ProgressMode, 'auto'>;
  private readonly clock: Clock;
  private logFd: number | undefined;

  constructor(
    readonly io: Io,
    options: OutputOptions = {},
  ) {
    this.json = Boolean(options.json);
    this.quiet = Boolean(options.quiet);
    this.verbose = Boolean(options.verbose) && !this.quiet;
    const colorAllowed = options.color !== false && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
    this.stdoutColors = new Chalk({ level: colorAllowed && io.stdoutIsTTY ? 1 : 0 });
    this.stderrColors = new Chalk({ level: colorAllowed && io.stderrIsTTY ? 1 : 0 });
    this.clock = options.clock ?? systemClock;
    const mode = options.progress ?? 'auto';
    if (mode !== 'auto') this.progress = mode;
    else if (this.json) this.progress = 'json';
    else if (this.quiet) this.progress = 'none';
    else this.progress = io.stderrIsTTY && !io.env.CI ? 'spinner' : 'plain';
    if (options.logFile) this.openLogFile(options.logFile);
  }

  private openLogFile(file: string): void {
    try {
      this.logFd = fs.openSync(file, 'a', 0o600);
      // A file that existed keeps its mode on open: tighten it, messages may name records.
      fs.fchmodSync(this.logFd, 0o600);
    } catch (error) {
      throw new Error(`--log-file ${file} cannot be opened for appending (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); pass a writable file.`, { cause: error });
    }
  }

  /** Appends a message to --log-file (timestamped, no colours). */
  record(text: string): void {
    if (this.logFd === undefined) return;
    const line = `${new Date(this.clock.now()).toISOString()} ${stripVTControlCharacters(text).trimEnd()}\n`;
    fs.writeSync(this.logFd, line);
  }

  /** Closes --log-file. */
  close(): void {
    if (this.logFd !== undefined) fs.closeSync(this.logFd);
    this.logFd = undefined;
  }

  /** A message on stderr, copied to --log-file. */
  private err(text: string): void {
    this.io.stderr.write(text + '\n');
    this.record(text);
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
    this.line(this.stdoutColors.bold(columns.map((col, i) => pad(col.header, i)).join('  ').trimEnd()));
    for (const row of rows) this.line(columns.map((col, i) => pad(cell(row[col.key]), i)).join('  ').trimEnd());
  }

  /** A message for people, on stderr; silent with --quiet. */
  info(text: string): void {
    if (!this.quiet) this.err(text);
    else this.record(text);
  }

  warn(text: string): void {
    this.err(this.stderrColors.yellow('warning: ') + text);
  }

  debug(text: string): void {
    if (this.verbose) this.err(this.stderrColors.dim(text));
  }

  /** One NDJSON progress event on stderr (`--progress json`, or auto with --json). */
  private event(value: Record<string, unknown>): void {
    this.io.stderr.write(JSON.stringify({ at: new Date(this.clock.now()).toISOString(), ...value }) + '\n');
  }

  /**
   * Progress of one task: a spinner on a terminal; elsewhere a plain line when the phase changes and at most
   * every PLAIN_PROGRESS_INTERVAL_MS; NDJSON events with `--progress json`; the closing line in every mode.
   */
  spinner(text: string): Spinner {
    if (this.progress === 'json') {
      this.event({ event: 'start', text });
      return {
        update: (t, data) => this.event({ event: 'progress', text: t, ...data }),
        succeed: (t) => {
          this.event({ event: 'done', ok: true, text: t });
          this.record(t);
        },
        fail: (t) => {
          this.event({ event: 'done', ok: false, text: t });
          this.record(t);
        },
        stop: () => undefined,
      };
    }
    if (this.progress !== 'spinner') {
      let lastAt = this.clock.now();
      let lastPhase: string | undefined;
      return {
        update: (t, data) => {
          if (this.progress !== 'plain') return;
          const now = this.clock.now();
          const phase = data?.phase ?? t;
          if (phase === lastPhase && now - lastAt < PLAIN_PROGRESS_INTERVAL_MS) return;
          lastAt = now;
          lastPhase = phase;
          this.info(t);
        },
        succeed: (t) => this.info(t),
        fail: (t) => this.err(t),
        stop: () => undefined,
      };
    }
    const s: Ora = ora({ text, color: this.stderrColors.level > 0 ? 'cyan' : false, stream: this.io.stderr as NodeJS.WritableStream, discardStdin: false }).start();
    // ora colours its own symbols whatever --no-color says; ours follow the flag.
    return {
      update: (t) => {
        s.text = t;
      },
      succeed: (t) => {
        s.stopAndPersist({ symbol: this.stderrColors.green('✔'), text: t });
        this.record(t);
      },
      fail: (t) => {
        s.stopAndPersist({ symbol: this.stderrColors.red('✖'), text: t });
        this.record(t);
      },
      stop: () => void s.stop(),
    };
  }
}
