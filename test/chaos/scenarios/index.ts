/**
 * SCENARIOS lists every chaos scenario in the order the runner runs them.
 */
import type { Scenario } from '../types.js';
import { clockSkew } from './clock-skew.js';
import { corruptStore } from './corrupt-store.js';
import { crashLoop } from './crash-loop.js';
import { freeze } from './freeze.js';
import { fullDisk } from './full-disk.js';
import { impostor } from './impostor.js';
import { partition } from './partition.js';
import { wipedNode } from './wiped-node.js';

/** SCENARIOS is the full set; `quick` marks the ones CI runs. */
export const SCENARIOS: Scenario[] = [freeze, partition, crashLoop, fullDisk, corruptStore, wipedNode, clockSkew, impostor];
