import type { RegisterCommand } from './registry.js';
import { registerCouple } from './couple/couple.js';
import { registerDemo } from './demo/demo.js';
import { registerDoctor } from './doctor/doctor.js';
import { registerFullSync } from './full-sync/full-sync.js';
import { registerLog } from './log/log.js';
import { registerMappings } from './mappings/mappings.js';
import { registerSalesOrders } from './sales-orders/sales-orders.js';
import { registerInvoices } from './invoices/invoices.js';
import { registerQuotes } from './quotes/quotes.js';
import { registerSandbox } from './sandbox/sandbox.js';
import { registerSetup } from './setup/setup.js';
import { registerSync } from './sync/sync.js';
import { registerUncouple } from './uncouple/uncouple.js';
import { registerVersion } from './version/version.js';
import { registerCompletion } from './completion/completion.js';
import { registerStatus } from './status/status.js';
import { registerSkipped } from './skipped/skipped.js';
import { registerExplain } from './explain/explain.js';
import { registerCouplings } from './couplings/couplings.js';
import { registerSchedule } from './schedule/schedule.js';
import { registerStats } from './stats/stats.js';

/** Every subcommand, in the order `--help` lists them. */
export const commandRegistrations: RegisterCommand[] = [registerSetup, registerStatus, registerSync, registerFullSync, registerDemo, registerCouple, registerUncouple, registerCouplings, registerMappings, registerSalesOrders, registerQuotes, registerInvoices, registerStats, registerLog, registerSkipped, registerExplain, registerSchedule, registerDoctor, registerSandbox, registerVersion, registerCompletion];
