/**
 * Bound actions of the companion extension's salesHeaders page (bc-extension/src/BCSSalesHeaders.Page.al):
 * release and reopen set the document status as codeunit "Release Sales Document" does; archive stores a new
 * version in salesHeaderArchives, numbered per document and occurrence as Business Central's archive does.
 */
import type { Company } from './company.js';
import type { Hooks } from './hooks.js';
import type { Row } from './store.js';
import { isoDateTime, newGuid } from './values.js';

function setStatus(c: Company, header: Row, status: 'Open' | 'Released'): void {
  if (header.data.status === status) return;
  c.touch('salesHeaders', header.data.id as string, { status });
}

function archive(c: Company, header: Row): void {
  const h = header.data;
  const versions = [...c.store.rows('salesHeaderArchives')].filter((r) => r.data.documentType === h.documentType && r.data.number === h.number && r.data.docNoOccurrence === h.docNoOccurrence).length;
  const id = newGuid();
  c.store.put('salesHeaderArchives', id, {
    ...c.blank(c.def('salesHeaderArchives')),
    id,
    documentType: h.documentType,
    number: h.number,
    docNoOccurrence: h.docNoOccurrence,
    versionNumber: versions + 1,
    yourReference: h.yourReference,
    quoteNumber: h.quoteNumber,
    dateArchived: isoDateTime(c.now()).slice(0, 10),
    lastModifiedDateTime: c.nowText(),
  });
}

export const salesExtraHooks: Readonly<Record<string, Hooks>> = {
  recordLinks: {
    // Link ID is an AutoIncrement key; the page makes every link it inserts a note, stamped when created.
    beforeInsert: (c, data) => {
      const last = Math.max(0, ...[...c.store.rows('recordLinks')].map((r) => Number(r.data.linkId)));
      data.linkId = last + 1;
      data.type = 'Note';
      data.created = c.nowText();
    },
  },
  salesHeaders: {
    actions: {
      release: (c, row) => setStatus(c, row, 'Released'),
      reopen: (c, row) => setStatus(c, row, 'Open'),
      archive,
    },
  },
};
