/**
 * The organization's option sets (choices). Every picklist column has its own local option set,
 * so BC's option mappings can insert a value into account.paymenttermscode and mirror it into the
 * salesorder/quote/invoice sets, as docs/integration.md §2.2 describes.
 */
import type { Schema } from './schema.js';
import type { Store } from './store.js';
import type { GuidGenerator } from './ids.js';

export interface LocalizedLabel {
  label: string;
  languageCode: number;
}

export interface OptionEntry {
  value: number;
  labels: LocalizedLabel[];
  /** For status options: owning state. */
  state?: number;
  metadataId: string;
  isManaged: boolean;
}

export interface OptionSetEntry {
  name: string;
  metadataId: string;
  attributeMetadataId: string;
  kind: 'picklist' | 'state' | 'status';
  options: OptionEntry[];
}

/** First value of options a publisher adds (publisher prefix 10000, as the default solution's). */
const CUSTOM_OPTION_START = 100000000;
export const DEFAULT_LANGUAGE = 1033;

export class OptionSets {
  /** Table logical name -> column -> its option set (two lookups, no key text made per value checked). */
  private readonly sets = new Map<string, Map<string, OptionSetEntry>>();

  constructor(
    schema: Schema,
    private readonly store: Store,
    ids: GuidGenerator,
  ) {
    for (const table of schema.bySet.values()) {
      for (const c of table.columns.values()) {
        if ((c.type !== 'picklist' && c.type !== 'state' && c.type !== 'status') || !c.options) continue;
        let columns = this.sets.get(table.logicalName);
        if (!columns) {
          columns = new Map();
          this.sets.set(table.logicalName, columns);
        }
        columns.set(c.name, {
          name: `${table.logicalName}_${c.name}`,
          metadataId: ids.next(),
          attributeMetadataId: ids.next(),
          kind: c.type,
          options: c.options.map((o) => ({
            value: o.value,
            labels: [{ label: o.label, languageCode: DEFAULT_LANGUAGE }],
            ...(o.state !== undefined ? { state: o.state } : {}),
            metadataId: ids.next(),
            isManaged: true,
          })),
        });
      }
    }
  }

  get(logicalName: string, attribute: string): OptionSetEntry | undefined {
    return this.sets.get(logicalName)?.get(attribute);
  }

  has(logicalName: string, attribute: string, value: number): boolean {
    return this.get(logicalName, attribute)?.options.some((o) => o.value === value) ?? false;
  }

  label(logicalName: string, attribute: string, value: number): string | undefined {
    return this.get(logicalName, attribute)?.options.find((o) => o.value === value)?.labels[0]?.label;
  }

  /** Adds an option; returns its value. Throws a message when the value or label is taken. */
  insert(logicalName: string, attribute: string, value: number | undefined, labels: LocalizedLabel[], metadataId: string): number {
    const set = this.get(logicalName, attribute);
    if (!set || set.kind !== 'picklist') throw new Error(`'${attribute}' of '${logicalName}' is not a choice column.`);
    let newValue = value;
    if (newValue === undefined) {
      newValue = CUSTOM_OPTION_START;
      for (const o of set.options) if (o.value >= newValue) newValue = o.value + 1;
    }
    if (set.options.some((o) => o.value === newValue)) {
      throw new Error(`An option with the value ${newValue} already exists in the option set '${set.name}'.`);
    }
    const entry: OptionEntry = { value: newValue, labels: labels.map((l) => ({ ...l })), metadataId, isManaged: false };
    set.options.push(entry);
    this.store.record(() => {
      const i = set.options.indexOf(entry);
      if (i >= 0) set.options.splice(i, 1);
    });
    return newValue;
  }

  /** Relabels an option; `merge` keeps labels of other languages. */
  update(logicalName: string, attribute: string, value: number, labels: LocalizedLabel[], merge: boolean): void {
    const set = this.get(logicalName, attribute);
    if (!set) throw new Error(`'${attribute}' of '${logicalName}' is not a choice column.`);
    const option = set.options.find((o) => o.value === value);
    if (!option) throw new Error(`The option value ${value} does not exist in the option set '${set.name}'.`);
    const before = option.labels;
    let after: LocalizedLabel[];
    if (merge) {
      after = before.filter((l) => !labels.some((n) => n.languageCode === l.languageCode)).concat(labels.map((l) => ({ ...l })));
    } else {
      after = labels.map((l) => ({ ...l }));
    }
    option.labels = after;
    this.store.record(() => {
      option.labels = before;
    });
  }

  remove(logicalName: string, attribute: string, value: number): void {
    const set = this.get(logicalName, attribute);
    if (!set) throw new Error(`'${attribute}' of '${logicalName}' is not a choice column.`);
    const i = set.options.findIndex((o) => o.value === value);
    if (i < 0) throw new Error(`The option value ${value} does not exist in the option set '${set.name}'.`);
    const [removed] = set.options.splice(i, 1);
    this.store.record(() => set.options.splice(i, 0, removed!));
  }
}
