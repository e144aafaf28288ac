/** The grader of notebook 06's task: turn the dense VAE into a convolutional one, train it, check what it learned. */
import * as tf from "@tensorflow/tfjs";
import { IMAGE_SHAPE } from "../models/conv-autoencoder";
import { plural } from "../plural";
import { formatShape, sameShape } from "../shapes";
import { asEncoderInput, isHistoryOf, type VaeHistory } from "../train/vae-fit";
import { latentOutputs, vaeLoss, type VaeModels } from "../train/vae-step";
import { checkItem, makeReport, type GradedReport, type ReportItem } from "./report";

/** The task's id in the progress file and in `quiz.report()`. */
export const CONV_VAE_TASK_ID = "06-task-conv-vae";

/** The latent size the task asks for. */
const LATENT_SIZE = 2;

/** The reconstructions must be at least this much better than drawing every image as the average image. */
const RECONSTRUCTION_GAIN = 0.1;

/** Validation images the reconstruction check encodes (all of them if there are fewer). */
const RECONSTRUCTION_IMAGES = 500;

/** The checks that make the model the task's convolutional VAE; the training checks count only once they pass. */
const CONVOLUTION_CHECKS = ["encoder-conv", "decoder-conv"];

/** The training checks: id, label and points. */
const TRAINING_CHECKS = [
  { id: "loss-fell", label: "The training loss fell from the first to the last epoch", maxPoints: 1 },
  { id: "reconstructions", label: "Reconstructions beat the average image by 10% or more", maxPoints: 2 },
] as const;

const outputShapes = (model: tf.LayersModel) => model.outputs.map((output) => output.shape);
const countLayers = (model: tf.LayersModel, classNames: string[]) =>
  model.layers.filter((layer) => classNames.includes(layer.getClassName())).length;

/** One check whose test may throw (a learner's model can be broken in any way): a throw fails the check with its message. */
function guardedCheck(
  id: string,
  label: string,
  test: () => { passed: boolean; message: string },
  details: { maxPoints?: number; hint: string; explanation: string },
): ReportItem {
  try {
    const { passed, message } = test();
    return checkItem(id, label, passed, { ...details, message });
  } catch (error) {
    return checkItem(id, label, false, { ...details, message: `the check failed: ${(error as Error).message}` });
  }
}

/**
 * Mean reconstruction BCE (summed over the pixels of an image) of up to 500 validation images decoded from their
 * z_mean, next to the same loss for drawing every image as their average image.
 */
function reconstructionVersusAverage(vae: VaeModels, images: tf.Tensor): { model: number; average: number } {
  return tf.tidy(() => {
    const x = asEncoderInput(vae, tf.slice(images, 0, Math.min(RECONSTRUCTION_IMAGES, images.shape[0])));
    const [zMean] = latentOutputs(vae.encoder.predict(x));
    const noKl = tf.zeros(zMean.shape);
    const average = tf.broadcastTo(tf.mean(x, 0, true), x.shape);
    const loss = (reconstruction: tf.Tensor) => vaeLoss(x, reconstruction, noKl, noKl).reconstruction.dataSync()[0];
    return { model: loss(vae.decoder.predict(zMean) as tf.Tensor), average: loss(average) };
  });
}

/**
 * Grades notebook 06's conv VAE: the shapes of the encoder's input and outputs and of the decoder's input and
 * output, convolutions in both halves, a sigmoid at the end, a falling training loss and reconstructions of
 * `validationImages` clearly better than the average image. Every check has a hint (failed) or an explanation (passed).
 */
