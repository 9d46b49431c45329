import type { GossipMsg, GossipMsgType } from '../../../../src/core/gossip/messages.js';
import type { Rec } from '../../../../src/core/records.js';

/** SAMPLE_NOW_MS is the decode time of the samples (their records' HLCs lie just before it). */
export const SAMPLE_NOW_MS = 1_700_000_000_000;
// hlcFromWallMs(SAMPLE_NOW_MS - 1000) with 10 logical bits, written out so the fixtures do not move if the helper does.
const HLC = (SAMPLE_NOW_MS - 1000) * 1024 + 3;

/** SAMPLE_RECORDS are one valid record of each kind, and a tombstone. */
export const SAMPLE_RECORDS: Rec[] = [
  { key: 'n|demo.local', value: { name: 'demo.local', type: 'DNS', description: 'demo', soaTtl: 15, createdAtMs: 1 }, hlc: HLC, node: 'n1', seq: 1 },
  {
    key: 's|demo.local|web',
    value: {
      namespace: 'demo.local',
      name: 'web',
      description: '',
      dns: { routingPolicy: 'MULTIVALUE', records: [{ type: 'A', ttl: 10 }, { type: 'SRV', ttl: 10 }] },
      healthCheck: { type: 'HTTP', intervalMs: 10_000, timeoutMs: 2_000, failureThreshold: 3, successThreshold: 1, path: '/health' },
      createdAtMs: 2,
    },
    hlc: HLC + 1,
    node: 'n1',
    seq: 2,
  },
  {
    key: 'i|demo.local|web|i-1',
    value: { namespace: 'demo.local', service: 'web', id: 'i-1', attributes: { ipv4: '10.0.0.1', port: '8080' }, owner: 'n1', registeredAtMs: 3, healthCheck: { timeoutMs: 500 } },
    hlc: HLC + 2,
    node: 'n1',
    seq: 3,
  },
  {
    key: 'h|demo.local|web|i-1',
    value: { status: 'HEALTHY', reason: 'CHECK_PASSING', output: 'HTTP 200', changedAtMs: 4, consecutiveSuccesses: 1, consecutiveFailures: 0 },
    hlc: HLC + 3,
    node: 'n1',
    seq: 4,
  },
  { key: 'i|demo.local|web|i-0', value: null, hlc: HLC + 4, node: 'n2', seq: 9, deletedAtMs: SAMPLE_NOW_MS - 5000 },
];

/** SAMPLES holds one message of every type, with its optional fields filled in; the golden frames are these, encoded. */
export const SAMPLES: { [T in GossipMsgType]: Extract<GossipMsg, { t: T }> } = {
  'm.join': { t: 'm.join', n: 'n1', a: '10.0.0.1:7946', i: 3, ms: [['n2', '10.0.0.2:7946', 0, 1], ['n3', '10.0.0.3:7946', 1, 4, 'n2']], pp: 1 },
  'm.sync': { t: 'm.sync', ms: [['n1', '10.0.0.1:7946', 0, 3], ['n4', '10.0.0.4:7946', 2, 7, 'n1']], d: 1, j: 1 },
  'm.ping': { t: 'm.ping', s: 41, tg: 'n2', u: [['n5', '10.0.0.5:7946', 3, 2, 'n5']], rr: [SAMPLE_RECORDS[3]] },
  'm.ack': { t: 'm.ack', s: 41, rr: [SAMPLE_RECORDS[2]] },
  'm.nack': { t: 'm.nack', s: 42 },
  'm.preq': { t: 'm.preq', s: 43, tg: 'n3', ta: '10.0.0.3:7946', u: [['n3', '10.0.0.3:7946', 1, 4, 'n1']] },
  'm.upd': { t: 'm.upd', u: [['n1', '10.0.0.1:7946', 0, 4]] },
  'r.push': { t: 'r.push', r: SAMPLE_RECORDS.slice(2, 4) },
  'r.dig': { t: 'r.dig', x: 7, w: { n1: 4, n2: 9 }, p: 1 },
  'r.data': { t: 'r.data', x: 7, i: 0, n: 1, r: SAMPLE_RECORDS, f: 1, w: { n1: 4, n2: 9 }, fl: { n2: 9 } },
};
