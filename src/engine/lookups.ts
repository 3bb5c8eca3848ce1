/**
 * The TransferContext the mapping layer's pure transfer functions ask: couplings of referenced mappings
 * (currency, salesperson, unit of measure, option sets, ...). Lookups by BC id answer from the state at once;
 * lookups by a code or number need an index of the referenced BC table, read once per run and only when a
 * record actually needs one (so a run with nothing to do costs no extra requests).
 */
import type { IntegrationTableMapping, PassDirection, ResolvedLookupKey, TransferContext } from '../mapping/index.js';
import type { Side } from '../sides/types.js';
import type { CouplingLookup } from '../state/index.js';
import { bcTable } from './tables.js';

interface Index {
  /** scope+value (upper-cased) → BC id */
  forward: Map<string, string>;
  /** BC id → value */
  reverse: Map<string, string>;
}

function scopeKey(scope: Record<string, string>, value: string): string {
  const parts = Object.keys(scope)
    .sort()
    .map((k) => `${k}=${scope[k]!.toUpperCase()}`);
  return [...parts, value.toUpperCase()].join('\u0001');
}

export interface LookupEnvironment {
  bc: Side;
  couplings: CouplingLookup;
  /** Every mapping of the profile (referenced ones need not be the one running). */
  mappings: readonly IntegrationTableMapping[];
  bcLcyCode: string;
  dataverseBaseCurrencyId: string | undefined;
  exchangeRates?: Map<string, number>;
  dataverseCurrencyPrecision?: number;
}

export class Lookups {
  private readonly indexes = new Map<string, Index>();
  /** Index requests made while an index was not built yet: `mapping|property|scopeProps`. */
  readonly missing = new Set<string>();

  constructor(private readonly env: LookupEnvironment) {}

  private indexName(mapping: string, property: string, scopeProps: string[]): string {
    return [mapping, property, ...scopeProps.sort()].join('|');
  }

  /** Reads the indexes that planning asked for; returns whether any was built. */
  async buildMissing(): Promise<boolean> {
    const wanted = [...this.missing];
    this.missing.clear();
    for (const name of wanted) {
      if (this.indexes.has(name)) continue;
      const [mappingName, property, ...scopeProps] = name.split('|') as [string, string, ...string[]];
      const mapping = this.env.mappings.find((m) => m.name === mappingName);
      const index: Index = { forward: new Map(), reverse: new Map() };
      if (mapping) {
        const table = { ...bcTable(mapping), select: ['id', property, ...scopeProps] };
        for await (const page of this.env.bc.list(table, { ignoreTableFilter: true })) {
          for (const rec of page) {
            const value = rec.fields[property];
            if (value === undefined || value === null || value === '') continue;
            const scope: Record<string, string> = {};
            for (const p of scopeProps) scope[p] = String(rec.fields[p] ?? '');
            index.forward.set(scopeKey(scope, String(value)), rec.id);
            index.reverse.set(rec.id, String(value));
          }
        }
      }
      this.indexes.set(name, index);
    }
    return wanted.length > 0;
  }

  private index(mapping: string, property: string, scope: Record<string, string>): Index | undefined {
    const name = this.indexName(mapping, property, Object.keys(scope));
    const index = this.indexes.get(name);
    if (!index) this.missing.add(name);
    return index;
  }

  private bcIdOf(mapping: string, property: string, scope: Record<string, string>, value: string): string | undefined {
    if (property === 'id') return value.toLowerCase();
    return this.index(mapping, property, scope)?.forward.get(scopeKey(scope, value));
  }

  private valueOf(mapping: string, property: string, scope: Record<string, string>, bcId: string): string | undefined {
    if (property === 'id') return bcId;
    return this.index(mapping, property, scope)?.reverse.get(bcId);
  }

  context(): TransferContext {
    const env = this.env;
    return {
      bcLcyCode: env.bcLcyCode,
      dataverseBaseCurrencyId: env.dataverseBaseCurrencyId,
      dataverseCurrencyPrecision: env.dataverseCurrencyPrecision,
      exchangeRate: (code) => env.exchangeRates?.get(code.toUpperCase()),
      lookupCoupled: (mappingName: string, direction: PassDirection, value: string, key: ResolvedLookupKey) => {
        if (direction === 'to-dataverse') {
          const bcId = this.bcIdOf(mappingName, key.bcProperty, key.scope, value);
          return bcId === undefined ? undefined : env.couplings.byBcId(mappingName, bcId)?.dataverseId;
        }
        const c = env.couplings.byDataverseId(mappingName, value);
        return c === undefined ? undefined : this.valueOf(mappingName, key.bcProperty, key.scope, c.bcId);
      },
      lookupOption: (mappingName, direction, value, bcKey) => {
        if (direction === 'to-dataverse') {
          const bcId = this.bcIdOf(mappingName, bcKey, {}, String(value));
          const c = bcId === undefined ? undefined : env.couplings.byBcId(mappingName, bcId);
          return c === undefined ? undefined : Number(c.dataverseId);
        }
        const c = env.couplings.byDataverseId(mappingName, String(value));
        return c === undefined ? undefined : this.valueOf(mappingName, bcKey, {}, c.bcId);
      },
    };
  }
}