export function gradeConvVaeTask(vae: VaeModels, history: VaeHistory, validationImages: tf.Tensor): GradedReport {
  const { encoder, decoder } = vae;
  const latent = [null, LATENT_SIZE];
  const image = [null, ...IMAGE_SHAPE];
  const structure = [
    guardedCheck("encoder-input", "The encoder takes whole images, [null, 28, 28, 1]", () => ({
      passed: sameShape(encoder.inputs[0].shape, image),
      message: `its input has shape ${formatShape(encoder.inputs[0].shape)}`,
    }), {
      hint: "Start the encoder with tf.input({ shape: [28, 28, 1] }) and do not flatten before the convolutions: a convolution needs the image's rows and columns.",
      explanation: "The convolutions see each pixel with its neighbours, which a flat vector of 784 numbers hides.",
    }),
    guardedCheck("encoder-conv", "The encoder has at least one Conv2D layer", () => {
      const count = countLayers(encoder, ["Conv2D"]);
      return { passed: count > 0, message: `it has ${plural(count, "Conv2D layer")}` };
    }, {
      hint: 'Add tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }) after the input (stride 2 halves the width and height), then a second one.',
      explanation: "Strided convolutions shrink 28×28 to 7×7 while learning local features, as in notebook 01's encoder.",
    }),
    guardedCheck("encoder-outputs", "The encoder outputs z_mean, z_log_var and z, each [null, 2]", () => {
      const shapes = outputShapes(encoder);
      return {
        passed: shapes.length === 3 && shapes.every((shape) => sameShape(shape, latent)),
        message: `its outputs have shapes ${shapes.map(formatShape).join(", ")}`,
      };
    }, {
      hint: "End the encoder with two dense heads of 2 units each, z_mean and z_log_var, after tf.layers.flatten() of the last feature map, and the Sampling layer on both: the outputs are [zMean, zLogVar, z].",
      explanation: "The conv encoder ends in the same 2-D latent space as the dense VAE, so training, plots and sampling work unchanged.",
    }),
    guardedCheck("decoder-input", "The decoder takes a latent code, [null, 2]", () => ({
      passed: decoder.inputs.length === 1 && sameShape(decoder.inputs[0].shape, latent),
      message: `its input has shape ${formatShape(decoder.inputs[0].shape)}`,
    }), {
      hint: "Start the decoder with tf.input({ shape: [2] }): it decodes one z per image.",
      explanation: "Any point z of the latent space can be decoded, which is what generating images means.",
    }),
    guardedCheck("decoder-output", "The decoder outputs images, [null, 28, 28, 1]", () => {
      const shapes = outputShapes(decoder);
      return { passed: shapes.length === 1 && sameShape(shapes[0], image), message: `its output has shape ${shapes.map(formatShape).join(", ")}` };
    }, {
      hint: "After the dense layer, tf.layers.reshape({ targetShape: [7, 7, 32] }); two conv-transposes with strides 2 (or up-sampling + conv) grow 7×7 to 28×28; the last one has 1 filter.",
      explanation: "The decoder rebuilds the image as a 28×28 grid with one grey channel, the shape of the input.",
    }),
    guardedCheck("decoder-conv", "The decoder has at least one Conv2D or Conv2DTranspose layer", () => {
      const count = countLayers(decoder, ["Conv2D", "Conv2DTranspose"]);
      return { passed: count > 0, message: `it has ${plural(count, "such layer")}` };
    }, {
      hint: 'Grow the image with layers such as tf.layers.conv2dTranspose({ filters: 32, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }), which doubles the width and height.',
      explanation: "Transposed (or up-sampling) convolutions paint the image from local patterns, mirroring the encoder.",
    }),
    guardedCheck("decoder-sigmoid", "The decoder's last layer has a sigmoid activation", () => {
      const last = decoder.layers[decoder.layers.length - 1];
      const activation = String(last.getConfig().activation ?? "none");
      return { passed: activation === "sigmoid", message: `its last layer (${last.name}) has activation ${activation}` };
    }, {
      hint: 'Give the last layer activation: "sigmoid", so every pixel lies between 0 and 1 like the input.',
      explanation: "Binary cross-entropy needs pixel values in (0, 1), which the sigmoid guarantees.",
    }),
  ];
  const isConvolutional = structure.every((item) => !CONVOLUTION_CHECKS.includes(item.id) || item.status === "right");
  const trained = isHistoryOf(history, vae);
  const training = isConvolutional ? trainingChecks(vae, history, validationImages, trained) : TRAINING_CHECKS.map(notYetGraded);
  return makeReport("task", CONV_VAE_TASK_ID, "Task: a convolutional VAE", [...structure, ...training]);
}

/** A training check left ungraded because the model is not convolutional yet (the starter's dense VAE learns too). */
function notYetGraded(check: (typeof TRAINING_CHECKS)[number]): ReportItem {
  return checkItem(check.id, check.label, false, {
    maxPoints: check.maxPoints,
    message: "not graded until the encoder and the decoder have convolutions",
    hint: "This check grades your convolutional VAE: make the layer checks above pass, re-run the model and training cells, then grade again.",
  });
}

/** The checks of what the trained model learned; `trained` says whether `history` is this model's own. */
function trainingChecks(vae: VaeModels, history: VaeHistory, validationImages: tf.Tensor, trained: boolean): ReportItem[] {
  const [lossFell, reconstructions] = TRAINING_CHECKS;
  const untrainedHint =
    "This model has not been trained: re-running the model cell builds a new, untrained model, so re-run the training cell after it, then grade again.";
  return [
    guardedCheck(lossFell.id, lossFell.label, () => {
      if (!trained) return { passed: false, message: "this history is not from training this model" };
      const epochs = history.loss.length;
      const [first, last] = [history.loss[0], history.loss[epochs - 1]];
      return {
        passed: epochs >= 2 && last < first,
        message: epochs < 2 ? `the history has ${plural(epochs, "finished epoch")}` : `loss ${first.toFixed(1)} → ${last.toFixed(1)}`,
      };
    }, {
      hint: trained
        ? "Train for at least 2 whole epochs; if the loss rose, try a smaller learning rate."
        : untrainedHint,
      explanation: "The VAE loss (reconstruction + KL) went down: the model is learning.",
    }),
    guardedCheck(reconstructions.id, reconstructions.label, () => {
      const { model, average } = reconstructionVersusAverage(vae, validationImages);
      return {
        passed: model <= (1 - RECONSTRUCTION_GAIN) * average,
        message: `reconstruction loss ${model.toFixed(1)} per image, average image ${average.toFixed(1)}`,
      };
    }, {
      maxPoints: reconstructions.maxPoints,
      hint: trained
        ? "Train longer (more epochs or images): a VAE that has not learned to use its latent code draws every image as the average one."
        : untrainedHint,
      explanation: "Decoded from z_mean, the validation images come back clearly closer than the average image: the 2 latent numbers carry what each image looks like.",
    }),
  ];
}
