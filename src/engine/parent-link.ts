/**
 * A contact's parent account (spec §2.2 CONTACT): not a field mapping in BC but table logic. BC→Dataverse: the
 * account coupled to the customer or vendor that the contact's company has a business relation with.
 * Dataverse→BC: the company contact of the customer or vendor coupled to the parent account. The business
 * relations come from API v2.0 `contactsInformation`, read once per run and only when a contact is planned.
 */
import type { IntegrationTableMapping, ParentLink } from '../mapping/index.js';
import type { Side, SideTable } from '../sides/types.js';
import type { CouplingLookup } from '../state/index.js';
import type { Pair, RecordPlan, SyncPlan } from './plan.js';

const RELATIONS: SideTable = {
  entitySet: 'contactsInformation',
  api: 'v2.0',
  key: 'id',
  modifiedField: 'lastModifiedDateTime',
  filter: [{ field: 'contactType', op: 'eq', value: 'Company' }],
  select: ['id', 'contactNumber', 'relatedId', 'relatedType'],
};

interface Relations {
  /** Company contact number (upper-cased) → customer/vendor ids. */
  byCompany: Map<string, string[]>;
  /** Customer/vendor id → company contact number. */
  byRelated: Map<string, string>;
}

async function readRelations(bc: Side): Promise<Relations> {
  const relations: Relations = { byCompany: new Map(), byRelated: new Map() };
  for await (const page of bc.list(RELATIONS)) {
    for (const row of page) {
      const company = String(row.fields.contactNumber ?? '');
      const related = String(row.fields.relatedId ?? '').toLowerCase();
      if (!company || !related) continue;
      const key = company.toUpperCase();
      relations.byCompany.set(key, [...(relations.byCompany.get(key) ?? []), related]);
      relations.byRelated.set(related, company);
    }
  }
  return relations;
}

function accountFor(link: ParentLink, relations: Relations, couplings: CouplingLookup, companyNumber: string): { id?: string; related: boolean } {
  const relatedIds = relations.byCompany.get(companyNumber.toUpperCase()) ?? [];
  for (const relatedId of relatedIds) {
    for (const via of link.via) {
      const c = couplings.byBcId(via, relatedId);
      if (c) return { id: c.dataverseId, related: true };
    }
  }
  return { related: relatedIds.length > 0 };
}

function companyFor(link: ParentLink, relations: Relations, couplings: CouplingLookup, accountId: string): string | undefined {
  for (const via of link.via) {
    const c = couplings.byDataverseId(via, accountId);
    const company = c && relations.byRelated.get(c.bcId);
    if (company) return company;
  }
  return undefined;
}

function promote(p: NonNullable<RecordPlan['toDataverse']>, etag: string | undefined, entries: Record<string, unknown>, fieldId: string) {
  if (p.action === 'unchanged') {
    p.action = 'modify';
    p.etag = etag;
  }
  p.values = { ...p.values, ...entries };
  p.changed = [...(p.changed ?? []), fieldId];
}

/** Adds the parent link to the planned writes of a mapping that has one; changes the plan in place. */
export async function planParentLinks(
  m: IntegrationTableMapping,
  syncPlan: SyncPlan,
  pairs: Iterable<Pair>,
  bc: Side,
  couplings: CouplingLookup,
): Promise<void> {
  const link = m.parentLink;
  if (!link) return;
  const writing = (a: string | undefined) => a === 'insert' || a === 'modify' || a === 'unchanged';
  const planned = syncPlan.records.filter((r) => writing(r.toDataverse?.action) || writing(r.toBc?.action));
  if (planned.length === 0) return;
  const byBc = new Map<string, Pair>();
  const byDv = new Map<string, Pair>();
  for (const pair of pairs) {
    if (pair.bc) byBc.set(pair.bc.id, pair);
    if (pair.dv) byDv.set(pair.dv.id, pair);
  }
  const relations = await readRelations(bc);
  const readName = `_${link.dataverse}_value`;
  const bind = `${link.navigation}@odata.bind`;
  for (const record of planned) {
    const pair = (record.bcId && byBc.get(record.bcId)) || (record.dataverseId && byDv.get(record.dataverseId)) || undefined;
    if (!pair) continue;
    const toDv = record.toDataverse;
    if (toDv && writing(toDv.action) && pair.bc) {
      const company = String(pair.bc.fields[link.bcProperty] ?? '');
      const account = company ? accountFor(link, relations, couplings, company) : { related: false };
      if (!account.id) {
        toDv.action = 'fail';
        toDv.values = undefined;
        toDv.error = account.related
          ? `the contact's company ${company} belongs to a customer or vendor that is not coupled; couple it first (bcsync couple --mapping CUSTOMER ...)`
          : `the contact's company ${company || '(none)'} has no business relation with a customer or vendor, so the contact has no parent account in Dataverse`;
      } else if (toDv.action === 'insert' || String(pair.dv?.fields[readName] ?? '').toLowerCase() !== account.id.toLowerCase()) {
        promote(toDv, pair.dv?.etag, { [bind]: `/${link.target}(${account.id})` }, 'parentLink');
      }
    }
    const toBc = record.toBc;
    if (toBc && writing(toBc.action) && pair.dv) {
      const accountId = String(pair.dv.fields[readName] ?? '').toLowerCase();
      const company = accountId ? companyFor(link, relations, couplings, accountId) : undefined;
      if (!company) {
        toBc.action = 'fail';
        toBc.values = undefined;
        toBc.error = `the parent account of this contact is not coupled to a customer or vendor with a company contact in Business Central (company does not exist); couple the account first`;
      } else if (toBc.action === 'insert' || String(pair.bc?.fields[link.bcProperty] ?? '').toUpperCase() !== company.toUpperCase()) {
        promote(toBc, pair.bc?.etag, { [link.bcProperty]: company }, 'parentLink');
      }
    }
  }
}
