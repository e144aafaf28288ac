import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import { buildDenseVae, vaeFromModels, type Vae } from "../lib/models/vae";
import { CONV_VAE_TASK_ID, gradeConvVaeTask } from "../lib/tasks/conv-vae";
import { renderReportText, type GradedReport } from "../lib/tasks/report";
import { buildConvVae } from "../lib/tasks/solutions/conv-vae";
import { trainVae, type VaeHistory } from "../lib/train/vae-fit";
import { onWasmWithCourseKernels } from "./helpers/compare-backends";
import { quietProgress } from "./helpers/progress";

/** The history of a model that was never trained. */
const untrainedHistory = (): VaeHistory => ({
  loss: [], reconstruction_loss: [], kl_loss: [], val_loss: [], secondsPerEpoch: [], diverged: false, interrupted: false,
});

/** 28×28 images of four kinds, a bright square in one quadrant: easy to tell apart, far from their average image. */
function quadrantImages(count: number): tf.Tensor4D {
  const values = new Float32Array(count * 784);
  for (let n = 0; n < count; n++) {
    const [top, left] = [(n % 2) * 14, (Math.floor(n / 2) % 2) * 14];
    for (let r = top + 2; r < top + 12; r++) for (let c = left + 2; c < left + 12; c++) values[n * 784 + r * 28 + c] = 1;
  }
  return tf.tensor4d(values, [count, 28, 28, 1]);
}

const statusOf = (report: GradedReport) => Object.fromEntries(report.items.map((item) => [item.id, item.status]));
const messageOf = (report: GradedReport, id: string) => report.items.find((item) => item.id === id)?.message ?? "";
const feedbackOf = (report: GradedReport, id: string) => report.items.find((item) => item.id === id)?.feedback ?? "";

