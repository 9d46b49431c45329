/**
 * The conditions a run was taken under, recorded with every run (issue 11's honesty
 * rules): the 1-minute load average and a CPU-availability probe, a fixed busy loop
 * timed before the run. The probe compares the CPU time the loop got with the wall
 * time it took: on a free core they are equal (1.0); on a machine whose cores are all
 * busy the loop is preempted and the fraction drops. A run whose probe shows less than
 * NOISY_BELOW of a core free is marked noisy in the report, never dropped.
 */
import { loadavg } from 'node:os';

/** NOISY_BELOW is the fraction of a core below which a run is marked noisy. */
export const NOISY_BELOW = 0.8;

/** PROBE_ITERATIONS is the fixed size of the busy loop (about 150-300 ms on one free core here). */
export const PROBE_ITERATIONS = 40_000_000;

/** Conditions is what a run records about the machine right before it ran. */
export interface Conditions {
  /** loadAvg1m is the 1-minute load average (this machine has os.cpus().length cores). */
  loadAvg1m: number;
  /** probeWallMs is the wall time of the fixed busy loop. */
  probeWallMs: number;
  /** probeCpuMs is the CPU time the loop got. */
  probeCpuMs: number;
  /** cpuFree is probeCpuMs / probeWallMs: the fraction of one core this process could get. */
  cpuFree: number;
  /** noisy is true when cpuFree < NOISY_BELOW. */
  noisy: boolean;
  /** at is the ISO time of the probe. */
  at: string;
}

/** conditions runs the busy-loop probe and reads the load average. */
export function conditions(): Conditions {
  const load = loadavg()[0]!;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let x = 0;
  for (let i = 0; i < PROBE_ITERATIONS; i++) x = (x + i * 7) % 1_000_003;
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1000;
  if (x < 0) throw new Error('unreachable'); // keeps the loop from being optimised away
  const cpuFree = Math.min(1, cpu / wall);
  return { loadAvg1m: Math.round(load * 100) / 100, probeWallMs: Math.round(wall), probeCpuMs: Math.round(cpu), cpuFree: Math.round(cpuFree * 1000) / 1000, noisy: cpuFree < NOISY_BELOW, at: new Date().toISOString() };
}
