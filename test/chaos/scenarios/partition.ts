/**
 * partition: cut n3 off from n1 and n2 with iptables for longer than the tombstone TTL,
 * while both sides take writes and n1 deletes keys n3 still holds. After the heal the
 * digests become equal and no delete is undone. n3 runs as another user (nobody), so
 * the rules can tell its connections from n1's and n2's on the shared loopback: the
 * owner match marks every connection n3 takes part in, and marked gossip traffic is
 * dropped. The rules live in a chain of their own that is always removed.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChaosCluster } from '../cluster.js';
import { expect, finalCheck } from '../check.js';
import { Ledger } from '../ledger.js';
import type { Scenario } from '../types.js';
import { Workload, writeKey } from '../workload.js';
import { sleep, } from './start.js';

const NOBODY = 65534;
const TOMBSTONE_TTL_MS = 3_000;
const PARTITION_MS = 12_000;
const VICTIMS = 9;
const MARK = '0x6a';

function ipt(args: string[]): void {
  execFileSync('iptables', ['-w', '5', ...args], { stdio: 'pipe' });
}

/** portOf returns the port of "host:port". */
function portOf(addr: string): string {
  return addr.slice(addr.lastIndexOf(':') + 1);
}

/** partition is the network partition scenario. */
export const partition: Scenario = {
  name: 'partition',
  needs: ['root', 'iptables'],
  quick: true,
  async run(ctx) {
    // n3 drops to uid nobody before the daemon loads, in a data dir it owns.
    const dir = ctx.tempDir('gv-chaos-part-');
    chmodSync(dir, 0o755);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    chownSync(dataDir, NOBODY, NOBODY);
    const drop = join(dir, 'drop-to-nobody.mjs');
    writeFileSync(drop, `process.setgid(${NOBODY}); process.setuid(${NOBODY});\n`, { mode: 0o644 });
    const c = await ChaosCluster.start(ctx, ['n1', 'n2', 'n3'], {
      gossip: { tombstoneTtlMs: TOMBSTONE_TTL_MS },
      perNode: { n3: { dataDir, env: { NODE_OPTIONS: `--import=${drop}` } } },
    });
    await c.setup();
    const ledger = new Ledger();
    // Victims written on every node (n3's own records too), all deleted on n1 during the partition.
    for (let i = 0; i < VICTIMS; i++) expect((await writeKey(c, ledger, `n${1 + (i % 3)}`, `victim-${i}`, { present: true, value: `v${i}` })) === 'acked', 'a victim write failed');
    await c.converge();

    const chain = `GVCHAOS${process.pid}`;
    const gossipPorts = c.names().map((n) => portOf(c.node(n).gossipAddr)).join(',');
    let healed = false;
    const heal = () => {
      if (healed) return;
      healed = true;
      try {
        ipt(['-D', 'OUTPUT', '-j', chain]);
      } finally {
        ipt(['-F', chain]);
        ipt(['-X', chain]);
      }
    };
    ipt(['-N', chain]);
    ctx.defer(`remove iptables chain ${chain}`, heal);
    ipt(['-A', chain, '-o', 'lo', '-p', 'tcp', '-m', 'owner', '--uid-owner', String(NOBODY), '-j', 'CONNMARK', '--set-mark', MARK]);
    ipt(['-A', chain, '-o', 'lo', '-p', 'tcp', '-m', 'connmark', '--mark', MARK, '-m', 'multiport', '--ports', gossipPorts, '-j', 'DROP']);
    ipt(['-A', chain, '-o', 'lo', '-p', 'tcp', '-m', 'multiport', '--ports', portOf(c.node('n3').gossipAddr), '-j', 'DROP']);
    ipt(['-I', 'OUTPUT', '1', '-j', chain]);
    ctx.log(`partitioned {n1,n2} | {n3} (gossip ports ${gossipPorts})`);

    const load = new Workload(c, ledger, ctx);
    load.start([{ id: 'w1', node: 'n1' }, { id: 'w2', node: 'n2' }, { id: 'w3', node: 'n3' }]);
    await sleep(1_000);
    for (let i = 0; i < VICTIMS; i++) expect((await writeKey(c, ledger, 'n1', `victim-${i}`, { present: false })) === 'acked', 'a victim delete failed');
    await sleep(PARTITION_MS);
    expect((await c.instances('n3')).has('victim-0'), 'the partition did not separate n3: the deletes on n1 reached it');
    heal();
    ctx.log('healed');
    await sleep(2_000);
    await load.stop();
    await c.waitAllAlive(40_000);
    return `partitioned ${PARTITION_MS / 1000} s (tombstone TTL ${TOMBSTONE_TTL_MS / 1000} s), ${VICTIMS} deletes on n1; ${await finalCheck(c, ledger, 40_000)}`;
  },
};
