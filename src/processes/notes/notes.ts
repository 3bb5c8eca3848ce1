/**
 * Notes of coupled sales orders (docs/integration.md §8.6): Dataverse annotations ⇄ Business Central record-link
 * notes (custom API `recordLinks`, docs/custom-api.md). An annotation that is a plain note (not a document, file size
 * 0) on a coupled order becomes a note on the BC order (subject → description, text → note); a note added to the BC
 * order becomes an annotation. Each pair is coupled in the state (BC's "CRM Annotation Coupling"), with the times of
 * the last synchronization, so an edited note updates its counterpart instead of adding a second one.
 *
 * A copy gets the id of the note it copies, on either side (Dataverse upserts by key; the custom API keeps the id
 * it is sent and answers 409 to a repeat), so a create repeated after a crash finds the note it made, and a note
 * already copied with that id (by `sales-orders create`, or before a crash lost the coupling) is coupled, not copied
 * again.
 */
import type { EngineContext } from '../../engine/context.js';
import { emptyCounts, type MappingReport, type RecordOutcome } from '../../engine/report.js';
import { startProcessReport } from '../process-report.js';
import type { Rec, SideTable, WriteOp, WriteResult } from '../../sides/types.js';
import type { Coupling } from '../../state/index.js';

export const NOTES_PROCESS = 'NOTES';
/** The state's name for the note couplings (annotation ↔ record link). */
export const NOTE_COUPLINGS = 'NOTES';
const ORDER_MAPPING = 'SALESORDER-ORDER';
/** Record links on the Sales Header table. */
const SALES_HEADER_TABLE = 36;
/** Orders per `or` filter (the URL stays short). */
const ORDERS_PER_READ = 50;
/** Record Link Description is Text[250]; Note Text[2048] on the custom page. */
const DESCRIPTION_LENGTH = 250;
const NOTE_LENGTH = 2048;

const ANNOTATIONS: SideTable = {
  entitySet: 'annotations',
  key: 'annotationid',
  modifiedField: 'modifiedon',
  filter: [
    { field: 'isdocument', op: 'eq', value: false },
    { field: 'filesize', op: 'eq', value: 0 },
  ],
  select: ['subject', 'notetext', '_objectid_value'],
};
const RECORD_LINKS: SideTable = {
  entitySet: 'recordLinks',
  api: 'custom',
  key: 'id',
  modifiedField: 'lastModifiedDateTime',
  filter: [
    { field: 'tableNumber', op: 'eq', value: SALES_HEADER_TABLE },
    { field: 'type', op: 'eq', value: 'Note' },
  ],
  select: ['recordId', 'description', 'note'],
};

/** A coupled order: its BC Sales Header id and its Dataverse salesorder id. */
export interface CoupledOrder {
  bcId: string;
  dataverseId: string;
}

export interface NotesOptions {
  dryRun?: boolean;
  /** Only Dataverse → BC (a new BC order takes its Sales order's notes). */
  toBcOnly?: boolean;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const later = (a: string, b: string | undefined): boolean => !b || Date.parse(a) > Date.parse(b);


function noteFields(annotation: Rec, bcOrderId: string | undefined): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    description: text(annotation.fields.subject).slice(0, DESCRIPTION_LENGTH),
    note: text(annotation.fields.notetext).slice(0, NOTE_LENGTH),
  };
  if (bcOrderId) Object.assign(fields, { tableNumber: SALES_HEADER_TABLE, recordId: bcOrderId });
  return fields;
}

function annotationFields(link: Rec, dvOrderId: string | undefined): Record<string, unknown> {
  const fields: Record<string, unknown> = { subject: text(link.fields.description), notetext: text(link.fields.note) };
  if (dvOrderId) fields['objectid_salesorder@odata.bind'] = `/salesorders(${dvOrderId})`;
  return fields;
}

async function readAll(list: (where: SideTable['filter']) => AsyncIterable<Rec[]>, field: string, ids: string[]): Promise<Rec[]> {
  const rows: Rec[] = [];
  for (let i = 0; i < ids.length; i += ORDERS_PER_READ) {
    for await (const page of list([{ field, op: 'in', value: ids.slice(i, i + ORDERS_PER_READ) }])) rows.push(...page);
  }
  return rows;
}