describe("notebook 06's task grader (a convolutional VAE)", function () {
  this.timeout(300_000);
  onWasmWithCourseKernels();
  let train: tf.Tensor4D;
  let validation: tf.Tensor4D;
  before(() => {
    train = quadrantImages(512);
    validation = quadrantImages(64);
  });
  after(() => tf.dispose([train, validation]));

  /** Trains a VAE for some epochs on the quadrant images. */
  const trained = (vae: Vae, epochs: number): Promise<VaeHistory> =>
    trainVae(vae, train, { epochs, batchSize: 32, validationImages: validation, progress: quietProgress() });

  /** Trains a VAE for some epochs on the quadrant images, grades it and frees it. */
  async function gradedAfterTraining(vae: Vae, epochs: number): Promise<GradedReport> {
    try {
      return gradeConvVaeTask(vae, await trained(vae, epochs), validation);
    } finally {
      vae.dispose();
    }
  }

  it("passes the reference solution once it is trained, with an explanation for every check", async () => {
    // A larger step than the default: a few epochs of a small set suffice.
    const report = await gradedAfterTraining(buildConvVae({ seed: 1, learningRate: 0.005 }), 4);
    assert.equal(report.id, CONV_VAE_TASK_ID);
    assert.equal(report.kind, "task");
    assert.ok(report.allRight, renderReportText(report));
    assert.deepEqual([report.score, report.max], [10, 10]);
    assert.ok(report.items.every((item) => (item.feedback ?? "").length > 20), "each check explains itself");
  });

  it("fails the dense VAE of notebook 04 on its shapes and layers, and leaves its training ungraded until it is convolutional", async () => {
    // The dense starter learns too: its training checks would pass, so they wait for a model with convolutions.
    const report = await gradedAfterTraining(buildDenseVae({ seed: 1 }), 2);
    assert.deepEqual(statusOf(report), {
      "encoder-input": "wrong",
      "encoder-conv": "wrong",
      "encoder-outputs": "right",
      "decoder-input": "right",
      "decoder-output": "wrong",
      "decoder-conv": "wrong",
      "decoder-sigmoid": "right",
      "loss-fell": "wrong",
      reconstructions: "wrong",
    });
    assert.deepEqual([report.score, report.max], [3, 10]);
    assert.equal(messageOf(report, "reconstructions"), "not graded until the encoder and the decoder have convolutions");
    assert.match(feedbackOf(report, "loss-fell"), /make the layer checks above pass/);
    assert.equal(messageOf(report, "encoder-input"), "its input has shape [null, 784]");
    assert.match(feedbackOf(report, "encoder-input"), /tf\.input\(\{ shape: \[28, 28, 1\] \}\)/);
    assert.equal(messageOf(report, "decoder-output"), "its output has shape [null, 784]");
    assert.match(feedbackOf(report, "decoder-output"), /reshape/);
    assert.equal(messageOf(report, "encoder-conv"), "it has 0 Conv2D layers");
    assert.equal(report.allRight, false);
  });

  it("fails an untrained model on the training checks, and needs two epochs to see the loss fall", async () => {
    const report = await gradedAfterTraining(buildConvVae({ seed: 1 }), 1);
    assert.equal(statusOf(report)["loss-fell"], "wrong");
    assert.equal(messageOf(report, "loss-fell"), "the history has 1 finished epoch");
    assert.match(feedbackOf(report, "loss-fell"), /at least 2 whole epochs/);
    const untrained = buildConvVae({ seed: 2 });
    const fresh = gradeConvVaeTask(untrained, untrainedHistory(), validation);
    untrained.dispose();
    assert.equal(statusOf(fresh).reconstructions, "wrong");
    assert.match(messageOf(fresh, "reconstructions"), /^reconstruction loss [\d.]+ per image, average image [\d.]+$/);
  });

  it("grades a model rebuilt after training as untrained, not against the history of the model it replaced", async () => {
    // In the notebook: train, then re-run the model cell (a new, untrained model) and grade without re-training.
    const first = buildConvVae({ seed: 1 });
    const rebuilt = buildConvVae({ seed: 1 });
    try {
      const history = await trained(first, 2);
      const report = gradeConvVaeTask(rebuilt, history, validation);
      assert.deepEqual([statusOf(report)["loss-fell"], statusOf(report).reconstructions], ["wrong", "wrong"]);
      assert.equal(messageOf(report, "loss-fell"), "this history is not from training this model");
      assert.match(feedbackOf(report, "reconstructions"), /re-run the training cell/);
      assert.doesNotMatch(feedbackOf(report, "reconstructions"), /Train longer/);
    } finally {
      first.dispose();
      rebuilt.dispose();
    }
  });

  it("grades a broken model without throwing: a check that cannot run fails with the reason", () => {
    // Convolutions in both halves, but an encoder with one output and a decoder that outputs 4×4 images: the
    // reconstruction check cannot even run.
    const apply = (layer: tf.layers.Layer, input: tf.SymbolicTensor) => layer.apply(input) as tf.SymbolicTensor;
    const image = tf.input({ shape: [28, 28, 1] });
    const features = apply(tf.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2 }), image);
    const encoder = tf.model({ inputs: image, outputs: apply(tf.layers.dense({ units: 2 }), apply(tf.layers.flatten(), features)) });
    const code = tf.input({ shape: [2] });
    const grid = apply(tf.layers.reshape({ targetShape: [4, 4, 1] }), apply(tf.layers.dense({ units: 16 }), code));
    const decoder = tf.model({ inputs: code, outputs: apply(tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: "relu" }), grid) });
    const vae = vaeFromModels(encoder, decoder);
    try {
      const report = gradeConvVaeTask(vae, untrainedHistory(), validation);
      assert.equal(report.score, 4, renderReportText(report)); // the inputs and the convolutions are right
      assert.equal(messageOf(report, "encoder-outputs"), "its outputs have shapes [null, 2]");
      assert.equal(messageOf(report, "decoder-sigmoid"), `its last layer (${decoder.layers[3].name}) has activation relu`);
      assert.equal(messageOf(report, "reconstructions"), "the check failed: the encoder must output three tensors [zMean, zLogVar, z], but it outputs 1");
    } finally {
      vae.dispose();
    }
  });
});
