/**
 * Wiring of the invoice processes (src/processes/invoices): what they are handed from an open session.
 */
import type { InvoiceProcessContext } from '../processes/invoices/sources.js';
import type { MappingRunView } from './run-mapping.js';
import type { Session } from './session.js';

export function invoiceContext(session: Session, view?: Pick<MappingRunView, 'progress'>): InvoiceProcessContext {
  return {
    ctx: session.ctx,
    options: session.profile.integration,
    stateDir: session.stateDir,
    progress: view ? (phase, done, total) => view.progress(phase, done, total) : undefined,
  };
}
