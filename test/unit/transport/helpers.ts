import assert from 'node:assert/strict';
import { RealClock } from '../../../src/runtime/clock.js';
import { systemRandom } from '../../../src/runtime/random.js';
import { WsTransport, type WsTransportOptions } from '../../../src/transport/ws-transport.js';

/** Transports starts listening WsTransports on 127.0.0.1 for one test file and closes them all at the end. */
export class Transports {
  private readonly open: WsTransport[] = [];

  /** node starts a transport named `name` (test defaults: cluster 'c', 64 KiB frames, 1 s handshake timeout). */
  async node(name: string, extra: Partial<WsTransportOptions> = {}): Promise<WsTransport> {
    const t = new WsTransport({ cluster: 'c', nodeName: name, gossipAddr: '127.0.0.1:0', maxFrameBytes: 64 * 1024, handshakeTimeoutMs: 1_000, clock: new RealClock(), random: systemRandom(), ...extra });
    await t.listen();
    this.open.push(t);
    return t;
  }

  /** closeAll closes every transport started here. */
  async closeAll(): Promise<void> {
    for (const t of this.open) await t.close();
  }
}

/** until polls cond every 10 ms and fails the test after timeoutMs. */
export async function until(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
