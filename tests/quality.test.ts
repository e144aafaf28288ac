import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { psnr } from "../lib/metrics";
import { qualityTable, showQuality } from "../lib/show/quality";

describe("quality tables", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });

  it("lists PSNR, SSIM and each PSNR's change from the first row, as Markdown and as aligned text", () => {
    const { markdown, text } = qualityTable(
      [
        { name: "noisy", psnr: 9.3219, ssim: 0.30132 },
        { name: "denoised", psnr: 17.5, ssim: 0.6 },
        { name: "worse", psnr: 8.1, ssim: 0.2 },
      ],
      "Against the originals",
    );
    assert.equal(
      markdown,
      [
        "**Against the originals**",
        "",
        "| images | PSNR (dB) | SSIM | PSNR vs noisy |",
        "|:--|--:|--:|--:|",
        "| noisy | 9.32 | 0.301 |  |",
        "| denoised | 17.50 | 0.600 | +8.18 dB |",
        "| worse | 8.10 | 0.200 | −1.22 dB |",
        "",
      ].join("\n"),
    );
    assert.equal(
      text,
      [
        "Against the originals",
        "images    PSNR (dB)   SSIM  PSNR vs noisy",
        "noisy          9.32  0.301",
        "denoised      17.50  0.600       +8.18 dB",
        "worse          8.10  0.200       −1.22 dB",
        "",
      ].join("\n"),
    );
    assert.throws(() => qualityTable([]), /no scores/);
  });

  it("showQuality measures, prints the table outside a notebook and records psnr_/ssim_ figures", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quality-"));
    const figures = path.join(dir, "figures.json");
    process.env.AE_FIGURES_FILE = figures;
    const reference = tf.randomUniform([3, 8, 8, 1], 0, 1, "float32", 1) as tf.Tensor4D;
    const shifted = tf.clipByValue(tf.add(reference, 0.1), 0, 1) as tf.Tensor4D;
    const printed: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => printed.push(chunk) > 0) as typeof process.stdout.write;
    const before = tf.memory().numTensors;
    try {
      showQuality(reference, { "shifted up": shifted }, { title: "Test" });
    } finally {
      process.stdout.write = write;
      delete process.env.AE_FIGURES_FILE;
    }
    try {
      assert.equal(tf.memory().numTensors, before, "frees what it measures with");
      assert.match(printed.join(""), /^Test\nimages +PSNR \(dB\) +SSIM +PSNR vs shifted up\nshifted up +\d+\.\d\d +0\.\d{3}\n$/);
      const recorded = JSON.parse(fs.readFileSync(figures, "utf8"));
      assert.deepEqual(Object.keys(recorded).sort(), ["psnr_shifted_up", "ssim_shifted_up"]);
      assert.equal(recorded.psnr_shifted_up, psnr(reference, shifted));
    } finally {
      tf.dispose([reference, shifted]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
