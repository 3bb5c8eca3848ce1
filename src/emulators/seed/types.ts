/**
 * Seed data as the emulators load it. Records are in each API's read shape:
 * BC uses API property names (`id`, `number`, `displayName`, ...; custom-API entity sets from docs/custom-api.md);
 * Dataverse uses logical names with `<table>id` keys and `_x_value` for lookups.
 * Server-managed fields (lastModifiedDateTime, createdon/modifiedon, versionnumber, ETags) may be omitted:
 * the emulator fills them on load.
 */
export type SeedRecord = Record<string, unknown>;

export interface BcCompanySeed {
  id: string;
  name: string;
  displayName: string;
  /** Entity set (e.g. `customers`, `unitGroups`) -> records. */
  records: Record<string, SeedRecord[]>;
}

export interface BcSeed {
  companies: BcCompanySeed[];
}

export interface DataverseSeed {
  /** Entity set (e.g. `accounts`, `systemusers`) -> rows. */
  records: Record<string, SeedRecord[]>;
}

export interface SeedData {
  bc: BcSeed;
  dataverse: DataverseSeed;
}
