/** Course settings: a profile (how much data and training) plus choices read from the environment. */
import * as os from "node:os";
import type { DatasetChoice } from "./data/datasets";
import { plural } from "./plural";

/** How much a run trains: `smoke` for tests, `quick` for a few CPU minutes, `full` for the lesson's scale. */
export type ProfileName = "smoke" | "quick" | "full";
/** Which tfjs backend to use; `auto` picks the fastest one that passes a training health check. */
export type BackendChoice = "auto" | "tensorflow" | "wasm" | "cpu";

/** The profile names, the dataset choices and the backend choices, in the order a usage message lists them. */
export const PROFILE_NAMES: readonly ProfileName[] = ["smoke", "quick", "full"];
export const DATASET_CHOICES: readonly DatasetChoice[] = ["auto", "mnist", "fashion-mnist"];
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "tensorflow", "wasm", "cpu"];

/** The numbers a profile sets; notebooks copy them into their settings cell. */
export interface Profile {
  name: ProfileName;
  /** Training epochs. */
  epochs: number;
  /** Training images used (`null` = all of them). */
  trainSize: number | null;
  /** Validation images used (`null` = all of them). */
  validationSize: number | null;
  /** Images per training step. */
  batchSize: number;
}

/**
 * The three profiles; `quick` is sized for a few minutes per training cell on a 2-core CPU. Its batches are small
 * because it sees a third of the data for a third of the epochs: four times as many, smaller steps reach a clearly
 * lower loss (MNIST test split, 8 epochs: validation BCE about 0.12 with batches of 32, 0.146 with 128) for about 10 %
 * more time per conv epoch (the dense VAE's epochs take about twice as long).
 */
export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  smoke: { name: "smoke", epochs: 1, trainSize: 512, validationSize: 128, batchSize: 64 },
  quick: { name: "quick", epochs: 8, trainSize: 20000, validationSize: 2000, batchSize: 32 },
  full: { name: "full", epochs: 25, trainSize: null, validationSize: null, batchSize: 128 },
};

/** What a notebook's settings cell trains with: the values it took from the profile or changed. */
export interface TrainingSettings {
  epochs: number;
  /** `null` = every training image. */
  trainSize: number | null;
  batchSize: number;
}

/**
 * The settings cell's summary line, e.g. `Profile "quick": 8 epochs, 20000 training images, batches of 32.`;
 * `extras` are the notebook's own settings, such as "noise factor 0.5".
 */
export function describeSettings(profileName: ProfileName, settings: TrainingSettings, extras: readonly string[] = []): string {
  const { epochs, trainSize, batchSize } = settings;
  const parts = [
    plural(epochs, "epoch"),
    `${trainSize ?? "all"} training images`,
    `batches of ${batchSize}`,
    ...extras,
  ];
  return `Profile "${profileName}": ${parts.join(", ")}.`;
}

function oneOf<T extends string>(variable: string, allowed: readonly T[], fallback: T): T {
  const raw = process.env[variable]?.trim();
  if (!raw) return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new Error(`${variable}=${raw} is not one of ${allowed.join(", ")}. Unset it or pick one of those.`);
}

/** The profile named by AE_PROFILE (default `quick`). */
export function currentProfile(): Profile {
  return PROFILES[oneOf("AE_PROFILE", PROFILE_NAMES, "quick")];
}

/** The dataset named by AE_DATASET (default `auto`). */
export function datasetFromEnvironment(): DatasetChoice {
  return oneOf("AE_DATASET", DATASET_CHOICES, "auto");
}

/**
 * Threads for the WebAssembly backend from AE_WASM_THREADS; by default 2 on a machine with 2 or more cores (the
 * threaded build, measured faster there) and 1 otherwise (the stock single-threaded build).
 */
export function wasmThreadsFromEnvironment(): number {
  const raw = process.env.AE_WASM_THREADS?.trim();
  if (!raw) return Math.min(2, os.availableParallelism());
  const threads = Number(raw);
  if (Number.isInteger(threads) && threads >= 1 && threads <= 64) return threads;
  throw new Error(`AE_WASM_THREADS=${raw} is not a whole number from 1 to 64. Unset it or pick one, e.g. 2.`);
}

/** The backend named by AE_BACKEND (default `auto`). */
export function backendFromEnvironment(): BackendChoice {
  return oneOf("AE_BACKEND", BACKEND_CHOICES, "auto");
}
