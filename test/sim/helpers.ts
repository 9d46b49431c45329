import { GOSSIP_PRESETS, type GossipConfig } from '../../src/config/gossip.js';
import { instanceKey, namespaceKey, serviceKey } from '../../src/core/keys.js';
import type { InstanceValue } from '../../src/core/types.js';
import type { Write } from '../../src/runtime/node.js';
import type { SimCluster } from '../../src/sim/cluster.js';

/** simConfig is the `test` preset with overrides. */
export function simConfig(over: Partial<GossipConfig> = {}): GossipConfig {
  return { ...GOSSIP_PRESETS.test, ...over };
}

/** registration returns the writes that register one instance owned by `owner`. */
export function registration(owner: string, id: string, ns = 'demo', svc = 'web'): Write[] {
  const v: InstanceValue = { namespace: ns, service: svc, id, attributes: { ip: '10.0.0.1' }, owner, registeredAtMs: 0 };
  return [{ key: instanceKey(ns, svc, id), value: v }];
}

/** namespaceAndService returns the writes that create a namespace and a service. */
export function namespaceAndService(ns = 'demo', svc = 'web'): Write[] {
  return [
    { key: namespaceKey(ns), value: { name: ns, type: 'HTTP', description: '', soaTtl: 0, createdAtMs: 0 } },
    { key: serviceKey(ns, svc), value: { namespace: ns, name: svc, description: '', dns: null, healthCheck: null, createdAtMs: 0 } },
  ];
}

/** allKnowEachOther reports whether every live node sees every other live node alive. */
export function allAlive(c: SimCluster): boolean {
  const live = c.live();
  for (const a of live) for (const b of live) if (a !== b && c.statusAt(a.name, b.name) !== 'alive') return false;
  return true;
}

/** withSeed runs fn and, if it throws, says which seed to replay. */
export async function withSeed<T>(seed: number, fn: (seed: number) => Promise<T>): Promise<T> {
  try {
    return await fn(seed);
  } catch (e) {
    console.error(`simulation failed with seed ${seed} (replay with SIM_SEED=${seed})`);
    throw e;
  }
}
