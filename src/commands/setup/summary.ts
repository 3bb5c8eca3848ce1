import { defaultMappings } from '../../mapping/index.js';
import type { Direction, IntegrationOptions } from '../../mapping/index.js';
import type { Column } from '../../io/output.js';

/** One default integration table mapping as setup shows it. */
export interface MappingSummary {
  name: string;
  bcTable: string;
  dataverseTable: string;
  direction: Direction;
  /** Minutes between scheduled runs; null when the mapping has no job of its own. */
  intervalMinutes: number | null;
  /** Inactivity timeout of the job (docs/integration.md §4.1, §4.3): how long an idle job stays on hold, minutes. */
  inactivityTimeoutMinutes: number | null;
}

export function mappingSummaries(options: IntegrationOptions): MappingSummary[] {
  return defaultMappings(options).map((m) => ({
    name: m.name,
    bcTable: m.bc.table,
    // Option mappings map to an option set of a column, not to rows of a table.
    dataverseTable: m.kind === 'option' ? `${m.dataverse.table}.${m.dataverse.key}` : m.dataverse.table,
    direction: m.direction,
    intervalMinutes: m.schedule?.intervalMinutes ?? null,
    inactivityTimeoutMinutes: m.schedule?.inactivityTimeoutMinutes ?? null,
  }));
}

const DIRECTION_LABEL: Record<Direction, string> = {
  'to-dataverse': 'BC -> Dataverse',
  'from-dataverse': 'Dataverse -> BC',
  bidirectional: 'both ways',
};

export const mappingColumns: Column[] = [
  { key: 'name', header: 'Mapping' },
  { key: 'bcTable', header: 'Business Central' },
  { key: 'dataverseTable', header: 'Dataverse' },
  { key: 'direction', header: 'Direction' },
  { key: 'schedule', header: 'Schedule' },
];

/** Rows for Output.table: direction and schedule in words. */
export function mappingRows(summaries: MappingSummary[]): Record<string, string>[] {
  return summaries.map((s) => ({
    name: s.name,
    bcTable: s.bcTable,
    dataverseTable: s.dataverseTable,
    direction: DIRECTION_LABEL[s.direction],
    schedule:
      s.intervalMinutes === null ? 'no job' : `every ${s.intervalMinutes} min, inactivity timeout ${s.inactivityTimeoutMinutes} min`,
  }));
}
