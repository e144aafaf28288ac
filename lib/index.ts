/**
 * The course library, as notebooks import it: `import { loadDataset, … } from "autoencoder-course";`.
 * The flow of a lesson: settings → data → backend → model → training → pictures and charts → quiz.
 */
export * from "./settings";
export * from "./data/idx";
export * from "./data/datasets";
export * from "./data/transforms";
export * from "./backend/select";
export * from "./models/conv-autoencoder";
export * from "./models/super-resolution";
export * from "./train/run";
export * from "./train/fit";
export * from "./train/progress";
export * from "./show/images";
export * from "./show/charts";
export * from "./show/quality";
export * from "./metrics";
export * from "./keep";
export * from "./figures";
export { quiz, type QuizApi } from "./quiz";
export * from "./models/vae";
export * from "./train/vae-step";
export * from "./train/vae-fit";
export * from "./models/vae-latent";
export * from "./show/latent-space";
export * from "./tasks/conv-vae";
export { configureWasmThreads, wasmThreadsCount } from "./backend/threads";