interface Planned {
  /** Writes to BC record links, and to Dataverse annotations. */
  toBc: Array<{ op: WriteOp; label: string; pair: (written: Rec) => { bcId: string; dataverseId: string; bcModifiedAt: string; dataverseModifiedAt?: string } }>;
  toDv: Array<{ op: WriteOp; label: string; pair: (written: Rec) => { bcId: string; dataverseId: string; bcModifiedAt?: string; dataverseModifiedAt: string } }>;
  /** Couplings whose note is gone on one side: forgotten (notes are never deleted by the synchronization). */
  gone: Coupling[];
  /** A note and its copy under the same id, not coupled yet: coupled without a write. */
  adopt: Array<{ link: Rec; annotation: Rec }>;
}

/** Whether a note and an annotation say the same (as far as BC's lengths keep it). */
function sameContent(link: Rec, annotation: Rec): boolean {
  const wanted = noteFields(annotation, undefined);
  return text(link.fields.description) === wanted.description && text(link.fields.note) === wanted.note;
}

/**
 * What to write: new notes on either side are created on the other; a coupled pair that says different things is
 * brought in line from the side that changed. BC's times have milliseconds, Dataverse's whole seconds, so a
 * difference is Dataverse's edit unless the BC note changed since the last synchronization (then BC's wins).
 */
function plan(ctx: EngineContext, orders: readonly CoupledOrder[], annotations: Rec[], links: Rec[], options: NotesOptions): Planned {
  const state = ctx.state;
  const bcOrderOf = new Map(orders.map((o) => [o.dataverseId, o.bcId]));
  const dvOrderOf = new Map(orders.map((o) => [o.bcId, o.dataverseId]));
  const linkById = new Map(links.map((l) => [l.id, l]));
  const annotationById = new Map(annotations.map((a) => [a.id, a]));
  const planned: Planned = { toBc: [], toDv: [], gone: [], adopt: [] };
  for (const a of annotations) {
    if (state.byDataverseId(NOTE_COUPLINGS, a.id)) continue;
    const bcOrder = bcOrderOf.get(text(a.fields._objectid_value).toLowerCase());
    if (!bcOrder) continue;
    const copy = linkById.get(a.id);
    if (copy && !state.byBcId(NOTE_COUPLINGS, copy.id)) {
      planned.adopt.push({ link: copy, annotation: a });
      continue;
    }
    const id = a.id;
    const label = `note "${text(a.fields.subject) || a.id}"`;
    planned.toBc.push({ op: { kind: 'create', id, fields: noteFields(a, bcOrder) }, label, pair: (w) => ({ bcId: w.id, dataverseId: a.id, bcModifiedAt: w.modifiedAt, dataverseModifiedAt: a.modifiedAt }) });
  }
  if (!options.toBcOnly) {
    for (const l of links) {
      if (state.byBcId(NOTE_COUPLINGS, l.id) || planned.adopt.some((x) => x.link.id === l.id)) continue;
      const dvOrder = dvOrderOf.get(text(l.fields.recordId).toLowerCase());
      if (!dvOrder) continue;
      const copy = annotationById.get(l.id);
      if (copy && !state.byDataverseId(NOTE_COUPLINGS, copy.id)) {
        planned.adopt.push({ link: l, annotation: copy });
        continue;
      }
      const id = l.id;
      const label = `note "${text(l.fields.description) || l.id}"`;
      planned.toDv.push({ op: { kind: 'create', id, fields: annotationFields(l, dvOrder) }, label, pair: (w) => ({ bcId: l.id, dataverseId: w.id, bcModifiedAt: l.modifiedAt, dataverseModifiedAt: w.modifiedAt }) });
    }
  }
  for (const c of state.couplings(NOTE_COUPLINGS)) {
    const a = annotationById.get(c.dataverseId);
    const l = linkById.get(c.bcId);
    if (!a || !l) {
      // Gone on one side while the other side's note was read (its order is in this run): forget the pair.
      if ((a || l) && !options.toBcOnly) planned.gone.push(c);
      continue;
    }
    if (sameContent(l, a)) continue;
    const label = `note "${text(a.fields.subject) || a.id}"`;
    const bcEdited = later(l.modifiedAt, c.bcModifiedAt);
    if (!bcEdited) {
      planned.toBc.push({ op: { kind: 'update', id: l.id, etag: l.etag, fields: noteFields(a, undefined) }, label, pair: (w) => ({ bcId: l.id, dataverseId: a.id, bcModifiedAt: w.modifiedAt, dataverseModifiedAt: a.modifiedAt }) });
    } else if (!options.toBcOnly) {
      planned.toDv.push({ op: { kind: 'update', id: a.id, etag: a.etag, fields: annotationFields(l, undefined) }, label, pair: (w) => ({ bcId: l.id, dataverseId: a.id, bcModifiedAt: l.modifiedAt, dataverseModifiedAt: w.modifiedAt }) });
    }
  }
  return planned;
}

