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
  /** For the base unit of Dataverse unit groups (products without unit groups); read once, when asked. */
  dataverse?: Side;
}

/** `missing` entry asking for the Dataverse base units of unit groups. */
const BASE_UNITS = 'dataverse|uoms|base';

export class Lookups {
  private readonly indexes = new Map<string, Index>();
  /** Dataverse unit group id → its base unit's id. */
  private baseUnits: Map<string, string> | undefined;
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
      if (name === BASE_UNITS) {
        this.baseUnits = await this.readBaseUnits();
        continue;
      }
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

  private async readBaseUnits(): Promise<Map<string, string>> {
    const units = new Map<string, string>();
    if (!this.env.dataverse) return units;
    const table = {
      entitySet: 'uoms',
      key: 'uomid',
      modifiedField: 'modifiedon',
      filter: [{ field: 'isschedulebaseuom', op: 'eq' as const, value: true }],
      select: ['uomid', '_uomscheduleid_value'],
    };
    for await (const page of this.env.dataverse.list(table)) {
      for (const rec of page) {
        const group = rec.fields['_uomscheduleid_value'];
        if (typeof group === 'string') units.set(group.toLowerCase(), rec.id.toLowerCase());
      }
    }
    return units;
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
      baseUnitOfCoupledGroup: (mappingName, code) => {
        // Both the BC code index and the base units are asked for in the same planning pass.
        if (this.baseUnits === undefined) this.missing.add(BASE_UNITS);
        const bcId = this.bcIdOf(mappingName, 'code', {}, code);
        const group = bcId === undefined ? undefined : env.couplings.byBcId(mappingName, bcId)?.dataverseId;
        return group === undefined ? undefined : this.baseUnits?.get(group.toLowerCase());
      },
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
