import { UsageError } from '../../errors.js';
import type { IntegrationOptions, OrderSyncMode, OwnershipModel, PricingModel } from '../../mapping/index.js';

/**
 * The integration options of a connection as flags, with BC's rules (docs/integration.md §8): legacy and
 * bidirectional sales order integration exclude each other, and automatic sales order creation belongs to the
 * legacy integration.
 */

/** Flags that change integration options (undefined = not given). */
export interface IntegrationFlags {
  ownership?: string;
  /** `--order-sync` may be repeated or comma-separated; more than one distinct mode is refused. */
  orderSync?: string[] | string;
  autoCreateOrders?: boolean;
  autoProcessQuotes?: boolean;
  itemAvailability?: boolean;
  unitGroups?: boolean;
  pricing?: string;
  /** From --enable / --disable during a configuration run. */
  enabled?: boolean;
}

export const ORDER_SYNC_MODES: readonly OrderSyncMode[] = ['off', 'legacy', 'bidirectional'];
export const OWNERSHIP_MODELS: readonly OwnershipModel[] = ['person', 'team'];
export const PRICING_MODELS: readonly PricingModel[] = ['groups', 'lists'];

export const ORDER_SYNC_EXCLUSIVE_MESSAGE =
  '--order-sync legacy and bidirectional cannot be combined: in Business Central they are mutually exclusive ' +
  '(legacy = one-way: Sales orders submitted in Dynamics 365 Sales are created in Business Central and their status is sent back; ' +
  'bidirectional = orders and their lines are synchronized both ways). Pick one of them.';

/** Commander collector: `--order-sync a --order-sync b` and `--order-sync a,b` both give [a, b]. */
export function collectOrderSync(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

export function parseOrderSync(value: string[] | string | undefined): OrderSyncMode | undefined {
  if (value === undefined) return undefined;
  const values = (Array.isArray(value) ? value : collectOrderSync(value, undefined)).map((v) => v.toLowerCase());
  if (values.length === 0) throw new UsageError('--order-sync needs a value: off, legacy or bidirectional.');
  for (const v of values) {
    if (!(ORDER_SYNC_MODES as readonly string[]).includes(v)) {
      throw new UsageError(`--order-sync "${v}" is not valid; use off, legacy or bidirectional.`);
    }
  }
  const distinct = [...new Set(values)] as OrderSyncMode[];
  if (distinct.includes('legacy') && distinct.includes('bidirectional')) throw new UsageError(ORDER_SYNC_EXCLUSIVE_MESSAGE);
  if (distinct.length > 1) {
    throw new UsageError(`--order-sync was given ${distinct.join(' and ')}; sales order integration has one mode: pick one of off, legacy or bidirectional.`);
  }
  return distinct[0];
}

function parseChoice<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  const found = allowed.find((a) => a === value.toLowerCase());
  if (!found) throw new UsageError(`${flag} "${value}" is not valid; use ${allowed.join(' or ')}.`);
  return found;
}

export function parseOwnership(value: string | undefined): OwnershipModel | undefined {
  return parseChoice('--ownership', value, OWNERSHIP_MODELS);
}

export function parsePricing(value: string | undefined): PricingModel | undefined {
  return parseChoice('--pricing', value, PRICING_MODELS);
}

/** The options after the flags are applied to `base` (the profile's or BC's defaults). Rules are not checked here. */
export function applyIntegrationFlags(base: IntegrationOptions, flags: IntegrationFlags): IntegrationOptions {
  return {
    ownershipModel: parseOwnership(flags.ownership) ?? base.ownershipModel,
    unitGroups: flags.unitGroups ?? base.unitGroups,
    pricing: parsePricing(flags.pricing) ?? base.pricing,
    orderSync: parseOrderSync(flags.orderSync) ?? base.orderSync,
    itemAvailability: flags.itemAvailability ?? base.itemAvailability,
    autoCreateOrders: flags.autoCreateOrders ?? base.autoCreateOrders,
    autoProcessQuotes: flags.autoProcessQuotes ?? base.autoProcessQuotes,
    enabled: flags.enabled ?? base.enabled,
  };
}

/** BC's rules between options; the message says which flag to change. */
export function checkIntegrationRules(options: IntegrationOptions, flags: IntegrationFlags): void {
  if (options.autoCreateOrders && options.orderSync !== 'legacy') {
    if (flags.autoCreateOrders) {
      throw new UsageError(
        `--auto-create-orders needs legacy order sync (--order-sync legacy): Business Central creates sales orders from submitted Sales orders automatically only in the legacy (one-way) order integration, and order sync is ${options.orderSync}.`,
      );
    }
    throw new UsageError(
      `Automatic sales order creation (on in this profile) needs legacy order sync, and order sync would be ${options.orderSync}: pass --no-auto-create-orders as well.`,
    );
  }
}

