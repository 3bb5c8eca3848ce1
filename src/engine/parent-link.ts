/**
 * A contact's parent account (docs/integration.md §2.2 CONTACT): not a field mapping in BC but table logic.
 * BC→Dataverse: the account coupled to the customer or vendor that the contact's company has a business
 * relation with. Dataverse→BC: the company contact of the customer or vendor coupled to the parent account.
 * The business relations come from API v2.0 `contactsInformation`, read by the read step (once per run, and
 * only when a contact is planned); planning the link is pure.
 */
import type { ParentLink } from '../mapping/index.js';
import type { Rec, SideTable } from '../sides/types.js';
import type { CouplingLookup } from '../state/index.js';
import type { DirectionPlan, Pair, RecordPlan } from './plan.js';

/** Where the business relations are read from. */
export const BUSINESS_RELATIONS: SideTable = {
  entitySet: 'contactsInformation',
  api: 'v2.0',
  key: 'id',
  modifiedField: 'lastModifiedDateTime',
  filter: [{ field: 'contactType', op: 'eq', value: 'Company' }],
  select: ['id', 'contactNumber', 'relatedId', 'relatedType'],
};

export interface ParentLinkContext {
  /** Company contact number (upper-cased) → customer/vendor ids. */
  byCompany: Map<string, string[]>;
  /** Customer/vendor id → company contact number. */
  byRelated: Map<string, string>;
  couplings: CouplingLookup;
}

/** Indexes the business relations read from BC. */
export function indexRelations(rows: Iterable<Rec>, couplings: CouplingLookup): ParentLinkContext {
  const context: ParentLinkContext = { byCompany: new Map(), byRelated: new Map(), couplings };
  for (const row of rows) {
    const company = String(row.fields.contactNumber ?? '');
    const related = String(row.fields.relatedId ?? '').toLowerCase();
    if (!company || !related) continue;
    const key = company.toUpperCase();
    context.byCompany.set(key, [...(context.byCompany.get(key) ?? []), related]);
    context.byRelated.set(related, company);
  }
  return context;
}

function accountFor(link: ParentLink, ctx: ParentLinkContext, companyNumber: string): { id?: string; related: boolean } {
  const relatedIds = ctx.byCompany.get(companyNumber.toUpperCase()) ?? [];
  for (const relatedId of relatedIds) {
    for (const via of link.via) {
      const c = ctx.couplings.byBcId(via, relatedId);
      if (c) return { id: c.dataverseId, related: true };
    }
  }
  return { related: relatedIds.length > 0 };
}

function companyFor(link: ParentLink, ctx: ParentLinkContext, accountId: string): string | undefined {
  for (const via of link.via) {
    const c = ctx.couplings.byDataverseId(via, accountId);
    const company = c && ctx.byRelated.get(c.bcId);
    if (company) return company;
  }
  return undefined;
}

function addLink(p: DirectionPlan, etag: string | undefined, entries: Record<string, unknown>) {
  if (p.action === 'unchanged') {
    p.action = 'modify';
    p.reason = 'parent link differs';
    p.etag = etag;
  }
  p.values = { ...p.values, ...entries };
  p.changed = [...(p.changed ?? []), 'parentLink'];
}

function failLink(p: DirectionPlan, error: string) {
  p.action = 'fail';
  p.values = undefined;
  p.error = error;
}

const writing = (p: DirectionPlan | undefined): p is DirectionPlan =>
  p !== undefined && (p.action === 'insert' || p.action === 'modify' || p.action === 'unchanged');

/** Adds the parent link to a planned record of a mapping that has one. */
export function planParentLink(link: ParentLink, record: RecordPlan, pair: Pair, ctx: ParentLinkContext): void {
  const readName = `_${link.dataverse}_value`;
  const toDv = record.toDataverse;
  if (writing(toDv) && pair.bc) {
    const company = String(pair.bc.fields[link.bcProperty] ?? '');
    const account = company ? accountFor(link, ctx, company) : { related: false };
    if (!account.id) {
      failLink(
        toDv,
        account.related
          ? `the contact's company ${company} belongs to a customer or vendor that is not coupled; couple it first (bcsync couple --mapping CUSTOMER ...)`
          : `the contact's company ${company || '(none)'} has no business relation with a customer or vendor, so the contact has no parent account in Dataverse`,
      );
    } else if (toDv.action === 'insert' || String(pair.dv?.fields[readName] ?? '').toLowerCase() !== account.id.toLowerCase()) {
      addLink(toDv, pair.dv?.etag, { [`${link.navigation}@odata.bind`]: `/${link.target}(${account.id})` });
    }
  }
  const toBc = record.toBc;
  if (writing(toBc) && pair.dv) {
    const accountId = String(pair.dv.fields[readName] ?? '').toLowerCase();
    const company = accountId ? companyFor(link, ctx, accountId) : undefined;
    if (!company) {
      failLink(toBc, 'the parent account of this contact is not coupled to a customer or vendor with a company contact in Business Central (company does not exist); couple the account first');
    } else if (toBc.action === 'insert' || String(pair.bc?.fields[link.bcProperty] ?? '').toUpperCase() !== company.toUpperCase()) {
      addLink(toBc, pair.bc?.etag, { [link.bcProperty]: company });
    }
  }
}
