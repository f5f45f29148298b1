/**
 * The Train card's demo settings, shared by the page and its worker (kept apart from train-worker.ts so the page's
 * bundle does not take in the worker's code). Small enough that a step of all five decoders is quick in a browser
 * (docs/perf-log.md); the CLI's defaults are 8 images and 150 steps.
 */
export const TRAIN_SETTINGS = { images: 4, channels: 8, stages: 3, learningRate: 0.01 } as const;

/** The run stops here by itself: by 300 steps every variant is at the measure's noise floor (docs/training.md). */
export const MAX_STEPS = 300;
