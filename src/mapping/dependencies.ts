/**
 * Dependency order (docs/integration.md §4.4): a mapping runs only after every mapping in its Dependency Filter.
 */
import { ConfigError } from '../errors.js';
import type { IntegrationTableMapping } from './types.js';

export interface DependencyOrderOptions {
  /**
   * What to do with a dependency on a mapping that is not in the set: `error` (default) or `ignore`
   * (for running a subset, e.g. `full-sync --mapping CUSTOMER`).
   */
  missing?: 'error' | 'ignore';
}

/**
 * Topological order of `mappings` by their dependencies. Among mappings that are ready at the same time,
 * the input order wins, so BC's creation order (docs/integration.md §2) gives the safe order of §4.4.
 */
export function dependencyOrder<M extends Pick<IntegrationTableMapping, 'name' | 'dependencies'>>(
  mappings: readonly M[],
  options: DependencyOrderOptions = {},
): M[] {
  const byName = new Map<string, M>();
  for (const mapping of mappings) {
    if (byName.has(mapping.name)) {
      throw new ConfigError(`Integration table mapping ${mapping.name} is defined twice; give each mapping a unique name.`);
    }
    byName.set(mapping.name, mapping);
  }
  const dependencies = new Map<string, string[]>();
  for (const mapping of mappings) {
    const present: string[] = [];
    for (const dependency of mapping.dependencies) {
      if (byName.has(dependency)) present.push(dependency);
      else if ((options.missing ?? 'error') === 'error') {
        throw new ConfigError(
          `Mapping ${mapping.name} depends on ${dependency}, which is not in the set of mappings; ` +
            `add ${dependency} or remove it from the dependencies of ${mapping.name}. ` +
            `Mappings in the set: ${[...byName.keys()].join(', ')}.`,
        );
      }
    }
    dependencies.set(mapping.name, present);
  }

  const done = new Set<string>();
  const ordered: M[] = [];
  while (ordered.length < mappings.length) {
    const next = mappings.find(
      (m) => !done.has(m.name) && (dependencies.get(m.name) ?? []).every((d) => done.has(d)),
    );
    if (next === undefined) {
      const cycle = findCycle(
        mappings.filter((m) => !done.has(m.name)).map((m) => m.name),
        dependencies,
      );
      throw new ConfigError(
        `Mapping dependencies form a cycle: ${cycle.join(' → ')}; remove one of these dependencies so the mappings can run in order.`,
      );
    }
    done.add(next.name);
    ordered.push(next);
  }
  return ordered;
}

/** One cycle among the blocked mappings (each of them waits on another blocked one). */
function findCycle(blocked: string[], dependencies: Map<string, string[]>): string[] {
  const blockedSet = new Set(blocked);
  const start = blocked[0] as string;
  const path: string[] = [];
  const seenAt = new Map<string, number>();
  let current = start;
  while (!seenAt.has(current)) {
    seenAt.set(current, path.length);
    path.push(current);
    const next = (dependencies.get(current) ?? []).find((d) => blockedSet.has(d));
    if (next === undefined) break;
    current = next;
  }
  const from = seenAt.get(current) ?? 0;
  // Cycle read as "runs after": a → b means a depends on b.
  return [...path.slice(from), current];
}

/** Mappings that `name` needs, directly or through others, in dependency order. */
export function transitiveDependencies(
  mappings: readonly Pick<IntegrationTableMapping, 'name' | 'dependencies'>[],
  name: string,
): string[] {
  const byName = new Map(mappings.map((m) => [m.name, m]));
  const needed = new Set<string>();
  const visit = (n: string): void => {
    for (const dependency of byName.get(n)?.dependencies ?? []) {
      if (!needed.has(dependency) && byName.has(dependency)) {
        needed.add(dependency);
        visit(dependency);
      }
    }
  };
  visit(name);
  return dependencyOrder(mappings, { missing: 'ignore' })
    .map((m) => m.name)
    .filter((n) => needed.has(n));
}
