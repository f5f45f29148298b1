/**
 * Two runs timed against each other on a noisy host: per round each runs a burst, the order flipping every round, so
 * a slow spell of the machine lands on both. What the in-process A/B scripts (wasm-models-ab.ts, wasm-vs-ort-web.ts)
 * share.
 */

/** Median of a list (the upper one of an even count). */
export const median = (v: readonly number[]): number => [...v].sort((x, y) => x - y)[v.length >> 1]!;

/** Geometric mean of positive ratios. */
export const geomean = (v: readonly number[]): number => Math.exp(v.reduce((s, r) => s + Math.log(r), 0) / v.length);

export interface PairedBursts {
  /** Every timed run's wall ms, per cell. */
  readonly wall: [number[], number[]];
  /** CPU ms per run of each timed burst (user + system, all threads), per cell. */
  readonly cpu: [number[], number[]];
  /** Per timed round: cell 0's burst median over cell 1's, wall and CPU (> 1: cell 1 is faster). */
  readonly wallRatios: number[];
  readonly cpuRatios: number[];
}

/** Runs `warmUpRounds` untimed and `rounds` timed rounds of `burst` calls of each cell. */
export async function pairedBursts(cells: readonly [() => unknown, () => unknown], rounds: number, warmUpRounds: number, burst: number): Promise<PairedBursts> {
  const result: PairedBursts = { wall: [[], []], cpu: [[], []], wallRatios: [], cpuRatios: [] };
  const burstWall = [0, 0];
  const burstCpu = [0, 0];
  for (let round = -warmUpRounds; round < rounds; round++) {
    for (const i of round % 2 ? [0, 1] : [1, 0]) {
      const own: number[] = [];
      const cpu0 = process.cpuUsage();
      for (let k = 0; k < burst; k++) {
        const t0 = performance.now();
        await cells[i]!();
        own.push(performance.now() - t0);
      }
      const used = process.cpuUsage(cpu0);
      burstWall[i] = median(own);
      burstCpu[i] = (used.user + used.system) / 1000 / burst;
      if (round >= 0) {
        result.wall[i as 0 | 1].push(...own);
        result.cpu[i as 0 | 1].push(burstCpu[i]!);
      }
    }
    if (round >= 0) {
      result.wallRatios.push(burstWall[0]! / burstWall[1]!);
      result.cpuRatios.push(burstCpu[0]! / burstCpu[1]!);
    }
  }
  return result;
}
