// The per-layer thread decision (src/engine/thread-choice.ts), driven by given times: which side it explores, which it
// chooses, when it re-checks. No timing is measured here.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ThreadChoice, ThreadChoices, threadChoiceTuning } from '../../src/engine/thread-choice.ts';

const defaults = { ...threadChoiceTuning };
afterEach(() => Object.assign(threadChoiceTuning, defaults));

/** Runs `calls` calls, each taking the time `cost(threads)`; returns the thread counts used, in order. */
function drive(choice: ThreadChoice, calls: number, cost: (threads: number) => number): number[] {
  const used: number[] = [];
  for (let i = 0; i < calls; i++) {
    const n = choice.next();
    used.push(n);
    choice.record(n, cost(n));
  }
  return used;
}

describe('ThreadChoice', () => {
  it('runs the first call on the requested threads, then alternates until both sides are timed', () => {
    const choice = new ThreadChoice(2);
    const explore = 2 * (threadChoiceTuning.explore + 1);
    assert.deepEqual(drive(choice, explore, () => 1), [2, 1, 2, 1, 2, 1, 2, 1]);
    assert.equal(choice.state().chosen, 0);
  });

  it('keeps two threads where they are faster by more than the margin', () => {
    const choice = new ThreadChoice(2);
    const used = drive(choice, 8 + 7, (n) => (n === 2 ? 60 : 100));
    assert.deepEqual(used.slice(8), [2, 2, 2, 2, 2, 2, 2]);
    assert.equal(choice.state().chosen, 2);
  });

  it('falls back to one thread where two are slower, or equal within the margin', () => {
    for (const twoThreads of [150, 100, 95]) {
      const choice = new ThreadChoice(2);
      const used = drive(choice, 8 + 7, (n) => (n === 2 ? twoThreads : 100));
      assert.deepEqual(used.slice(8), [1, 1, 1, 1, 1, 1, 1], `two threads at ${twoThreads} against 100`);
    }
  });

  it('ignores each side\'s first (warm-up) call', () => {
    const choice = new ThreadChoice(2);
    let calls = 0;
    // Two threads' first call is slow (workers starting); afterwards they win.
    drive(choice, 8, (n) => (n === 2 ? (calls++ === 0 ? 10_000 : 50) : 100));
    assert.equal(choice.next(), 2);
  });

  it('lets one call that lost the core move an estimate by at most (clip − 1) × weight', () => {
    const choice = new ThreadChoice(2);
    drive(choice, 20, (n) => (n === 2 ? 100 : 100));
    assert.equal(choice.state().chosen, 1);
    choice.record(1, 50 * 100);
    const { clip, weight } = threadChoiceTuning;
    assert.equal(choice.state().one, 100 + (clip - 1) * weight * 100);
  });

  it('re-checks the other side after minPeriod calls, then ever more rarely while the choice holds', () => {
    const choice = new ThreadChoice(2);
    const used = drive(choice, 8 + 200, (n) => (n === 2 ? 150 : 100));
    const checks = used.slice(8).flatMap((n, i) => (n === 2 ? [i] : []));
    const { minPeriod } = threadChoiceTuning;
    // Each re-check follows `period` calls of the chosen side; the period doubles while one thread stays faster.
    const first = minPeriod;
    const second = first + 1 + 2 * minPeriod;
    const third = second + 1 + 4 * minPeriod;
    assert.deepEqual(checks.slice(0, 4), [first, second, third, third + 1 + 8 * minPeriod]);
  });

  it('follows the host: switches to one thread when two become slow, and back when they recover', () => {
    const choice = new ThreadChoice(2);
    let busy = false;
    const cost = (n: number) => (n === 2 ? (busy ? 400 : 60) : 100);
    drive(choice, 20, cost);
    assert.equal(choice.state().chosen, 2);
    busy = true;
    const duringLoad = drive(choice, 40, cost);
    assert.equal(choice.state().chosen, 1);
    // The first slow call switches; afterwards two threads are tried only on re-checks.
    assert.equal(duringLoad.indexOf(1), 1, `${duringLoad}`);
    assert.ok(duringLoad.filter((n) => n === 2).length <= 4, `${duringLoad}`);
    busy = false;
    drive(choice, 300, cost);
    assert.equal(choice.state().chosen, 2);
  });

  it('passes the requested threads through, or one thread, when told to; one thread when one is requested', () => {
    threadChoiceTuning.mode = 'requested';
    const choice = new ThreadChoice(2);
    assert.deepEqual(drive(choice, 20, (n) => (n === 2 ? 500 : 1)), Array(20).fill(2));
    threadChoiceTuning.mode = 'one';
    assert.deepEqual(drive(choice, 5, () => 1), [1, 1, 1, 1, 1]);
    threadChoiceTuning.mode = 'measured';
    assert.equal(choice.state().chosen, 0, 'calls outside the measured mode are not recorded');
    assert.deepEqual(drive(new ThreadChoice(1), 5, () => 1), [1, 1, 1, 1, 1]);
  });
});

describe('ThreadChoices', () => {
  it('keeps one record per key and thread count', () => {
    const choices = new ThreadChoices<object>();
    const a = {};
    const b = {};
    const first = choices.for(a, 2);
    assert.equal(choices.for(a, 2), first);
    assert.notEqual(choices.for(b, 2), first);
    const four = choices.for(a, 4);
    assert.equal(four.threads, 4);
    assert.notEqual(four, first);
  });
});