/**
 * Synchronizes the notes of the given coupled orders (all SALESORDER-ORDER couplings when omitted): Dataverse
 * notes to BC, then BC notes to Dataverse (unless `toBcOnly`). Reads: the orders' annotations and record links,
 * one request each per 50 orders; writes one batch per side when something is new or edited.
 */
export async function syncNotes(ctx: EngineContext, options: NotesOptions = {}, only?: readonly CoupledOrder[]): Promise<MappingReport> {
  const report = startProcessReport(ctx, NOTES_PROCESS);
  const toBc = emptyCounts();
  const toDv = emptyCounts();
  const records: RecordOutcome[] = [];
  const orders = only ?? [...ctx.state.couplings(ORDER_MAPPING)].map((c) => ({ bcId: c.bcId, dataverseId: c.dataverseId }));
  if (orders.length) {
    const [annotations, links] = await Promise.all([
      readAll((where) => ctx.dataverse.list(ANNOTATIONS, { where }), '_objectid_value', orders.map((o) => o.dataverseId)),
      readAll((where) => ctx.bc.list(RECORD_LINKS, { where }), 'recordId', orders.map((o) => o.bcId)),
    ]);
    const planned = plan(ctx, orders, annotations, links, options);
    const apply = async (
      side: 'bc' | 'dataverse',
      jobs: Planned['toBc'] | Planned['toDv'],
      counts: ReturnType<typeof emptyCounts>,
    ): Promise<void> => {
      if (!jobs.length) return;
      if (options.dryRun) {
        for (const j of jobs) j.op.kind === 'create' ? counts.inserted++ : counts.modified++;
        return;
      }
      const results: WriteResult[] = await (side === 'bc' ? ctx.bc : ctx.dataverse).write(side === 'bc' ? RECORD_LINKS : ANNOTATIONS, jobs.map((j) => j.op));
      results.forEach((r, i) => {
        const job = jobs[i]!;
        if (!r.ok || !r.record) {
          counts.failed++;
          records.push({
            mapping: NOTES_PROCESS,
            direction: side === 'bc' ? 'from-dataverse' : 'to-dataverse',
            label: job.label,
            outcome: 'failed',
            error: `${side === 'bc' ? 'Business Central' : 'Dataverse'} refused the note: ${r.error?.message ?? 'it could not be read back'}`,
          });
          return;
        }
        const p = job.pair(r.record);
        if (job.op.kind === 'create') {
          counts.inserted++;
          ctx.state.couple({ mapping: NOTE_COUPLINGS, bcId: p.bcId, dataverseId: p.dataverseId, bcModifiedAt: p.bcModifiedAt, dataverseModifiedAt: p.dataverseModifiedAt }, { replace: true });
        } else {
          counts.modified++;
          ctx.state.update(NOTE_COUPLINGS, p.bcId, { bcModifiedAt: p.bcModifiedAt, dataverseModifiedAt: p.dataverseModifiedAt });
        }
      });
      await ctx.state.commit();
    };
    if (!options.dryRun && planned.adopt.length) {
      for (const { link, annotation } of planned.adopt) {
        ctx.state.couple({ mapping: NOTE_COUPLINGS, bcId: link.id, dataverseId: annotation.id, bcModifiedAt: link.modifiedAt, dataverseModifiedAt: annotation.modifiedAt }, { replace: true });
      }
      await ctx.state.commit();
    }
    toBc.coupled += planned.adopt.length;
    await apply('bc', planned.toBc, toBc);
    await apply('dataverse', planned.toDv, toDv);
    if (!options.dryRun && planned.gone.length) {
      for (const c of planned.gone) ctx.state.uncouple(NOTE_COUPLINGS, { bcId: c.bcId });
      await ctx.state.commit();
    }
    toDv.uncoupled += planned.gone.length;
  }
  return report({
    directions: options.toBcOnly ? ['from-dataverse'] : ['from-dataverse', 'to-dataverse'],
    counts: { 'to-dataverse': toDv, 'from-dataverse': toBc },
    records,
    dryRun: Boolean(options.dryRun),
  });
}

/**
 * The notes of Dataverse orders just created in Business Central (docs/integration.md §8.1 "notes copied"): each
 * plain note of the Sales order becomes a note on the new BC order, coupled, once.
 */
export function copyOrderNotes(ctx: EngineContext, orders: readonly CoupledOrder[], options: { dryRun?: boolean } = {}): Promise<MappingReport> {
  return syncNotes(ctx, { ...options, toBcOnly: true }, orders);
}
