/**
 * Per-resource behaviour on top of the shared write pipeline (company.ts): what BC's API pages and
 * tables do in their OnInsert/OnModify/OnDelete triggers and bound actions.
 */
import type { Company, WriteOptions } from './company.js';
import { documentHooks } from './documents.js';
import { inventoryHooks } from './inventory.js';
import { masterHooks } from './masters.js';
import { salesExtraHooks } from './sales-extras.js';
import type { Rec, Row } from './store.js';

export interface Hooks {
  /** After links are resolved, before the key/number series and the write. May change `data`. */
  beforeInsert?(c: Company, data: Rec, sent: Readonly<Rec>, opts: WriteOptions): void;
  /** After the row is stored; `nested` holds deep-insert collections. */
  afterInsert?(c: Company, row: Row, nested: Record<string, unknown[]>, opts: WriteOptions): void;
  beforeUpdate?(c: Company, data: Rec, sent: Readonly<Rec>, previous: Readonly<Rec>, opts: WriteOptions): void;
  afterUpdate?(c: Company, row: Row, previous: Readonly<Rec>, opts: WriteOptions): void;
  afterRename?(c: Company, id: string, newKey: string): void;
  beforeDelete?(c: Company, row: Row, opts: WriteOptions): void;
  afterDelete?(c: Company, row: Row, opts: WriteOptions): void;
  /** Bound actions, `Microsoft.NAV.<name>`. */
  actions?: Record<string, (c: Company, row: Row) => void>;
  /** What a person does in the client that no API action offers (posting a shipment on its own). */
  personActions?: Record<string, (c: Company, row: Row) => void>;
}

export const HOOKS: Readonly<Record<string, Hooks>> = { ...masterHooks, ...documentHooks, ...salesExtraHooks, ...inventoryHooks };
