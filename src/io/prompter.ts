import { confirm, input, password, select } from '@inquirer/prompts';
import type { Io } from './io.js';

export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

/** Everything a command may ask a person. Only used when stdin and stdout are terminals. */
export interface Prompter {
  input(q: { message: string; default?: string; validate?: (value: string) => true | string }): Promise<string>;
  password(q: { message: string; validate?: (value: string) => true | string }): Promise<string>;
  select<T>(q: { message: string; choices: Choice<T>[]; default?: T }): Promise<T>;
  confirm(q: { message: string; default?: boolean }): Promise<boolean>;
}

const same = (text: string): string => text;

/** Inquirer's theme without colours (it colours by the terminal, not by --no-color). */
const PLAIN_THEME = {
  prefix: { idle: '?', done: '✔' },
  style: {
    answer: same,
    message: same,
    error: (text: string) => `> ${text}`,
    defaultAnswer: (text: string) => `(${text})`,
    help: same,
    highlight: same,
    key: (text: string) => `<${text}>`,
    description: same,
    disabled: same,
  },
};

/** The real terminal prompter (@inquirer/prompts) on the injected streams. */
export class InquirerPrompter implements Prompter {
  private readonly theme: typeof PLAIN_THEME | undefined;
  constructor(
    private readonly io: Io,
    options: { color?: boolean } = {},
  ) {
    this.theme = options.color === false ? PLAIN_THEME : undefined;
  }
  private get context() {
    return { input: this.io.stdin as NodeJS.ReadableStream, output: this.io.stderr as NodeJS.WritableStream };
  }
  input(q: { message: string; default?: string; validate?: (value: string) => true | string }): Promise<string> {
    return input({ message: q.message, default: q.default, validate: q.validate, theme: this.theme }, this.context);
  }
  password(q: { message: string; validate?: (value: string) => true | string }): Promise<string> {
    return password({ message: q.message, mask: '*', validate: q.validate, theme: this.theme }, this.context);
  }
  select<T>(q: { message: string; choices: Choice<T>[]; default?: T }): Promise<T> {
    return select<T>({ message: q.message, choices: q.choices, default: q.default, theme: this.theme }, this.context);
  }
  confirm(q: { message: string; default?: boolean }): Promise<boolean> {
    return confirm({ message: q.message, default: q.default, theme: this.theme }, this.context);
  }
}

type Answer = string | boolean | ((choices: Choice<unknown>[]) => unknown);

/**
 * A prompter driven by a script of answers, for tests: each question is matched by a regular expression
 * against its message; answers are consumed in order. Unexpected questions fail loudly.
 */
export class ScriptedPrompter implements Prompter {
  readonly asked: string[] = [];
  constructor(private readonly script: Array<[RegExp, Answer]>) {}

  private next(message: string): Answer {
    this.asked.push(message);
    const index = this.script.findIndex(([pattern]) => pattern.test(message));
    if (index < 0) throw new Error(`ScriptedPrompter: no scripted answer for "${message}"`);
    const [, answer] = this.script.splice(index, 1)[0]!;
    return answer;
  }
  private validated(message: string, value: string, validate?: (v: string) => true | string): string {
    const verdict = validate?.(value) ?? true;
    if (verdict !== true) throw new Error(`ScriptedPrompter: answer "${value}" to "${message}" rejected: ${verdict}`);
    return value;
  }
  async input(q: { message: string; default?: string; validate?: (value: string) => true | string }): Promise<string> {
    const a = this.next(q.message);
    const value = a === '' && q.default !== undefined ? q.default : String(a);
    return this.validated(q.message, value, q.validate);
  }
  async password(q: { message: string; validate?: (value: string) => true | string }): Promise<string> {
    return this.validated(q.message, String(this.next(q.message)), q.validate);
  }
  async select<T>(q: { message: string; choices: Choice<T>[]; default?: T }): Promise<T> {
    const a = this.next(q.message);
    if (typeof a === 'function') return a(q.choices as Choice<unknown>[]) as T;
    const found = q.choices.find((c) => c.name === a || String(c.value) === String(a));
    if (!found) throw new Error(`ScriptedPrompter: "${String(a)}" is not a choice of "${q.message}"`);
    return found.value;
  }
  async confirm(q: { message: string; default?: boolean }): Promise<boolean> {
    const a = this.next(q.message);
    return typeof a === 'boolean' ? a : /^y/i.test(String(a));
  }
}
