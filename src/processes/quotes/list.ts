/**
 * Which Dataverse quotes Business Central's quote processing takes, and which are coupled to a BC sales quote
 * (README.md in this folder, "Which quotes are listed"). Read-only: it reads through the Sides and the couplings.
 */
import { headerTable, QUOTE_TABLES } from '../documents/index.js';
import type { Rec, Side, SideTable } from '../../sides/types.js';

/** The couplings of a Sales Header (quote) with a Dataverse quote (BC's CRM Integration Record for quotes). */
export const SALES_QUOTE_MAPPING = 'SALESQUOTE-QUOTE';

/** quote statecode values (docs/integration.md §8.3). */
export const QUOTE_STATE = { draft: 0, active: 1, won: 2, closed: 3 } as const;
/** quote statuscode Revised (state Closed): a revision replaced by a newer one. */
export const QUOTE_STATUS_REVISED = 7;

const STATE_LABEL: Record<number, string> = { 0: 'Draft', 1: 'Active', 2: 'Won', 3: 'Closed' };

export function quoteStateLabel(statecode: unknown): string {
  return STATE_LABEL[Number(statecode)] ?? String(statecode);
}

export interface QuoteListing {
  quoteid: string;
  quotenumber: string;
  revisionnumber: number;
  name: string;
  /** Draft, Active, Won or Closed. */
  statecode: string;
  /** The coupled BC sales quote's number; null until the quote is processed (or when the BC quote is gone). */
  bcNumber: string | null;
}

export interface QuoteListSources {
  bc: Side;
  dataverse: Side;
  /** Dataverse quote id → BC sales quote id, for the quotes coupled under SALESQUOTE-QUOTE. */
  coupledQuotes: ReadonlyMap<string, string>;
  /** This company's row in `cdm_companies`; undefined when the integration solution has none. */
  dataverseCompanyId?: string;
}


const table = (entitySet: string, key: string, select: string[], modifiedField = 'modifiedon'): SideTable => ({ entitySet, key, modifiedField, filter: [], select });

/** The quote header as the shared conversion reads it, with what the processing decides on. */
const CONVERTED = headerTable(QUOTE_TABLES);
export const QUOTES: SideTable = { ...CONVERTED, select: [...(CONVERTED.select ?? []), 'revisionnumber', 'statuscode', 'effectiveto'] };
export const BC_QUOTES = table('salesQuotes', 'id', ['number', 'customerNumber', 'externalDocumentNumber', 'validUntilDate'], 'lastModifiedDateTime');

/**
 * The quotes the processing takes: Active or Won (`statecode` 1 or 2; Draft quotes are still being written,
 * Closed ones are lost, canceled or revised), unstamped or stamped with this company. One `$filter`.
 */
export async function candidateQuotes(dataverse: Side, dataverseCompanyId: string | undefined, quoteIds?: readonly string[]): Promise<Rec[]> {
  const where = [
    { field: 'statecode', op: 'in' as const, value: [QUOTE_STATE.active, QUOTE_STATE.won] },
    { field: '_bcbi_companyid_value', op: 'in' as const, value: dataverseCompanyId ? [null, dataverseCompanyId] : [null] },
  ];
  if (quoteIds) return (await dataverse.get(QUOTES, [...quoteIds])).filter((r) => [QUOTE_STATE.active, QUOTE_STATE.won].includes(Number(r.fields.statecode) as 1 | 2));
  const rows: Rec[] = [];
  for await (const page of dataverse.list(QUOTES, { where })) rows.push(...page);
  return rows;
}

/** The Active and Won quotes of this company, and every coupled quote with its BC number; by number and revision. */
export async function listQuotes(sources: QuoteListSources): Promise<QuoteListing[]> {
  const { bc, dataverse, coupledQuotes, dataverseCompanyId } = sources;
  const candidates = await candidateQuotes(dataverse, dataverseCompanyId);
  const seen = new Set(candidates.map((r) => r.id));
  const missing = [...coupledQuotes.keys()].filter((id) => !seen.has(id));
  const coupled = missing.length > 0 ? await dataverse.get(QUOTES, missing) : [];
  const bcQuotes = new Map((coupledQuotes.size > 0 ? await bc.get(BC_QUOTES, [...coupledQuotes.values()]) : []).map((r) => [r.id, r.fields]));
  return [...candidates, ...coupled]
    .map((r) => {
      const bcId = coupledQuotes.get(r.id);
      const bcQuote = bcId ? bcQuotes.get(bcId) : undefined;
      return {
        quoteid: r.id,
        quotenumber: text(r.fields.quotenumber),
        revisionnumber: Number(r.fields.revisionnumber ?? 0),
        name: text(r.fields.name),
        statecode: quoteStateLabel(r.fields.statecode),
        bcNumber: bcQuote ? text(bcQuote.number) : null,
      };
    })
    .sort((a, b) => a.quotenumber.localeCompare(b.quotenumber) || a.revisionnumber - b.revisionnumber || a.quoteid.localeCompare(b.quoteid));
}

export function text(v: unknown): string {
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
}
